"""Glue between resource methods and the write path: bulk calls and single-record calls."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .._results import BatchResult, Progress
from .._writes import WriteSpec, failure_error, run_batch
from ..errors import (
    ValidationFailedError,
)
from ..models import WriteSummary
from ._base import Resource

if TYPE_CHECKING:
    from .._client import LocktClient

Records = Iterable[Any] | AsyncIterable[Any]
OnProgress = Callable[[Progress], None] | None


async def bulk(
    client: LocktClient,
    spec: WriteSpec,
    records: Records,
    options: Mapping[str, bool],
    *,
    on_progress: OnProgress = None,
    stop_on_failure: bool = False,
    result: BatchResult | None = None,
) -> BatchResult:
    for name, value in options.items():
        if not isinstance(value, bool):
            raise ValidationFailedError(
                f"{name} must be True or False, got {value!r}", status_code=0
            )
    # The result is made here so that a limit learned before a cancel is remembered too.
    result = result if result is not None else BatchResult()
    try:
        return await run_batch(
            client._write_context(),
            spec,
            records,
            options,
            on_progress=on_progress,
            stop_on_failure=stop_on_failure,
            result=result,
        )
    finally:
        client._remember_limit(result.learned_limit)


class Deletable(Resource):
    """A resource group with a bulk ``DELETE`` by id (users, fobs, doors, ...)."""

    _delete_spec: ClassVar[WriteSpec]

    async def delete(
        self,
        ids: Records,
        *,
        validate_fails_batch: bool = True,
        on_progress: OnProgress = None,
        stop_on_failure: bool = False,
        result: BatchResult | None = None,
    ) -> BatchResult:
        """``DELETE`` of this group's records by id (``DELETE /user``, ``/fob``, ...).

        Ids are ints, digit strings, models or mappings with ``id``. A bulk write;
        see "Bulk writes" in ``lockt_async.resources`` for the input, the
        ``BatchResult`` and what it raises.
        """
        return await bulk(
            self._client,
            self._delete_spec,
            ids,
            {"validate_fails_batch": validate_fails_batch},
            on_progress=on_progress,
            stop_on_failure=stop_on_failure,
            result=result,
        )


async def single(
    client: LocktClient, spec: WriteSpec, record: Any, options: Mapping[str, bool]
) -> WriteSummary:
    """Write one record; raise its own failure instead of returning it."""
    if isinstance(record, list | tuple):
        raise ValidationFailedError(
            f"{spec.operation} takes one record per call, got a {type(record).__name__}",
            status_code=0,
        )
    try:
        result = await bulk(client, spec, [record], options)
    except ValidationFailedError as exc:
        if exc.failures:
            raise failure_error(spec.operation, exc.failures[0]) from None
        raise
    if result.failures:
        raise failure_error(spec.operation, result.failures[0])
    return WriteSummary(
        submitted=result.submitted,
        inserted=result.inserted,
        updated=result.updated,
        deleted=result.deleted,
        processed=result.processed,
        errors=result.errors,
    )


__all__ = ["Deletable", "bulk", "single"]
