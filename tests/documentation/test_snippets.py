"""Issue 25: every Python block of docs/ and README.md runs, or is a fragment saying why.

What counts as a fragment, an include, a pytest file or a script is defined in
``tests/documentation/snippets.py`` (and, for writers, in docs/CONTRIBUTING-docs.md).
Scripts run against a freshly seeded simulator on 127.0.0.1, with these stand-ins
for what the pages leave to the reader (each page that uses one says what it is):

* ``lockt``: an open ``LocktClient`` on the simulator;
* ``read_hr_rows()``: your source system's people, as user records (the document's
  field names): two new people and one who is already in the seeded instance;
* ``hr_export()``: the same people as an HR export's rows (``id``, ``first``,
  ``last``, ``email``, ``phone``, ``pin``);
* ``records``: ``list(read_hr_rows())``;
* ``handle(event)``: does nothing; ``saved_id``: ``None``.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from lockt_async import LocktClient, RetryPolicy
from lockt_async.testing import Simulator

from .snippets import Block, assert_passed, python_blocks, run_pytest

PEOPLE = [
    # (id, first, last, email, phone, pin): two new people, and the seeded Susan Brown
    ("E2001", "Ada", "Lovelace", "ada@example.com", "555 123 4567", "4321"),
    ("E2002", "Alan", "Turing", "alan@example.com", "555 123 4568", "8765"),
    ("329359", "Susan", "Brown", "susan.brown@web.place", "33344455555", "8822"),
]


def hr_export() -> Iterator[dict[str, str]]:
    for id_, first, last, email, phone, pin in PEOPLE:
        yield {"id": id_, "first": first, "last": last, "email": email, "phone": phone, "pin": pin}


def read_hr_rows() -> Iterator[dict[str, str]]:
    for row in hr_export():
        yield {
            "id_num": row["id"],
            "first_name": row["first"],
            "last_name": row["last"],
            "email": row["email"],
            "phone": row["phone"],
            "pin": row["pin"],
        }


def stand_ins() -> dict[str, Any]:
    return {
        "read_hr_rows": read_hr_rows,
        "hr_export": hr_export,
        "records": list(read_hr_rows()),
        "handle": lambda event: None,
        "saved_id": None,
    }


BLOCKS = python_blocks()
RUNNABLE = [b for b in BLOCKS if b.fragment is None and b.include is None]
SCRIPTS = [b for b in RUNNABLE if not b.is_pytest_file]
PYTEST_FILES = [b for b in RUNNABLE if b.is_pytest_file]


def compile_block(block: Block) -> Any:
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    return compile(block.code, f"{block.id}", "exec", flags=flags, dont_inherit=True)


def test_every_python_block_is_found_and_classified() -> None:
    """Issue 25: the pages have Python blocks, and every fragment gives its reason."""
    assert len(SCRIPTS) >= 5 and PYTEST_FILES
    assert all(b.fragment for b in BLOCKS if b.fragment is not None)
    pages = {b.page for b in RUNNABLE}
    assert {"README.md", "docs/index.md"} <= pages


@pytest.mark.parametrize("block", SCRIPTS, ids=lambda b: b.id)
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_script_block_runs_against_the_simulator(
    block: Block, backend: str, simulator_env: Simulator
) -> None:
    """Issue 25: a page's script block runs as written against a seeded simulator."""
    code = compile_block(block)
    namespace: dict[str, Any] = {"__name__": "__main__", **stand_ins()}
    if not code.co_flags & inspect.CO_COROUTINE:
        if backend == "trio" and "anyio.run(" not in block.code:
            pytest.skip("no event loop involved: one run is enough")
        if backend == "trio":  # the block picks asyncio itself; run it under trio too
            block_code = block.code.replace("anyio.run(main)", "anyio.run(main, backend='trio')")
            code = compile(block_code, block.id, "exec", dont_inherit=True)
        exec(code, namespace)
        return

    async def run() -> None:
        async with LocktClient(retry=RetryPolicy.instant()) as lockt:
            namespace["lockt"] = lockt
            coroutine = eval(code, namespace)
            await coroutine

    anyio.run(run, backend=backend)


@pytest.mark.parametrize("block", PYTEST_FILES, ids=lambda b: b.id)
def test_pytest_block_passes_as_written(block: Block, tmp_path: Path) -> None:
    """Issue 25: a page's pytest block passes as a file of its own, with the plugin's fixtures."""
    name = re.sub(r"\W", "_", Path(block.page).stem)
    (tmp_path / f"test_doc_{name}_{block.line}.py").write_text(block.code)
    assert_passed(run_pytest(tmp_path))
