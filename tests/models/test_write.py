"""unstructure: the documented write shapes, only the supplied fields, local wall time."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from lockt_async.converters import LocktConverter
from lockt_async.models import (
    AccessLevel,
    AccessLevelRef,
    Door,
    DoorRef,
    Fob,
    Location,
    Schedule,
    User,
    UserCredential,
)

NY = ZoneInfo("America/New_York")


def test_user_put_selective(conv: LocktConverter) -> None:
    """PUT /user "Selective Update Example 1": only id and card_num are written."""
    assert conv.unstructure(User(id=618395, card_num="123456")) == {
        "id": 618395,
        "card_num": "123456",
    }


def test_user_full_object(conv: LocktConverter) -> None:
    """PUT /user "Full Object": UTC instant as New York wall time; accesslevels as [{id}]."""
    u = User(
        id=618395,
        enabled=True,
        access_expires=datetime(2022, 9, 20, 12, tzinfo=UTC),
        card_num="123456",
        accesslevels=(AccessLevelRef(id=188, name="ignored on write"),),
        credentials=(UserCredential(id=1, fob=True),),
        extra={"server": "field"},
    )
    assert conv.unstructure(u) == {
        "id": 618395,
        "enabled": True,
        "access_expires": "2022-09-20 08:00:00",
        "card_num": "123456",
        "accesslevels": [{"id": 188}],
    }


def test_user_insert_and_removals(conv: LocktConverter) -> None:
    """User POST rules: id -1 inserts; card_num "-1" and an empty accesslevels list are written."""
    assert conv.unstructure(User(id=-1, card_num="-1", accesslevels=())) == {
        "id": -1,
        "card_num": "-1",
        "accesslevels": [],
    }


def test_local_aware_written_as_is(conv: LocktConverter) -> None:
    """A datetime already in the instance zone is written as its wall time."""
    f = Fob(
        name="Fob 1",
        id_num="ABC123",
        card_num="5599",
        access_effective=datetime(2022, 5, 5, 5, tzinfo=NY),
        access_expires=datetime(2022, 5, 25, 8, 0, 0, 999999, tzinfo=NY),
    )
    assert conv.unstructure(f) == {
        "name": "Fob 1",
        "id_num": "ABC123",
        "card_num": "5599",
        "access_effective": "2022-05-05 05:00:00",
        "access_expires": "2022-05-25 08:00:00",
    }


def test_fob_reassign(conv: LocktConverter) -> None:
    """PUT /fob example: user_id 0 (unassign) is written, not dropped."""
    assert conv.unstructure(Fob(id=613297, user_id=0)) == {"id": 613297, "user_id": 0}


def test_other_offsets_written_local(conv: LocktConverter) -> None:
    """Any aware datetime is converted to the instance's wall time."""
    kolkata = datetime(2022, 6, 10, 14, 30, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert conv.format_datetime(kolkata) == "2022-06-10 05:00:00"


def test_door_write(conv: LocktConverter) -> None:
    """POST /door example: name and optional location_id only."""
    assert conv.unstructure(Door(name="Door 1", location_id=4325)) == {
        "name": "Door 1",
        "location_id": 4325,
    }
    assert conv.unstructure(Door(name="Door 2")) == {"name": "Door 2"}


def test_access_level_write(conv: LocktConverter) -> None:
    """POST /accesslevel example: doors written as {"id", "schedule_id"}."""
    level = AccessLevel(
        name="Access Level l", doors=(DoorRef(id=12345, schedule_id=789, name="x"),)
    )
    assert conv.unstructure(level) == {
        "name": "Access Level l",
        "doors": [{"id": 12345, "schedule_id": 789}],
    }


def test_location_write(conv: LocktConverter) -> None:
    """POST /location example: name and locationtype."""
    assert conv.unstructure(Location(name="Main Campus", locationtype=175)) == {
        "name": "Main Campus",
        "locationtype": 175,
    }


def test_schedule_write(conv: LocktConverter) -> None:
    """Schedules: bools as JSON booleans, times as HH:MM:SS."""
    s = Schedule(id=1, d0=True, d1=False, start=time(8), stop=time(16, 59, 59))
    assert conv.unstructure(s) == {
        "id": 1,
        "d0": True,
        "d1": False,
        "start": "08:00:00",
        "stop": "16:59:59",
    }


def test_list_of_models(conv: LocktConverter) -> None:
    """unstructure of a list of models gives a list of wire dicts."""
    assert conv.unstructure([Door(id=1), Door(id=2)]) == [{"id": 1}, {"id": 2}]


def test_read_then_write_round_trip(conv: LocktConverter) -> None:
    """A structured record written and read back is the same model (dates as instants)."""
    raw = {
        "id": 1693,
        "card_num": "8769",
        "access_effective": "2022-09-08 11:00:00",
        "access_expires": "2022-10-08T11:00:00.000Z",
        "enabled": True,
        "accesslevels": [{"id": 364}],
    }
    u = conv.structure(raw, User)
    back = conv.structure(conv.unstructure(u), User)
    assert back == u
