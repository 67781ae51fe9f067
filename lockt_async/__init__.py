"""Async client for the Lockt SecureAccess Cloud API.

Bulk writes go out in pages under the instance's record limit, one write in
flight per instance, with an outcome for every record. See the README.

Everything public is importable from here (``__all__``); the submodules
``errors``, ``models``, ``testing``, ``redis_gate``, ``fleet`` (many instances in one
process) and ``temporal`` (the ``temporal`` extra: a fleet on Temporal workers) are
public too, and import as usual (``import lockt_async.testing``).
"""

import sys as _sys
from types import ModuleType as _ModuleType
from typing import TYPE_CHECKING as _TYPE_CHECKING

from . import models
from ._clear import CLEAR
from ._client import LocktClient
from ._config import RetryPolicy
from ._events import EventStream
from ._gate import LocalWriteGate, WriteGate, process_gate
from ._results import BatchResult, Failure, FailureReason, PageResult, Progress
from ._sync_results import (
    FieldChange,
    IgnoredDifference,
    PlannedInsert,
    PlannedRemoval,
    PlannedUpdate,
    SyncPlan,
    SyncResult,
    SyncRoute,
)
from ._version import __version__
from ._warnings import LocktWarning
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BatchFailedError,
    BatchInterruptedError,
    BatchSizeExceededError,
    ClientValidationError,
    ConfigurationError,
    ConnectError,
    ConnectionDropped,
    InstanceCommunicationError,
    LocktError,
    MalformedResponseError,
    NaiveDatetimeError,
    NotALocktAPIError,
    NotFoundError,
    ParseInputError,
    RateLimitError,
    RecordError,
    RecordNotWrittenError,
    RequestTimeout,
    ResponseTooLargeError,
    ServerError,
    ServerValidationError,
    TransportError,
    ValidationFailedError,
    WriteNotAppliedError,
    WriteOutcomeUnknownError,
)
from .models import *  # noqa: F403  (the record classes: ``models.__all__``)
from .resources._sync import SyncOptions

__all__ = [
    "CLEAR",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BatchFailedError",
    "BatchInterruptedError",
    "BatchResult",
    "BatchSizeExceededError",
    "ClientValidationError",
    "ConfigurationError",
    "ConnectError",
    "ConnectionDropped",
    "EventStream",
    "Failure",
    "FailureReason",
    "FieldChange",
    "IgnoredDifference",
    "InstanceCommunicationError",
    "LocalWriteGate",
    "LocktClient",
    "LocktError",
    "LocktWarning",
    "MalformedResponseError",
    "NaiveDatetimeError",
    "NotALocktAPIError",
    "NotFoundError",
    "PageResult",
    "ParseInputError",
    "PlannedInsert",
    "PlannedRemoval",
    "PlannedUpdate",
    "Progress",
    "RateLimitError",
    "RecordError",
    "RecordNotWrittenError",
    "RequestTimeout",
    "ResponseTooLargeError",
    "RetryPolicy",
    "ServerError",
    "ServerValidationError",
    "SyncOptions",
    "SyncPlan",
    "SyncResult",
    "SyncRoute",
    "TransportError",
    "ValidationFailedError",
    "WriteGate",
    "WriteNotAppliedError",
    "WriteOutcomeUnknownError",
    "__version__",
    "process_gate",
]
__all__ += models.__all__

# Importing the names above set the subpackages they come from (``errors``,
# ``models``, ``resources``) as attributes of this package; keep the namespace
# what ``__all__`` says (``dir(lockt_async)``, completion). Submodules stay
# reachable as attributes once imported (``lockt_async.errors``), via __getattr__.
for _name in [n for n, v in vars().items() if isinstance(v, _ModuleType) and n[0] != "_"]:
    del vars()[_name]

if not _TYPE_CHECKING:  # type checkers resolve submodules themselves

    def __getattr__(name: str) -> object:
        module = _sys.modules.get(f"{__name__}.{name}")
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        return module
