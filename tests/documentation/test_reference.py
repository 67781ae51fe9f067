"""Issue 25: the API reference documents every public name, and nothing private.

The reference pages (docs/reference/*.md) are mkdocstrings directives (``::: path``).
A name of ``lockt_async.__all__`` is documented when a directive names it, or names a
public module (``lockt_async.errors``) that exports the same object. mkdocs.yml's
filter hides names starting with ``_``, so ``__version__`` is stated in the prose.
The slow test builds the site (``mkdocs build --strict``) and finds each name's anchor.
"""

from __future__ import annotations

import importlib
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

import lockt_async
from lockt_async._protocol import ResourceClient

from .snippets import DOCS, ROOT, build_site

REFERENCE = DOCS / "reference"
DIRECTIVE = re.compile(r"^::: (?P<path>[\w.]+)\s*$", flags=re.MULTILINE)


def directives() -> dict[str, str]:
    """Each directive's dotted path -> its page."""
    found = {}
    for page in sorted(REFERENCE.glob("*.md")):
        for match in DIRECTIVE.finditer(page.read_text(encoding="utf-8")):
            found[match.group("path")] = page.name
    return found


def resolve(path: str) -> object:
    module, _, name = path.rpartition(".")
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError:
        return getattr(importlib.import_module(module), name)


def documented_names() -> set[str]:
    names = set()
    for path in directives():
        obj = resolve(path)
        if path.startswith("lockt_async.") and path.count(".") == 1:
            names.add(path.split(".")[1])
        exported = getattr(obj, "__all__", None) if isinstance(obj, type(lockt_async)) else None
        for name in exported or ():
            if name in lockt_async.__all__ and getattr(obj, name) is getattr(lockt_async, name):
                names.add(name)
    return names


def test_every_public_name_is_in_the_reference() -> None:
    """Issue 25: each name of lockt_async.__all__ has a reference entry."""
    missing = set(lockt_async.__all__) - documented_names() - {"__version__"}
    assert missing == set()
    assert "`lockt_async.__version__`" in (REFERENCE / "index.md").read_text(encoding="utf-8")


def test_the_reference_names_nothing_private_and_everything_resolves() -> None:
    """Issue 25: no directive points into a private module or at a private name."""
    for path in directives():
        assert not any(part.startswith("_") for part in path.split(".")), path
        assert resolve(path) is not None


def test_the_testing_namespace_and_extras_are_in_the_reference() -> None:
    """Issue 25: lockt_async.testing (with its fixtures) and the extras' modules are documented."""
    assert {"lockt_async.testing", "lockt_async.testing.pytest_plugin"} <= set(directives())
    assert {
        "lockt_async.redis_gate",
        "lockt_async.fleet",
        "lockt_async.otel",
        "lockt_async.temporal",
    } <= set(directives())


def test_every_reference_page_is_in_the_nav() -> None:
    """Issue 25: a reference page that is not in mkdocs.yml's nav cannot be found."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    text = repr(config["nav"])
    for page in REFERENCE.glob("*.md"):
        assert f"reference/{page.name}" in text, page.name


def test_every_page_is_in_the_nav() -> None:
    """Issue 25: a page of docs/ that is not in mkdocs.yml's nav cannot be found."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    text = repr(config["nav"])
    excluded = set(config.get("exclude_docs", "").split())
    for page in DOCS.rglob("*.md"):
        path = page.relative_to(DOCS).as_posix()
        assert path in excluded or f"'{path}'" in text, f"{path} is not in mkdocs.yml's nav"


def test_the_resource_protocol_verbs_are_not_listed_as_client_calls() -> None:
    """Issue 21: LocktClient's ResourceClient verbs (for the resource groups) are filtered
    out of its reference entry, and a note names them for resource authors."""
    page = (REFERENCE / "client.md").read_text(encoding="utf-8")
    hidden = set(re.findall(r'"!\^(\w+)\$"', page))
    # ``retry`` is in the protocol too, but it is also the user's view of the policy.
    assert hidden == {n for n in vars(ResourceClient) if not n.startswith("_")} - {"retry"}
    assert '"!^_"' in page and "Resource protocol (for resource authors)" in page


@pytest.mark.slow
def test_the_built_site_has_an_entry_for_every_public_name(tmp_path: Path) -> None:
    """Issue 25: `mkdocs build --strict` passes and renders an anchor per name of __all__."""
    if shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("the docs extra is not installed")
    site = tmp_path / "site"
    build_site(site)
    html = "".join(p.read_text(encoding="utf-8") for p in (site / "reference").rglob("*.html"))
    anchors = set(re.findall(r'id="(lockt_async\.[\w.]+)"', html))
    for name in set(lockt_async.__all__) - {"__version__"}:
        assert f"lockt_async.{name}" in anchors or f"lockt_async.errors.{name}" in anchors, name
    assert "lockt_async.LocktClient.about" in anchors
    assert "lockt_async.LocktClient.write_context" not in anchors
