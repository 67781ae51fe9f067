"""``python -m lockt_async``: the ``lockt`` command line."""

from lockt_async.cli import main

if __name__ == "__main__":
    main()
