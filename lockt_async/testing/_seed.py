"""The document's example objects, loaded by ``Simulator(seed=True)``."""

from __future__ import annotations

from datetime import datetime

from ._state import CONTROLLER, DOOR_TYPE, Instance

ABOUT = {
    "version": "1.1.0",
    "release_date": "Jul 10, 2022",
    "release_notes": "July 2022 Release - Enhancements, bug fixes, documentation updates",
    "release_details": (
        "Correction of bugs in relay calls. \r\nExpanded validation of user supplied values "
        "across all endpoints.\r\nAddition of endpoints: /about, /maintenance, /location, "
        "/locationtype, /object, /user?missingcreds, /user?installers, /user?privileged\r\n \r\n"
    ),
}

_ID = ("id", "integer", "The unique, system assigned id of the object.")
_NAME = ("name", "string", "The name of the object.")
_DATES = (
    ("access_effective", "date-time", "The date/time when access is enabled."),
    ("access_expires", "date-time", "The date/time when access is disabled."),
)
_USER = (
    _ID,
    ("id_num", "string", "Unique id number to identify the user. Supplied by external system."),
    ("first_name", "string", "The first name of the user."),
    ("last_name", "string", "The last name of the user."),
    ("card_num", "string", "The card number assigned to the user."),
    ("email", "string", "The email address associated with the user."),
    ("phone", "string", "The phone number associated with the user."),
    *_DATES,
    ("accesslevels", "array", "An array of access level assignment objects."),
)
_LEVEL = (_ID, _NAME, ("doors", "array", "An array of abbreviated Door objects."))
_DOOR = (_ID, _NAME, ("location_id", "int", "Id of the location assigned to the door"))
# /object?type=T: the location rows are the document's example, the rest follow its tables.
OBJECT_TYPES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "accesslevel": _LEVEL,
    "accesslevel_create": _LEVEL[1:],
    "credential": (_ID, ("card_num", "string", "The card number assigned to the credential."),
                   _NAME, ("claim_status", "string", "Indicates if credential is claimed."),
                   *_DATES),
    "door": (_ID, ("type", "string", "Text description of the door type"), _NAME,
             ("location", "string", "The location of the door."),
             ("enabled", "boolean", "Indicates whether the door is currently enabled."),
             ("controller", "string", "The name of the controller.")),
    "door_create": _DOOR[1:],
    "doorstate": (_ID, _NAME, ("battery_level", "decimal", "The battery level of the door.")),
    "event": (_ID, ("device", "string", "The name device causing the event"),
              ("code", "integer", "The integer representation of the event code"),
              ("event_time", "date-time", "The event timestamp received from the device"),
              ("db_time", "date-time", "The timestamp when the event was recorded")),
    "fob": (_ID, ("id_num", "text", "Unique id number to identify the fob."), _NAME,
            ("card_num", "string", "The card number assigned to the fob."), *_DATES),
    "location": (
        ("id", "integer", "The unique, system assigned id of the location."),
        ("name", "string", "The name of the location"),
        ("type", "string", "The type of the location."),
        ("enabled", "boolean", "Indicates whether the location is currently enabled or disabled."),
    ),
    "locationtype": (_ID, _NAME),
    "maintenance": (("start", "date-time", "Start of the maintenance window."),
                    ("end", "date-time", "End of the maintenance window.")),
    "schedule": (_ID, _NAME, ("start", "time", "HH:MM:SS"), ("stop", "time", "HH:MM:SS")),
    "user": _USER,
    "user_create": _USER[1:],
    "user_delete": (_ID,),
}  # fmt: skip


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def seed(inst: Instance) -> None:
    """Load every example object of the document."""
    for did, name, location, battery in (
        (166, "Office Supplies", "Main Hall", None), (174, "Hall Entrance", "", None),
        (603, "Maintenance Office", "", None), (983, "Office Door", "", None),
        (1087, "Front Door", "", None), (187, "Room 1", "", 64), (446, "Room 2", "", 74),
        (611127, "Room 3", "", 99),
    ):  # fmt: skip
        inst.doors[did] = {
            "id": did, "type": DOOR_TYPE, "name": name, "location": location,
            "location_id": None, "enabled": True, "controller": CONTROLLER,
            "battery_level": battery, "online": True,
        }  # fmt: skip
        inst.door_by_name[name] = did
    for sid, name, days, start, stop in (
        (543, "0800-1700 M-F, 1200-1500 Sat", (1, 1, 1, 1, 1, 0, 0), "08:00:00", "16:59:59"),
        (1404, "Weekend Cleaners", (0, 0, 0, 0, 0, 1, 1), "06:40:00", "19:49:59"),
    ):
        row = {"id": sid, "name": name, **{f"d{i}": d for i, d in enumerate(days)}}
        inst.schedules[sid] = {**row, "start": start, "stop": stop}
    for lid, name, door_ids in (
        (208, "Security", (983, 1087)), (212, "Administration", ()), (512, "Cardholder", ()),
        (574, "Housekeeping", (1087,)), (364, "Office Doors", (166, 187, 446)),
    ):  # fmt: skip
        doors = [{"id": d, "schedule_id": 543} for d in door_ids]
        inst.access_levels[lid] = {"id": lid, "name": name, "doors": doors}
        inst.level_by_name[name] = lid
    for tid, name in ((23981, "Building"), (1345, "Floor")):
        inst.location_types[tid] = {"id": tid, "name": name}
    for lid, name, kind in (
        (123456, "North Region", "Region"), (123457, "Headquarters", "Campus"),
        (123458, "University", "Campus"),
    ):  # fmt: skip
        inst.locations[lid] = {"id": lid, "name": name, "type": kind, "type_id": None,
                               "enabled": False}  # fmt: skip
        inst.location_by_name[name] = lid
    _seed_people(inst)
    for grant_id, digest in (
        (647929, "af5abaf069caec3a33047702bfa6128a"),
        (647936, "0f1fae3f0df3f2526aefddf814ef3056"),
    ):
        inst.delegates[grant_id] = {
            "id": grant_id, "name": f"delegate_{digest}",
            "access_effective": datetime(2022, 9, 8, 11, tzinfo=inst.zone),
            "access_expires": datetime(2022, 9, 8, 12, tzinfo=inst.zone),
            "doors": [{"id": 187, "name": "Test Door"}], "from_user_id": 1693, "to_user_id": 300,
        }  # fmt: skip
    for eid, user, card, code, hw, db in (
        (837, "Jackson, Kelly", "1001", 48, "2021-11-17T13:58:01.000Z", "2021-11-17T13:58:07.035Z"),
        (864, "Smith, Sally", "1000", 49, "2021-11-18T16:15:25.000Z", "2021-11-19T00:44:06.950Z"),
        (865, "Jones, Adam", "1000", 49, "2021-11-18T16:15:28.000Z", "2021-11-19T00:47:09.651Z"),
    ):
        denied = code == 49
        event = {
            "id": eid, "device": "Core 1" if denied else "Core 2", "code": code,
            "code_text": "Access Denied" if denied else "Access Granted",
            "subcode": 104, "subcode_text": "Battery Missing", "schedule": "",
            "controller": "Switch\u2122 Bridge", "location": "Main Hall" if denied else "",
            "card_num": card, "user": user, "category": 2 if denied else 1,
            "category_text": "Door Access Denied" if denied else "Door Access Granted",
            "hw_time": hw, "db_time": db,
        }  # fmt: skip
        if not denied:  # the example omits the sub-code of a granted access
            del event["subcode"], event["subcode_text"]
        inst.events.append(event)
    inst.bump_ids()


def _seed_people(inst: Instance) -> None:
    for uid, first, last, name in (
        (1693, "Susan3", "Brown3", "Brown3, Susan3"), (300, "Test", "User", "User, Test"),
        (244, "Rhea", "Greswell", "Greswell, Rhea"), (5678, "", "", "Fob 1"),
        (6789, "", "", "Fob 2"),
    ):  # fmt: skip
        user = inst.new_user(uid)
        user.update(first_name=first, last_name=last, name=name)
        inst.users[uid] = user
    susan = inst.users[1693]
    susan.update(
        id_num="329359", pin="8822", email="susan.brown@web.place", phone="33344455555",
        accesslevels=(364,),
    )  # fmt: skip
    inst.user_by_id_num["329359"] = 1693
    inst.user_by_email["susan.brown@web.place"] = 1693
    for uid in (5678, 6789):
        inst.users[uid].update(enabled=False, privileged=True, installer=True)
    inst.users[6789]["custom2"] = "Custom Text"
    inst.users[6789]["access_effective"] = _utc("2022-05-05T09:00:00.000Z")
    inst.users[6789]["access_expires"] = _utc("2022-05-05T12:00:00.000Z")
    key = "XXXX-XXXX-XXXX-XXXX"
    inst.add_credential("8769", 1693, id=613832, credential_key=key, claim_status="Claimed")
    inst.add_credential("10050", 1693, fob=True, id=614010, name="Fob 1A", id_num="",
                        credential_key="YYYY-YYYY-YYYY-YYYY", accesslevels=())  # fmt: skip
    inst.add_credential("1003", 300, id=335, credential_key="AAAA-BBBB-1111-2222",
                        claim_status="Claimed")  # fmt: skip
    inst.add_credential("1234", 244, id=129813, credential_key="CCCC-DDDD-5555-6666")
    eff, exp = _utc("2022-07-10T09:00:00.000Z"), _utc("2022-07-10T12:00:00.000Z")
    for fid, name, card, owner in (
        (443, "Office Floor 1 FOB 1", "10000", 5678),
        (232, "Office Floor 2 FOB 1", "11000", None),
    ):
        inst.add_credential(card, owner, fob=True, id=fid, name=name, id_num="10000",
                            credential_key=key, enabled=False, access_effective=eff,
                            access_expires=exp, accesslevels=())  # fmt: skip
    inst.add_credential("10001", 6789, credential_key="")
