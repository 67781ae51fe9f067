"""What sync compares and sends, per kind: users, fobs, doors.

Users (key ``id_num``)
    Compared: every field the source supplies, as the write path would send it.
    ``email`` ignores case (the server's uniqueness check does). Access levels
    are sets of ids: with ``replace_privileges=True`` they differ when the sets
    differ, with ``False`` only when the source has a level the user lacks.
    Not sent for their own sake (listed in ``plan.ignored`` with the reason):

    * ``card_num`` when the user already holds a card: the document's behaviour
      table says an update uses ``card_num`` only when the user has no card (or
      it is ``-1``, which removes the cards: compared as "has a card");
    * ``credential_key``: assigned by the instance;
    * a field ``GET /user`` does not return (the document's list example has no
      ``pin``): it cannot be compared, and is sent only along with another change.

    An update is a ``POST /user`` of the user as Lockt holds it with the
    source's fields laid over it, so fields the source does not supply keep
    their values. ``on_missing="disable"`` sends the same with ``enabled: false``
    (users already disabled need no write), and enables again a disabled user
    who is back in the source without an ``enabled`` of its own (with "keep"
    or "delete" a user disabled by hand stays so); ``"delete"`` is ``DELETE /user``.

Fobs (key ``name``, falling back to ``card_num``)
    Created with ``POST /fob``; a holder (``user_id``, 0 for none) or date change
    is a ``PUT /fob`` (``fobs.reassign``), and a new fob with a holder gets one
    after it is created. ``id_num``, ``card_num`` (and a ``name`` when matched by
    card) cannot be changed by ``PUT /fob``: listed in ``plan.ignored``.
    Missing fobs are kept or deleted (a fob cannot be disabled).

Doors (key ``name``)
    Created with ``POST /door``; no write call changes an existing door, so
    nothing else is compared. Missing doors are kept or deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .. import _validation as v
from .._envelope import rows
from .._results import BatchResult
from .._sync_results import FieldChange
from . import _specs
from ._natural import row_id, row_key
from ._sync import ON_MISSING, Context, Item, Kind, _Progress, send_batch

_DATES = ("access_effective", "access_expires")
Ignored = list[tuple[FieldChange, str]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _flag(value: Any) -> bool | None:
    if isinstance(value, str):
        low = value.strip().lower()
        return None if not low else low not in ("false", "0", "no")
    return None if value is None else bool(value)


def _level_ids(value: Any) -> list[int]:
    """Access levels as sorted ids: ``[{"id"}]`` on write, ``[{"unid", "name"}]`` on read."""
    out: set[int] = set()
    for item in value if isinstance(value, list | tuple) else ():
        raw = item.get("id", item.get("unid")) if isinstance(item, Mapping) else item
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw)
        if isinstance(raw, int) and not isinstance(raw, bool):
            out.add(raw)
    return sorted(out)


def _value(ctx: Context, field: str, value: Any, *, from_row: bool) -> Any:
    """A field in the form compared (and shown): the wire form."""
    if field in _DATES:
        return ctx.date(value, field) if from_row else _text(value)
    if field == "enabled":
        return _flag(value)
    if field == "accesslevels":
        return _level_ids(value)
    if field == "user_id":
        return row_id({"id": value}) or 0
    return _text(value)


def _has_card(row: Mapping[str, Any]) -> bool:
    """The user holds a (non-fob) card: from ``credentials`` when listed, else ``card_num``."""
    creds = row.get("credentials")
    if isinstance(creds, list) and creds:
        return any(isinstance(c, Mapping) and not _flag(c.get("fob")) for c in creds)
    return bool(_text(row.get("card_num")))


_USER_MERGE = (
    "id_num", "first_name", "last_name", "email", "phone", "pin", "enabled",
    "access_effective", "access_expires", "custom1", "custom2", "custom3", "custom4",
)  # fmt: skip
_USER_SKIP = frozenset({"id", "id_num"})
_USER_SPECIAL = frozenset(
    {"access_effective", "access_expires", "enabled", "accesslevels", "card_num",
     "credential_key", "email", "user_id"}
)  # fmt: skip
_NOT_RETURNED = "GET {path} does not return {field}: not compared; sent only with another change"
_CARD_KEPT = (
    "the user already holds a card and an update ignores card_num then (behaviour table); "
    "send card_num -1 first, or change the credential"
)


class UserKind(Kind):
    """``users.sync``: see the module docstring."""

    name = "users"
    path = "/user"
    keys = ("id_num",)
    spec = _specs.USERS_UPSERT
    # A source row may leave out email/phone/pin (an update keeps Lockt's values,
    # merged from the roster); the record sent is checked with every required row.
    source_spec = _specs.leave_required_to_server(_specs.USERS_UPSERT)
    update_spec = _specs.USERS_UPSERT
    removal_modes = ON_MISSING

    def compare(
        self, ctx: Context, wire: dict[str, Any], row: Mapping[str, Any]
    ) -> tuple[list[FieldChange], Ignored]:
        changes: list[FieldChange] = []
        ignored: Ignored = []
        for field, raw in wire.items():
            if field in _USER_SKIP:
                continue
            if field not in row:
                after = _value(ctx, field, raw, from_row=False)
                note = _NOT_RETURNED.format(path=self.path, field=field)
                ignored.append((FieldChange(field, None, after), note))
                continue
            current = row[field]
            if current == raw and type(raw) is str:
                # The same text: equal for every field (a card the user already shows too).
                continue
            if field not in _USER_SPECIAL:
                before, after = _text(current), _text(raw)
                if before != after:
                    changes.append(FieldChange(field, before, after))
                continue
            self._compare_special(ctx, field, raw, current, row, changes, ignored)
        if (
            ctx.on_missing == "disable"
            and "enabled" not in wire
            and _flag(row.get("enabled")) is False
        ):
            # Disabled by an earlier sync for being gone; back in the source: enabled again.
            changes.append(FieldChange("enabled", False, True))
        return changes, ignored

    def _compare_special(
        self,
        ctx: Context,
        field: str,
        raw: Any,
        current: Any,
        row: Mapping[str, Any],
        changes: list[FieldChange],
        ignored: Ignored,
    ) -> None:
        after = _value(ctx, field, raw, from_row=False)
        before = _value(ctx, field, current, from_row=True)
        if field == "credential_key":
            if before != after:
                ignored.append((FieldChange(field, before, after), "assigned by the instance"))
        elif field == "card_num":
            has_card = _has_card(row)
            if after == "-1" or not has_card:
                if has_card or after != "-1":
                    changes.append(FieldChange(field, before, after))
            elif before != after:
                ignored.append((FieldChange(field, before, after), _CARD_KEPT))
        elif field == "accesslevels":
            add_only = not ctx.options.get("replace_privileges", True)
            if not set(after) <= set(before) if add_only else after != before:
                changes.append(FieldChange(field, before, after))
        elif field == "email":
            if before.casefold() != after.casefold():
                changes.append(FieldChange(field, before, after))
        elif before != after:
            changes.append(FieldChange(field, before, after))

    def _base(self, ctx: Context, row: Mapping[str, Any]) -> dict[str, Any]:
        """The user as Lockt holds it, in wire form (what an update must carry to keep it)."""
        rec: dict[str, Any] = {"id": row_id(row)}
        for field in _USER_MERGE:
            if field in row:
                value = _value(ctx, field, row[field], from_row=True)
                if value not in ("", None):
                    rec[field] = value
        return rec

    def update_record(
        self, ctx: Context, wire: dict[str, Any], row: Mapping[str, Any], changes: list[FieldChange]
    ) -> dict[str, Any]:
        rec = self._base(ctx, row)
        for field, value in wire.items():
            if field not in ("id", "credential_key", "card_num"):
                rec[field] = value
        if any(c.field == "card_num" for c in changes):
            rec["card_num"] = wire["card_num"]
        if "enabled" not in wire and any(c.field == "enabled" for c in changes):
            rec["enabled"] = True
        return rec

    def _options(self, ctx: Context) -> dict[str, bool]:
        return {
            "update_existing": True,
            "replace_privileges": ctx.options.get("replace_privileges", True),
        }

    async def write(
        self, ctx: Context, inserts: list[Item], updates: list[Item], progress: _Progress
    ) -> list[tuple[BatchResult, list[Item]]]:
        items = sorted(inserts + updates, key=lambda item: item[0])
        result = await send_batch(ctx, self.spec, items, self._options(ctx), progress)
        return [(result, items)]

    async def remove(
        self, ctx: Context, rows: list[Mapping[str, Any]], mode: str, progress: _Progress
    ) -> BatchResult:
        if mode == "disable":
            items = [(i, {**self._base(ctx, r), "enabled": False}) for i, r in enumerate(rows)]
            return await send_batch(ctx, self.spec, items, self._options(ctx), progress)
        items = [(i, {"id": row_id(r)}) for i, r in enumerate(rows)]
        return await send_batch(ctx, _specs.USERS_DELETE, items, {}, progress)


def _check_fob_sync(rec: Mapping[str, Any]) -> list[str]:
    out = v.check_fob(rec)
    holder = rec.get("user_id")
    if holder is not None and not (type(holder) is int and holder >= 0):
        out.append(f"user_id must be 0 (no holder) or a user id: {holder!r}")
    return out


FOBS_SYNC = attrs.evolve(
    _specs.FOBS_CREATE,
    operation="fobs.sync",
    fields=_specs.FOBS_CREATE.fields | {"user_id"},
    check=_check_fob_sync,
)
_FOB_FIXED = "PUT /fob (fobs.reassign) changes only the holder (user_id) and the dates"


class FobKind(Kind):
    """``fobs.sync``: see the module docstring."""

    name = "fobs"
    path = "/fob"
    keys = ("name", "card_num")
    spec = FOBS_SYNC
    update_spec = _specs.FOBS_REASSIGN

    async def read(self, client: Any) -> list[Any]:
        """``GET /fob`` rows with their holder as ``user_id``: the document's fob rows do
        not carry one, so it is read from ``GET /credential`` (a fob is a credential;
        its ``user`` is the holder, a one-element list or an object)."""
        fobs = rows(await client.get("/fob"), "/fob")
        holders: dict[Any, int] = {}
        for cred in rows(await client.get("/credential"), "/credential"):
            if not isinstance(cred, Mapping):
                continue
            user = cred.get("user")
            if isinstance(user, list):
                user = user[0] if len(user) == 1 else None
            holder = row_id(user) if isinstance(user, Mapping) else None
            ident = row_id(cred)
            if ident is not None:
                holders[ident] = holder or 0
        out = []
        for row in fobs:
            if isinstance(row, Mapping) and "user_id" not in row:
                row = {**row, "user_id": holders.get(row_id(row), 0)}
            out.append(row)
        return out

    def compare(
        self, ctx: Context, wire: dict[str, Any], row: Mapping[str, Any]
    ) -> tuple[list[FieldChange], Ignored]:
        changes: list[FieldChange] = []
        ignored: Ignored = []
        for field, raw in wire.items():
            if field == "id":
                continue
            after = _value(ctx, field, raw, from_row=False)
            before = _value(ctx, field, row.get(field), from_row=True)
            if before == after:
                continue
            if field in ("user_id", *_DATES):
                changes.append(FieldChange(field, before, after))
            else:
                ignored.append((FieldChange(field, before, after), _FOB_FIXED))
        return changes, ignored

    def update_record(
        self, ctx: Context, wire: dict[str, Any], row: Mapping[str, Any], changes: list[FieldChange]
    ) -> dict[str, Any]:
        rec: dict[str, Any] = {"id": row_id(row)}
        for change in changes:
            rec[change.field] = wire.get(change.field, "")
        return rec

    async def write(
        self, ctx: Context, inserts: list[Item], updates: list[Item], progress: _Progress
    ) -> list[tuple[BatchResult, list[Item]]]:
        out: list[tuple[BatchResult, list[Item]]] = []
        creates = [(i, {k: x for k, x in rec.items() if k != "user_id"}) for i, rec in inserts]
        holders = {rec["name"]: (i, rec["user_id"]) for i, rec in inserts if rec.get("user_id")}
        if creates:
            created = await send_batch(ctx, _specs.FOBS_CREATE, creates, {}, progress)
            out.append((created, creates))
            failed = {creates[f.index][0] for f in created.failures}
            holders = {n: h for n, h in holders.items() if h[0] not in failed}
        reassign = list(updates)
        if holders:
            # A new fob's holder is set by PUT /fob once it has an id: read them back.
            for row in rows(await ctx.client.get(self.path), self.path):
                name = row_key(row, "name")
                if name in holders and (rid := row_id(row)) is not None:
                    src, holder = holders.pop(name)
                    reassign.append((src, {"id": rid, "user_id": holder}))
        if reassign:
            reassign.sort(key=lambda item: item[0])
            done = await send_batch(ctx, _specs.FOBS_REASSIGN, reassign, {}, progress)
            out.append((done, reassign))
        return out

    async def remove(
        self, ctx: Context, rows: list[Mapping[str, Any]], mode: str, progress: _Progress
    ) -> BatchResult:
        items = [(i, {"id": row_id(r)}) for i, r in enumerate(rows)]
        return await send_batch(ctx, _specs.FOBS_DELETE, items, {}, progress)


class DoorKind(Kind):
    """``doors.sync``: see the module docstring."""

    name = "doors"
    path = "/door"
    keys = ("name",)
    spec = _specs.DOORS_CREATE

    def compare(
        self, ctx: Context, wire: dict[str, Any], row: Mapping[str, Any]
    ) -> tuple[list[FieldChange], Ignored]:
        return [], []

    def update_record(
        self, ctx: Context, wire: dict[str, Any], row: Mapping[str, Any], changes: list[FieldChange]
    ) -> dict[str, Any]:  # pragma: no cover - doors have no updates
        raise AssertionError("doors have no update call")

    async def write(
        self, ctx: Context, inserts: list[Item], updates: list[Item], progress: _Progress
    ) -> list[tuple[BatchResult, list[Item]]]:
        created = await send_batch(ctx, self.spec, inserts, {}, progress)
        return [(created, inserts)]

    async def remove(
        self, ctx: Context, rows: list[Mapping[str, Any]], mode: str, progress: _Progress
    ) -> BatchResult:
        items = [(i, {"id": row_id(r)}) for i, r in enumerate(rows)]
        return await send_batch(ctx, _specs.DOORS_DELETE, items, {}, progress)


USERS = UserKind()
FOBS = FobKind()
DOORS = DoorKind()

__all__ = ["DOORS", "FOBS", "FOBS_SYNC", "USERS", "DoorKind", "FobKind", "UserKind"]
