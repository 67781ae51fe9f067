"""Shared pieces of the model classes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NoReturn

import attrs


class ReadOnlyMap(Mapping[str, Any]):
    """A read-only mapping of fields the document does not list (a model's ``extra``,
    an undocumented answer). Unlike ``types.MappingProxyType`` it pickles and
    deep-copies, so the models that hold one do too; it compares equal to a ``dict``
    with the same items, and shows as one."""

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(self, data: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        object.__setattr__(self, "_data", dict(data))

    @classmethod
    def wrap(cls, data: dict[str, Any]) -> ReadOnlyMap:
        """Hold ``data`` itself, not a copy: for a dict nobody else keeps."""
        new = object.__new__(cls)
        object.__setattr__(new, "_data", data)
        return new

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ReadOnlyMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a mapping: compared by value, never hashed

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[type[ReadOnlyMap], tuple[dict[str, Any]]]:
        return (type(self), (self._data,))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is read-only")


#: The shared, immutable default of every ``extra`` field.
EMPTY_EXTRA: Mapping[str, Any] = ReadOnlyMap()


def extra_field() -> Any:
    """``extra``: response fields the document does not list, kept readable.

    Compared by ``==`` but left out of ``hash()`` (a mapping is not hashable),
    so models stay usable in sets and as dict keys. Never written back.
    """
    return attrs.field(default=EMPTY_EXTRA, hash=False)
