"""Pause the cyclic garbage collector while a large read is decoded.

Decoding a big ``GET /user`` body allocates hundreds of thousands of containers
(JSON dicts and lists, then models). None of them form reference cycles, yet
every few hundred allocations CPython's collector walks the young objects, and
ever more often the whole heap: on 100,000 users that doubles or triples the
decode time (see ``benchmarks/results.md``). Pausing the collector for the
duration of one synchronous decode costs nothing in correctness: cycles made by
other code meanwhile are collected once it is re-enabled.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Bodies and row counts below these decode fast enough that pausing is moot.
PAUSE_BODY_BYTES = 256 * 1024
PAUSE_ROWS = 500


@contextmanager
def gc_paused(large: bool) -> Iterator[None]:
    """Disable the collector inside the block when ``large`` (and it was enabled)."""
    if not large or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
