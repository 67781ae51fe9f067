"""Resolving ``unknown`` outcomes by reading the records back by their natural key.

A record whose page got no usable answer (timeout, dropped connection, 5xx,
"Unexpected Error") is ``unknown``: it may or may not have been applied. For an
insert with a natural key (a user's ``id_num``, a fob's ``name`` or
``card_num``, a door's ``name``) one read settles it: found means it was
applied, absent means it certainly was not and may be resent as it is.

``reconcile`` never changes the ``BatchResult`` it is given; it returns a new one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
import attrs

from .._results import BatchResult, Failure, FailureReason
from ..errors import LocktError, NotFoundError

#: Answers whether the record with this natural-key value exists on the instance.
Lookup = Callable[[str], Awaitable[bool]]


def natural_key(record: Any, field: str) -> str | None:
    """The record's value for ``field`` (a model attribute or a mapping key), or None.

    Blank values, non-text values and records that carry a positive ``id`` (an
    update of an existing object: finding it proves nothing) give None.
    """
    if isinstance(record, Mapping):
        value = record.get(field)
        ident = record.get("id")
    else:
        value = getattr(record, field, None)
        ident = getattr(record, "id", None)
    if _is_existing_id(ident):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def _is_existing_id(ident: object) -> bool:
    if isinstance(ident, bool) or ident is None:
        return False
    if isinstance(ident, int):
        return ident > 0
    if isinstance(ident, str) and ident.strip().isdigit():
        return int(ident.strip()) > 0
    return False


def not_found_lookup(get: Callable[[str], Awaitable[object]]) -> Lookup:
    """A ``Lookup`` from a ``get`` that raises ``NotFoundError`` for an absent record."""

    async def lookup(value: str) -> bool:
        try:
            await get(value)
        except NotFoundError:
            return False
        return True

    return lookup


async def reconcile(
    result: BatchResult,
    *,
    key: str | Callable[[Any], str | None],
    lookup: Lookup,
    checked_by: str,
) -> BatchResult:
    """A copy of ``result`` with each ``unknown`` failure settled by ``lookup``.

    ``key`` names the natural-key field (or extracts the key from a record).
    Each ``unknown`` failure whose record has a key is looked up concurrently
    (the client's read bound applies): found, it is dropped from ``failures``
    (it was applied, so it counts as accepted); absent, it becomes
    ``not_sent`` with the message "not applied (checked by <checked_by> after an
    unknown outcome)". Failures without a key, and every other failure, are kept
    as they are. Counts, pages and flags are copied; ``result`` is not changed.

    Raises:
        LocktError: the first read that failed for a reason other than "not
            found" (e.g. ``AuthenticationError``, ``RequestTimeout``,
            ``ServerError``, ``MalformedResponseError``). ``result`` is
            untouched, so reconcile can simply be called again.
    """
    extract: Callable[[Any], str | None] = (
        (lambda rec: natural_key(rec, key)) if isinstance(key, str) else key
    )
    todo: dict[int, str] = {}
    for pos, failure in enumerate(result.failures):
        if failure.reason is FailureReason.UNKNOWN:
            value = extract(failure.record)
            if value is not None:
                todo[pos] = value
    found = await _look_up(todo, lookup)
    message = f"not applied (checked by {checked_by} after an unknown outcome)"
    failures: list[Failure] = []
    for pos, failure in enumerate(result.failures):
        if pos not in found:
            failures.append(failure)
        elif not found[pos]:
            failures.append(
                attrs.evolve(failure, reason=FailureReason.NOT_SENT, messages=(message,))
            )
    return attrs.evolve(result, pages=list(result.pages), failures=failures)


async def _look_up(todo: dict[int, str], lookup: Lookup) -> dict[int, bool]:
    """Each failure position -> whether its key was found: one lookup per distinct key,
    concurrently; the first error other than "not found" is raised."""
    found: dict[int, bool] = {}
    errors: list[LocktError] = []
    cache: dict[str, bool] = {}

    async def check(pos: int, value: str) -> None:
        if errors:
            return
        try:
            if value not in cache:
                cache[value] = await lookup(value)
            found[pos] = cache[value]
        except LocktError as exc:
            errors.append(exc)

    if todo:
        async with anyio.create_task_group() as tg:
            for pos, value in todo.items():
                tg.start_soon(check, pos, value)
    if errors:
        raise errors[0]
    return found


__all__ = ["Lookup", "natural_key", "not_found_lookup", "reconcile"]
