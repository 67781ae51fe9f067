"""The exit codes of ``lockt`` (``lockt_async.cli`` re-exports them for scripts)."""

from __future__ import annotations

__all__ = [
    "EXIT_CODES",
    "EXIT_CONNECT",
    "EXIT_FAILED",
    "EXIT_GUARD",
    "EXIT_OK",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "EXIT_USAGE",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CONNECT, EXIT_GUARD = 0, 1, 2, 3, 4
EXIT_SIGINT, EXIT_SIGTERM = 130, 143
#: Each exit code and the ``status`` a ``--report`` gives it.
EXIT_CODES = {
    EXIT_OK: "ok",
    EXIT_FAILED: "failed",
    EXIT_USAGE: "bad-input",
    EXIT_CONNECT: "connection",
    EXIT_GUARD: "guard",
    EXIT_SIGINT: "interrupted",
    EXIT_SIGTERM: "terminated",
}
