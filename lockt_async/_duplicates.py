"""``DuplicateTracker``: values repeated within one input (the write path's check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._shown import show

__all__ = ["DuplicateTracker"]


class DuplicateTracker:
    """Detects values repeated within one input (one tracker per import, or per page).

    A value is compared as a stripped string, case-sensitively, so ``123`` and
    ``"123"`` are the same; blank values and the card number ``-1`` (remove
    credentials) are never duplicates.
    """

    __slots__ = ("_fields", "_seen", "_slots")

    def __init__(self, fields: tuple[str, ...]) -> None:
        self._fields = tuple(fields)
        self._seen: dict[str, set[str]] = {field: set() for field in self._fields}
        # (field, its seen values, compared lower-cased): one tuple walk per record.
        self._slots = tuple((f, self._seen[f], f == "email") for f in self._fields)

    @property
    def fields(self) -> tuple[str, ...]:
        return self._fields

    def check(self, rec: Mapping[str, Any]) -> list[str]:
        """Messages for every field of ``rec`` already seen; records the new values."""
        out: list[str] = []
        get = rec.get
        for field, values, lower in self._slots:
            value: Any = get(field)
            if type(value) is str:
                key = value.strip()
                if not key:
                    continue
                if lower:  # the server compares addresses case-insensitively
                    key = key.lower()
            elif type(value) is int and value.bit_length() <= 200:
                key = str(value)
            else:
                continue
            if key not in values:
                values.add(key)
            elif key != "-1" or field != "card_num":  # -1 removes cards: never a duplicate
                out.append(f"Duplicate {field} in input: {show(key)}")
        return out

    def reset(self) -> None:
        """Forget every value seen so far."""
        for values in self._seen.values():
            values.clear()
