"""Q4: codec cost per record, in-process (no server), next to plain ``json``.

Decode: a ``GET /user`` body of N users shaped like the document's ``GET /user?id=``
example, decoded as the client does (``_transport.decode_body``, then the
converter into ``User`` models; per row and as ``list[User]``, the faster is
the figure) vs ``json.loads`` of the same bytes (the floor: plain dicts).
Encode: N ``User`` models to request bodies as the write path does
(``_writes.to_wire`` with ``USERS_UPSERT``, ``_transport.dumps`` per page of 100)
vs ``json.dumps`` of the same wire dicts per page. Each is timed with the
garbage collector on, and off (``gc.disable()`` around the timed region).
First use: a fresh Python process (``lockt_async`` already imported) builds a converter,
checks one user record as ``users.upsert`` does and reads one ``GET /user?id=`` row: the
one-off cost every CLI command and short script pays before its first request.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from ._common import OPTIONS, Metric, Sample, median, pages_of, script_figure

NAME = "codec"
TITLE = "4. Codec cost per record (in-process)"

_R = "{:.2f}"
METRICS = [
    Metric("n", "records", fmt="{:,.0f}"),
    Metric("dec_floor_gc", "json.loads floor, gc on", "us/rec", fmt=_R),
    Metric("dec_lib_gc", "library read path (decode_body + structure_rows), gc on", "us/rec",
           fmt=_R),
    Metric("dec_ratio_gc", "decode / floor, gc on", "x", "<= 2.0", lambda v: v <= 2.0, _R),
    Metric("dec_floor_nogc", "json.loads floor, gc off", "us/rec", fmt=_R),
    Metric("dec_lib_nogc", "library read path, gc off", "us/rec", fmt=_R),
    Metric("dec_ratio_nogc", "decode / floor, gc off", "x", "<= 1.5", lambda v: v <= 1.5, _R),
    Metric("dec_nopause_gc", "  the same without the library's GC pause, gc on", "us/rec",
           fmt=_R),
    Metric("enc_floor_gc", "json.dumps floor per page, gc on", "us/rec", fmt=_R),
    Metric("enc_lib_gc", "library encode of models (to_wire + dumps), gc on", "us/rec", fmt=_R),
    Metric("enc_ratio_gc", "encode / floor, gc on", "x", "<= 1.0", lambda v: v <= 1.0, _R),
    Metric("enc_floor_nogc", "json.dumps floor per page, gc off", "us/rec", fmt=_R),
    Metric("enc_lib_nogc", "library encode of models, gc off", "us/rec", fmt=_R),
    Metric("enc_ratio_nogc", "encode / floor, gc off", "x", "<= 1.0", lambda v: v <= 1.0, _R),
    Metric("enc_dict_gc", "library encode of plain dicts (to_wire + dumps), gc on", "us/rec",
           fmt=_R),
    Metric("enc_dict_ratio_gc", "encode of dicts / floor, gc on", "x", "<= 1.1",
           lambda v: v <= 1.1, _R),
    Metric("enc_towire_gc", "  to_wire alone (model -> wire dict), gc on", "us/rec", fmt=_R),
    Metric("enc_dumps_gc", "  _transport.dumps alone per page, gc on", "us/rec", fmt=_R),
    Metric(
        "first_use_ms",
        "a fresh process's first converter, user check and user read (informational)",
        "ms",
        fmt="{:.1f}",
    ),
]  # fmt: skip


def size(quick: bool) -> int:
    return 10_000 if quick else 100_000


def repeats(quick: bool) -> int:
    return 1 if quick else 3


def user_row(i: int) -> dict[str, Any]:
    """One row like the document's ``GET /user?id=`` example (UTC and blank dates mixed)."""
    dated = i % 2 == 0
    return {
        "id": 1000 + i,
        "id_num": f"{329359 + i}",
        "last_name": f"Brown{i}",
        "first_name": f"Susan{i}",
        "card_num": f"{8769 + i}",
        "pin": f"{i % 10000:04d}",
        "credential_key": "XXXX-XXXX-XXXX-XXXX",
        "email": f"susan.brown{i}@web.place",
        "phone": "33344455555",
        "access_effective": "2024-03-01T14:00:00.000Z" if dated else "",
        "access_expires": "2025-03-01T04:59:59.000Z" if dated else "",
        "enabled": i % 7 != 0,
        "accesslevels": [
            {"unid": 364, "name": "Office Doors"},
            {"unid": 365 + i % 5, "name": "Lab"},
        ],
        "credentials": [
            {
                "id": 613832 + 2 * i,
                "name": f"{8769 + i}",
                "card_num": f"{8769 + i}",
                "credential_key": "XXXX-XXXX-XXXX-XXXX",
                "fob": False,
            },
            {
                "id": 613833 + 2 * i,
                "name": f"Fob {i}",
                "card_num": f"{10050 + i}",
                "credential_key": "YYYY-YYYY-YYYY-YYYY",
                "fob": True,
            },
        ],
        "custom1": "",
        "custom2": f"dept-{i % 13}",
        "custom3": "",
        "custom4": "",
    }


def _timed(fn: Callable[[], Any], *, gc_off: bool) -> tuple[float, Any]:
    gc.collect()
    if gc_off:
        gc.disable()
    try:
        start = time.perf_counter()
        out = fn()
        return time.perf_counter() - start, out
    finally:
        gc.enable()


def run(quick: bool) -> Sample:
    from lockt_async import User
    from lockt_async._envelope import structure_rows
    from lockt_async._transport import _loads, decode_body, dumps
    from lockt_async._writes import to_wire
    from lockt_async.converters import make_converter
    from lockt_async.resources._specs import USERS_UPSERT

    n = size(quick)
    conv = make_converter(ZoneInfo("America/New_York"))
    raw = json.dumps({"data": [user_row(i) for i in range(n)]}).encode()
    per = 1e6 / n
    s = Sample()
    s.values["n"] = n

    def lib_decode() -> list[User]:
        # Exactly what a read does: Transport.send -> decode_body, Resource._list ->
        # structure_rows (both pause the cyclic GC for large reads, see _gcpause).
        body = decode_body(raw, status_code=200)
        return structure_rows(conv, body["data"], User, "/user")

    def unpaused_decode() -> list[User]:
        body = _loads(raw)
        return [conv.structure(r, User) for r in body["data"]]

    for tag, off in (("gc", False), ("nogc", True)):
        t_floor, rows = _timed(lambda: json.loads(raw), gc_off=off)
        del rows
        t_lib, models = _timed(lib_decode, gc_off=off)
        s.values[f"dec_floor_{tag}"] = t_floor * per
        s.values[f"dec_lib_{tag}"] = t_lib * per
        s.values[f"dec_ratio_{tag}"] = t_lib / t_floor
        if tag == "gc":
            keep = models
        del models
    t_np, _ = _timed(unpaused_decode, gc_off=False)
    s.values["dec_nopause_gc"] = t_np * per

    # encode: the decoded models (read-only credentials are dropped by the spec's fields)
    def lib_encode() -> list[bytes]:
        wires = [to_wire(USERS_UPSERT, conv, m) for m in keep]
        return [dumps({"users": page, "options": OPTIONS}) for page in pages_of(wires, 100)]

    wires = [to_wire(USERS_UPSERT, conv, m) for m in keep]
    wire_pages = pages_of(wires, 100)

    def floor_encode() -> list[bytes]:
        return [json.dumps({"users": page, "options": OPTIONS}).encode() for page in wire_pages]

    for tag, off in (("gc", False), ("nogc", True)):
        t_floor, _ = _timed(floor_encode, gc_off=off)
        t_lib, _ = _timed(lib_encode, gc_off=off)
        s.values[f"enc_floor_{tag}"] = t_floor * per
        s.values[f"enc_lib_{tag}"] = t_lib * per
        s.values[f"enc_ratio_{tag}"] = t_lib / t_floor
    # plain dicts in wire types, as a CSV or database sync hands them over
    dicts = [dict(w) for w in wires]

    def dict_encode() -> list[bytes]:
        out = [to_wire(USERS_UPSERT, conv, d) for d in dicts]
        return [dumps({"users": page, "options": OPTIONS}) for page in pages_of(out, 100)]

    t_dict, _ = _timed(dict_encode, gc_off=False)
    s.values["enc_dict_gc"] = t_dict * per
    s.values["enc_dict_ratio_gc"] = t_dict / (s.values["enc_floor_gc"] / per)
    t_tw, _ = _timed(lambda: [to_wire(USERS_UPSERT, conv, m) for m in keep], gc_off=False)
    t_dp, _ = _timed(
        lambda: [dumps({"users": p, "options": OPTIONS}) for p in wire_pages], gc_off=False
    )
    s.values["enc_towire_gc"] = t_tw * per
    s.values["enc_dumps_gc"] = t_dp * per
    if len(keep) != n:
        raise AssertionError(f"decoded {len(keep)} of {n} users")
    s.values["first_use_ms"] = median([script_figure(_FIRST_USE) for _ in range(5)])
    return s


_FIRST_USE = """
import time
import lockt_async
from lockt_async._writes._records import plain_wires
from lockt_async.converters import make_converter
from lockt_async.resources._specs import USERS_UPSERT
record = {"id_num": "E1", "first_name": "Ada", "last_name": "L", "email": "ada@example.com",
          "phone": "5551234567", "pin": "1001"}
t = time.perf_counter()
conv = make_converter("America/New_York")
assert plain_wires(USERS_UPSERT, conv, [record]) is not None
conv.structure({"id": 1, "accesslevels": [{"unid": 2}], "credentials": [{"id": 3}]},
               lockt_async.User)
print((time.perf_counter() - t) * 1e3)
"""
