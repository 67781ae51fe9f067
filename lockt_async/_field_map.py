"""An HR file as it comes: its columns renamed to fields, and values it cannot have on insert.

``field_map={"Employee Number": "id_num", "First Name": "first_name"}`` renames
a mapping record's keys before anything else reads it; keys it does not name
pass through unchanged (so the document's own names still work), and a model
record (``User``...) is left as it is. Every target must be a field the call
takes: a typo is a ``ConfigurationError`` naming it, before any I/O.

``on_insert`` is called with each record that will be inserted (after
``field_map``; for ``users.upsert``: a mapping without a system ``id`` once
``update_existing`` has looked ids up; for ``users.sync``: each planned insert)
and returns the fields to add, e.g. ``{"pin": next_pin()}``. A returned field
fills only a field the record lacks or has blank: the source always wins. The
record is then checked as any other (a missing ``pin`` is still refused,
"Missing or blank pin"), in a dry run as in the real run. Return ``None`` or
``{}`` to add nothing. An exception raised by the hook propagates.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import Any

from .errors import ConfigurationError

__all__ = ["OnInsert", "check_field_map", "check_on_insert", "fill_insert", "is_insert", "map_each"]

#: The insert hook: a record about to be inserted -> the fields to add where it has none.
OnInsert = Callable[[Mapping[str, Any]], Mapping[str, Any] | None]


def check_field_map(
    field_map: object, fields: Iterable[str], operation: str, *, argument: str = "field_map"
) -> dict[str, str]:
    """``field_map`` as a checked ``{source column: field}`` dict ({} for None).

    Raises:
        ConfigurationError: not a mapping of non-blank strings, a target the call
            does not take (named, with the fields it takes), or two columns mapped
            to the same field.
    """
    if field_map is None:
        return {}
    if not isinstance(field_map, Mapping):
        raise ConfigurationError(
            f"{argument} must be a mapping of source column -> field name, "
            f"got {type(field_map).__name__}"
        )
    allowed = frozenset(fields)
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for source, target in field_map.items():
        if not isinstance(source, str) or not source.strip():
            raise ConfigurationError(
                f"{argument}: a source column must be a non-blank string, got {source!r}"
            )
        if not isinstance(target, str) or not target.strip():
            raise ConfigurationError(
                f"{argument}: the field for column {source!r} must be a non-blank string, "
                f"got {target!r}"
            )
        target = target.strip()
        if target not in allowed:
            raise ConfigurationError(
                f"{argument}: {source!r} -> {target!r}: {operation} has no field {target!r} "
                f"(fields: {', '.join(sorted(allowed))})"
            )
        if target in seen:
            raise ConfigurationError(
                f"{argument}: columns {seen[target]!r} and {source!r} both map to {target!r}"
            )
        seen[target] = source
        out[source] = target
    return out


def check_on_insert(on_insert: object) -> OnInsert | None:
    """``on_insert`` when it is None or callable; else ``ConfigurationError``."""
    if on_insert is not None and not callable(on_insert):
        raise ConfigurationError(
            f"on_insert must be a callable (record -> fields to add) or None, "
            f"got {type(on_insert).__name__}"
        )
    return on_insert


def rename(record: Any, fmap: Mapping[str, str]) -> Any:
    """One mapping record with its keys renamed (a dict subclass keeps its class and attributes).

    When a record has both a mapped column and the field it maps to, the mapped
    column wins (it is the one the caller named).
    """
    if not fmap or not isinstance(record, Mapping):
        return record
    renamed = {fmap.get(k, k): v for k, v in record.items() if k not in fmap}
    renamed.update((fmap[k], v) for k, v in record.items() if k in fmap)
    if type(record) is dict:
        return renamed
    clone = copy.copy(record)
    if isinstance(clone, dict):
        clone.clear()
        clone.update(renamed)
        return clone
    return renamed


def is_insert(record: Any) -> bool:
    """A mapping record without a system id (none, blank or -1): the server inserts it."""
    if not isinstance(record, Mapping):
        return False
    ident = record.get("id")
    if isinstance(ident, str):
        ident = ident.strip()
    return ident in (None, "", -1, "-1") and not isinstance(ident, bool)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def fill_insert(record: Any, on_insert: OnInsert) -> Any:
    """``record`` with the hook's fields added where it has none (a copy; class kept)."""
    extra = on_insert(record)
    if not extra:
        return record
    if not isinstance(extra, Mapping):
        raise ConfigurationError(
            "on_insert must return a mapping of fields to add (or None), "
            f"got {type(extra).__name__}"
        )
    missing = {k: v for k, v in extra.items() if _blank(record.get(k))}
    if not missing:
        return record
    if type(record) is dict:
        return {**record, **missing}
    clone = copy.copy(record)
    clone.update(missing)
    return clone


def map_each(records: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn`` over ``records`` keeping its kind: a list stays a list, a stream a stream.

    Anything that is not an iterable of records is returned unchanged (the
    write path names the error).
    """
    if isinstance(records, list | tuple):
        return [fn(r) for r in records]
    if isinstance(records, str | bytes | Mapping):
        return records
    if isinstance(records, AsyncIterable):
        return _amap(records, fn)
    if isinstance(records, Iterable):
        return _map(records, fn)
    return records


def _map(records: Iterable[Any], fn: Callable[[Any], Any]) -> Iterator[Any]:
    for record in records:
        yield fn(record)


async def _amap(records: AsyncIterable[Any], fn: Callable[[Any], Any]) -> AsyncIterator[Any]:
    async for record in records:
        yield fn(record)
