"""Natural-key updates: a user's system ``id`` found by its ``id_num`` before a write.

The server updates a ``POST /user`` record only when it carries a valid system
``id`` (the behaviour table, INSERT/UPDATE row); a record from an HR file
carries only ``id_num``. With ``update_existing=True`` the library therefore
looks the ``id`` up by ``id_num`` and sends the record as an update.

Which lookup (measured over loopback against the simulator, see
``benchmarks/bench_sync.py``): one ``GET /user?id_num=`` read costs about 3 ms,
the whole roster (``GET /user``) about 35 us per user (3.4 s for 100,000).
A roster is usually thousands of people, so up to ``LOOKUP_READS_MAX`` (50)
records are looked up one read each (about 150 ms, the price of a roster of
~4,000), and more than that take one roster read.

Every row a read returns is checked: it counts only when its own ``id_num`` is
the one asked for, so a server that ignores the filter (and answers with Bob's
row, or everyone) cannot turn Bob's row into Alice's update. An ``id_num`` held
by two users gets no ``id``: the record is refused before sending, naming both.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

import anyio
import attrs

from .._envelope import rows
from ..errors import NotFoundError
from ._reconcile import natural_key

if TYPE_CHECKING:
    from .._protocol import ResourceClient

#: Up to this many records to resolve: one ``?id_num=`` read each; more: one roster read.
LOOKUP_READS_MAX = 50

Ids = dict[str, list[int]]


def key_to_resolve(record: Any) -> str | None:
    """The ``id_num`` of a record that has no system id yet (None, blank or -1), else None."""
    ident = record.get("id") if isinstance(record, Mapping) else getattr(record, "id", None)
    if isinstance(ident, str):
        ident = ident.strip()
    if ident not in (None, "", -1, "-1") or isinstance(ident, bool):
        return None
    return natural_key(record, "id_num")


def row_id(row: Any) -> int | None:
    """A row's system id as a positive int, or None."""
    # ``type(...) is dict`` first: an ABC isinstance costs more than the rest of the call.
    ident = row.get("id") if type(row) is dict or isinstance(row, Mapping) else None
    if type(ident) is int:  # the common case first: this runs once per roster row
        return ident if ident > 0 else None
    if isinstance(ident, str) and ident.strip().isdigit():
        ident = int(ident.strip())
    if isinstance(ident, int) and not isinstance(ident, bool) and ident > 0:
        return ident
    return None


def row_key(row: Any, field: str = "id_num") -> str | None:
    """A row's natural key as stripped text, or None when blank (a fob-holder row)."""
    value = row.get(field) if type(row) is dict or isinstance(row, Mapping) else None
    if type(value) is str:  # the common case first: this runs once per roster row
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


async def roster_rows(client: ResourceClient) -> list[Any]:
    """``GET /user``: every row as the server sent it (decoded JSON, not models)."""
    return rows(await client.get("/user"), "/user")


def ids_by_key(found: Iterable[Any], field: str = "id_num") -> Ids:
    """Ids per natural key; rows without the key (fob holders) or an id are skipped."""
    out: Ids = {}
    for row in found:
        key, ident = row_key(row, field), row_id(row)
        if key is not None and ident is not None:
            out.setdefault(key, []).append(ident)
    return out


#: Tasks reading per key at once; the client's read bound (``read_concurrency``) still
#: limits the requests in flight. A fixed pool: a 100,000-key verification starts 32
#: tasks, not 100,000.
READ_WORKERS = 32


async def read_each(
    client: ResourceClient, path: str, param: str, keys: Iterable[str]
) -> dict[str, list[Any]]:
    """One ``GET path?param=key`` per distinct key, concurrently; the rows whose own
    ``param`` field equals the key (a server that ignores the filter and answers with
    everyone cannot hand one person's row to another). A key not found maps to ``[]``.

    Raises:
        LocktError: a read failed for a reason other than "not found".
    """
    todo = iter(dict.fromkeys(keys))
    out: dict[str, list[Any]] = {}

    async def worker() -> None:
        for key in todo:  # one shared iterator: each key is taken by one worker
            try:
                found = rows(await client.get(path, {param: key}), path)
            except NotFoundError:
                found = []
            out[key] = [r for r in found if row_key(r, param) == key]

    async with anyio.create_task_group() as tg:
        for _ in range(READ_WORKERS):
            tg.start_soon(worker)
    return out


async def lookup_ids(client: ResourceClient, keys: Iterable[str]) -> Ids:
    """One ``GET /user?id_num=`` per key (concurrent, under the read bound).

    Only rows whose own ``id_num`` equals the key asked for are kept.
    """
    found = await read_each(client, "/user", "id_num", keys)
    out: Ids = {}
    for key, got in found.items():
        ids = [i for r in got if (i := row_id(r)) is not None]
        if ids:
            out[key] = ids
    return out


def with_id(record: Any, ident: int | str) -> Any:
    """A copy of ``record`` carrying ``id`` (a model is evolved; a mapping copied, class kept)."""
    if attrs.has(type(record)):
        return attrs.evolve(record, id=ident)
    if type(record) is dict:
        return {**record, "id": ident}
    clone = copy.copy(record)  # a dict subclass (the CLI's rows) keeps its class and attributes
    clone["id"] = ident
    return clone


def resolved(record: Any, ids: Ids) -> Any:
    """``record`` with the id found for its ``id_num``; unchanged when none was found."""
    key = key_to_resolve(record)
    if key is None or key not in ids:
        return record
    found = ids[key]
    if len(found) == 1:
        return with_id(record, found[0])
    # Two users hold this id_num: no update can be aimed. The id check refuses the
    # record before sending, and this text is its message.
    held = ", ".join(str(i) for i in sorted(found))
    return with_id(record, f"ambiguous: id_num {key} is held by users {held}")


async def ids_for(client: ResourceClient, keys: Sequence[str]) -> Ids:
    """Ids for ``keys`` by the cheaper lookup (see the module docstring)."""
    if not keys:
        return {}
    if len(set(keys)) <= LOOKUP_READS_MAX:
        return await lookup_ids(client, keys)
    return ids_by_key(await roster_rows(client))


async def resolve_ids(client: ResourceClient, records: Any) -> Any:
    """``records`` with system ids filled in by ``id_num``, of the same kind.

    Lists come back as lists; other iterables and async iterables are peeked
    (at most ``LOOKUP_READS_MAX + 1`` records) and come back as streams.

    Raises:
        LocktError: a lookup read failed (nothing has been sent).
    """
    if isinstance(records, Sequence) and not isinstance(records, str | bytes):
        keys = [k for r in records if (k := key_to_resolve(r)) is not None]
        if not keys:
            return records
        ids = await ids_for(client, keys)
        return [resolved(r, ids) for r in records]
    if isinstance(records, AsyncIterable):
        ait = aiter(records)
        head = [record async for record in _first(ait, LOOKUP_READS_MAX + 1)]
        if len(head) <= LOOKUP_READS_MAX:  # the whole input: resolved as a list
            return await resolve_ids(client, head)
        return _resolve_async(head, ait, ids_by_key(await roster_rows(client)))
    if isinstance(records, Iterable) and not isinstance(records, str | bytes | Mapping):
        it = iter(records)
        head = list(islice(it, LOOKUP_READS_MAX + 1))
        if len(head) <= LOOKUP_READS_MAX:
            return await resolve_ids(client, head)
        return _resolve_sync(head, it, ids_by_key(await roster_rows(client)))
    return records  # not an iterable: the write path names the error


async def _first(ait: AsyncIterator[Any], n: int) -> AsyncIterator[Any]:
    """The first ``n`` items of ``ait`` (it goes on from the next one afterwards)."""
    for _ in range(n):
        try:
            yield await anext(ait)
        except StopAsyncIteration:
            return


def _resolve_sync(head: list[Any], rest: Iterator[Any], ids: Ids) -> Iterator[Any]:
    for record in head:
        yield resolved(record, ids)
    for record in rest:
        yield resolved(record, ids)


async def _resolve_async(head: list[Any], rest: AsyncIterator[Any], ids: Ids) -> AsyncIterator[Any]:
    for record in head:
        yield resolved(record, ids)
    async for record in rest:
        yield resolved(record, ids)


async def resolve_one(client: ResourceClient, record: Any) -> Any:
    """One record with its id filled in by one checked ``?id_num=`` read."""
    key = key_to_resolve(record)
    if key is None:
        return record
    return resolved(record, await lookup_ids(client, [key]))


__all__ = [
    "LOOKUP_READS_MAX",
    "ids_by_key",
    "key_to_resolve",
    "lookup_ids",
    "read_each",
    "resolve_ids",
    "resolve_one",
    "roster_rows",
    "row_id",
    "row_key",
    "with_id",
]
