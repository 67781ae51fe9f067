"""Issue 12 point 7: every error class and ``BatchResult`` survive pickling."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from lockt_async import BatchResult, Failure, FailureReason, PageResult, errors
from lockt_async.errors import LocktError, RecordErrorDetail


def _tree(cls: type[LocktError]) -> list[type[LocktError]]:
    out = [cls]
    for sub in cls.__subclasses__():
        for c in _tree(sub):
            if c not in out:
                out.append(c)
    return out


ALL_ERRORS = [c for c in _tree(LocktError) if c.__module__ == "lockt_async.errors"]
_FAILURE = Failure(3, {"id_num": "E3"}, FailureReason.REJECTED, ("bad",))

#: Keyword arguments each constructor needs, by name (all optional ones given too).
_KW: dict[str, Any] = {
    "status_code": 503,
    "method": "POST",
    "path": "/user",
    "server_message": "server said so",
    "body_excerpt": "{...}",
    "limit": 7,
    "retry_after": 2.5,
    "not_applied": True,
    "record_errors": (RecordErrorDetail(("x",), {"id_num": "E1"}),),
    "failures": (_FAILURE,),
    "failure": _FAILURE,
    "result": BatchResult(operation="users.upsert", total=1, failures=[_FAILURE]),
    "field": "email",
    "base_url": "https://lockt.example/api/v1",
    "index": 4,
}


def _build(cls: type[LocktError]) -> LocktError:
    import inspect

    params: dict[str, Any] = {}
    for klass in cls.__mro__:  # the __init__ called, and those its **kw reaches
        init = klass.__dict__.get("__init__")
        if init is None or not issubclass(klass, LocktError):
            continue
        sig = inspect.signature(init).parameters.values()
        for p in sig:
            if p.kind is p.KEYWORD_ONLY and p.name in _KW:
                params.setdefault(p.name, _KW[p.name])
        if not any(p.kind is p.VAR_KEYWORD for p in sig):
            break
    return cls(f"{cls.__name__}: message", **params)


def _same(a: LocktError, b: LocktError) -> None:
    assert type(a) is type(b)
    assert str(a) == str(b)
    assert a.args == b.args
    for key, value in vars(a).items():
        other = vars(b)[key]
        if isinstance(value, BatchResult):
            assert repr(value) == repr(other)
        else:
            assert other == value, key


def test_the_tree_is_walked() -> None:
    """Point 7: the walk finds the whole tree (APIError's and MalformedResponseError's children)."""
    names = {c.__name__ for c in ALL_ERRORS}
    assert {"RateLimitError", "ServerValidationError", "ClientValidationError"} <= names
    assert {"ResponseTooLargeError", "WriteOutcomeUnknownError", "NaiveDatetimeError"} <= names
    exported = {getattr(errors, n) for n in errors.__all__ if isinstance(getattr(errors, n), type)}
    assert {c for c in exported if issubclass(c, LocktError)} <= set(ALL_ERRORS)


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.__name__)
def test_every_error_pickles(cls: type[LocktError]) -> None:
    """Point 7: each class of the tree, built with all its attributes, round-trips."""
    err = _build(cls)
    err.add_note("a note")
    back = pickle.loads(pickle.dumps(err))
    _same(err, back)
    assert back.__notes__ == ["a note"]


def test_batch_result_stopped_by_401_pickles() -> None:
    """Point 7: a BatchResult stopped by a 401 (an AuthenticationError inside) round-trips."""
    stop = errors.error_for_response(
        401, {"data": {"error": "Access denied."}}, method="POST", path="/user", raw=b"{}"
    )
    result = BatchResult(
        operation="users.upsert",
        total=2,
        submitted=1,
        inserted=1,
        pages=[PageResult(0, 1, 200, 0.1, "ok"), PageResult(1, 1, 401, 0.1, "not_sent")],
        failures=[Failure(1, {"id_num": "E1"}, FailureReason.NOT_SENT, ("stopped",))],
        stopped_by=stop,
    )
    back = pickle.loads(pickle.dumps(result))
    assert repr(back) == repr(result)
    assert back.failures == result.failures and back.pages == result.pages
    assert isinstance(back.stopped_by, errors.AuthenticationError)
    assert back.stopped_by.status_code == 401
    failed = errors.BatchFailedError("x", result=result)
    assert pickle.loads(pickle.dumps(failed)).result.stopped_by.status_code == 401


def _raise_in_worker(name: str) -> None:
    cls = getattr(errors, name)
    raise _build(cls)


def test_errors_cross_a_process_pool() -> None:
    """Point 7: a worker of a real ProcessPoolExecutor raising each class gives the parent
    that exception (not BrokenProcessPool)."""
    names = [c.__name__ for c in ALL_ERRORS if hasattr(errors, c.__name__)]
    with ProcessPoolExecutor(max_workers=1) as pool:
        futures = {n: pool.submit(_raise_in_worker, n) for n in names}
        for name, fut in futures.items():
            exc = fut.exception(timeout=60)
            assert type(exc).__name__ == name
            _same(_build(getattr(errors, name)), exc)  # type: ignore[arg-type]
