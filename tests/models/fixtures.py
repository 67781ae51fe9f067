"""Example response bodies copied from lockt-cloud-api-v1.txt (the ``data`` nodes)."""

from __future__ import annotations

from typing import Any

ABOUT: dict[str, Any] = {
    "version": "1.1.0",
    "release_date": "Jul 10, 2022",
    "release_notes": "July 2022 Release - Enhancements, bug fixes, documentation updates",
    "release_details": "Correction of bugs in relay calls. \r\nExpanded validation of user supplied values across all endpoints.\r\nAddition of endpoints: /about, /maintenance, /location, /locationtype, /object, /user?missingcreds, /user?installers, /user?privileged\r\n \r\n",  # noqa: E501
}

ACCESS_LEVELS: list[dict[str, Any]] = [
    {
        "id": 208,
        "name": "Security",
        "doors": [{"id": 983, "name": "Office Door"}, {"id": 1087, "name": "Front Door"}],
    },
    {"id": 212, "name": "Administration"},
    {"id": 512, "name": "Cardholder"},
    {"id": 574, "name": "Housekeeping", "doors": [{"id": 1087, "name": "Front Door"}]},
]

DELETE_SUMMARY: dict[str, Any] = {"submitted": 2, "deleted": 2, "errors": 0}
WRITE_SUMMARY: dict[str, Any] = {"submitted": 1, "inserted": 0, "updated": 1, "errors": 0}
DELEGATE_SUMMARY: dict[str, Any] = {"submitted": 1, "processed": 1, "errors": 0}

DELEGATES: list[dict[str, Any]] = [
    {
        "id": 647929,
        "name": "delegate_af5abaf069caec3a33047702bfa6128a",
        "access_effective": "2022-09-08 11:00:00",
        "access_expires": "2022-09-08 12:00:00",
        "doors": [{"id": 187, "name": "Test Door"}],
    },
    {
        "id": 647936,
        "name": "delegate_0f1fae3f0df3f2526aefddf814ef3056",
        "access_effective": "2022-09-08 11:00:00",
        "access_expires": "2022-09-08 12:00:00",
        "doors": [{"id": 187, "name": "Test Door"}],
    },
]

DELEGATE_WRITE: dict[str, Any] = {
    "from_user_id": "613950",
    "to_user_id": "614111",
    "access_effective": "2022-09-07 22:20:00",
    "access_expires": "2022-09-07 22:53:00",
    "doors": [{"id": 187}, {"id": 446}],
}

CREDENTIALS: list[dict[str, Any]] = [
    {
        "id": 335,
        "card_num": "1003",
        "credential_key": "AAAA-BBBB-1111-2222",
        "claim_status": "Claimed",
        "user": [{"id": 300, "name": "User, Test"}],
        "access_effective": "",
        "access_expires": "",
    },
    {
        "id": 129813,
        "card_num": "1234",
        "credential_key": "CCCC-DDDD-5555-6666",
        "claim_status": "Unclaimed",
        "user": [{"id": 244, "name": "Greswell, Rhea"}],
        "access_effective": "",
        "access_expires": "",
    },
]

CREDENTIAL_SUMMARY: list[dict[str, Any]] = [{"credentials": 31, "claimed": 13, "unclaimed": 18}]

DOORS: list[dict[str, Any]] = [
    {
        "id": 166,
        "type": "Access Controlled Door",
        "name": "Office Supplies",
        "location": "Main Hall",
        "enabled": True,
        "controller": "BEST Switchâ„¢ API",
    },
    {
        "id": 174,
        "type": "Access Controlled Door",
        "name": "Hall Entrance",
        "location": "",
        "enabled": True,
        "controller": "BEST Switchâ„¢ API",
    },
    {
        "id": 603,
        "type": "Access Controlled Door",
        "name": "Maintenance Office",
        "location": "",
        "enabled": True,
        "controller": "BEST Switchâ„¢ API",
    },
]

DOORSTATE: list[dict[str, Any]] = [
    {"id": 187, "name": "Room 1", "battery_level": 64},
    {"id": 446, "name": "Room 2", "battery_level": 74},
    {"id": 611127, "name": "Room 3", "battery_level": 99},
]

EVENTS: list[dict[str, Any]] = [
    {
        "id": 865, "device": "Core 1", "code": 49, "code_text": "Access Denied", "subcode": 104,
        "subcode_text": "Battery Missing", "schedule": "", "controller": "Switchâ„¢ Bridge",
        "location": "Main Hall", "card_num": "1000", "user": "Jones, Adam", "category": 2,
        "category_text": "Door Access Denied", "hw_time": "2021-11-18T16:15:28.000Z",
        "db_time": "2021-11-19T00:47:09.651Z",
    },
    {
        "id": 864, "device": "Core 1", "code": 49, "code_text": "Access Denied", "subcode": 104,
        "subcode_text": "Battery Missing", "schedule": "", "controller": "Switchâ„¢ Bridge",
        "location": "Main Hall", "card_num": "1000", "user": "Smith, Sally", "category": 2,
        "category_text": "Door Access Denied", "hw_time": "2021-11-18T16:15:25.000Z",
        "db_time": "2021-11-19T00:44:06.950Z",
    },
    {
        "id": 837, "device": "Core 2", "code": 48, "code_text": "Access Granted", "schedule": "",
        "controller": "Switchâ„¢ Bridge", "location": "", "card_num": "1001",
        "user": "Jackson, Kelly", "category": 1, "category_text": "Door Access Granted",
        "hw_time": "2021-11-17T13:58:01.000Z", "db_time": "2021-11-17T13:58:07.035Z",
    },
]  # fmt: skip

FOBS: list[dict[str, Any]] = [
    {
        "id": 443, "id_num": "10000", "name": "Office Floor 1 FOB 1", "card_num": "10000",
        "credential_key": "XXXX-XXXX-XXXX-XXXX", "enabled": False,
        "access_effective": "2022-07-10T09:00:00.000Z", "access_expires": "2022-07-10T12:00:00.000Z",  # noqa: E501
        "accesslevels": [],
    },
    {
        "id": 232, "id_num": "10000", "name": "Office Floor 2 FOB 1", "card_num": "11000",
        "credential_key": "XXXX-XXXX-XXXX-XXXX", "enabled": False,
        "access_effective": "2022-07-10T09:00:00.000Z", "access_expires": "2022-07-10T12:00:00.000Z",  # noqa: E501
        "accesslevels": [],
    },
]  # fmt: skip

LOCATIONS: list[dict[str, Any]] = [
    {"id": 123456, "name": "North Region", "type": "Region", "enabled": False},
    {"id": 123457, "name": "Headquarters", "type": "Campus", "enabled": False},
    {"id": 123458, "name": "University", "type": "Campus", "enabled": False},
]

LOCATION_TYPES: list[dict[str, Any]] = [
    {"id": 23981, "name": "Building"},
    {"id": 1345, "name": "Floor"},
]

OBJECT_PROPERTIES: list[dict[str, Any]] = [
    {
        "property": "id",
        "datatype": "integer",
        "description": "The unique, system assigned id of the location.",
    },
    {"property": "name", "datatype": "string", "description": "The name of the location"},
    {"property": "type", "datatype": "string", "description": "The type of the location."},
    {
        "property": "enabled",
        "datatype": "boolean",
        "description": "Indicates whether the location is currently enabled or disabled.",
    },
]

SCHEDULES: list[dict[str, Any]] = [
    {
        "id": 543,
        "name": "0800-1700 M-F, 1200-1500 Sat",
        "d0": 1,
        "d1": 1,
        "d2": 1,
        "d3": 1,
        "d4": 1,
        "d5": 0,
        "d6": 0,
        "start": "08:00:00",
        "stop": "16:59:59",
    },
    {
        "id": 1404,
        "name": "Weekend Cleaners",
        "d0": 0,
        "d1": 0,
        "d2": 0,
        "d3": 0,
        "d4": 0,
        "d5": 1,
        "d6": 1,
        "start": "06:40:00",
        "stop": "19:49:59",
    },
]

USERS: list[dict[str, Any]] = [
    {
        "id": 5678, "id_num": "", "name": "Fob 1", "card_num": "10000", "credential_key": "",
        "enabled": False, "access_effective": "", "access_expires": "", "accesslevels": [],
        "custom1": "", "custom2": "", "custom3": "", "custom4": "",
    },
    {
        "id": 6789, "id_num": "", "name": "Fob 2", "card_num": "10001", "credential_key": "",
        "enabled": False, "access_effective": "2022-05-05T09:00:00.000Z",
        "access_expires": "2022-05-05T12:00:00.000Z", "accesslevels": [],
        "custom1": "", "custom2": "Custom Text", "custom3": "", "custom4": "",
    },
]  # fmt: skip

USER_BY_ID: list[dict[str, Any]] = [
    {
        "id": 1693, "id_num": "329359", "last_name": "Brown3", "first_name": "Susan3",
        "card_num": "8769", "pin": "8822", "credential_key": "XXXX-XXXX-XXXX-XXXX",
        "email": "susan.brown@web.place", "phone": "33344455555", "access_effective": "",
        "access_expires": "", "enabled": True,
        "accesslevels": [{"unid": 364, "name": "Office Doors"}],
        "credentials": [
            {"id": 613832, "name": "8769", "card_num": "8769", "credential_key": "XXXX-XXXX-XXXX-XXXX", "fob": False},  # noqa: E501
            {"id": 614010, "name": "Fob 1A", "card_num": "10050", "credential_key": "YYYY-YYYY-YYYY-YYYY", "fob": True},  # noqa: E501
        ],
        "custom1": "", "custom2": "", "custom3": "", "custom4": "",
    }
]  # fmt: skip

TIME: list[dict[str, Any]] = [
    {
        "datetime_utc": "2022-11-11T20:17:45.050Z",
        "timezone": "America/New_York",
        "datetime_local": "2022-11-11 15:17:45",
        "offset": -5,
    }
]

UNLOCK_OK: list[dict[str, Any]] = [
    {"id": 12345, "name": "Wired Door 1", "unlocked": True, "status": "unlocked", "errors": []}
]
UNLOCK_ERROR: list[dict[str, Any]] = [
    {
        "id": 12345,
        "name": "Wired Door 1",
        "unlocked": False,
        "status": "error",
        "errors": ["Unexpected error unlocking door. Door or Controller may be offline."],
    }
]
