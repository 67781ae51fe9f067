"""The shared pieces of a sync run: ``Context``, ``Kind`` and what the phases hand on.

``_sync`` (the run) and ``_sync_plan`` (the phases) both import this module and never
each other the other way round; ``_sync_kinds`` implements ``Kind`` for users, fobs and
doors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .._config import DEFAULT_READ_CONCURRENCY
from .._envelope import rows
from .._field_map import OnInsert
from .._results import BatchResult, Failure, Progress
from .._sync_results import FieldChange
from .._writes import WriteSpec
from ..errors import RecordError
from ._natural import row_id

if TYPE_CHECKING:
    from .._protocol import ResourceClient
    from ..converters import LocktConverter

ON_MISSING = ("keep", "disable", "delete")
OnProgress = Callable[[Progress], None] | None
#: A keyed row of the roster: (its id, its first key value, the row).
Row = tuple[int, str, Mapping[str, Any]]
#: Each source record converted and checked: (wire dict, []) or (None, messages).
Prepared = list[tuple[dict[str, Any] | None, list[str]]]
#: (source index, or position in ``plan.removals``; the record to send)
Item = tuple[int, dict[str, Any]]


@attrs.define(eq=False)
class Outgoing:
    """Phase 7's answer: what the write phase sends, every record checked."""

    inserts: list[Item] = attrs.Factory(list)
    updates: list[Item] = attrs.Factory(list)
    #: Source indexes of updates sent by ``PUT``.
    puts: set[int] = attrs.Factory(set)
    #: (position in ``plan.removals``, record); and the positions sent by ``PUT``.
    removals: list[Item] = attrs.Factory(list)
    removal_puts: set[int] = attrs.Factory(set)
    removal_failures: list[Failure] = attrs.Factory(list)


class Context:
    """One sync run: the client, its converter, options, and what the phases learn."""

    def __init__(
        self, client: ResourceClient, conv: LocktConverter, options: Mapping[str, bool]
    ) -> None:
        self.client = client
        self.conv = conv
        self.options = options
        self.on_missing = "keep"
        self.route = "auto"
        self.unlisted_mode = "carry"
        self.read_concurrency: int = getattr(client, "read_concurrency", DEFAULT_READ_CONCURRENCY)
        #: Source fields some matched row does not show (not compared).
        self.unlisted: set[str] = set()
        #: Object id -> its row from a per-id read (server-held fields).
        self.fetched: dict[int, Mapping[str, Any]] = {}
        #: Object id -> its roster row (each id once).
        self.roster: dict[int, Mapping[str, Any]] = {}
        #: The caller's insert hook (``on_insert``): fields for each planned insert.
        self.on_insert: OnInsert | None = None
        #: Every write call of the current phase as it starts: (its result, its items).
        #: Filled before the call returns, so an interrupted sync still accounts for them.
        self.sent: list[tuple[BatchResult, list[Item]]] = []
        self._dates: dict[str, str] = {}

    def date(self, value: Any, field: str) -> str:
        """A date read from the server as the wire form (local wall time), or "" for none."""
        if value is None or value == "":
            return ""
        if not isinstance(value, str):
            return str(value)
        try:
            return self._dates[value]
        except KeyError:
            pass
        try:
            parsed = self.conv.parse_datetime(value, field=field)
            text = "" if parsed is None else self.conv.format_datetime(parsed, field=field)
        except RecordError:
            text = value  # unreadable: compared as sent, so it shows as a difference
        self._dates[value] = text
        return text


class Kind:
    """What differs between users, fobs and doors; the engine does the rest."""

    name = ""
    path = ""
    #: Key fields in match order (fobs: ``name``, then ``card_num``).
    keys: tuple[str, ...] = ()
    #: The spec source records are converted and checked with.
    spec: WriteSpec
    #: When set, source records are checked with this one instead (a source may
    #: leave out fields an update keeps); what is sent is checked with ``spec``.
    source_spec: WriteSpec | None = None
    removal_modes: tuple[str, ...] = ("keep", "delete")
    #: The kind has server-held fields and a selective update (``route``, ``unlisted``).
    has_routes = False

    async def read(self, client: ResourceClient) -> list[Any]:
        """The instance's rows of this kind (one read of ``path``)."""
        return rows(await client.get(self.path), self.path)

    def compare(
        self, ctx: Context, wire: dict[str, Any], row: Mapping[str, Any]
    ) -> tuple[list[FieldChange], list[tuple[FieldChange, str]]]:
        """The differences to send, and those that cannot be sent (with the reason)."""
        raise NotImplementedError

    def blanked(self, record: Any, row: Mapping[str, Any]) -> list[str]:
        """Required fields the source record states blank while the row holds a value."""
        return []

    def server_held(self, wire: Mapping[str, Any] | None, row: Mapping[str, Any]) -> list[str]:
        """Fields the update call requires that neither ``wire`` (None: a disable) nor
        the roster row holds: they must come from the server (``SyncRoute``)."""
        return []

    def puttable(self, fields: Sequence[str]) -> bool:
        """True when a selective update call (``PUT``) takes all of ``fields``."""
        return False

    def unlisted_reason(self, field: str) -> str:
        """Why a source field the read does not show is not compared."""
        return f"GET {self.path} does not return {field}: not compared"

    def outgoing_update(
        self,
        ctx: Context,
        wire: dict[str, Any],
        row: Mapping[str, Any],
        changes: list[FieldChange],
        *,
        put: bool,
    ) -> tuple[dict[str, Any], list[str]]:
        """The record an update sends, and the messages that refuse it (empty: send)."""
        raise NotImplementedError

    def outgoing_removal(
        self, ctx: Context, row: Mapping[str, Any], mode: str, *, put: bool
    ) -> tuple[dict[str, Any], list[str]]:
        """The record a removal sends (default: ``{"id"}`` for a delete)."""
        return {"id": row_id(row)}, []

    async def write(
        self, ctx: Context, out: Outgoing, progress: _Progress
    ) -> list[tuple[BatchResult, list[Item]]]:
        """Send inserts and updates; each batch with the items it was given, in order."""
        raise NotImplementedError

    async def remove(
        self, ctx: Context, out: Outgoing, mode: str, progress: _Progress
    ) -> list[tuple[BatchResult, list[Item]]]:
        """Send ``out.removals`` (items indexed by position in ``plan.removals``)."""
        raise NotImplementedError

    def enabled(self, row: Mapping[str, Any]) -> bool | None:
        value = row.get("enabled")
        if isinstance(value, str):
            return value.strip().lower() not in ("false", "0", "no")
        return None if value is None else bool(value)


class _Progress:
    """One ``on_progress`` across the phases (writes, then removals): counts add up."""

    def __init__(self, callback: OnProgress, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done = self.pages = self.failed = 0
        self.started = time.perf_counter()

    def phase(self) -> OnProgress:
        if self.callback is None:
            return None
        callback = self.callback

        def report(p: Progress) -> None:
            callback(
                Progress(
                    done=self.done + p.done,
                    total=self.total,
                    pages=self.pages + p.pages,
                    failed=self.failed + p.failed,
                    elapsed=time.perf_counter() - self.started,
                )
            )

        return report

    def end(self, result: BatchResult) -> None:
        self.done += result.total
        self.pages += len(result.pages)
        self.failed += len(result.failures)


async def send_batch(
    ctx: Context,
    spec: WriteSpec,
    items: list[Item],
    options: Mapping[str, bool],
    progress: _Progress,
) -> BatchResult:
    """One bulk write of ``items`` through the write path (per-record outcomes).

    The call is recorded in ``ctx.sent`` before it starts (see ``Context.sent``).
    """
    from ._write_api import bulk

    result = BatchResult()
    ctx.sent.append((result, items))
    await bulk(
        ctx.client,
        spec,
        [record for _, record in items],
        {
            **options,
            "validate_fails_batch": False,
            "on_progress": progress.phase(),
            "result": result,
        },
    )
    progress.end(result)
    return result


__all__ = [
    "ON_MISSING",
    "Context",
    "Item",
    "Kind",
    "OnProgress",
    "Outgoing",
    "Prepared",
    "Row",
    "send_batch",
]
