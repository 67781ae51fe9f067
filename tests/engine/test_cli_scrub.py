"""Issue 12 point 7: ``lockt import`` against a raw loopback server that echoes the
request's headers in its errors: the key reaches neither the output nor the failures file."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

SECRET = "s3cret-KEY-echoed-back"


def _handle(conn: socket.socket) -> None:
    with conn:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next(
            (
                int(v)
                for k, _, v in (h.partition(":") for h in lines[1:])
                if k.lower() == "content-length"
            ),
            0,
        )
        while len(body) < length:
            body += conn.recv(65536)
        method, path, _ = lines[0].split(" ", 2)
        echo = "; ".join(lines[1:])  # every request header, the api key among them
        if method == "GET" and path.startswith("/api/v1/time"):
            answer = {"data": {"timezone": "UTC", "time": "2025-01-01 00:00:00"}}
            status = "200 OK"
        elif method == "POST":
            users = json.loads(body)["users"]
            answer = {
                "result": ["Validation errors found. Batch has failed. Details provided."],
                "errors": [
                    {"error": [f"refused; you sent {echo}"], "input_data": u} for u in users
                ],
            }
            status = "400 Bad Request"
        else:
            answer = {"data": {"error": f"no such thing; you sent {echo}"}}
            status = "400 Bad Request"
        raw = json.dumps(answer).encode()
        conn.sendall(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(raw)}\r\nConnection: close\r\n\r\n".encode()
            + raw
        )


@pytest.fixture
def echo_server() -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            _handle(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1"
    finally:
        stop.set()
        thread.join(5)
        sock.close()


@pytest.mark.parametrize("debug", [False, True])
def test_import_output_and_failures_file_hide_an_echoed_key(
    echo_server: str, tmp_path: Path, debug: bool
) -> None:
    """Point 7: the echoed headers reach the failures file (so the test can fail), the key not."""
    path = tmp_path / "users.csv"
    path.write_text(
        "id_num,first_name,last_name,email,phone,pin\n"
        "E1,Ada,Lovelace,ada@example.com,5551234567,1234\n"
        "E2,Alan,Turing,alan@example.com,5551234568,4321\n"
    )
    failures = tmp_path / "failed.csv"
    env = {
        **os.environ,
        "LOCKT_BASE_URL": echo_server,
        "LOCKT_API_USER": "importer",
        "LOCKT_API_KEY": SECRET,
        "COLUMNS": "200",
    }
    args = ["--debug"] if debug else []
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lockt_async",
            *args,
            "import",
            "users",
            str(path),
            "--failures",
            str(failures),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    written = failures.read_text()
    assert "apiuser" in written.lower(), (proc.returncode, proc.stdout, proc.stderr)
    for text in (proc.stdout, proc.stderr, written):
        assert SECRET not in text
