"""Running ``lockt`` as a subprocess against a simulator served on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from lockt_async.testing import Simulator, serve_in_thread


@contextmanager
def served(sim: Simulator) -> Iterator[dict[str, str]]:
    """The environment a ``lockt`` subprocess needs to reach ``sim`` (served on loopback)."""
    with serve_in_thread(sim) as url:
        yield {
            **os.environ,
            "LOCKT_BASE_URL": url,
            "LOCKT_API_USER": sim.api_user,
            "LOCKT_API_KEY": sim.api_key,
            "COLUMNS": "200",
        }
