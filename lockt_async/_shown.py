"""How a caller's value appears in a message: short, printable, never raising."""

from __future__ import annotations

import reprlib

__all__ = ["show", "shown_repr"]

_SHOW_MAX = 60

_REPR = reprlib.Repr()
_REPR.maxstring = _SHOW_MAX
_REPR.maxother = _SHOW_MAX
_REPR.maxlong = 40
_REPR.maxlist = 5
_REPR.maxtuple = 5
_REPR.maxset = 5
_REPR.maxdict = 4
_REPR.maxlevel = 2


def show(value: object) -> str:
    """The value as it may appear in a message: short, printable, never raising."""
    if type(value) is str and value.isprintable():
        return value if len(value) <= _SHOW_MAX else value[: _SHOW_MAX - 3] + "..."
    try:
        text = _REPR.repr(value)
    except Exception:  # huge ints, hostile __repr__: name the type only
        return f"<{type(value).__name__}>"
    return text if len(text) <= _SHOW_MAX + 20 else text[:_SHOW_MAX] + "..."


def shown_repr(value: object) -> str:
    """Like :func:`show`, but always a repr (so ``'5'`` and ``5`` differ)."""
    try:
        text = _REPR.repr(value)
    except Exception:
        return f"<{type(value).__name__}>"
    return text if len(text) <= _SHOW_MAX + 20 else text[:_SHOW_MAX] + "..."
