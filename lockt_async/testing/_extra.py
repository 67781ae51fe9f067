"""The simulator's optional dependencies: a missing one is one clear line, not a traceback."""

from __future__ import annotations

import importlib

__all__ = ["missing_extra", "require_extra"]

#: What installs every module the simulator needs.
INSTALL = 'pip install "lockt_async[simulator]"'


def missing_extra(module: str) -> str | None:
    """Why ``module`` cannot be used, as one line naming the extra; None when it imports."""
    try:
        importlib.import_module(module)
    except ImportError:
        return (
            f"the Lockt simulator needs {module}, which is not installed: "
            f"{INSTALL} (or the [cli] extra, which includes it)"
        )
    return None


def require_extra(module: str) -> None:
    """Raise ``ModuleNotFoundError`` naming the extra when ``module`` is missing."""
    problem = missing_extra(module)
    if problem is not None:
        raise ModuleNotFoundError(problem, name=module)
