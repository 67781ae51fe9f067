"""Scripted faults: which request fails, and how.

A :class:`Fault` pairs a matcher (method, path, predicate, nth) with an
action. ``sim.faults.add(Fault(...))`` arms it; each fires once unless
``times`` says otherwise (``times=None`` fires on every match from ``nth`` on).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

# The document's four communication-error messages (HTTP 500, nothing applied).
ENUMERATE_DEPENDANT = (
    "Unable to enumerate dependant record. Batch has been terminated and exception flagged."
)
LOCATE_TEMPLATE = "Unable to locate template. Batch has been terminated and exception flagged."
HOST_UNREACHABLE = "The destination host is unreachable."
UNEXPECTED_ERROR = (
    "An Unexpected Error has occurred. Request has been terminated and exception flagged."
)
COMMUNICATION_ERRORS = (ENUMERATE_DEPENDANT, LOCATE_TEMPLATE, HOST_UNREACHABLE, UNEXPECTED_ERROR)


class SimulatedDrop(Exception):
    """Raised inside the app to cut a response off mid-body (a dropped connection).

    The in-process transport turns it into ``httpx.RemoteProtocolError``, as a
    real socket would; not to be confused with the client's own
    ``lockt_async.ConnectionDropped``, which such a drop becomes.
    """


@dataclass(frozen=True)
class Respond:
    """Answer with this status and raw body instead of processing (nothing applied)."""

    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass(frozen=True)
class RateLimit:
    """Reject as if another write were in progress (429, nothing applied)."""


@dataclass(frozen=True)
class Delay:
    """Process normally (a write IS applied), then wait ``seconds`` before answering."""

    seconds: float


@dataclass(frozen=True)
class Drop:
    """Close the connection without a complete response.

    ``after_apply=False``: nothing is applied. ``after_apply=True``: the write
    is applied, then the response is cut off mid-body.
    """

    after_apply: bool = False


Action = Respond | RateLimit | Delay | Drop


def status(code: int, message: str = "Service Unavailable") -> Respond:
    """An HTTP error with the document's ``{"data": {"error": ...}}`` body."""
    return Respond(code, f'{{"data": {{"error": "{message}"}}}}'.encode())


def communication_error(message: str = UNEXPECTED_ERROR) -> Respond:
    """One of the document's communication errors (HTTP 500)."""
    return status(500, message)


def html_page(code: int = 502) -> Respond:
    """A proxy's HTML error page."""
    page = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
    return Respond(code, page, "text/html")


def truncated_json(code: int = 200) -> Respond:
    """A JSON body cut off halfway."""
    return Respond(code, b'{"data": {"submitted": 1, "ins')


def invalid_utf8(code: int = 200) -> Respond:
    """Bytes that are not UTF-8."""
    return Respond(code, b'{"data": "\xff\xfe\xfa"}')


def error_envelope(code: int = 200, message: str = UNEXPECTED_ERROR) -> Respond:
    """An error envelope served with a success status."""
    return status(code, message)


@dataclass(frozen=True)
class RequestInfo:
    """What a fault predicate sees."""

    method: str
    path: str  # relative to the base path, e.g. "/user"
    query: str
    records: int


@dataclass
class Fault:
    """Fire ``action`` on the ``nth`` matching request, ``times`` times (None: always)."""

    action: Action
    method: str | None = None
    path: str | None = None
    nth: int = 1
    times: int | None = 1
    predicate: Callable[[RequestInfo], bool] | None = None
    seen: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)

    def matches(self, info: RequestInfo) -> bool:
        """Count a matching request; true when this one should fail."""
        if self.method is not None and self.method.upper() != info.method:
            return False
        if self.path is not None and self.path.rstrip("/") != info.path:
            return False
        if self.predicate is not None and not self.predicate(info):
            return False
        self.seen += 1
        if self.seen < self.nth or (self.times is not None and self.fired >= self.times):
            return False
        self.fired += 1
        return True


class FaultPlan:
    """The armed faults of one simulator; the first one that matches wins."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        """Arm ``fault`` and return it (its ``fired`` count is inspectable)."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def on(
        self,
        method: str | None,
        path: str | None,
        action: Action,
        *,
        nth: int = 1,
        times: int | None = 1,
    ) -> Fault:
        """Shorthand for ``add(Fault(action, method, path, nth, times))``."""
        return self.add(Fault(action, method, path, nth, times))

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def pick(self, info: RequestInfo) -> Action | None:
        """The action for this request, if any fault fires."""
        if not self._faults:
            return None
        with self._lock:
            for fault in self._faults:
                if fault.matches(info):
                    return fault.action
        return None


#: The fault vocabulary ``lockt_async.testing`` exports.
__all__ = [
    "COMMUNICATION_ERRORS",
    "ENUMERATE_DEPENDANT",
    "HOST_UNREACHABLE",
    "LOCATE_TEMPLATE",
    "UNEXPECTED_ERROR",
    "Delay",
    "Drop",
    "Fault",
    "FaultPlan",
    "RateLimit",
    "RequestInfo",
    "Respond",
    "communication_error",
    "error_envelope",
    "html_page",
    "invalid_utf8",
    "status",
    "truncated_json",
]
