"""Schedules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

import attrs

from ._common import extra_field


@attrs.frozen(kw_only=True)
class Schedule:
    """A schedule (``GET /schedule``).

    - ``d0`` .. ``d6``: day flags (d0 is typically Monday); the wire sends ``1``/``0``.
    - ``start``, ``stop``: local times of day (``HH:MM:SS`` on the wire).
    """

    id: int | None = None
    name: str | None = None
    d0: bool | None = None
    d1: bool | None = None
    d2: bool | None = None
    d3: bool | None = None
    d4: bool | None = None
    d5: bool | None = None
    d6: bool | None = None
    start: time | None = None
    stop: time | None = None
    extra: Mapping[str, Any] = extra_field()

    @property
    def days(self) -> tuple[int, ...]:
        """The day numbers (0..6) whose flag is set."""
        flags = (self.d0, self.d1, self.d2, self.d3, self.d4, self.d5, self.d6)
        return tuple(i for i, flag in enumerate(flags) if flag)
