"""The ``lockt`` subprocess tests: each module's ``sim``, served on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lockt_async.testing import Simulator
from tests.support.cli import served


@pytest.fixture
def env(sim: Simulator) -> Iterator[dict[str, str]]:
    """The environment a ``lockt`` subprocess needs to reach the module's ``sim``."""
    with served(sim) as environ:
        yield environ
