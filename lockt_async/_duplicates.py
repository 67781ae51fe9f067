"""``DuplicateTracker``: values repeated within one input (the write path's check)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from ._shown import show

__all__ = ["DuplicateTracker", "refuse_duplicates", "surely_distinct"]

_T = TypeVar("_T")


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


def surely_distinct(wires: Sequence[Mapping[str, Any]], fields: tuple[str, ...]) -> bool:
    """True when no two of ``wires`` repeat a value of ``fields`` under
    :class:`DuplicateTracker`'s rules, proved with C-level passes per field.

    ``False`` means "maybe": replay the records through a tracker (it also answers
    ``False`` for integers the tracker would compare but this proof does not).
    """
    for field in fields:
        try:
            values: list[Any] = list(map(itemgetter(field), wires))
        except KeyError:
            values = [w.get(field) for w in wires]
        keys = _keys(values, field == "email")
        if keys is None:
            return False
        distinct = set(keys)
        expected = len(keys)
        if "" in distinct:  # blanks are never duplicates
            distinct.discard("")
            expected -= keys.count("")
        if field == "card_num" and "-1" in distinct:  # -1 removes cards: never a duplicate
            distinct.discard("-1")
            expected -= keys.count("-1")
        if len(distinct) != expected:
            return False
    return True


def _keys(values: list[Any], lower: bool) -> list[str] | None:
    """The tracker's keys of ``values`` (blanks kept), or None where it cannot tell."""
    kinds = set(map(type, values))
    if kinds == {str}:
        strs: list[str] = values
        ints: list[int] = []
    else:
        strs = [v for v in values if type(v) is str]
        ints = [v for v in values if type(v) is int] if int in kinds else []
    keys = list(map(str.strip, strs))
    if lower:  # compared lower-cased, as the tracker does
        # One lower() over the joined text says whether any key has a capital
        # (case mapping is per character but for final sigma, which always changes).
        joined = "\n".join(keys)
        if joined.lower() != joined:
            keys = list(map(str.lower, keys))
    if ints:
        if max(map(int.bit_length, ints)) > 200:
            return None
        keys.extend(map(str, ints))
    return keys


def refuse_duplicates(
    fields: tuple[str, ...], items: Sequence[_T], wire_of: Callable[[_T], Mapping[str, Any]]
) -> tuple[list[_T], list[tuple[_T, list[str]]]]:
    """Split checked ``items`` (in input order) into kept and refused-as-duplicate ones,
    exactly as one :class:`DuplicateTracker` fed each item's wire in turn would.

    A list with no repeated value (the usual import) is proved so in a few C-level
    passes and costs no per-record tracking; otherwise the tracker decides.
    """
    if not fields or surely_distinct(list(map(wire_of, items)), fields):
        return list(items), []
    tracker = DuplicateTracker(fields)
    kept: list[_T] = []
    refused: list[tuple[_T, list[str]]] = []
    for item in items:
        messages = tracker.check(wire_of(item))
        if messages:
            refused.append((item, messages))
        else:
            kept.append(item)
    return kept, refused
