"""Issue 15: public docstrings are self-contained for users.

No pointer to the project's NOTES.md or to private modules (``lockt_async._writes``),
and every bulk write states its input, options, outcomes and errors itself.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

import pytest

import lockt_async
import lockt_async.testing
from lockt_async.resources.access_levels import AccessLevels
from lockt_async.resources.credentials import Credentials
from lockt_async.resources.delegates import Delegates
from lockt_async.resources.doors import Doors
from lockt_async.resources.events import Events
from lockt_async.resources.fobs import Fobs
from lockt_async.resources.locations import Locations
from lockt_async.resources.schedules import Schedules
from lockt_async.resources.users import Users

RESOURCES = (AccessLevels, Credentials, Delegates, Doors, Events, Fobs, Locations, Schedules, Users)
PRIVATE_POINTER = re.compile(r"NOTES\.md|lockt_async\._\w|``_[a-z]\w*(\.py)?``")
BULK = [
    Users.upsert,
    Users.delete,
    Fobs.create,
    Fobs.reassign,
    Fobs.delete,
    Doors.create,
    Doors.delete,
    AccessLevels.create,
    AccessLevels.delete,
    Credentials.update,
    Credentials.delete,
    Locations.create,
]


def public_docstrings() -> Iterator[tuple[str, str]]:
    owners: list[tuple[str, object]] = [
        (f"lockt_async.{n}", getattr(lockt_async, n)) for n in lockt_async.__all__
    ]
    owners += [
        (f"testing.{n}", getattr(lockt_async.testing, n)) for n in lockt_async.testing.__all__
    ]
    owners += [(cls.__name__, cls) for cls in RESOURCES]
    owners.append(("lockt_async", lockt_async))
    owners.append(("lockt_async.testing", lockt_async.testing))
    for name, obj in owners:
        yield name, inspect.getdoc(obj) or ""
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(member):
                    yield f"{name}.{attr}", inspect.getdoc(member) or ""


def test_no_docstring_points_to_private_modules_or_notes() -> None:
    """Issue 15: what a user reads in help() never sends them to NOTES.md or a private module."""
    offenders = [name for name, doc in public_docstrings() if PRIVATE_POINTER.search(doc)]
    assert offenders == []


@pytest.mark.parametrize("method", BULK, ids=lambda m: m.__qualname__)
def test_bulk_write_docstrings_carry_the_rules(method) -> None:
    """Issue 15: each bulk method documents its options, outcomes and errors itself."""
    doc = inspect.getdoc(method) or ""
    for part in ("Keyword arguments:", "unknown_fields", "validate_fails_batch", "Returns:"):
        assert part in doc
    for reason in ("invalid", "rejected", "not_sent", "unknown"):
        assert f"``{reason}``" in doc
    assert "Raises:" in doc and "ValidationFailedError" in doc
