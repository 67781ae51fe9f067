"""Shared pieces of the model classes."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

#: The shared, immutable default of every ``extra`` field.
EMPTY_EXTRA: Mapping[str, Any] = MappingProxyType({})


def extra_field() -> Any:
    """``extra``: response fields the document does not list, kept readable.

    Compared by ``==`` but left out of ``hash()`` (a mapping is not hashable),
    so models stay usable in sets and as dict keys. Never written back.
    """
    return attrs.field(default=EMPTY_EXTRA, hash=False)
