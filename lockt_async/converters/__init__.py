"""The client's private cattrs converter: models <-> wire dicts, for one instance zone.

``make_converter(zone)`` builds a ``LocktConverter`` once per client (no module
level converter: the zone is per instance). Reading is tolerant as the
document's contradictions demand (NOTES.md "Where the document contradicts
itself"); writing produces the documented shapes, local wall times, and only
the fields that are set. Date rules: ``lockt_async.converters.dates``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import attrs
import cattrs

from .. import models as m
from ..errors import LocktError, RecordError
from ..models._common import EMPTY_EXTRA, ReadOnlyMap
from . import _coerce
from ._gen import ALL_MODELS, REF_CLASSES, build_hooks, field_specs
from ._wire import WireEncoder
from .dates import DateCodec, get_zone, localize, parse_time

__all__ = ["LocktConverter", "make_converter"]

T = TypeVar("T")


class LocktConverter(cattrs.Converter):
    """A ``cattrs.Converter`` with hooks for every model, bound to one zone.

    ``structure``/``unstructure`` raise ``RecordError`` (naming the field) for
    values that cannot be coerced, never a bare ``TypeError`` or cattrs error.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__(detailed_validation=False)
        self.zone = zone
        self.dates = DateCodec(zone)
        self._unstructure_fns: dict[type, Callable[[Any], dict[str, Any]]] = {}
        self._wire_encoders: dict[tuple[type, frozenset[str]], WireEncoder] = {}
        #: The write path's per-endpoint shortcuts (``_writes._records``), keyed by its specs.
        self.write_cache: dict[Any, Any] = {}
        self._structure_fns: dict[type, Callable[..., Any]] = {}
        self._hook_namespace = self._namespace()
        # Each model's hooks are generated on its first use (with those of the models
        # it nests): a process that writes users does not pay for the other models.
        self.register_structure_hook_factory(_is_model, self._structure_hook)
        self.register_unstructure_hook_factory(_is_model, self._unstructure_hook)

    # -- public helpers ---------------------------------------------------

    def parse_datetime(self, value: object, *, field: str = "") -> datetime | None:
        """A wire date (either format), or an aware datetime, as an aware datetime.

        ``""``/None give None. Raises ``NaiveDatetimeError`` for a naive datetime
        and ``RecordError`` for anything else unreadable.
        """
        return self.dates.parse(value, field)

    def format_datetime(self, value: datetime, *, field: str = "") -> str:
        """An aware datetime as the instance's local wall time ``YYYY-MM-DD HH:MM:SS``.

        Raises ``NaiveDatetimeError`` (naming ``field``) for a naive datetime.
        """
        return self.dates.format(value, field)

    def structure_record(
        self,
        mapping: Mapping[str, Any],
        cls: type[T],
        *,
        allowed: frozenset[str] | None = None,
    ) -> T:
        """A caller's plain mapping (document field names) as a model.

        ``allowed`` narrows the accepted names (default: the model's fields).
        Values are coerced as on read: ids from ints or digit strings, card
        numbers/PINs/id numbers from strings or ints, dates from aware datetimes
        or wire strings, access levels from ``[{"id": n}]`` or bare ids.
        Raises ``RecordError`` naming an unknown field and listing the allowed
        ones, ``NaiveDatetimeError`` for a naive datetime.
        """
        if isinstance(mapping, cls):
            return mapping
        if not isinstance(mapping, Mapping):
            raise RecordError(
                f"{cls.__name__}: expected a mapping of field names, got {type(mapping).__name__}"
            )
        names = allowed if allowed is not None else writable_fields(cls)
        for key in mapping:
            if key not in names:
                raise RecordError(
                    f"{cls.__name__}: unknown field {key!r}; allowed fields: "
                    f"{', '.join(sorted(names))}",
                    field=str(key),
                )
        return self.structure(dict(mapping), cls)

    def wire_encoder(self, cls: type, fields: frozenset[str]) -> WireEncoder:
        """The write path's encoder of ``cls`` records (models or mappings) to ``fields``.

        Built once per (class, field set) and cached; see ``converters._wire``.
        """
        key = (cls, fields)
        encoder = self._wire_encoders.get(key)
        if encoder is None:
            encoder = self._wire_encoders[key] = WireEncoder(self, cls, fields)
        return encoder

    # -- cattrs entry points, with errors wrapped -------------------------

    def structure(self, obj: Any, cl: type[T]) -> T:
        """Structure ``obj`` into ``cl``; errors are ``RecordError``."""
        try:
            return super().structure(obj, cl)
        except Exception as exc:
            _reraise(exc, f"cannot read {_name(cl)}")

    def unstructure(self, obj: Any, unstructure_as: Any = None) -> Any:
        """The wire form of ``obj`` (a model, or a list/tuple of models)."""
        fn = self._unstructure_fns.get(obj.__class__)
        if fn is not None and unstructure_as is None:
            return fn(obj)
        try:
            return super().unstructure(obj, unstructure_as)
        except Exception as exc:
            _reraise(exc, f"cannot write {type(obj).__name__}")

    # -- internals --------------------------------------------------------

    def _structure_hook(self, cls: type) -> Callable[..., Any]:
        self._build(cls)
        return self._structure_fns[cls]

    def _unstructure_hook(self, cls: type) -> Callable[[Any], dict[str, Any]]:
        self._build(cls)
        return self._unstructure_fns[cls]

    def _build(self, cls: type) -> None:
        """Generate the hooks of ``cls`` (and of the models it nests), once."""
        if cls in self._structure_fns:
            return
        structure, unstructure = build_hooks(self._hook_namespace, (cls,))
        if m.TimeInfo in structure and m.TimeInfo not in self._structure_fns:
            structure[m.TimeInfo] = self._time_info_hook(structure[m.TimeInfo])
        for built, fn in structure.items():
            self._structure_fns.setdefault(built, fn)
        for built, ufn in unstructure.items():
            self._unstructure_fns.setdefault(built, ufn)

    def _namespace(self) -> dict[str, Any]:
        dates = self.dates

        def fmt_time(value: object, field: str) -> str:
            parsed = parse_time(value, field)
            return "" if parsed is None else parsed.isoformat("seconds")

        def u_one(value: object, cls: type, field: str) -> Any:
            fn = self._unstructure_fns.get(type(value))
            if fn is None:
                if not _is_model(type(value)):
                    raise _coerce.fail(field, f"a {cls.__name__}", value)
                fn = self._unstructure_hook(type(value))
            return fn(value)

        def write_error(exc: Exception, cur: str | None, where: str) -> RecordError:
            return RecordError(f"{cur or where}: cannot write: {exc}", field=cur)

        return {
            "RecordError": RecordError,
            "_EMPTY": EMPTY_EXTRA,
            "_as_dict": _as_dict,
            "_int": _coerce.to_int,
            "_str": _coerce.to_str,
            "_bool": _coerce.to_bool,
            "_float": _coerce.to_float,
            "_strseq": _coerce.to_str_tuple,
            "_seq": _coerce.to_seq,
            "_one": _coerce.to_one,
            "_nested_seq": _nested_seq,
            "_extra": _extra,
            "_dt": dates.parse,
            "_dtget": dates.cache.get,
            "_time": parse_time,
            "_fmt": dates.format,
            "_fmt_time": fmt_time,
            "_u_one": u_one,
            "_write_error": write_error,
        }

    def _time_info_hook(self, base: Callable[..., m.TimeInfo]) -> Callable[..., m.TimeInfo]:
        """``datetime_local`` is aware in the zone ``GET /time`` names, not the client's."""

        def structure_time_info(d: Any, _cl: Any = None) -> m.TimeInfo:
            info = base(d, _cl)
            local = info.datetime_local
            if local is None:
                return info
            named = self.zone
            if info.timezone:
                try:
                    named = get_zone(info.timezone)
                except RecordError:
                    named = self.zone  # tolerant read: an unknown name keeps the client's zone
            if local.tzinfo is self.zone:  # it was a wall time: re-read it in the named zone
                local = localize(local.replace(tzinfo=None), named)
            else:
                local = local.astimezone(named)
            return attrs.evolve(info, datetime_local=local)

        return structure_time_info


def make_converter(zone: ZoneInfo | str) -> LocktConverter:
    """Build the converter for an instance whose local time zone is ``zone``."""
    if isinstance(zone, str):
        zone = get_zone(zone)
    return LocktConverter(zone)


def writable_fields(cls: type) -> frozenset[str]:
    """The document field names a caller may give for ``cls`` (all but ``extra``)."""
    return frozenset(s.name for s in field_specs(cls) if s.kind != "extra")


_MODELS = frozenset(ALL_MODELS)


def _is_model(cl: Any) -> bool:
    return isinstance(cl, type) and cl in _MODELS


def _reraise(exc: Exception, what: str) -> NoReturn:
    """A library error as it is; anything else (cattrs, TypeError...) as ``RecordError``."""
    if isinstance(exc, LocktError):
        raise exc
    raise RecordError(f"{what}: {exc}") from exc


def _name(cl: Any) -> str:
    return getattr(cl, "__name__", None) or repr(cl)


def _as_dict(value: object, cls: type, is_ref: bool) -> Any:
    """The slow path of a structure hook: anything that is not a plain dict."""
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return _as_dict(value[0], cls, is_ref)  # a one-element list where an object is documented
    if is_ref and cls in REF_CLASSES and not isinstance(value, bool):
        ident = _coerce.to_int(value, "id") if isinstance(value, (int, str)) else None
        if ident is not None:
            return {"id": ident}
    raise _coerce.fail(cls.__name__, "an object", value)


def _extra(d: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    return ReadOnlyMap.wrap({k: v for k, v in d.items() if k not in known})


def _nested_seq(
    exc: RecordError, cur: str | None, d: Mapping[str, Any], items: Mapping[str, Any]
) -> RecordError:
    """Find which element of list field ``cur`` failed, to name it in the error."""
    if cur is None or cur not in items:
        return exc
    try:
        _coerce.to_seq(d.get(cur), items[cur], cur, ())
    except RecordError as found:
        return found
    return exc
