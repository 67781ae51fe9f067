"""Records on their way out: what an endpoint takes, the wire form, and echo matching."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .._results import Failure, FailureReason
from .._validation import DuplicateTracker, plain_rules
from ..errors import (
    ClientValidationError,
    LocktError,
    RecordError,
    ServerValidationError,
    WriteNotAppliedError,
    WriteOutcomeUnknownError,
    excerpt,
)

if TYPE_CHECKING:
    from ..converters import LocktConverter

Check = Callable[[Mapping[str, Any]], list[str]]


@attrs.frozen(kw_only=True)
class WriteSpec:
    """What differs between write endpoints; the engine does the rest."""

    operation: str
    method: str
    path: str
    node: str
    check: Check
    #: The model a mapping is structured into; None for id-only bodies (deletes).
    model: type[Any] | None = None
    #: Wire fields sent; others (read-only ones such as ``credentials``) are dropped.
    fields: frozenset[str] = frozenset()
    duplicate_fields: tuple[str, ...] = ()
    #: Natural keys that match a server error's echoed ``input_data`` to a record.
    match_fields: tuple[str, ...] = ("id",)
    one_per_call: bool = False
    #: Wire defaults, ``(field, value)``: a record without the field gets the value
    #: (a user without ``id`` is an insert: ``id: -1``).
    defaults: tuple[tuple[str, Any], ...] = ()
    #: Options that the endpoint takes (the others are not sent).
    option_names: tuple[str, ...] = ("validate_fails_batch",)
    #: Keys two records of one page must not share (a server defect makes them
    #: clash): a record whose keys meet the page being built starts a new page.
    page_keys: Callable[[Mapping[str, Any]], frozenset[Any]] | None = None
    #: ``unknown_fields="ignore"``: a mapping's fields the endpoint does not take are
    #: dropped instead of making the record invalid.
    ignore_unknown: bool = False


#: (index in the caller's input, the caller's record, its wire dict)
Item = tuple[int, Any, dict[str, Any]]


def encode_options(spec: WriteSpec, options: Mapping[str, bool]) -> dict[str, str]:
    """Options as the document sends them: the strings ``"true"``/``"false"``."""
    return {k: "true" if options[k] else "false" for k in spec.option_names if k in options}


def _writers(spec: WriteSpec, conv: LocktConverter) -> tuple[Any, Any, Any]:
    """``(spec, encode, encode_and_check)``: ``spec``'s fused shortcuts for plain dicts
    (``WireEncoder.plain_writer``), built once per converter and endpoint; None for
    id-only bodies, and for a check with no plain rules (``_validation.plain_rules``)."""
    encode = checked = None
    if spec.model is not None:
        encoder = conv.wire_encoder(spec.model, spec.fields)
        encode = encoder.plain_writer(spec.defaults)
        rules = plain_rules(spec.check)
        if rules is not None:
            checked = encoder.plain_writer(spec.defaults, rules)
    if len(conv.write_cache) >= 256:  # specs built per call (a lenient check each time)
        conv.write_cache.clear()
    # Keyed by id: hashing a spec hashes all its fields. The entry holds the spec,
    # so the id cannot be reused while it is cached.
    entry = conv.write_cache[id(spec)] = (spec, encode, checked)
    return entry


def to_wire(spec: WriteSpec, conv: LocktConverter, record: Any) -> dict[str, Any]:
    """The wire dict of one record; raises ``RecordError`` naming the field."""
    if type(record) is dict:
        # The import's usual record, a dict already in wire types: one generated call.
        writer = (conv.write_cache.get(id(spec)) or _writers(spec, conv))[1]
        if writer is not None:
            wire: dict[str, Any] | None = writer(record)
            if wire is not None:
                return wire
    model = spec.model
    if model is None:
        return {"id": _id_of(record)}
    if type(record) is dict or (not isinstance(record, model) and isinstance(record, Mapping)):
        if not spec.fields.issuperset(record):
            if spec.ignore_unknown:
                record = {k: v for k, v in record.items() if k in spec.fields}
                return _encode(spec, conv, record)
            unknown = sorted(str(k) for k in record if k not in spec.fields)
            raise RecordError(
                f"unknown field(s) {', '.join(unknown)} for {spec.operation}; "
                f"allowed: {', '.join(sorted(spec.fields))}",
                field=unknown[0],
            )
    elif not isinstance(record, model):
        raise RecordError(
            f"a {spec.operation} record must be a {model.__name__} or a mapping, "
            f"got {type(record).__name__}",
            field=None,
        )
    return _encode(spec, conv, record)


def _encode(spec: WriteSpec, conv: LocktConverter, record: Any) -> dict[str, Any]:
    assert spec.model is not None
    wire = conv.wire_encoder(spec.model, spec.fields)(record)
    for field, value in spec.defaults:
        if wire.get(field) is None:
            wire[field] = value
    return wire


def _id_of(record: Any) -> Any:
    """An id for an id-only body: an int, a digit string, a model or a mapping with ``id``."""
    if isinstance(record, Mapping):
        return record.get("id")
    if isinstance(record, int | str) or record is None:
        return record
    if hasattr(record, "id"):
        return record.id
    raise RecordError(
        f"expected an id (int), a model or a mapping with 'id', got {type(record).__name__}",
        field="id",
    )


def prepare_item(
    spec: WriteSpec, conv: LocktConverter, record: Any, tracker: DuplicateTracker | None
) -> tuple[dict[str, Any] | None, list[str]]:
    """Convert and check one record: ``(wire, [])`` or ``(None, messages)``."""
    try:
        if type(record) is dict:
            # The import's usual record: encoded and plainly valid in one generated call.
            checked = (conv.write_cache.get(id(spec)) or _writers(spec, conv))[2]
            if checked is not None:
                wire = checked(record)
                if wire is not None:
                    messages = tracker.check(wire) if tracker is not None else []
                    return (None, messages) if messages else (wire, [])
        wire = to_wire(spec, conv, record)
        messages = spec.check(wire)
        if tracker is not None and not messages:
            messages = tracker.check(wire)
    except RecordError as exc:
        return None, [str(exc)]
    except Exception as exc:  # a value no rule foresaw: refuse this record, never the batch
        return None, [f"record cannot be converted: {type(exc).__name__}: {_safe_str(exc)}"]
    return (None, messages) if messages else (wire, [])


def plain_wires(
    spec: WriteSpec, conv: LocktConverter, records: Sequence[Any]
) -> list[dict[str, Any] | None] | None:
    """What ``prepare_item`` (without a tracker) would make of each record of a list
    of plain dicts, by the fused writer mapped over it in one C-level pass: a wire
    dict, or None where the record needs ``prepare_item`` itself (invalid, or of an
    unusual shape). None when ``records`` is not such a list or the endpoint has no
    fused writer: then every record takes ``prepare_item``."""
    if type(records) is not list and type(records) is not tuple:
        return None  # another Sequence may raise while read: the caller counts each one
    if not records or set(map(type, records)) != {dict}:
        return None
    checked = (conv.write_cache.get(id(spec)) or _writers(spec, conv))[2]
    if checked is None:
        return None
    try:
        return list(map(checked, records))
    except Exception:  # the writer answers None, never raises; if it ever did: one by one
        return None


def _safe_str(exc: BaseException) -> str:
    try:
        return excerpt(str(exc), 120)
    except Exception:
        return "(no message)"


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


class Matcher:
    """Finds the record of a page that a server error's ``input_data`` echoes."""

    def __init__(self, spec: WriteSpec, items: Sequence[Item]):
        self._exact: dict[Any, list[int]] = {}
        self._natural: dict[tuple[str, str], list[int]] = {}
        for pos, (_, _, wire) in enumerate(items):
            self._exact.setdefault(_canonical(wire), []).append(pos)
            for f in spec.match_fields:
                v = wire.get(f)
                if v not in (None, "", -1, "-1"):
                    self._natural.setdefault((f, str(v)), []).append(pos)
        self._fields = spec.match_fields
        self._taken: set[int] = set()

    def match(self, echo: Mapping[str, Any] | None) -> int | None:
        if echo is None:
            return None
        candidates = self._exact.get(_canonical(echo), [])
        for pos in candidates:
            if pos not in self._taken:
                self._taken.add(pos)
                return pos
        for f in self._fields:
            v = echo.get(f)
            if v in (None, "", -1, "-1"):
                continue
            for pos in self._natural.get((f, str(v)), []):
                if pos not in self._taken:
                    self._taken.add(pos)
                    return pos
        return None


def failure_error(operation: str, failure: Failure) -> LocktError:
    """The exception a single-record caller (``update``, ``upsert_one``) gets for its failure."""
    text = f"{operation}: " + "; ".join(failure.messages)
    if failure.reason is FailureReason.INVALID:
        return ClientValidationError(text, failures=[failure])
    if failure.reason is FailureReason.REJECTED:
        # The server refused it: with the document's validation status, also when the
        # refusal came inside a 200 partial success (validate_fails_batch=false).
        return ServerValidationError(text, status_code=400, failures=[failure])
    if failure.reason is FailureReason.NOT_SENT:
        return WriteNotAppliedError(text, failure=failure)
    return WriteOutcomeUnknownError(text, failure=failure)
