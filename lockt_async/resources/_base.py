"""What every resource group shares: envelope unwrapping and argument guards."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from .._gcpause import PAUSE_ROWS, gc_paused
from .._telemetry import trace_group
from ..errors import MalformedResponseError, NotFoundError, RecordError

if TYPE_CHECKING:
    from .._client import LocktClient
    from ..converters import LocktConverter

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
    """Every row of a read as models; a long list is built with the GC paused."""
    with gc_paused(len(found) > PAUSE_ROWS):
        return [structure(conv, r, cls, path) for r in found]


def readonly(data: Any) -> Mapping[str, Any]:
    """An undocumented response shape handed out as a read-only mapping."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if isinstance(data, Mapping):
        return MappingProxyType(dict(data))
    return MappingProxyType({"data": data})


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


def only_one(**kwargs: object) -> tuple[str, object]:
    """Exactly one lookup keyword was given; returns it as (name, value)."""
    given = [(k, v) for k, v in kwargs.items() if v is not None]
    if len(given) != 1:
        names = ", ".join(f"{k}=" for k in kwargs)
        raise RecordError(f"pass exactly one of {names}", field=None)
    return given[0]


class Resource:
    """Base of the resource groups: borrows the client's reads and converter."""

    def __init__(self, client: LocktClient):
        self._client = client

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every public coroutine method is a library call: a span and a log line
        # when observability is on (see ``_telemetry``), one attribute check when off.
        super().__init_subclass__(**kwargs)
        group = "".join(f"_{c.lower()}" if c.isupper() else c for c in cls.__name__).lstrip("_")
        trace_group(cls, group)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    async def _list(
        self, path: str, cls: type[T], params: Mapping[str, str] | None = None
    ) -> list[T]:
        body = await self._client._get(path, params)
        conv = await self._client.converter()
        return structure_rows(conv, rows(body, path), cls, path)

    async def _get_one(self, path: str, cls: type[T], params: Mapping[str, str], what: str) -> T:
        """The row whose key (the one ``params`` entry, a model attribute) is the value
        asked for: every row is checked, so a server that ignores the filter and answers
        every record gives the right row or ``NotFoundError``, never another record."""
        try:
            found = await self._list(path, cls, params)
        except NotFoundError:
            raise NotFoundError(
                f"no {what} with {_describe(params)}", status_code=404, method="GET", path=path
            ) from None
        ((key, value),) = params.items()
        row = matching_row(found, key, value)
        if row is None:
            others = f" (the server answered {len(found)} other record(s))" if found else ""
            raise NotFoundError(
                f"no {what} with {_describe(params)}{others}",
                status_code=200,
                method="GET",
                path=path,
            )
        return row


def matching_row(rows: list[T], key: str, value: str) -> T | None:
    """The first row whose ``key`` attribute is ``value`` (as text, trimmed), else the
    only row equal to it ignoring case (a server may match names without case), else None."""
    wanted = value.strip()
    folded: list[T] = []
    for row in rows:
        got = getattr(row, key, None)
        if got is None or isinstance(got, bool):
            continue
        text = str(got).strip()
        if text == wanted:
            return row
        if text.casefold() == wanted.casefold():
            folded.append(row)
    return folded[0] if len(folded) == 1 else None


def _describe(params: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())
