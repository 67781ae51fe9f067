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
    * ``credential_key``: assigned by the instance.

    Not compared (``plan.not_compared``): a field ``GET /user`` does not return
    (the list table has no ``pin``); with ``unlisted="carry"`` it is sent with a
    record written anyway, with ``unlisted="verify"`` a per-id read shows it and it
    is compared. A required field the source states blank (``first_name: ""``)
    while Lockt holds a value is refused: an update cannot blank it.

    An update is a ``POST /user`` of the user as Lockt holds it with the
    source's fields laid over it, so fields the source does not supply keep
    their values. The validation table requires id_num, first_name, last_name,
    email, phone and pin on every UPDATE; the list shows all but ``pin``, so a
    record whose source lacks one gets it by the plan's route (``SyncRoute``):
    a ``GET /user?id=`` read merged in, or ``PUT /user`` (a selective update: only
    ``id`` required; it takes card_num, the dates, enabled, accesslevels and
    custom1-4). Never a blank: a record the route cannot complete is refused.
    ``on_missing="disable"`` sends ``enabled: false`` the same way (users already
    disabled need no write), and enables again a disabled user who is back in the
    source without an ``enabled`` of its own (with "keep" or "delete" a user
    disabled by hand stays so); ``"delete"`` is ``DELETE /user``.

Fobs (key ``name``, falling back to ``card_num``)
    Created with ``POST /fob``; a holder (``user_id``, 0 for none) or date change
    is a ``PUT /fob`` (``fobs.reassign``), and a new fob with a holder gets one
    after it is created. ``id_num``, ``card_num`` (and a ``name`` when matched by
    card) cannot be changed by ``PUT /fob``: listed in ``plan.ignored``.
    Missing fobs are kept or deleted (a fob cannot be disabled). Server-held
    fields: none needed. ``PUT /fob`` is a selective update (its table: id,
    user_id, the dates); its validation rows for name and id_num ("Missing or
    blank") apply to a field that is sent, and the list shows both anyway.

Doors (key ``name``)
    Created with ``POST /door``. ``location_id`` is compared: ``GET /door`` shows
    the location's name, which ``GET /location`` turns back into its id. No write
    call changes an existing door (the document has no door update), so a
    difference is listed in ``plan.ignored``, never sent; no server-held field
    analysis applies. Missing doors are kept or deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from .._envelope import rows
from .._sync_results import FieldChange
from . import _specs
from ._natural import row_id, row_key
from ._sync_base import (
    ON_MISSING,
    Built,
    Context,
    Item,
    Kind,
    Outgoing,
    RowData,
    Sent,
    Wire,
    _Progress,
    send_batch,
)

_DATES = ("access_effective", "access_expires")
_ABSENT = object()
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


def _source_value(record: Any, field: str) -> Any:
    """A field of a source record as given (a mapping's key or a model's attribute)."""
    if isinstance(record, Mapping):
        return record.get(field)
    return getattr(record, field, None)


def _compare_card(
    change: FieldChange, has_card: bool, changes: list[FieldChange], ignored: Ignored
) -> None:
    """card_num: sent when the user holds no card, or as -1 (remove the cards) when they
    do; another number for a user holding a card is ignored by the server (behaviour table)."""
    if change.after == "-1" or not has_card:
        if has_card or change.after != "-1":
            changes.append(change)
    elif change.before != change.after:
        ignored.append((change, _CARD_KEPT))


def _has_card(row: Mapping[str, Any]) -> bool:
    """The user holds a (non-fob) card: from ``credentials`` when listed, else ``card_num``."""
    creds = row.get("credentials")
    if isinstance(creds, list) and creds:
        return any(isinstance(c, Mapping) and not _flag(c.get("fob")) for c in creds)
    return bool(_text(row.get("card_num")))


# One source of truth: the field lists come from the write specs (``_specs``).
_USER_MERGE = _specs.USER_KEPT_FIELDS
_USER_REQUIRED = _specs.USER_UPDATE_REQUIRED
_USER_BLANKABLE = tuple(f for f in _USER_REQUIRED if f != "id_num")  # the key: blank = no match
_USER_PUT = _specs.USER_PUT_FIELDS
_USER_SKIP = frozenset({"id", "id_num"})
# Fields compared in their own way (dates, flags, sets, case, what the server assigns).
_USER_SPECIAL = (
    _specs.USER_FIELDS & {"access_effective", "access_expires", "enabled", "accesslevels",
                          "card_num", "credential_key", "email"}
) | {"user_id"}  # fmt: skip
_NOT_RETURNED = (
    "GET {path} does not return {field}: not compared; sent with a record written anyway "
    "(unlisted='verify' reads each person to compare it)"
)
_CARD_KEPT = (
    "the user already holds a card and an update ignores card_num then (behaviour table); "
    "send card_num -1 first, or change the credential"
)


class UserKind(Kind, name="users", path="/user", keys=("id_num",), spec=_specs.USERS_UPSERT):
    """``users.sync``: see the module docstring."""

    # A source row may leave out email/phone/pin (an update keeps Lockt's values,
    # merged from the roster); the record sent is checked with every required row.
    source_spec = _specs.leave_required_to_server(_specs.USERS_UPSERT)
    removal_modes = ON_MISSING
    has_routes = True

    def compare(self, ctx: Context, wire: Wire, row: RowData) -> tuple[list[FieldChange], Ignored]:
        changes: list[FieldChange] = []
        ignored: Ignored = []
        for field, raw in wire.items():
            if field in _USER_SKIP:
                continue
            current = row.get(field, _ABSENT)  # once per field of every matched person
            if current is _ABSENT:
                ctx.unlisted.add(field)
                continue
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
            and (enabled := row.get("enabled")) is not True
            and _flag(enabled) is False
        ):
            # Disabled by an earlier sync for being gone; back in the source: enabled again.
            changes.append(FieldChange("enabled", False, True))
        return changes, ignored

    def same_text(self, ctx: Context, record: Wire, row: RowData) -> bool:
        # What compare and blanked do first, for a plain record equal to its row: the
        # same text is equal for every field, and no blank differs from a value.
        get = row.get
        for field, raw in record.items():
            if get(field) != raw:
                return False
        enabled = get("enabled")
        return ctx.on_missing != "disable" or enabled is True or _flag(enabled) is not False

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
        change = FieldChange(field, before, after)
        if field == "credential_key":
            if before != after:
                ignored.append((change, "assigned by the instance"))
        elif field == "card_num":
            _compare_card(change, _has_card(row), changes, ignored)
        elif field == "accesslevels":
            add_only = not ctx.options.get("replace_privileges", True)
            if not set(after) <= set(before) if add_only else after != before:
                changes.append(change)
        elif field == "email":
            if before.casefold() != after.casefold():
                changes.append(change)
        elif before != after:
            changes.append(change)

    def unlisted_reason(self, field: str) -> str:
        return _NOT_RETURNED.format(path=self.path, field=field)

    def blanked(self, record: Any, row: RowData) -> list[str]:
        # Once per matched person: the mapping's get, not a helper call per field.
        get = record.get if isinstance(record, Mapping) else partial(getattr, record)
        out: list[str] = []
        for field in _USER_BLANKABLE:
            raw = get(field, None)
            if raw is None or (raw.__class__ is str and raw and not raw.isspace()):
                continue  # the common cases: absent, or text
            if isinstance(raw, str) and not raw.strip() and _text(row.get(field)):
                out.append(field)
        return out

    def server_held(self, wire: Wire | None, row: RowData) -> list[str]:
        return [
            f for f in _USER_REQUIRED if (wire is None or f not in wire) and not _text(row.get(f))
        ]

    def puttable(self, fields: Sequence[str]) -> bool:
        return all(f in _USER_PUT for f in fields)

    def _base(self, ctx: Context, row: RowData) -> dict[str, Any]:
        """The user as Lockt holds it, in wire form (what an update must carry to keep it),
        with the server-held fields a per-id read returned."""
        rid = row_id(row)
        fetched = ctx.fetched.get(rid or 0)
        if fetched is not None:
            row = {**row, **fetched}
        rec: dict[str, Any] = {"id": rid}
        for field in _USER_MERGE:
            if field in row:
                value = _value(ctx, field, row[field], from_row=True)
                if value not in ("", None):
                    rec[field] = value
        return rec

    def _complete(self, ctx: Context, rec: dict[str, Any]) -> list[str]:
        """The messages refusing a POST update record (a server-held field still missing)."""
        missing = [f for f in _USER_REQUIRED if not _text(rec.get(f))]
        if missing:
            return [
                f"not sent: {', '.join(missing)} not in the source and not returned by "
                f"GET /user?id={rec.get('id')}; an update requires it (validation table: "
                "POST /user UPDATE Missing or blank), and a blank is never sent"
            ]
        return _specs.pick(ctx.client, self.spec).check(rec)

    def outgoing_update(
        self, ctx: Context, wire: Wire, row: RowData, changes: list[FieldChange], *, put: bool
    ) -> Built:
        reenable = "enabled" not in wire and any(c.field == "enabled" for c in changes)
        if put:
            rec: dict[str, Any] = {"id": row_id(row)}
            for change in changes:
                rec[change.field] = wire.get(change.field)
            if reenable:
                rec["enabled"] = True
            return rec, _specs.USERS_UPDATE.check(rec)
        rec = self._base(ctx, row)
        for field, value in wire.items():
            if field not in ("id", "credential_key", "card_num"):
                rec[field] = value
        if any(c.field == "card_num" for c in changes):
            rec["card_num"] = wire["card_num"]
        if reenable:
            rec["enabled"] = True
        return rec, self._complete(ctx, rec)

    def outgoing_removal(self, ctx: Context, row: RowData, mode: str, *, put: bool) -> Built:
        if mode != "disable":
            return {"id": row_id(row)}, []
        if put:
            return {"id": row_id(row), "enabled": False}, []
        rec = {**self._base(ctx, row), "enabled": False}
        return rec, self._complete(ctx, rec)

    def _options(self, ctx: Context) -> dict[str, bool]:
        return {
            "update_existing": True,
            "replace_privileges": ctx.options.get("replace_privileges", True),
        }

    def _put_options(self, ctx: Context) -> dict[str, bool]:
        return {"replace_privileges": ctx.options.get("replace_privileges", True)}

    async def write(self, ctx: Context, out: Outgoing, progress: _Progress) -> Sent:
        posts = sorted(out.inserts + [u for u in out.updates if u[0] not in out.puts])
        puts = [u for u in out.updates if u[0] in out.puts]
        return await self._send(ctx, posts, puts, progress)

    async def _send(
        self, ctx: Context, posts: list[Item], puts: list[Item], progress: _Progress
    ) -> Sent:
        done: Sent = []
        if posts:
            result = await send_batch(ctx, self.spec, posts, self._options(ctx), progress)
            done.append((result, posts))
        if puts:
            result = await send_batch(
                ctx, _specs.USERS_UPDATE, puts, self._put_options(ctx), progress
            )
            done.append((result, puts))
        return done

    async def remove(self, ctx: Context, out: Outgoing, mode: str, progress: _Progress) -> Sent:
        if mode == "disable":
            posts = [r for r in out.removals if r[0] not in out.removal_puts]
            puts = [r for r in out.removals if r[0] in out.removal_puts]
            return await self._send(ctx, posts, puts, progress)
        return [
            (await send_batch(ctx, _specs.USERS_DELETE, out.removals, {}, progress), out.removals)
        ]


_FOB_FIXED = "PUT /fob (fobs.reassign) changes only the holder (user_id) and the dates"


class FobKind(Kind, name="fobs", path="/fob", keys=("name", "card_num"), spec=_specs.FOBS_SYNC):
    """``fobs.sync``: see the module docstring."""

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

    def compare(self, ctx: Context, wire: Wire, row: RowData) -> tuple[list[FieldChange], Ignored]:
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

    def outgoing_update(
        self, ctx: Context, wire: Wire, row: RowData, changes: list[FieldChange], *, put: bool
    ) -> Built:
        """``PUT /fob``: the id and the changed fields only (a selective update)."""
        rec: dict[str, Any] = {"id": row_id(row)}
        for change in changes:
            rec[change.field] = wire.get(change.field, "")
        return rec, _specs.FOBS_REASSIGN.check(rec)

    async def write(self, ctx: Context, out: Outgoing, progress: _Progress) -> Sent:
        done: Sent = []
        inserts = out.inserts
        creates = [(i, {k: x for k, x in rec.items() if k != "user_id"}) for i, rec in inserts]
        holders = {rec["name"]: (i, rec["user_id"]) for i, rec in inserts if rec.get("user_id")}
        if creates:
            created = await send_batch(ctx, _specs.FOBS_CREATE, creates, {}, progress)
            done.append((created, creates))
            failed = {creates[f.index][0] for f in created.failures}
            holders = {n: h for n, h in holders.items() if h[0] not in failed}
        reassign = list(out.updates)
        if holders:
            # A new fob's holder is set by PUT /fob once it has an id: read them back.
            for row in rows(await ctx.client.get(self.path), self.path):
                name = row_key(row, "name")
                if name in holders and (rid := row_id(row)) is not None:
                    src, holder = holders.pop(name)
                    reassign.append((src, {"id": rid, "user_id": holder}))
        if reassign:
            reassign.sort(key=lambda item: item[0])
            sent = await send_batch(ctx, _specs.FOBS_REASSIGN, reassign, {}, progress)
            done.append((sent, reassign))
        return done

    async def remove(self, ctx: Context, out: Outgoing, mode: str, progress: _Progress) -> Sent:
        items = out.removals
        return [(await send_batch(ctx, _specs.FOBS_DELETE, items, {}, progress), items)]


_DOOR_FIXED = (
    "no call changes an existing door (the document has POST /door to create and "
    "DELETE /door, no update): not sent"
)


class DoorKind(Kind, name="doors", path="/door", keys=("name",), spec=_specs.DOORS_CREATE):
    """``doors.sync``: see the module docstring."""

    async def read(self, client: Any) -> list[Any]:
        """``GET /door`` rows with ``location_id``: the rows show the location's name
        (the list table's ``location``), ``GET /location`` maps it back to an id (a name
        two locations share maps to none: compared as unknown)."""
        doors = rows(await client.get("/door"), "/door")
        if not doors:
            return doors
        ids: dict[str, int | None] = {}
        for loc in rows(await client.get("/location"), "/location"):
            name, ident = row_key(loc, "name"), row_id(loc)
            if name is not None and ident is not None:
                ids[name] = None if name in ids else ident
        out = []
        for row in doors:
            if isinstance(row, Mapping) and "location_id" not in row:
                where = row_key(row, "location")
                row = {**row, "location_id": ids.get(where) if where else 0}
            out.append(row)
        return out

    def compare(self, ctx: Context, wire: Wire, row: RowData) -> tuple[list[FieldChange], Ignored]:
        if "location_id" not in wire:
            return [], []
        after = _value(ctx, "user_id", wire["location_id"], from_row=False)
        before = row.get("location_id")
        if before is None:  # a location name two locations share: cannot tell
            return [], [(FieldChange("location_id", None, after), _DOOR_FIXED)]
        if before != after:
            return [], [(FieldChange("location_id", before, after), _DOOR_FIXED)]
        return [], []

    def outgoing_update(
        self, ctx: Context, wire: Wire, row: RowData, changes: list[FieldChange], *, put: bool
    ) -> Built:  # pragma: no cover - doors have no updates
        raise AssertionError("doors have no update call")

    async def write(self, ctx: Context, out: Outgoing, progress: _Progress) -> Sent:
        created = await send_batch(ctx, self.spec, out.inserts, {}, progress)
        return [(created, out.inserts)]

    async def remove(self, ctx: Context, out: Outgoing, mode: str, progress: _Progress) -> Sent:
        items = out.removals
        return [(await send_batch(ctx, _specs.DOORS_DELETE, items, {}, progress), items)]


USERS = UserKind()
FOBS = FobKind()
DOORS = DoorKind()

__all__ = ["DOORS", "FOBS", "USERS", "DoorKind", "FobKind", "UserKind"]
