"""The guides' commands and claims hold (issue 15, moved from the README by issue 25).

The "Testing your own code" guide's pytest block is run by test_snippets.py; here it
runs once more without starlette. The "FastAPI" guide's commands run in bash against
a served simulator, only the ports changed to free ones and the ``pip install`` line
left out.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import free_port

from .snippets import ROOT, run_pytest, section

TESTING = "docs/guides/testing.md"
FASTAPI = "docs/guides/fastapi.md"
START_TIMEOUT = 30.0  # seconds for the simulator and uvicorn to listen


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.DOTALL)


def test_fixtures_without_starlette_fail_in_one_line_naming_the_extra(tmp_path: Path) -> None:
    """Issue 15: without starlette the fixtures fail with one line naming lockt_async[simulator]."""
    snippet = blocks(section(TESTING, "Testing your own code"), "python")[0]
    (tmp_path / "test_readme_snippet.py").write_text(snippet)
    # Simulate the plain install: importing starlette fails as if it were absent.
    (tmp_path / "conftest.py").write_text("import sys\n\nsys.modules['starlette'] = None\n")
    proc = run_pytest(tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    needs = "the Lockt simulator needs starlette, which is not installed"
    assert f'{needs}: pip install "lockt_async[simulator]"' in out
    assert "Traceback" not in out and "ModuleNotFoundError" not in out
    assert re.search(r"\b\d+ errors? in", out) and "passed" not in out


def test_simulator_without_starlette_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: the simulator without starlette/uvicorn: ModuleNotFoundError naming the extra."""
    from lockt_async.testing import Simulator, serve_in_thread

    monkeypatch.setitem(sys.modules, "starlette", None)
    with pytest.raises(ModuleNotFoundError, match=r"lockt_async\[simulator\]") as info:
        Simulator().transport()
    assert info.value.name == "starlette"
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    with pytest.raises(ModuleNotFoundError, match=r"needs uvicorn"):  # noqa: SIM117
        with serve_in_thread(Simulator()):
            pass


def test_examples_extra_covers_the_fastapi_example() -> None:
    """Issue 15: the `examples` extra installs what examples/fastapi_app.py imports."""
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    names = {re.split(r"[<>=\[ ]", req)[0] for req in extras["examples"]}
    assert names == {"fastapi", "uvicorn"}
    source = (ROOT / "examples" / "fastapi_app.py").read_text()
    assert "from fastapi import" in source


def wait_listening(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listening on {port} after {START_TIMEOUT} s")


def test_fastapi_section_runs_as_written_against_the_simulator() -> None:
    """Guide 'FastAPI': the commands start the service on the simulator; the curl gets 201."""
    text = section(FASTAPI, "FastAPI")
    serve_block, curl_block = blocks(text, "bash")
    sim_port, app_port = free_port(), free_port()

    def ports(command: str) -> str:
        return command.replace("8765", str(sim_port)).replace("8000", str(app_port))

    script = "\n".join(
        ports(line) for line in serve_block.splitlines() if not line.startswith("pip install")
    )
    assert "LOCKT_BASE_URL=" in script and "uvicorn --factory" in script
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKT_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    service = subprocess.Popen(
        ["bash", "-e", "-c", script],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # one process group: the simulator and uvicorn end together
    )
    try:
        wait_listening(sim_port, service)
        wait_listening(app_port, service)
        (curl,) = [line for line in curl_block.splitlines() if line.strip()]
        curl = ports(curl)
        if shutil.which("curl"):
            answer = subprocess.run(
                ["bash", "-c", curl], capture_output=True, text=True, timeout=60, check=True
            ).stdout
        else:  # the same request, read off the curl line
            words = shlex.split(curl)
            url = next(w for w in words if w.startswith("http"))
            data = words[words.index("-d") + 1]
            headers = {"content-type": "application/json"}
            answer = httpx.post(url, content=data, headers=headers, timeout=60).text
        body = json.loads(answer)
        assert body["id_num"] == "E1001", answer
        assert body["summary"]["inserted"] == 1
    finally:
        os.killpg(service.pid, signal.SIGTERM)
        service.communicate(timeout=30)


def test_fastapi_section_states_the_required_body_fields() -> None:
    """Guide 'FastAPI': the fields it calls required are the example model's required ones."""
    sys.path.insert(0, str(ROOT))
    try:
        from examples.fastapi_app import Employee
    finally:
        sys.path.remove(str(ROOT))
    required = {name for name, f in Employee.model_fields.items() if f.is_required()}
    optional = set(Employee.model_fields) - required
    text = " ".join(section(FASTAPI, "FastAPI").split())
    stated = re.search(r"The body is one employee: (.*?) are required", text)
    assert stated is not None
    assert set(re.findall(r"`(\w+)`", stated.group(1))) == required
    assert required >= {"email", "phone", "pin"}
    for name in optional:
        assert f"`{name}`" in text
    curl_body = json.loads(shlex.split(blocks(section(FASTAPI, "FastAPI"), "bash")[1])[-1])
    assert set(curl_body) == required


def test_every_extra_is_listed_in_getting_started() -> None:
    """Issue 25: each extra of pyproject.toml (but dev) has its row in the extras table."""
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    table = section("docs/getting-started.md", "Install")
    for name in set(extras) - {"dev"}:
        assert f"| `[{name}]` |" in table, name


def test_readme_links_lead_to_pages_that_exist() -> None:
    """Issue 25: the README is the landing page: every relative link it has leads somewhere."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    relative = [link for link in links if "://" not in link]
    assert len(relative) >= 10
    for link in relative:
        assert (ROOT / link).exists(), link
    assert len(readme.splitlines()) < 200
