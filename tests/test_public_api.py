"""The public namespace is a contract: later layers and users import these names."""

from __future__ import annotations

import subprocess
import sys

import lockt_async
import lockt_async.errors
import lockt_async.testing

PUBLIC = {
    # client, results, gate, events
    "LocktClient", "BatchResult", "Failure", "FailureReason", "PageResult", "Progress",
    "WriteGate", "LocalWriteGate", "process_gate", "EventStream", "__version__", "CLEAR",
    # sync
    "SyncPlan", "SyncResult", "FieldChange", "IgnoredDifference", "PlannedInsert",
    "PlannedUpdate", "PlannedRemoval",
    # models
    "About", "AccessLevel", "AccessLevelRef", "Credential", "CredentialSummary", "Delegate",
    "Door", "DoorRef", "DoorState", "Event", "Fob", "Location", "LocationType",
    "ObjectProperty", "Schedule", "TimeInfo", "UnlockResult", "User", "UserCredential",
    "UserRef", "WriteSummary",
    # errors
    "LocktError", "ConfigurationError", "RecordError", "NaiveDatetimeError", "TransportError",
    "ConnectError", "RequestTimeout", "ConnectionDropped", "APIError", "BadRequestError",
    "BatchSizeExceededError", "ValidationFailedError", "ParseInputError",
    "AuthenticationError", "NotFoundError", "RateLimitError", "ServerError",
    "InstanceCommunicationError", "MalformedResponseError", "BatchFailedError",
    "RecordNotWrittenError", "WriteNotAppliedError", "WriteOutcomeUnknownError",
}  # fmt: skip


def test_namespace_is_pinned() -> None:
    """`from lockt_async import X` works for exactly the documented names."""
    assert set(lockt_async.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(lockt_async, name) is not None


def test_every_error_is_a_locktError() -> None:
    """errors: one root, so `except LocktError` catches everything the library raises."""
    for name in lockt_async.errors.__all__:
        obj = getattr(lockt_async.errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, lockt_async.LocktError), name


def test_testing_namespace() -> None:
    """lockt_async.testing exposes the simulator, its servers and its fault vocabulary."""
    for name in ("Simulator", "serve", "serve_in_thread", "Fault", "Drop", "Delay", "RateLimit"):
        assert name in lockt_async.testing.__all__


def test_core_import_needs_no_extras() -> None:
    """Importing lockt_async loads none of the server or Redis extras (starlette, uvicorn, redis).

    (rich and click are left out of the check: httpx itself imports them when present.)
    """
    code = (
        "import sys, lockt_async; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'redis') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
