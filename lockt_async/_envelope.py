"""Read envelopes and argument guards: what the client and the resources both need.

A read answers ``{"data": ...}``; these helpers unwrap it (``data_of``, ``rows``,
``one``), turn rows into models (``structure``, ``structure_rows``) or hand an
undocumented shape out read-only (``readonly``), each raising a typed
``MalformedResponseError`` that names the endpoint. ``require_text`` and
``require_id`` check a caller's lookup argument before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ._gcpause import PAUSE_ROWS, gc_paused
from .errors import MalformedResponseError, RecordError
from .models._common import ReadOnlyMap

if TYPE_CHECKING:
    from .converters import LocktConverter

__all__ = [
    "data_of",
    "one",
    "readonly",
    "require_id",
    "require_text",
    "rows",
    "structure",
    "structure_rows",
]

T = TypeVar("T")


def data_of(body: Any, path: str) -> Any:
    """The ``data`` node of a read envelope, or a typed error."""
    if not isinstance(body, Mapping) or "data" not in body:
        raise MalformedResponseError(
            f"GET {path}: response has no 'data' envelope", status_code=200
        )
    return body["data"]


def rows(body: Any, path: str) -> list[Any]:
    """The ``data`` list of a read envelope (an object counts as a one-row list)."""
    data = data_of(body, path)
    if isinstance(data, Mapping):
        return [data]
    if not isinstance(data, list):
        raise MalformedResponseError(
            f"GET {path}: 'data' is {type(data).__name__}, expected a list", status_code=200
        )
    return data


def one(data: Any, path: str) -> Mapping[str, Any]:
    """One object where the document shows an object or a one-element list."""
    if isinstance(data, list):
        if len(data) != 1:
            raise MalformedResponseError(
                f"GET {path}: expected one object, got a list of {len(data)}", status_code=200
            )
        data = data[0]
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"GET {path}: expected an object, got {type(data).__name__}", status_code=200
        )
    return data


def structure(conv: LocktConverter, row: Any, cls: type[T], path: str) -> T:
    """A response row as a model; bad server data is a ``MalformedResponseError``.

    (The converter's ``RecordError`` is for the caller's own input; here the server
    sent it, so the error names the endpoint instead.)
    """
    try:
        return conv.structure(row, cls)
    except RecordError as exc:
        raise MalformedResponseError(f"response of {path}: {exc}", status_code=200) from None


def structure_rows(conv: LocktConverter, found: list[Any], cls: type[T], path: str) -> list[T]:
    """Every row of a read as models; a long list is built with the GC paused.

    The rows go straight through the converter's hook for ``cls`` (no per-row
    wrapper); if any row fails, they are read again one by one so that the error
    is the one ``structure`` raises, naming the endpoint (hooks are pure: reading
    again gives the same models and the same error).
    """
    with gc_paused(len(found) > PAUSE_ROWS):
        hook = conv.get_structure_hook(cls)
        try:
            return [hook(r, cls) for r in found]
        except Exception:  # re-read below, which raises the typed error
            pass
        return [structure(conv, r, cls, path) for r in found]


def readonly(data: Any) -> Mapping[str, Any]:
    """An undocumented response shape handed out as a read-only mapping."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if isinstance(data, Mapping):
        return ReadOnlyMap(data)
    return ReadOnlyMap.wrap({"data": data})


def require_text(name: str, value: object) -> str:
    """A non-blank string argument; blank lookups return every record (a server defect)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise RecordError(
            f"{name} must be a non-blank string, got {value!r} (a blank {name} would make "
            "the server return every record)",
            field=name,
        )
    return value.strip()


def require_id(name: str, value: object) -> int:
    """A positive integer id (an int, a digit string, or a model with ``.id``)."""
    raw = getattr(value, "id", value) if not isinstance(value, int | str) else value
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if not isinstance(raw, int) or raw <= 0:
        raise RecordError(f"{name} must be a positive integer id, got {value!r}", field=name)
    return raw
