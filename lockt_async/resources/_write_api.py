"""Glue between resource methods and the write path: bulk calls and single-record calls."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypedDict, TypeVar, Unpack

import attrs

from .._field_map import OnInsert
from .._results import BatchResult, Progress
from .._writes import WriteSpec, check_batch, failure_error, run_batch
from ..errors import ClientValidationError, ConfigurationError, ValidationFailedError
from ..models import WriteSummary
from ._base import Resource
from ._specs import pick

if TYPE_CHECKING:
    from .._protocol import ResourceClient

R = TypeVar("R")
#: What a bulk write takes: a list, any iterable or an async iterable of records.
Records = Iterable[R] | AsyncIterable[R]
OnProgress = Callable[[Progress], None] | None
#: Ids for a bulk delete: ints, digit strings, models or mappings with ``id``.
Ids = Records[Any]


class BulkOptions(TypedDict, total=False):
    """The keyword arguments every bulk write takes (see ``BULK_WRITE_DOC``)."""

    validate_fails_batch: bool
    unknown_fields: Literal["error", "ignore"]
    on_progress: OnProgress
    stop_on_failure: bool
    result: BatchResult | None


class UserUpsertOptions(BulkOptions, total=False):
    """``users.upsert``: the bulk options, the endpoint's own two, and the HR-file pair."""

    update_existing: bool
    replace_privileges: bool
    field_map: Mapping[str, str] | None
    on_insert: OnInsert | None


#: The endpoints' own options (sent as query parameters) and their defaults.
_WIRE_DEFAULTS: Mapping[str, bool] = {
    "validate_fails_batch": True,
    "update_existing": False,
    "replace_privileges": True,
}
_CALL_OPTIONS = frozenset({"unknown_fields", "on_progress", "stop_on_failure", "result"})

BULK_WRITE_DOC = """
        A bulk write. ``records`` is a list, any iterable or an async iterable of
        any size (a streamed input is held one page at a time); each record is the
        model or a mapping with the document's field names (the ``...Record``
        ``TypedDict``s type them). Records go out in pages under the instance's
        record limit (100 unless the server says it is lower), one write in flight
        per instance; a page is resent only when it certainly was not applied.

        Keyword arguments:
            validate_fails_batch: True (the default) is all or nothing per page, and
                a list input is checked whole before anything is sent; False reports
                bad records and sends the rest.
            unknown_fields: ``"error"`` (the default): a mapping with a field this
                call does not take is ``invalid``; ``"ignore"``: such fields are
                dropped (a spreadsheet's extra columns).
            on_progress: called with a ``Progress`` after every page.
            stop_on_failure: stop at the first page with a failure; the rest is
                ``not_sent``.
            result: a ``BatchResult`` to fill in; keep a reference to read the
                outcome of a call that gets cancelled.

        Returns:
            A ``BatchResult`` with an outcome for every record: accepted, or a
            ``Failure`` whose reason is ``invalid`` (refused by the client's checks,
            never sent), ``rejected`` (refused by the server, with its messages),
            ``not_sent`` (certainly not applied: ``records_to_retry()`` resends them)
            or ``unknown`` (sent without a usable answer: look the record up, or use
            ``reconcile``, before resending).

        Raises:
            ClientValidationError: (a ``ValidationFailedError``) a list input has
                invalid records and ``validate_fails_batch`` is True (nothing was
                sent; ``.failures`` lists them).
            RecordError: ``records`` is not an iterable of records.
            ConfigurationError: an option has a wrong value (``"false"`` is not False).
            BatchInterruptedError: ``records`` raised while being read (raised from
                that exception); ``.result`` accounts for every record taken.
            TypeError: an unknown keyword argument.

        Server and transport errors never raise: they become outcomes, and
        ``result.stopped_by`` holds the error that ended the import early (a
        revoked key, a base URL that is not a Lockt API).
"""

F = TypeVar("F", bound=Callable[..., Any])


def bulk_write(method: F) -> F:
    """Completes a bulk method's docstring with the shared rules (self-contained ``help()``)."""
    method.__doc__ = (method.__doc__ or "").rstrip() + "\n" + BULK_WRITE_DOC
    return method


def check_options(operation: str, options: Mapping[str, object]) -> dict[str, bool]:
    """A write call's options, each a real bool: every write (bulk or coalesced) passes here.

    A string such as ``"false"`` is refused rather than read by truthiness (which
    would send ``"true"``).

    Raises:
        ConfigurationError: an option is not ``True`` or ``False`` (names it).
    """
    for name, value in options.items():
        if not isinstance(value, bool):
            raise ConfigurationError(
                f"{operation}: option {name} must be True or False, got {value!r}"
            )
    return dict(options)  # type: ignore[arg-type]  # every value was just checked


async def bulk(
    client: ResourceClient, spec: WriteSpec, records: Records[Any], options: Mapping[str, Any]
) -> BatchResult:
    """Run one bulk write of ``spec`` with a call's keyword ``options`` (checked here)."""
    unexpected = sorted(set(options) - _CALL_OPTIONS - set(spec.option_names))
    if unexpected:
        raise TypeError(f"{spec.operation}() got an unexpected keyword argument {unexpected[0]!r}")
    wire = check_options(
        spec.operation,
        {name: options.get(name, _WIRE_DEFAULTS[name]) for name in spec.option_names},
    )
    check_options(spec.operation, {"stop_on_failure": options.get("stop_on_failure", False)})
    spec = _with_unknown_fields(spec, options)
    # The result is made here so that a limit learned before a cancel is remembered too.
    result = options.get("result")
    result = result if result is not None else BatchResult()
    try:
        return await run_batch(
            client.write_context(),
            pick(client, spec),
            records,
            wire,
            on_progress=options.get("on_progress"),
            stop_on_failure=bool(options.get("stop_on_failure", False)),
            result=result,
        )
    finally:
        client.remember_limit(result.learned_limit)


def _with_unknown_fields(spec: WriteSpec, options: Mapping[str, Any]) -> WriteSpec:
    """``spec`` as the call's ``unknown_fields`` option says (checked here)."""
    unknown_fields = options.get("unknown_fields", "error")
    if unknown_fields not in ("error", "ignore"):
        raise ConfigurationError(
            f"unknown_fields must be 'error' or 'ignore', got {unknown_fields!r}"
        )
    if unknown_fields == "ignore":
        return attrs.evolve(spec, ignore_unknown=True)
    return spec


class CheckOptions(TypedDict, total=False):
    """The keyword arguments of ``check`` (a bulk write's dry run)."""

    unknown_fields: Literal["error", "ignore"]
    result: BatchResult | None


class Checkable(Resource):
    """A resource group whose bulk write can be checked without sending anything."""

    #: The write whose checks ``check`` makes (``users.upsert``, ``fobs.create``...).
    _check_spec: ClassVar[WriteSpec]

    async def check(self, records: Records[Any], **options: Unpack[CheckOptions]) -> BatchResult:
        """The checks this group's bulk write makes before sending, and nothing sent.

        Each record is converted to its wire form and checked as the write would
        (formats, required fields as ``required_fields`` says, duplicates within
        ``records``); no request is made beyond ``GET /time`` when the client's
        timezone is not configured. ``unknown_fields`` and ``result`` are as in
        the bulk write.

        Returns:
            A ``BatchResult`` whose ``failures`` are the ``invalid`` records (with
            the messages the write would give); ``total`` counts every record read.

        Raises:
            RecordError: ``records`` is not an iterable of records.
            ConfigurationError: ``unknown_fields`` is not ``"error"`` or ``"ignore"``.
            TypeError: an unknown keyword argument.
        """
        spec = self._check_spec
        unexpected = sorted(set(options) - {"unknown_fields", "result"})
        if unexpected:
            raise TypeError(f"check() got an unexpected keyword argument {unexpected[0]!r}")
        spec = pick(self._client, _with_unknown_fields(spec, options))
        conv = await self._client.converter()
        return await check_batch(conv, spec, records, result=options.get("result"))


class Deletable(Resource):
    """A resource group with a bulk ``DELETE`` by id (users, fobs, doors, ...)."""

    _delete_spec: ClassVar[WriteSpec]

    @bulk_write
    async def delete(self, ids: Ids, **options: Unpack[BulkOptions]) -> BatchResult:
        """``DELETE`` of this group's records by id (``DELETE /user``, ``/fob``, ...).

        ``ids`` are ints, digit strings, models or mappings with ``id``.
        """
        return await bulk(self._client, self._delete_spec, ids, options)


async def single(
    client: ResourceClient, spec: WriteSpec, record: Any, options: Mapping[str, bool]
) -> WriteSummary:
    """Write one record; raise its own failure instead of returning it."""
    if isinstance(record, list | tuple):
        raise ClientValidationError(
            f"{spec.operation} takes one record per call, got a {type(record).__name__}"
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


__all__ = [
    "BULK_WRITE_DOC",
    "BulkOptions",
    "CheckOptions",
    "Checkable",
    "Deletable",
    "Ids",
    "Records",
    "UserUpsertOptions",
    "bulk",
    "bulk_write",
    "check_options",
    "single",
]
