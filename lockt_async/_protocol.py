"""``ResourceClient``: the verbs a resource group needs of the client, and no more.

The resources (``client.users``, ``client.fobs``, ...) and the sync planner hold
a ``ResourceClient``, never ``LocktClient`` itself: so they never import
``_client``, and ``_client`` imports them at the top of the module, one
direction only (as openai-python's ``_resource.py`` holds its client). The
client implements this protocol; a test may hand a resource any object that
does.

Layers, top to bottom (each imports only those below it)::

    LocktClient (_client)        configuration, lifecycle, the resource groups
      resources/                 endpoints, bulk writes, sync; hold a ResourceClient
        _writes/, _coalesce      the write path; hold a WriteContext
          _transport, _config    one request, its retries; the error mapping
            _envelope, errors, models, converters
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from ._coalesce import Coalescer
    from ._config import RetryPolicy
    from ._writes import WriteContext
    from .converters import LocktConverter

__all__ = ["ResourceClient"]


class ResourceClient(Protocol):
    """What a resource group uses of its client (``LocktClient`` implements it)."""

    #: The instance's maximum records per write, as known now (lowered when learned).
    record_limit: int
    #: Who checks the document's "Missing or blank" rows: ``"client"`` or ``"server"``.
    required_fields: Literal["client", "server"]

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """``GET path`` under the read-concurrency bound, retried; the decoded body."""
        ...

    async def converter(self) -> LocktConverter:
        """The cattrs converter for the instance's zone."""
        ...

    def write_context(self) -> WriteContext:
        """What the write path needs (send, gate, record limit, retry policy...)."""
        ...

    def remember_limit(self, limit: int | None) -> None:
        """Keep a lower record limit a write learned from the server."""
        ...

    @property
    def coalescer(self) -> Coalescer:
        """Merges concurrent single-record writes into pages."""
        ...

    @property
    def retry(self) -> RetryPolicy:
        """The one retry policy of reads, resends and the event stream."""
        ...
