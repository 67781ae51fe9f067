"""Concurrent callers of the tests: what each one got."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


class Outcomes(list[BaseException | None]):
    """Each caller's outcome, in the order they ended: None, or the ``catch`` error it raised."""

    def __init__(self, catch: type[BaseException]) -> None:
        super().__init__()
        self.catch = catch

    async def call(self, func: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Await ``func(*args)`` and note how it ended (other errors propagate)."""
        try:
            await func(*args)
            self.append(None)
        except self.catch as exc:
            self.append(exc)
