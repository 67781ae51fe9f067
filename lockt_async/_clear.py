"""``CLEAR``: the value that clears a date in a write.

In a write record, an absent field, ``None`` and ``""`` all mean "not given"
(a selective update leaves the field as it is). ``CLEAR`` says "remove this
date": it goes on the wire as ``""``, the document's "no date".
"""

from __future__ import annotations

from typing import Final, final

__all__ = ["CLEAR", "ClearType"]


@final
class ClearType:
    """The type of :data:`CLEAR` (one instance)."""

    __slots__ = ()
    _instance: ClearType | None = None

    def __new__(cls) -> ClearType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "lockt_async.CLEAR"

    def __reduce__(self) -> str:
        return "CLEAR"


#: Clears a date field (``access_effective``, ``access_expires``) in a write.
CLEAR: Final = ClearType()
