"""Local helper processes of the tests: a free port on 127.0.0.1, a polite stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest


def installed(path: str | None, message: str) -> str:
    """``path`` of a tool the test needs; when it is None, skips the test with ``message``
    (fails it under CI, ``CI=true``, which must install the tool)."""
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI must install it", pytrace=False)
        pytest.skip(message)
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the time of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float) -> None:
    """SIGTERM ``proc``; SIGKILL it if it has not exited after ``grace`` seconds."""
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def python_children(
    script: str, argvs: Sequence[Sequence[str]], env: dict[str, str]
) -> Iterator[list[subprocess.Popen[str]]]:
    """One ``python -c script *argv`` per argv, text pipes on stdin/stdout/stderr;
    any still running when the block exits is killed."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for argv in argvs
    ]
    try:
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def tell(procs: Sequence[subprocess.Popen[str]], line: str) -> None:
    """Write ``line`` to each child's stdin, at once."""
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(line + "\n")
        p.stdin.flush()
