"""What every resource group shares: the client it borrows, lookups and argument guards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .._envelope import rows, structure_rows
from .._telemetry import trace_group
from ..errors import NotFoundError, RecordError

if TYPE_CHECKING:
    from .._protocol import ResourceClient

T = TypeVar("T")


def only_one(**kwargs: object) -> tuple[str, object]:
    """Exactly one lookup keyword was given; returns it as (name, value)."""
    given = [(k, v) for k, v in kwargs.items() if v is not None]
    if len(given) != 1:
        names = ", ".join(f"{k}=" for k in kwargs)
        raise RecordError(f"pass exactly one of {names}", field=None)
    return given[0]


class Resource:
    """Base of the resource groups: borrows the client's reads and converter."""

    def __init__(self, client: ResourceClient):
        self._client = client

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every public coroutine method is a library call: a span and a log line
        # when observability is on (see ``_telemetry``), one attribute check when off.
        super().__init_subclass__(**kwargs)
        group = "".join(f"_{c.lower()}" if c.isupper() else c for c in cls.__name__).lstrip("_")
        trace_group(cls, group)

    @property
    def client(self) -> ResourceClient:
        """The client this group belongs to."""
        return self._client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    async def _list(
        self, path: str, cls: type[T], params: Mapping[str, str] | None = None
    ) -> list[T]:
        body = await self._client.get(path, params)
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
