"""``SimulatorFleet``: many simulated Lockt instances behind one ASGI app.

Each instance is a whole :class:`Simulator` (its own stores, latency, record
limit, time zone, write slot and journal); the fleet routes a request by its
``apiuser`` header, as the many instances of an integrator's customers would
be told apart by their credentials. An unknown ``apiuser`` gets the document's
401, as a wrong key would. One process (one uvicorn thread) serves hundreds of
instances, so fleet tests and benchmarks need no process per instance.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._sim import Simulator

if TYPE_CHECKING:
    import httpx
    from starlette.types import Receive, Scope, Send

    from ._journal import Entry

_DENIED = json.dumps({"data": {"error": "Access denied. Invalid API credentials."}}).encode()


class SimulatorFleet:
    """Many simulated instances served by one app, told apart by ``apiuser``.

    ``fleet.add("acme", latency=0.02, record_limit=50, timezone="Europe/Paris")``
    adds an instance whose ``api_user`` is its name and whose ``api_key`` is
    ``api_key`` (default ``"sim-key-<name>"``, a test credential); every other
    keyword goes to :class:`Simulator`. ``fleet["acme"]`` is that simulator.
    """

    base_path = Simulator.base_path

    def __init__(self) -> None:
        self.instances: dict[str, Simulator] = {}

    def add(self, name: str, *, api_key: str | None = None, **options: Any) -> Simulator:
        """Add an instance named ``name`` (its ``apiuser``) and return its simulator.

        Raises:
            ValueError: ``name`` is empty or already in the fleet.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        if name in self.instances:
            raise ValueError(f"name {name!r} is already in the fleet")
        key = api_key if api_key is not None else f"sim-key-{name}"
        sim = Simulator(api_user=name, api_key=key, **options)
        self.instances[name] = sim
        return sim

    def __getitem__(self, name: str) -> Simulator:
        return self.instances[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.instances)

    def __len__(self) -> int:
        return len(self.instances)

    def overlapping_writes(self) -> dict[str, list[tuple[Entry, Entry]]]:
        """Per instance, the pairs of its writes that were in progress at once
        (instances without any are left out: ``{}`` means none anywhere)."""
        found = {name: sim.journal.overlapping_writes() for name, sim in self.instances.items()}
        return {name: pairs for name, pairs in found.items() if pairs}

    def max_concurrent_writes(self) -> dict[str, int]:
        """Per instance, the most writes it had in progress at one instant."""
        return {name: sim.journal.max_concurrent_writes() for name, sim in self.instances.items()}

    @property
    def app(self) -> _FleetApp:
        """The ASGI app: each request goes to the instance its ``apiuser`` names."""
        return _FleetApp(self.instances)

    def transport(self) -> httpx.AsyncBaseTransport:
        """An in-process transport to the whole fleet (as ``Simulator.transport``)."""
        from ._extra import require_extra

        require_extra("starlette")
        from ._transport import SimTransport

        return SimTransport(self.app)


class _FleetApp:
    """Route a request to the simulator its ``apiuser`` header names (401 if none)."""

    def __init__(self, instances: dict[str, Simulator]) -> None:
        self.instances = instances

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan and websockets: nothing to serve
            return
        user = ""
        for key, value in scope.get("headers", ()):
            if key == b"apiuser":
                user = value.decode("latin-1")
                break
        sim = self.instances.get(user)
        if sim is None:
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 401, "headers": headers})
            await send({"type": "http.response.body", "body": _DENIED})
            return
        await sim.app(scope, receive, send)
