"""Generated structure/unstructure hooks for the models.

Like ``cattrs.gen``, each model gets straight-line Python generated from its
attrs fields (a type check per field, slow-path coercion only when the check
fails), compiled once per class and bound per converter to that converter's
date codec. The tolerance rules live in ``_coerce``; per-class wire quirks
(aliases, write shapes) are the tables below.
"""

from __future__ import annotations

import inspect
import linecache
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, time
from functools import cache
from typing import Any

import attrs

from .. import models as m

#: Alternative wire names read into a field (NOTES.md contradiction table).
READ_ALIASES: Mapping[type, Mapping[str, tuple[str, ...]]] = {
    m.AccessLevelRef: {"id": ("unid",)},
    m.Event: {"event_time": ("hw_time",)},
}

#: Fields a model writes. Refs write only what identifies them.
WRITE_FIELDS: Mapping[type, tuple[str, ...]] = {
    m.AccessLevelRef: ("id",),
    m.DoorRef: ("id", "schedule_id"),
    m.UserRef: ("id",),
}

#: Read-only fields never written.
WRITE_EXCLUDED: Mapping[type, frozenset[str]] = {
    m.User: frozenset({"credentials"}),
}

#: Ref classes that accept a bare id (``accesslevels=[123]``) from a caller's mapping.
REF_CLASSES = frozenset({m.AccessLevelRef, m.DoorRef, m.UserRef})

#: The attrs models (``models`` also exports the ``...Record`` TypedDicts, which are not).
ALL_MODELS: tuple[type, ...] = tuple(
    getattr(m, name) for name in m.__all__ if attrs.has(getattr(m, name))
)

_SCALARS: Mapping[Any, str] = {int: "int", str: "str", bool: "bool", float: "float"}


@attrs.frozen
class FieldSpec:
    """One attrs field and how it crosses the wire."""

    name: str
    kind: str  # int | str | bool | float | dt | time | one | seq | strseq | extra
    default: Any
    model: type | None = None


@cache
def field_specs(cls: type) -> tuple[FieldSpec, ...]:
    """The wire kinds of ``cls``'s fields, from its type annotations."""
    hints = typing.get_type_hints(cls)
    specs = []
    for a in attrs.fields(cls):
        specs.append(_spec(a.name, hints[a.name], a.default))
    return tuple(specs)


def _spec(name: str, hint: Any, default: Any) -> FieldSpec:
    if name == "extra":
        return FieldSpec(name, "extra", default)
    args = [x for x in typing.get_args(hint) if x is not type(None)]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = args[0]
    if hint in _SCALARS:
        return FieldSpec(name, _SCALARS[hint], default)
    if hint is datetime:
        return FieldSpec(name, "dt", default)
    if hint is time:
        return FieldSpec(name, "time", default)
    if attrs.has(hint):
        return FieldSpec(name, "one", default, hint)
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        if item is str:
            return FieldSpec(name, "strseq", default)
        return FieldSpec(name, "seq", default, item)
    raise TypeError(f"no wire kind for {name}: {hint!r}")  # pragma: no cover


def known_keys(cls: type) -> frozenset[str]:
    """Every wire key ``cls`` reads (field names and aliases)."""
    names = {s.name for s in field_specs(cls) if s.kind != "extra"}
    for aliases in READ_ALIASES.get(cls, {}).values():
        names.update(aliases)
    return frozenset(names)


def _fname(cls: type, prefix: str) -> str:
    return f"{prefix}_{cls.__name__}"


#: The generated line that reads field ``{n}`` into ``{v}``, per scalar-like kind: a
#: type check, and the slow-path coercion only when it fails.
_STRUCTURE_LINES: Mapping[str, str] = {
    "int": "if type({v}) is not int: {v} = _int({v}, {n})",
    # Missing and "" are the common non-str cases: None without a call.
    "str": "if type({v}) is not str or not {v}: {v} = None if {v} is None or {v} == '' "
    "else _str({v}, {n})",
    "bool": "if {v} is not True and {v} is not False: {v} = _bool({v}, {n})",
    "float": "if type({v}) is not float: {v} = _float({v}, {n})",
    "dt": "if {v} is not None: {v} = (_dtget({v}) if type({v}) is str else None) or _dt({v}, {n})",
    "time": "if {v} is not None: {v} = _time({v}, {n})",
    "strseq": "{v} = _strseq({v}, {n})",
}


#: The read path's date line (``fast``): a cached wire string, ``""`` and None without a call.
_DT_FAST = (
    "if type({v}) is str: {v} = _dtget({v}) or (None if {v} == '' else _dt({v}, {n}))\n"
    "elif {v} is not None: {v} = _dt({v}, {n})"
)


def _inlinable(cls: type) -> bool:
    """Whether ``cls``'s fields are all flat (its code can be inlined into a parent's)."""
    return slot_setters(cls) is not None and all(
        s.kind not in ("one", "seq") for s in field_specs(cls)
    )


def _field_lines(cls: type, d: str, p: str, fast: bool) -> tuple[list[str], list[str]]:
    """The lines reading mapping ``d`` into variables ``<p>0..``; and the field variables.

    ``fast`` (the read path): dates skip the codec for cached strings and ``""``, and
    lists of flat models are built by a loop with each item's code inlined (no call
    per item).
    """
    aliases = READ_ALIASES.get(cls, {})
    specs = field_specs(cls)
    body: list[str] = []
    args: list[str] = []
    get = f"{p}g"
    body.append(f"{get} = {d}.get")
    for i, s in enumerate(specs):
        n = s.name
        var = f"{p}{i}"
        if s.kind == "extra":
            known = f"KNOWN_{cls.__name__}"
            body.append(f"{var} = _EMPTY if {d}.keys() <= {known} else _extra({d}, {known})")
            args.append(var)
            continue
        body.append(f"{var} = {get}({n!r})")
        for alt in aliases.get(n, ()):
            body.append(f"if {var} is None: {var} = {get}({alt!r})")
        line = _DT_FAST if fast and s.kind == "dt" else _STRUCTURE_LINES.get(s.kind)
        if line is not None:
            body += line.format(v=var, n=repr(n)).split("\n")
        elif s.kind == "one":
            assert s.model is not None
            body.append(f"if {var} is not None: {var} = _one({var}, {_fname(s.model, 's')}, {n!r})")
        elif s.kind == "seq":
            assert s.model is not None
            item = _fname(s.model, "s")
            dflt = "None" if s.default is None else "()"
            body.append(f"cur = {n!r}")
            slow = f"_seq({var}, {item}, {n!r}, {dflt})"
            if fast and _inlinable(s.model):
                inner, inner_args = _field_lines(s.model, "x", f"{var}_", fast)
                body += [
                    f"if type({var}) is list:",
                    "    t = []",
                    "    for x in " + var + ":",
                    "        if not x: continue",
                    "        if type(x) is not dict:",
                    f"            t.append({item}(x))",
                    "            continue",
                    *("        " + b for b in inner),
                    *("        " + b for b in _build(s.model, inner_args, fast)),
                    "        t.append(o)",
                    f"    {var} = tuple(t)",
                    f"else: {var} = {slow}",
                ]
            else:
                body.append(
                    f"{var} = tuple([{item}(x) for x in {var} if x]) if type({var}) is list "
                    f"else {slow}"
                )
        if s.default is not None and s.kind in ("int", "str", "bool", "float"):
            body.append(f"if {var} is None: {var} = {s.default!r}")
        args.append(var)
    return body, args


def _build(cls: type, args: list[str], fast: bool) -> list[str]:
    """The lines building ``o``, an instance of ``cls``, from the field variables."""
    names = [a.name for a in attrs.fields(cls)]
    if fast and builder(cls) is not None:
        # Plain attribute stores on the builder (the interpreter's specialised slot
        # store), then the instance becomes a ``cls``: a third of the setters' cost.
        return [
            f"o = _new(_B_{cls.__name__})",
            *(f"o.{n} = {v}" for n, v in zip(names, args, strict=True)),
            f"o.__class__ = {cls.__name__}",
        ]
    if slot_setters(cls) is not None:
        # What its __init__ does (one slot set per field), without the keyword call
        # and the per-field object.__setattr__: about half the cost of a model.
        return [f"o = _new({cls.__name__})"] + [
            f"_set_{cls.__name__}_{n}(o, {v})" for n, v in zip(names, args, strict=True)
        ]
    kwargs = ", ".join(f"{n}={v}" for n, v in zip(names, args, strict=True))
    return [f"o = {cls.__name__}({kwargs})"]


@cache
def structure_code(cls: type, fast: bool = True) -> types.CodeType:
    """Compiled source defining ``s_<Class>(d, _cl=None)``.

    ``fast=False`` gives the reference form (one ``d.get`` and one call per nested
    item): the same results and errors, which the property tests hold ``fast`` to.
    """
    lines = [
        f"def {_fname(cls, 's')}(d, _cl=None):",
        "    if type(d) is not dict:",
        f"        d = _as_dict(d, {cls.__name__}, {cls in REF_CLASSES})",
        "        if type(d) is not dict: return d",
        "    cur = None",
        "    try:",
    ]
    body, args = _field_lines(cls, "d", "f", fast)
    body += _build(cls, args, fast)
    body.append("return o")
    lines += ["        " + b for b in body]
    lines.append("    except RecordError as exc:")
    seqs = ", ".join(
        f"{s.name!r}: {_fname(s.model, 's')}"
        for s in field_specs(cls)
        if s.kind == "seq" and s.model is not None
    )
    lines.append(f"        raise _nested_seq(exc, cur, d, {{{seqs}}}) from None")
    src = "\n".join(lines) + "\n"
    return compile(src, f"<lockt structure {cls.__name__}>", "exec")


@cache
def slot_setters(cls: type) -> Mapping[str, Callable[[Any, Any], None]] | None:
    """The slot setters that build ``cls`` exactly as its attrs ``__init__`` does, or
    None when that ``__init__`` does anything but set each field once (a validator,
    a converter, a hook, a cached hash...): then the hook calls ``__init__``."""
    names = [a.name for a in attrs.fields(cls)]
    expected = ["_setattr = _cached_setattr_get(self)", *(f"_setattr('{n}', {n})" for n in names)]
    if _init_body(cls) != expected:
        return None
    setters = {}
    for n in names:
        slot = inspect.getattr_static(cls, n)
        if type(slot) is not types.MemberDescriptorType:
            return None
        setters[n] = slot.__set__
    return setters


def _init_body(cls: type) -> list[str] | None:
    """The stripped body lines of attrs' generated ``cls.__init__``, from the source attrs
    keeps in ``linecache`` (what ``inspect.getsource`` reads, without its tokenizer: a
    twentieth of the cost, paid by every process's first converter). None if unreadable."""
    code = getattr(cls.__init__, "__code__", None)  # type: ignore[misc]  # attrs-generated
    if code is None:
        return None
    lines = linecache.getlines(code.co_filename)
    start = code.co_firstlineno - 1
    if not 0 <= start < len(lines) or not lines[start].lstrip().startswith("def __init__("):
        return None
    indent = len(lines[start]) - len(lines[start].lstrip())
    body: list[str] = []
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if not stripped:
            continue
        if len(line) - len(line.lstrip()) <= indent:
            break
        body.append(stripped)
    return body


@cache
def builder(cls: type) -> type | None:
    """A private subclass of ``cls`` whose instances become ``cls`` instances.

    It adds no slot, no ``__dict__`` and nothing else but the plain
    ``object.__setattr__``/``__delattr__`` (so ``o.name = v`` is the interpreter's
    fast slot store, not the frozen class's refusal). A hook sets every field on an
    instance of it exactly once, as ``__init__`` would (``slot_setters`` proved that
    is all ``__init__`` does), then assigns ``o.__class__ = cls``: the object is then
    indistinguishable from one ``__init__`` built (same type, same slots, frozen).
    None when ``slot_setters(cls)`` is None or the interpreter refuses the swap.
    """
    if slot_setters(cls) is None:
        return None
    ns = {
        "__slots__": (),
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
        "__module__": __name__,
    }
    built = type(f"_Build{cls.__name__}", (cls,), ns)
    try:
        probe: Any = object.__new__(built)
        probe.__class__ = cls
    except TypeError:  # pragma: no cover - a layout the swap does not accept
        return None
    return built


@cache
def unstructure_code(cls: type) -> types.CodeType:
    """Compiled source defining ``u_<Class>(o)``: the wire dict for writing."""
    excluded = WRITE_EXCLUDED.get(cls, frozenset())
    only = WRITE_FIELDS.get(cls)
    specs = [
        s
        for s in field_specs(cls)
        if s.kind != "extra" and s.name not in excluded and (only is None or s.name in only)
    ]
    scalars = [s for s in specs if s.kind in ("int", "str", "bool", "float")]
    rest = [s for s in specs if s not in scalars]
    lines = [f"def {_fname(cls, 'u')}(o):", "    cur = None", "    try:"]
    body: list[str] = []
    literal = ", ".join(f"{s.name!r}: o.{s.name}" for s in scalars)
    body.append(f"d = {{{literal}}}")
    if scalars:
        body.append("if None in d.values(): d = {k: v for k, v in d.items() if v is not None}")
    for s in rest:
        n = s.name
        body.append(f"v = o.{n}")
        if s.kind == "dt":
            body.append(f"if v is not None: d[{n!r}] = _fmt(v, {n!r})")
        elif s.kind == "time":
            body.append(f"if v is not None: d[{n!r}] = _fmt_time(v, {n!r})")
        elif s.kind == "strseq":
            body.append(f"if v is not None: d[{n!r}] = [str(x) for x in v]")
        elif s.kind == "one":
            assert s.model is not None
            body.append(f"if v is not None: d[{n!r}] = _u_one(v, {s.model.__name__}, {n!r})")
        elif s.kind == "seq":
            assert s.model is not None
            body.append(f"cur = {n!r}")
            if WRITE_FIELDS.get(s.model) == ("id",):
                item = "{'id': x.id}"
            else:
                item = f"{_fname(s.model, 'u')}(x)"
            body.append(f"if v is not None: d[{n!r}] = [{item} for x in v]")
    body.append("return d")
    lines += ["        " + b for b in body]
    lines.append("    except (AttributeError, TypeError) as exc:")
    lines.append(f"        raise _write_error(exc, cur, {cls.__name__!r}) from None")
    src = "\n".join(lines) + "\n"
    return compile(src, f"<lockt unstructure {cls.__name__}>", "exec")


def build_hooks(
    namespace: dict[str, Any], classes: Iterable[type] = ALL_MODELS, *, fast: bool = True
) -> tuple[dict[type, Callable[..., Any]], dict[type, Callable[..., Any]]]:
    """Exec the hooks of ``classes`` and of the models they nest into ``namespace`` (those
    not there yet); return their (structure, unstructure) maps.

    ``fast=False``: the reference structure hooks (see ``structure_code``).
    """
    namespace["_new"] = object.__new__
    wanted = nested_closure(classes)
    for cls in wanted:
        if _fname(cls, "s") in namespace:
            continue
        namespace[cls.__name__] = cls
        namespace[f"KNOWN_{cls.__name__}"] = known_keys(cls)
        for name, setter in (slot_setters(cls) or {}).items():
            namespace[f"_set_{cls.__name__}_{name}"] = setter
        namespace[f"_B_{cls.__name__}"] = builder(cls)
    for cls in wanted:
        if _fname(cls, "s") not in namespace:
            exec(structure_code(cls, fast), namespace)
            exec(unstructure_code(cls), namespace)
    structure = {cls: namespace[_fname(cls, "s")] for cls in wanted}
    unstructure = {cls: namespace[_fname(cls, "u")] for cls in wanted}
    return structure, unstructure


def nested_closure(classes: Iterable[type]) -> tuple[type, ...]:
    """``classes`` and every model their fields nest, at any depth (a model's hooks
    call its nested models' hooks by name)."""
    seen: dict[type, None] = {}
    todo = list(classes)
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen[cls] = None
            todo.extend(s.model for s in field_specs(cls) if s.model is not None)
    return tuple(seen)
