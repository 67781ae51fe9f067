"""The shared pieces of a sync run: ``Context``, ``Kind`` and what the phases hand on.

``_sync`` (the run) and ``_sync_plan`` (the phases) both import this module and never
each other the other way round; ``_sync_kinds`` implements ``Kind`` for users, fobs and
doors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
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
from ._write_api import bulk

if TYPE_CHECKING:
    from .._protocol import ResourceClient
    from ..converters import LocktConverter

ON_MISSING = ("keep", "disable", "delete")
OnProgress = Callable[[Progress], None] | None
#: A source record's wire form (what is compared and, when written, sent).
Wire = dict[str, Any]
#: A roster row as read (decoded JSON).
RowData = Mapping[str, Any]
#: A record to send, and the messages that refuse it (empty: send it).
Built = tuple[dict[str, Any], list[str]]
#: (source index, or position in ``plan.removals``; the record to send)
Item = tuple[int, dict[str, Any]]
#: The write calls a phase made: each one's result, with the items it was given.
Sent = list[tuple[BatchResult, list[Item]]]


@attrs.define(eq=False)
class Prepared:
    """Each source record checked as a write would check it, in source order.

    ``views[i]`` is record ``i``'s wire form, or None when it is refused (its
    messages in ``refusals[i]``). A plain text record's view is the caller's own
    dict (its wire form but for ``id: -1``, which nothing compares): a 100,000-row
    source is not copied. Nothing in the planner writes to a view.
    """

    views: list[Wire | None] = attrs.Factory(list)
    refusals: dict[int, list[str]] = attrs.Factory(dict)

    @classmethod
    def of(cls, items: Iterable[tuple[Wire | None, list[str]]]) -> Prepared:
        """From (view, messages) pairs (a phase test's source)."""
        out = cls()
        for i, (view, messages) in enumerate(items):
            out.views.append(view)
            if view is None:
                out.refusals[i] = messages
        return out


@attrs.define(eq=False)
class Outgoing:
    """Phase 7's answer: what the write phase sends, every record checked.

    ``puts`` and ``removal_puts`` name the items sent by ``PUT`` (source indexes,
    and positions in ``plan.removals``); ``removal_failures`` are removals refused
    before sending.
    """

    inserts: list[Item] = attrs.Factory(list)
    updates: list[Item] = attrs.Factory(list)
    removals: list[Item] = attrs.Factory(list)
    puts: set[int] = attrs.Factory(set)
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
        self.sent: Sent = []
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
    """What differs between users, fobs and doors; the engine does the rest.

    A kind states its name, path, keys and spec as class keywords
    (``class DoorKind(Kind, name="doors", path="/door", keys=("name",), spec=...)``).
    """

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

    def __init_subclass__(
        cls,
        *,
        name: str = "",
        path: str = "",
        keys: tuple[str, ...] = (),
        spec: WriteSpec | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls.name, cls.path, cls.keys = name or cls.name, path or cls.path, keys or cls.keys
        if spec is not None:
            cls.spec = spec

    async def read(self, client: ResourceClient) -> list[Any]:
        """The instance's rows of this kind (one read of ``path``)."""
        return rows(await client.get(self.path), self.path)

    def compare(
        self, ctx: Context, wire: Wire, row: RowData
    ) -> tuple[list[FieldChange], list[tuple[FieldChange, str]]]:
        """The differences to send, and those that cannot be sent (with the reason)."""
        raise NotImplementedError

    def blanked(self, record: Any, row: RowData) -> list[str]:
        """Required fields the source record states blank while the row holds a value."""
        return []

    def same_text(self, ctx: Context, record: Wire, row: RowData) -> bool:
        """True when ``record`` (a plain record that is its own view) is unchanged for
        sure: its every field's text is the row's. False means "compare it"."""
        return False

    def server_held(self, wire: Wire | None, row: RowData) -> list[str]:
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
        self, ctx: Context, wire: Wire, row: RowData, changes: list[FieldChange], *, put: bool
    ) -> Built:
        """The record an update sends, and the messages that refuse it (empty: send)."""
        raise NotImplementedError

    def outgoing_removal(self, ctx: Context, row: RowData, mode: str, *, put: bool) -> Built:
        """The record a removal sends (default: ``{"id"}`` for a delete)."""
        return {"id": row_id(row)}, []

    async def write(self, ctx: Context, out: Outgoing, progress: _Progress) -> Sent:
        """Send inserts and updates; each batch with the items it was given, in order."""
        raise NotImplementedError

    async def remove(self, ctx: Context, out: Outgoing, mode: str, progress: _Progress) -> Sent:
        """Send ``out.removals`` (items indexed by position in ``plan.removals``)."""
        raise NotImplementedError

    def enabled(self, row: RowData) -> bool | None:
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
    "Built",
    "Context",
    "Item",
    "Kind",
    "OnProgress",
    "Outgoing",
    "Prepared",
    "RowData",
    "Sent",
    "Wire",
    "send_batch",
]
