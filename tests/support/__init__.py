"""What the tests share: one fake server that can misbehave (``server``), one invariant
checker (``invariants``), one record factory (``records``); the loopback socket server
and a throwaway Redis for the tests that need a real socket; local processes (a free
port, a polite stop, python children) in ``processes``, concurrent callers' outcomes
in ``callers``; ``roster_server`` answers every read with one roster.
Simulator-backed tests build their client with ``Simulator.client()``."""

from __future__ import annotations

from .invariants import assert_accounted, check_invariants, key_of, stored_id_nums
from .records import contact, user_record, users
from .server import KEY, URL, HostileServer, RefuseNthWrites, Script, lying, roster_server

__all__ = [
    "KEY",
    "URL",
    "HostileServer",
    "RefuseNthWrites",
    "Script",
    "assert_accounted",
    "check_invariants",
    "contact",
    "key_of",
    "lying",
    "roster_server",
    "stored_id_nums",
    "user_record",
    "users",
]
