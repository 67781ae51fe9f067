"""Every object's example response from the document, structured field by field."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from lockt_async.converters import LocktConverter
from lockt_async.models import (
    About,
    AccessLevel,
    AccessLevelRef,
    Credential,
    CredentialSummary,
    Delegate,
    Door,
    DoorRef,
    DoorState,
    Event,
    Fob,
    Location,
    LocationType,
    ObjectProperty,
    Schedule,
    TimeInfo,
    UnlockResult,
    User,
    UserCredential,
    UserRef,
    WriteSummary,
)

from . import fixtures as fx

NY = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_about() -> None:
    """GET /about example: release_date stays free text."""
    a = LocktConverter(NY).structure(fx.ABOUT, About)
    assert a.version == "1.1.0"
    assert a.release_date == "Jul 10, 2022"
    assert a.release_notes == fx.ABOUT["release_notes"]
    assert a.release_details == fx.ABOUT["release_details"]
    assert a.extra == {}


def test_access_levels(conv: LocktConverter) -> None:
    """GET /accesslevel example: abbreviated doors, missing doors -> ()."""
    levels = conv.structure(fx.ACCESS_LEVELS, list[AccessLevel])
    assert [lv.id for lv in levels] == [208, 212, 512, 574]
    assert [lv.name for lv in levels] == [
        "Security",
        "Administration",
        "Cardholder",
        "Housekeeping",
    ]
    assert levels[0].doors == (
        DoorRef(id=983, name="Office Door"),
        DoorRef(id=1087, name="Front Door"),
    )
    assert levels[0].doors[0].schedule_id is None
    assert levels[1].doors == ()
    assert levels[2].doors == ()
    assert levels[3].doors == (DoorRef(id=1087, name="Front Door"),)


def test_delegates_local_dates(conv: LocktConverter) -> None:
    """GET /delegate example: "2022-09-08 11:00:00" is instance-local, i.e. 15:00Z in New York."""
    d1, d2 = conv.structure(fx.DELEGATES, list[Delegate])
    assert d1.id == 647929
    assert d1.name == "delegate_af5abaf069caec3a33047702bfa6128a"
    assert d1.access_effective == utc(2022, 9, 8, 15)
    assert d1.access_expires == utc(2022, 9, 8, 16)
    assert d1.access_effective is not None and d1.access_effective.tzinfo is NY
    assert d1.doors == (DoorRef(id=187, name="Test Door"),)
    assert d1.from_user_id is None and d1.to_user_id is None
    assert d2.id == 647936
    assert d2.name == "delegate_0f1fae3f0df3f2526aefddf814ef3056"
    assert d2.access_effective == utc(2022, 9, 8, 15)


def test_delegate_write_shape(conv: LocktConverter) -> None:
    """POST /delegate example body: string user ids read as ints; written as documented."""
    d = conv.structure_record(fx.DELEGATE_WRITE, Delegate)
    assert d.from_user_id == 613950 and d.to_user_id == 614111
    assert d.access_effective == utc(2022, 9, 8, 2, 20)
    assert d.doors == (DoorRef(id=187), DoorRef(id=446))
    assert conv.unstructure(d) == {
        "from_user_id": 613950,
        "to_user_id": 614111,
        "access_effective": "2022-09-07 22:20:00",
        "access_expires": "2022-09-07 22:53:00",
        "doors": [{"id": 187}, {"id": 446}],
    }


def test_credentials_user_list(conv: LocktConverter) -> None:
    """GET /credential example: the one-element `user` list becomes a UserRef; "" dates -> None."""
    c1, c2 = conv.structure(fx.CREDENTIALS, list[Credential])
    assert c1.id == 335
    assert c1.card_num == "1003"
    assert c1.name is None
    assert c1.credential_key == "AAAA-BBBB-1111-2222"
    assert c1.claim_status == "Claimed"
    assert c1.user == UserRef(id=300, name="User, Test")
    assert c1.access_effective is None and c1.access_expires is None
    assert c2.id == 129813 and c2.card_num == "1234" and c2.claim_status == "Unclaimed"
    assert c2.user == UserRef(id=244, name="Greswell, Rhea")


def test_credential_summary(conv: LocktConverter) -> None:
    """GET /credentialsummary example: one object in a one-element list."""
    s = conv.structure(fx.CREDENTIAL_SUMMARY, CredentialSummary)
    assert (s.credentials, s.claimed, s.unclaimed) == (31, 13, 18)


def test_doors(conv: LocktConverter) -> None:
    """GET /door example: every field; "" location -> None."""
    d1, d2, d3 = conv.structure(fx.DOORS, list[Door])
    assert d1.id == 166
    assert d1.type == "Access Controlled Door"
    assert d1.name == "Office Supplies"
    assert d1.location == "Main Hall"
    assert d1.enabled is True
    assert d1.controller == "BEST Switchâ„¢ API"
    assert d1.location_id is None
    assert (d2.id, d2.name, d2.location) == (174, "Hall Entrance", None)
    assert (d3.id, d3.name, d3.enabled) == (603, "Maintenance Office", True)


def test_doorstate(conv: LocktConverter) -> None:
    """GET /doorstate example: battery_level documented decimal, returned int -> float."""
    states = conv.structure(fx.DOORSTATE, list[DoorState])
    assert states == [
        DoorState(id=187, name="Room 1", battery_level=64.0),
        DoorState(id=446, name="Room 2", battery_level=74.0),
        DoorState(id=611127, name="Room 3", battery_level=99.0),
    ]
    assert isinstance(states[0].battery_level, float)


def test_events_hw_time(conv: LocktConverter) -> None:
    """GET /events example: `hw_time` becomes event_time (NOTES.md "event time field")."""
    e1, _e2, e3 = conv.structure(fx.EVENTS, list[Event])
    assert e1.id == 865
    assert e1.device == "Core 1"
    assert e1.code == 49 and e1.code_text == "Access Denied"
    assert e1.subcode == 104 and e1.subcode_text == "Battery Missing"
    assert e1.schedule is None
    assert e1.controller == "Switchâ„¢ Bridge"
    assert e1.location == "Main Hall"
    assert e1.card_num == "1000"
    assert e1.user == "Jones, Adam"
    assert e1.category == 2 and e1.category_text == "Door Access Denied"
    assert e1.event_time == utc(2021, 11, 18, 16, 15, 28)
    assert e1.event_time is not None and e1.event_time.tzinfo is UTC
    assert e1.db_time == datetime(2021, 11, 19, 0, 47, 9, 651000, tzinfo=UTC)
    assert e1.extra == {}
    assert e3.subcode is None and e3.subcode_text is None and e3.location is None
    assert e3.event_time == utc(2021, 11, 17, 13, 58, 1)


def test_event_time_field_name(conv: LocktConverter) -> None:
    """Event table: `event_time` (the documented name) is read too, and wins over hw_time."""
    e = conv.structure(
        {"id": 1, "event_time": "2021-11-18 11:15:28", "hw_time": "2000-01-01T00:00:00Z"}, Event
    )
    assert e.event_time == utc(2021, 11, 18, 16, 15, 28)


def test_fobs_utc_dates(conv: LocktConverter) -> None:
    """GET /fob example: "2022-07-10T09:00:00.000Z" is 09:00 UTC; empty accesslevels -> ()."""
    f1, f2 = conv.structure(fx.FOBS, list[Fob])
    assert f1.id == 443
    assert f1.id_num == "10000"
    assert f1.name == "Office Floor 1 FOB 1"
    assert f1.card_num == "10000"
    assert f1.credential_key == "XXXX-XXXX-XXXX-XXXX"
    assert f1.enabled is False
    assert f1.access_effective == utc(2022, 7, 10, 9)
    assert f1.access_effective is not None and f1.access_effective.tzinfo is UTC
    assert f1.access_expires == utc(2022, 7, 10, 12)
    assert f1.accesslevels == ()
    assert f1.user_id is None
    assert (f2.id, f2.card_num, f2.name) == (232, "11000", "Office Floor 2 FOB 1")


def test_locations_and_types(conv: LocktConverter) -> None:
    """GET /location and GET /locationtype examples."""
    locs = conv.structure(fx.LOCATIONS, list[Location])
    assert locs[0] == Location(id=123456, name="North Region", type="Region", enabled=False)
    assert locs[1] == Location(id=123457, name="Headquarters", type="Campus", enabled=False)
    assert locs[2] == Location(id=123458, name="University", type="Campus", enabled=False)
    types_ = conv.structure(fx.LOCATION_TYPES, list[LocationType])
    assert types_ == [LocationType(id=23981, name="Building"), LocationType(id=1345, name="Floor")]


def test_object_properties(conv: LocktConverter) -> None:
    """GET /object?type=location example."""
    props = conv.structure(fx.OBJECT_PROPERTIES, list[ObjectProperty])
    assert [p.property for p in props] == ["id", "name", "type", "enabled"]
    assert [p.datatype for p in props] == ["integer", "string", "string", "boolean"]
    assert props[1].description == "The name of the location"


def test_schedules(conv: LocktConverter) -> None:
    """GET /schedule example: bit days -> bools, HH:MM:SS -> datetime.time, `days`."""
    s1, s2 = conv.structure(fx.SCHEDULES, list[Schedule])
    assert s1.id == 543 and s1.name == "0800-1700 M-F, 1200-1500 Sat"
    assert (s1.d0, s1.d1, s1.d2, s1.d3, s1.d4, s1.d5, s1.d6) == (True,) * 5 + (False,) * 2
    assert s1.start == time(8, 0) and s1.stop == time(16, 59, 59)
    assert s1.days == (0, 1, 2, 3, 4)
    assert s2.days == (5, 6)
    assert s2.start == time(6, 40) and s2.stop == time(19, 49, 59)
    assert conv.unstructure(s2)["start"] == "06:40:00"
    assert conv.unstructure(s2)["d5"] is True


def test_users_list(conv: LocktConverter) -> None:
    """GET /user example: `name` instead of first/last; UTC dates; custom fields."""
    u1, u2 = conv.structure(fx.USERS, list[User])
    assert u1.id == 5678
    assert u1.id_num is None
    assert u1.name == "Fob 1"
    assert u1.first_name is None and u1.last_name is None
    assert u1.card_num == "10000"
    assert u1.credential_key is None
    assert u1.enabled is False
    assert u1.access_effective is None and u1.access_expires is None
    assert u1.accesslevels == ()
    assert u1.credentials == ()
    assert (u1.custom1, u1.custom2, u1.custom3, u1.custom4) == (None, None, None, None)
    assert u2.access_effective == utc(2022, 5, 5, 9)
    assert u2.access_expires == utc(2022, 5, 5, 12)
    assert u2.custom2 == "Custom Text"


def test_user_by_id(conv: LocktConverter) -> None:
    """GET /user?id= example: {"unid", "name"} -> AccessLevelRef(id=...); credential fob flags."""
    (u,) = conv.structure(fx.USER_BY_ID, list[User])
    assert u.id == 1693
    assert u.id_num == "329359"
    assert u.last_name == "Brown3" and u.first_name == "Susan3"
    assert u.card_num == "8769"
    assert u.pin == "8822"
    assert u.credential_key == "XXXX-XXXX-XXXX-XXXX"
    assert u.email == "susan.brown@web.place"
    assert u.phone == "33344455555"
    assert u.access_effective is None and u.access_expires is None
    assert u.enabled is True
    assert u.accesslevels == (AccessLevelRef(id=364, name="Office Doors"),)
    assert u.credentials == (
        UserCredential(
            id=613832, name="8769", card_num="8769", credential_key="XXXX-XXXX-XXXX-XXXX", fob=False
        ),
        UserCredential(
            id=614010,
            name="Fob 1A",
            card_num="10050",
            credential_key="YYYY-YYYY-YYYY-YYYY",
            fob=True,
        ),
    )
    assert u.extra == {}


def test_time(conv: LocktConverter) -> None:
    """GET /time example: datetime_local aware in the named zone, same instant as datetime_utc."""
    t = conv.structure(fx.TIME, TimeInfo)
    assert t.datetime_utc == datetime(2022, 11, 11, 20, 17, 45, 50000, tzinfo=UTC)
    assert t.timezone == "America/New_York"
    assert t.datetime_local == utc(2022, 11, 11, 20, 17, 45)
    assert t.datetime_local is not None
    assert t.datetime_local.tzinfo == ZoneInfo("America/New_York")
    assert t.offset == -5.0


def test_time_other_zone() -> None:
    """GET /time: datetime_local uses the zone the body names, not the converter's."""
    t = LocktConverter(ZoneInfo("UTC")).structure(fx.TIME, TimeInfo)
    assert t.datetime_local is not None
    assert t.datetime_local.tzinfo == ZoneInfo("America/New_York")
    assert t.datetime_local == utc(2022, 11, 11, 20, 17, 45)


def test_unlock(conv: LocktConverter) -> None:
    """POST /unlock examples: success and per-door error."""
    (ok,) = conv.structure(fx.UNLOCK_OK, list[UnlockResult])
    assert ok == UnlockResult(id=12345, name="Wired Door 1", unlocked=True, status="unlocked")
    (bad,) = conv.structure(fx.UNLOCK_ERROR, list[UnlockResult])
    assert bad.unlocked is False and bad.status == "error"
    assert bad.errors == ("Unexpected error unlocking door. Door or Controller may be offline.",)


def test_write_summaries(conv: LocktConverter) -> None:
    """The three write summaries (POST/PUT, DELETE, delegate create) in one class; absent -> 0."""
    assert conv.structure(fx.WRITE_SUMMARY, WriteSummary) == WriteSummary(submitted=1, updated=1)
    assert conv.structure(fx.DELETE_SUMMARY, WriteSummary) == WriteSummary(submitted=2, deleted=2)
    assert conv.structure(fx.DELEGATE_SUMMARY, WriteSummary) == WriteSummary(
        submitted=1, processed=1
    )
