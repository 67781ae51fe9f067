from __future__ import annotations

import pytest

from lockt_async.converters import LocktConverter, make_converter


@pytest.fixture
def conv() -> LocktConverter:
    """A converter for an America/New_York instance (the document's /time example zone)."""
    return make_converter("America/New_York")
