"""Find the code blocks of the documentation (docs/ and README.md) and what each is.

A fenced block whose language is ``python`` (or ``py``) is one of:

* a **fragment**: the line just before its fence is ``<!-- fragment: REASON -->``
  (an HTML comment, invisible on the site). It is not run; REASON says why (it needs
  a Redis server, it follows a stream forever, ...). REASON must not be empty.
* an **include**: its only line is ``--8<-- "examples/NAME.py"`` (pymdownx.snippets).
  The file is run by ``test_examples.py``, not here.
* a **pytest file**: it defines ``test_...`` functions. It runs as a pytest file of
  its own, with the installed plugin's fixtures.
* a **script**: anything else. It runs against a freshly seeded simulator served on
  127.0.0.1, with ``LOCKT_BASE_URL``, ``LOCKT_API_USER`` and ``LOCKT_API_KEY`` set to
  it. Top-level ``await`` is allowed (as in ``python -m asyncio``), and the names of
  ``STAND_INS`` (test_snippets.py) are defined: the pages say what each stands for.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)(?P<attrs>[^\n]*)\n"
    r"(?P<body>.*?)^(?P=indent)```[ \t]*$",
    flags=re.DOTALL | re.MULTILINE,
)
FRAGMENT = re.compile(r"<!--\s*fragment:(?P<reason>.*?)-->\s*$")
INCLUDE = re.compile(r'^--8<--\s+"(?P<path>[^"]+)"\s*$')
PYTHON = {"python", "py", "python3", "pycon"}


@dataclass(frozen=True)
class Block:
    page: str  # path relative to the repository root
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    fragment: str | None  # the reason, for a fragment

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def include(self) -> str | None:
        match = INCLUDE.match(self.code.strip())
        return match.group("path") if match else None

    @property
    def is_pytest_file(self) -> bool:
        return re.search(r"^(async )?def test_\w*\(", self.code, flags=re.MULTILINE) is not None


def pages() -> list[Path]:
    """The README and every Markdown page under docs/."""
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def blocks(page: Path) -> list[Block]:
    """Every fenced code block of ``page`` (all languages)."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        fragment = FRAGMENT.search(before)
        body = dedent(match.group("indent") + match.group("body").rstrip(" \t"))
        found.append(
            Block(
                page=str(page.relative_to(ROOT)),
                line=line,
                lang=match.group("lang").lower(),
                code=body,
                fragment=fragment.group("reason").strip() if fragment else None,
            )
        )
    return found


def python_blocks() -> list[Block]:
    return [b for page in pages() for b in blocks(page) if b.lang in PYTHON]


def section(page: str, title: str) -> str:
    """The text of ``page`` under the heading ``title`` (any level), up to the next heading
    of the same or a higher level (the whole page for its ``# `` title)."""
    text = (ROOT / page).read_text(encoding="utf-8")
    code = [m.span() for m in FENCE.finditer(text)]  # a "# comment" in a block is no heading
    headings = [
        m
        for m in re.finditer(r"^(#+) (.*)\n", text, flags=re.MULTILINE)
        if not any(start <= m.start() < end for start, end in code)
    ]
    found = [i for i, m in enumerate(headings) if m.group(2) == title]
    assert found, f"{page} has no heading {title!r}"
    start = headings[found[0]]
    level = len(start.group(1))
    after = [m for m in headings[found[0] + 1 :] if len(m.group(1)) <= level]
    return text[start.start() : after[0].start() if after else None]


def run_pytest(directory: Path) -> subprocess.CompletedProcess[str]:
    """``pytest -q`` on ``directory`` in a child process, without the caller's LOCKT_* settings."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(directory)],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("LOCKT_")},
    )


def assert_passed(proc: subprocess.CompletedProcess[str]) -> None:
    """The pytest run of :func:`run_pytest` exited 0, ran tests, and none failed."""
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"\b\d+ passed", proc.stdout) and "failed" not in proc.stdout


def build_site(site: Path) -> None:
    """``mkdocs build --strict`` of the repository into ``site``; raises if it fails."""
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
