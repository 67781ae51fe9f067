"""The :class:`Simulator`: one Lockt instance, its HTTP app, faults and journal."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .._client import LocktClient
from ._faults import FaultPlan
from ._journal import Journal
from ._seed import seed as _load_seed
from ._state import Instance, Record
from ._validation import DEFAULT_LENGTH_LIMITS

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette

#: The document's "Endpoint | Method | Issue" table, every row on by default:
#:   "blank_id_returns_all": GET /user?id= or ?id_num= with a blank value lists everyone.
#:   "door_batch_duplicates": POST /door does not check names within a batch.
#:   "accesslevel_duplicates_span_batch": POST /accesslevel checks duplicate door ids
#:   across every access level of the page, not within each one.
#:   "door_delete_rejects_valid_ids": DELETE /door rejects a valid id ("Id is not
#:   valid: N") the first time a request names it; a resend of it succeeds.
DEFAULT_DEFECTS = frozenset(
    {
        "blank_id_returns_all",
        "door_batch_duplicates",
        "accesslevel_duplicates_span_batch",
        "door_delete_rejects_valid_ids",
    }
)
KNOWN_DEFECTS = DEFAULT_DEFECTS


def parse_defects(text: str) -> frozenset[str]:
    """``--defects``: "all" (the default, every documented defect), "none", or a
    comma-separated list of names from ``KNOWN_DEFECTS``.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    value = text.strip().lower()
    if value == "all":
        return DEFAULT_DEFECTS
    if value in ("none", ""):
        return frozenset()
    names = frozenset(n.strip() for n in value.split(",") if n.strip())
    unknown = sorted(names - KNOWN_DEFECTS)
    if unknown:
        raise ValueError(
            f"unknown defect(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_DEFECTS))}"
        )
    return names


class Simulator:
    """A faithful, stateful, in-memory Lockt instance served over ASGI.

    ``latency`` is every write's whole server time (applied first, then the rest
    slept while holding the write slot); ``read_latency`` is slept by every read.
    ``record_limit``, ``api_key``, ``length_limits`` and both latencies may be
    changed at any time.
    """

    base_path = "/api/v1"
    #: The base URL of :meth:`client` and of an ``httpx.AsyncClient`` on :meth:`transport`
    #: (a reserved ``.test`` host: nothing leaves the process).
    url = "http://lockt.test/api/v1"

    def __init__(
        self,
        *,
        api_user: str = "sim-user",
        api_key: str = "sim-key",
        timezone: str = "America/New_York",
        record_limit: int = 100,
        latency: float = 0.0,
        seed: bool = False,
        defects: frozenset[str] = DEFAULT_DEFECTS,
        length_limits: Mapping[str, int] | None = None,
    ) -> None:
        unknown = set(defects) - KNOWN_DEFECTS
        if unknown:
            raise ValueError(f"unknown defects: {sorted(unknown)}")
        self.api_user = api_user
        self.api_key = api_key
        self.timezone = ZoneInfo(timezone)
        self.record_limit = record_limit
        self.latency = latency
        self.read_latency = 0.0
        self.defects = frozenset(defects)
        #: "Length versus system limit" per field (``card_num``, ``pin``); the
        #: document gives no number. ``{}`` checks no length.
        self.length_limits: dict[str, int] = dict(
            DEFAULT_LENGTH_LIMITS if length_limits is None else length_limits
        )
        self.seeded = seed
        self.faults = FaultPlan()
        self.journal = Journal()
        # A threading lock, not an anyio one: the app may run in the test's loop
        # (asyncio or trio) or in a uvicorn thread, and is only ever try-acquired.
        self.write_lock = threading.Lock()
        self.instance = Instance(self.timezone)
        if seed:
            _load_seed(self.instance)
        self._app: Starlette | None = None

    def reset(self) -> None:
        """Forget all records, faults and journal entries (re-seed if seeded)."""
        self.instance.clear()
        if self.seeded:
            _load_seed(self.instance)
        self.faults.clear()
        self.journal.clear()

    @property
    def app(self) -> Starlette:
        """The ASGI application (built once, lazily)."""
        if self._app is None:
            from ._extra import require_extra

            require_extra("starlette")
            from ._app import build_app

            self._app = build_app(self)
        return self._app

    def transport(self) -> httpx.AsyncBaseTransport:
        """An in-process transport; a dropped connection raises like a real socket."""
        from ._extra import require_extra

        require_extra("starlette")
        from ._transport import SimTransport

        return SimTransport(self.app)

    def client(self, **kw: Any) -> LocktClient:
        """A ``LocktClient`` talking to this simulator in-process (no socket).

        Its credentials, :attr:`url` and :meth:`transport` are this simulator's,
        and its ``timezone`` the instance's unless ``timezone=`` says otherwise
        (``timezone=None`` reads ``GET /time``); any other ``LocktClient``
        keyword (``retry=``, ``record_limit=``, ``write_gate=``...) is passed on.
        Use it as ``async with sim.client() as lockt:``.
        """
        kw.setdefault("timezone", self.timezone)
        kw.setdefault("base_url", self.url)
        kw.setdefault("transport", self.transport())
        return LocktClient(self.api_user, self.api_key, **kw)

    def add_event(self, **fields: Any) -> Record:
        """Append an event with the next event id and return it (wire format)."""
        return self.instance.add_event(fields)

    def add_fob_holder(self, name: str, *, card_num: str | None = None) -> Record:
        """Add a fob-holder row: a ``GET /user`` row without ``id_num``.

        The document's ``GET /user`` example lists such rows ("Fob 1", blank
        ``id_num``) beside people; the seeded instance has two. ``card_num``
        gives the holder a fob credential. Returns the stored user.
        """
        inst = self.instance
        user = inst.new_user(inst.next_id())
        user.update(name=name, enabled=False)
        inst.users[user["id"]] = user
        if card_num:
            inst.add_credential(card_num, user["id"], fob=True, name=name, id_num="",
                                accesslevels=())  # fmt: skip
        return user

    # Stores, by id (the same dicts the app reads and writes).
    @property
    def users(self) -> dict[int, Record]:
        """Users by id."""
        return self.instance.users

    @property
    def fobs(self) -> dict[int, Record]:
        """Fob-tagged credentials by id."""
        return self.instance.fobs

    @property
    def credentials(self) -> dict[int, Record]:
        """All credentials (fobs included) by id."""
        return self.instance.credentials

    @property
    def doors(self) -> dict[int, Record]:
        """Doors by id."""
        return self.instance.doors

    @property
    def access_levels(self) -> dict[int, Record]:
        """Access levels by id."""
        return self.instance.access_levels

    @property
    def schedules(self) -> dict[int, Record]:
        """Schedules by id."""
        return self.instance.schedules

    @property
    def locations(self) -> dict[int, Record]:
        """Locations by id."""
        return self.instance.locations

    @property
    def location_types(self) -> dict[int, Record]:
        """Location types by id."""
        return self.instance.location_types

    @property
    def delegates(self) -> dict[int, Record]:
        """Delegate access levels by id."""
        return self.instance.delegates

    @property
    def events(self) -> list[Record]:
        """Events in ascending id order."""
        return self.instance.events


def env_lines(sim: Simulator, url: str) -> list[str]:
    """The ``LOCKT_*`` lines a client needs to use ``sim`` served at ``url``
    (the simulator's own test credentials, never a real key)."""
    return [
        f"LOCKT_BASE_URL={url}",
        f"LOCKT_API_USER={sim.api_user}",
        f"LOCKT_API_KEY={sim.api_key}",
    ]
