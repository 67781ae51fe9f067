"""The one record factory of the tests: valid card holders, unique by ``i``."""

from __future__ import annotations

from typing import Any


def contact(i: int | str) -> dict[str, str]:
    """The fields the document's validation table requires beside the names (a unique email)."""
    return {"email": f"ada{i}@example.com", "phone": "5551234567", "pin": "1234"}


def user_record(i: int, **overrides: Any) -> dict[str, Any]:
    """A valid card holder for the simulator (and any fake server), unique by ``i``."""
    rec: dict[str, Any] = {
        "id_num": f"EMP{i:06d}",
        "first_name": "Ada",
        "last_name": f"Lovelace{i}",
        "email": f"ada{i}@example.com",
        "phone": "5551234567",
        "pin": f"{1000 + i % 9000}",
        "card_num": str(100000 + i),
    }
    rec.update(overrides)
    return rec


def users(n: int, start: int = 0) -> list[dict[str, Any]]:
    """``n`` valid card holders, numbered from ``start``."""
    return [user_record(i) for i in range(start, start + n)]


def toby_peters(**changes: Any) -> dict[str, Any]:
    """The document's example insert (Toby Peters, id -1) with ``changes``; a field
    changed to ``...`` is left out of the record."""
    rec: dict[str, Any] = {
        "id": -1,
        "id_num": "ABC123",
        "first_name": "Toby",
        "last_name": "Peters",
        "email": "toby.peters@web.place",
        "phone": "33344455555",
        "pin": "1234",
        "card_num": "5588",
        "access_effective": "",
        "access_expires": "",
        "enabled": "true",
    }
    rec.update(changes)
    return {k: v for k, v in rec.items() if v is not ...}
