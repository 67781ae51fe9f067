"""Issue 25: the built home page and LocktClient's reference page load in a browser cleanly.

Builds the site, serves it on 127.0.0.1 and opens each page in headless Chromium,
whose console output (``--enable-logging=stderr``) must have no message: no JavaScript
error, no resource that failed to load. Skipped where Chromium is not installed
(``apt-get install chromium``); slow (a site build and a browser start per page).
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .snippets import build_site

pytestmark = pytest.mark.slow

BROWSER = next(
    (b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1280,1600",
]


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BROWSER is None:
        pytest.skip("no Chromium installed")
    site = tmp_path_factory.mktemp("site")
    build_site(site)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None  # type: ignore[method-assign,assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("page", "expected"),
    [("", "Two commands"), ("reference/client/", "lockt_async.LocktClient.users")],
    ids=["home", "LocktClient"],
)
def test_page_loads_without_console_messages(
    site_url: str, page: str, expected: str, tmp_path: Path
) -> None:
    """Issue 25: the page renders its content and its console stays empty."""
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [BROWSER, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", f"{site_url}/{page}"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert expected in proc.stdout, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if re.search(r":CONSOLE\(?\d*\)?", line)]
    assert console == []
