"""The library's warnings (errors are in ``errors``)."""

from __future__ import annotations

__all__ = ["LocktWarning"]


class LocktWarning(UserWarning):
    """Something works but should be done differently, e.g. a client that was never closed.

    A ``UserWarning``, so Python shows it by default (once per place);
    ``warnings.simplefilter("error", LocktWarning)`` turns it into an error in tests.
    """
