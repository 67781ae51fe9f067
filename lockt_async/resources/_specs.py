"""The write endpoints of the catalogue, as ``WriteSpec``s for the write path."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .. import _validation as v
from .._writes import WriteSpec
from ..models import AccessLevel, Credential, Delegate, Door, Fob, Location, User

if TYPE_CHECKING:
    from .._protocol import ResourceClient

_DATES = frozenset({"access_effective", "access_expires"})
USER_FIELDS = (
    frozenset(
        {
            "id",
            "id_num",
            "first_name",
            "last_name",
            "card_num",
            "credential_key",
            "email",
            "phone",
            "pin",
            "enabled",
            "accesslevels",
            "custom1",
            "custom2",
            "custom3",
            "custom4",
        }
    )
    | _DATES
)


def _id_only(operation: str, method: str, path: str, node: str) -> WriteSpec:
    return WriteSpec(
        operation=operation, method=method, path=path, node=node, check=v.check_id_only
    )


USERS_UPSERT = WriteSpec(
    operation="users.upsert",
    method="POST",
    path="/user",
    node="users",
    model=User,
    fields=USER_FIELDS,
    check=v.check_user,
    duplicate_fields=v.USER_DUPLICATE_FIELDS,
    match_fields=("id_num", "id", "email", "card_num"),
    defaults=(("id", -1),),  # the document: "On initial insert, this value must be -1."
    option_names=("update_existing", "validate_fails_batch", "replace_privileges"),
)
# The PUT table lists id, card_num, the dates, enabled and accesslevels; the
# 2023-04-21 changelog adds the custom fields.
USER_PUT_FIELDS = (
    frozenset(
        {"id", "card_num", "enabled", "accesslevels", "custom1", "custom2", "custom3", "custom4"}
    )
    | _DATES
)
USERS_UPDATE = WriteSpec(
    operation="users.update",
    method="PUT",
    path="/user",
    node="users",
    model=User,
    fields=USER_PUT_FIELDS,
    check=v.check_user_put,
    one_per_call=True,
    option_names=("validate_fails_batch", "replace_privileges"),
)
USERS_DELETE = _id_only("users.delete", "DELETE", "/user", "users")
#: The validation table's "POST /user UPDATE ... Missing or blank" rows: an update
#: must carry each of these, whatever it changes (``PUT /user`` needs none of them).
USER_UPDATE_REQUIRED = ("id_num", "first_name", "last_name", "email", "phone", "pin")
#: Fields an update keeps by sending Lockt's value again (the user as Lockt holds it):
#: every POST field but the id, what the server assigns (``credential_key``), what an
#: update ignores or treats as a command (``card_num``) and what the source must state
#: (``accesslevels``: absent, the server keeps them).
USER_KEPT_FIELDS = tuple(sorted(USER_FIELDS - {"id", "card_num", "credential_key", "accesslevels"}))

FOBS_CREATE = WriteSpec(
    operation="fobs.create",
    method="POST",
    path="/fob",
    node="fobs",
    model=Fob,
    fields=frozenset({"name", "id_num", "card_num"}) | _DATES,
    check=v.check_fob,
    duplicate_fields=v.FOB_DUPLICATE_FIELDS,
    match_fields=("name", "card_num", "id_num"),
)
FOBS_REASSIGN = WriteSpec(
    operation="fobs.reassign",
    method="PUT",
    path="/fob",
    node="fobs",
    model=Fob,
    # The validation table's PUT /fob rows name name, id_num and card_num too.
    fields=frozenset({"id", "user_id", "name", "id_num", "card_num"}) | _DATES,
    check=v.check_fob_reassign,
)
FOBS_DELETE = _id_only("fobs.delete", "DELETE", "/fob", "fobs")


def _check_fob_sync(rec: Mapping[str, Any], *, required: bool = True) -> list[str]:
    out = v.check_fob(rec, required=required)
    holder = rec.get("user_id")
    if holder is not None and not (type(holder) is int and holder >= 0):
        out.append(f"user_id must be 0 (no holder) or a user id: {holder!r}")
    return out


#: ``fobs.sync`` source records: a ``POST /fob`` record plus the holder (``user_id``),
#: which is set by ``PUT /fob`` once the fob exists.
FOBS_SYNC = attrs.evolve(
    FOBS_CREATE,
    operation="fobs.sync",
    fields=FOBS_CREATE.fields | {"user_id"},
    check=_check_fob_sync,
)

DOORS_CREATE = WriteSpec(
    operation="doors.create",
    method="POST",
    path="/door",
    node="doors",
    model=Door,
    fields=frozenset({"name", "location_id"}),
    check=v.check_door,
    duplicate_fields=v.DOOR_DUPLICATE_FIELDS,
    match_fields=("name",),
)
DOORS_DELETE = _id_only("doors.delete", "DELETE", "/door", "doors")


def _level_doors(wire: Mapping[str, Any]) -> frozenset[Any]:
    doors = wire.get("doors")
    if not isinstance(doors, list):
        return frozenset()
    return frozenset(str(d.get("id")) for d in doors if isinstance(d, Mapping))


ACCESS_LEVELS_CREATE = WriteSpec(
    operation="access_levels.create",
    method="POST",
    path="/accesslevel",
    node="accesslevels",
    model=AccessLevel,
    fields=frozenset({"name", "doors"}),
    check=v.check_access_level,
    duplicate_fields=v.ACCESS_LEVEL_DUPLICATE_FIELDS,
    match_fields=("name",),
    # The server's duplicate-door check spans every level of a page (a documented
    # defect): levels that share a door go in separate pages.
    page_keys=_level_doors,
)
ACCESS_LEVELS_DELETE = _id_only("access_levels.delete", "DELETE", "/accesslevel", "accesslevels")

CREDENTIALS_UPDATE = WriteSpec(
    operation="credentials.update",
    method="PUT",
    path="/credential",
    node="credentials",
    model=Credential,
    # The document lists no fields; the release that added PUT /credential added
    # the two dates to credentials. Anything else is refused, never sent unread.
    fields=frozenset({"id"}) | _DATES,
    check=v.check_credential_update,
)
CREDENTIALS_DELETE = _id_only("credentials.delete", "DELETE", "/credential", "credentials")

DELEGATES_CREATE = WriteSpec(
    operation="delegates.create",
    method="POST",
    path="/delegate",
    node="delegates",
    model=Delegate,
    fields=frozenset({"from_user_id", "to_user_id", "doors"}) | _DATES,
    check=v.check_delegate,
    one_per_call=True,
    match_fields=("from_user_id",),
    option_names=(),
)

LOCATIONS_CREATE = WriteSpec(
    operation="locations.create",
    method="POST",
    path="/location",
    node="locations",
    model=Location,
    fields=frozenset({"name", "locationtype"}),
    check=v.check_location,
    duplicate_fields=v.LOCATION_DUPLICATE_FIELDS,
    match_fields=("name",),
)


def leave_required_to_server(spec: WriteSpec) -> WriteSpec:
    """``spec`` with its check skipping the "Missing or blank" rows of record content."""
    return _server_checks_required(spec)


def _server_checks_required(spec: WriteSpec) -> WriteSpec:
    check = spec.check
    lenient = functools.partial(check, required=False)  # type: ignore[call-arg]  # every check_* takes required=
    return attrs.evolve(spec, check=lenient)


_LENIENT: dict[str, WriteSpec] = {
    spec.operation: _server_checks_required(spec)
    for spec in (
        USERS_UPSERT,
        FOBS_CREATE,
        FOBS_REASSIGN,
        DOORS_CREATE,
        ACCESS_LEVELS_CREATE,
        LOCATIONS_CREATE,
    )
}


def pick(client: ResourceClient, spec: WriteSpec) -> WriteSpec:
    """``spec``, or its variant that leaves "Missing or blank" rows to the server
    (``LocktClient(required_fields="server")``)."""
    if client.required_fields == "server":
        return _LENIENT.get(spec.operation, spec)
    return spec
