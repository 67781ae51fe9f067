"""Slow-path coercions behind the generated hooks' fast type checks.

Each takes the raw value and the field name; ``None``/``""`` mean "absent" and
give None; anything that cannot be coerced raises ``RecordError`` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import RecordError

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})


def fail(field: str, expected: str, value: object) -> RecordError:
    """A ``RecordError`` saying what ``field`` expected and what it got."""
    try:
        shown = repr(value)
    except ValueError:  # an int past the interpreter's 4,300-digit str limit
        shown = f"<{value.bit_length() if isinstance(value, int) else '?'}-bit value>"
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return RecordError(
        f"{field}: expected {expected}, got {type(value).__name__} {shown}", field=field
    )


def to_int(value: object, field: str) -> int | None:
    """Ints, digit strings (``"613950"``, ``" -1 "``) and integral floats."""
    if value is None or value == "":
        return None
    if type(value) is int:
        return value
    if isinstance(value, str):
        text = value.strip()
        if text and (text.isdigit() or (text[0] in "+-" and text[1:].isdigit())):
            return int(text)
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, int) and not isinstance(value, bool)
    ):
        return int(value)
    raise fail(field, "an integer", value)


def to_str(value: object, field: str) -> str | None:
    """Strings (``""`` -> None), and ints for card numbers, PINs and id numbers."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return str(value)
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
    except ValueError:  # past the 4,300-digit str limit: no field holds such a number
        raise fail(field, "a string or a number of at most 4,300 digits", value) from None
    raise fail(field, "a string", value)


def to_bool(value: object, field: str) -> bool | None:
    """``true``/``false``, ``"true"``/``"false"`` (any case), ``1``/``0``, ``"1"``/``"0"``."""
    if value is None or value == "":
        return None
    if value is True or value is False:
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise fail(field, "a boolean", value)


def to_float(value: object, field: str) -> float | None:
    """Numbers and numeric strings (``battery_level``, ``offset``)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise fail(field, "a number", value)


def to_str_tuple(value: object, field: str) -> tuple[str, ...]:
    """A list of messages; a lone string becomes a one-element tuple."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(str(x) for x in value)
    raise fail(field, "a list of strings", value)


def to_seq(
    value: object, item: Callable[[Any], Any], field: str, default: Any
) -> tuple[Any, ...] | None:
    """A list of nested objects; a lone object is a one-element list (NOTES.md)."""
    if value is None or value == "":
        return default  # type: ignore[no-any-return]
    if isinstance(value, Mapping) or not isinstance(value, (list, tuple)):
        value = [value]
    out = []
    for i, raw in enumerate(value):
        try:
            out.append(item(raw))
        except RecordError as exc:
            raise nested(exc, f"{field}[{i}]") from None
    return tuple(x for x in out if x is not None)


def to_one(value: object, item: Callable[[Any], Any], field: str) -> Any:
    """A nested object; a one-element list is unwrapped (credential ``user``)."""
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple)):
        if not value:
            return None
        # More than one element cannot happen for a documented object: keep the first.
        value = value[0]
    try:
        return item(value)
    except RecordError as exc:
        raise nested(exc, field) from None


def nested(exc: RecordError, prefix: str) -> RecordError:
    """Re-raise a nested field's error with the path from the outer record."""
    inner = exc.field or ""
    path = f"{prefix}.{inner}" if inner else prefix
    message = str(exc)
    if inner and message.startswith(inner + ":"):
        message = message[len(inner) + 1 :].lstrip()
    return type(exc)(f"{path}: {message}", field=path, index=exc.index)
