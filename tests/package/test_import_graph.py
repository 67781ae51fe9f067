"""No import cycle inside ``lockt_async``: imports go one way, down the layers.

The graph is read from the source with ``ast`` (nothing is imported), from
every ``import``/``from`` statement wherever it stands: at the top, inside a
function, and under ``if TYPE_CHECKING:``. A type-only import counts: it still
ties the two modules (a reader needs both, a rename in one breaks the other),
and a ``Protocol`` on the lower side always removes the need for it (as
``_protocol.ResourceClient`` does for the resources). A submodule reaching its
own package's ``__init__`` counts too; the implicit import of a parent package
that Python makes on the way to a submodule does not. One kind of import is left
out: an optional extra's, inside ``try: ... except ImportError`` (the core asking
``lockt_async.otel`` to turn itself on when OpenTelemetry is present): the extra
sits at the edge and imports the core, and the core runs without it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import lockt_async

PACKAGE = Path(lockt_async.__file__).parent


def modules(root: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package's ``__init__``), for every .py under root."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _optional(node: ast.Try) -> bool:
    """``try: import x`` whose handler catches ImportError: an optional extra."""
    caught = [h.type for h in node.handlers if h.type is not None]
    names = {n.id for t in caught for n in ast.walk(t) if isinstance(n, ast.Name)}
    return bool(names & {"ImportError", "ModuleNotFoundError"})


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, except those an optional-extra ``try`` guards."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.Try) and _optional(node):
            for child in [*node.handlers, *node.orelse, *node.finalbody]:
                yield from _import_nodes(child)
        else:
            yield from _import_nodes(node)


def imported(name: str, is_package: bool, tree: ast.AST, known: set[str]) -> Iterator[str]:
    """The modules of ``known`` that ``tree`` (module ``name``) imports."""
    here = name.split(".") if is_package else name.split(".")[:-1]
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:
                    yield sub
                elif target in known:
                    yield target


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    mods = modules(root)
    known = set(mods)
    return {
        name: set(imported(name, is_pkg, ast.parse(path.read_text("utf-8")), known)) - {name}
        for name, (path, is_pkg) in mods.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    part = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        part.append(member)
                        if member == node:
                            break
                    if len(part) > 1:
                        found.append(sorted(part))
    return found


def describe(graph: dict[str, set[str]], part: list[str]) -> str:
    """One cycle's arrows, for the failure message."""
    members = set(part)
    arrows = [f"  {a} -> {b}" for a in part for b in sorted(graph[a] & members)]
    return "\n".join([f"cycle of {len(part)} modules:", *arrows])


def test_lockt_async_has_no_import_cycle() -> None:
    """Layers: every import inside lockt_async points one way (no cycle, type-only included)."""
    graph = import_graph(PACKAGE)
    assert len(graph) > 50  # the walk found the package
    found = cycles(graph)
    assert not found, "\n".join(describe(graph, part) for part in found)


def test_the_check_finds_cycles(tmp_path: Path) -> None:
    """The check itself: type-only, function-level and __init__ cycles are found; an
    optional extra's guarded import is not one."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n"
    )
    (pkg / "b.py").write_text("def f():\n    from . import a\n")
    (pkg / "c.py").write_text("import pkg.d\n")
    (pkg / "d.py").write_text("from pkg import c\n")
    (pkg / "sub" / "__init__.py").write_text("from .e import E\n")
    (pkg / "sub" / "e.py").write_text("from . import helper_name\n")
    (pkg / "lone.py").write_text("from . import a\nfrom .sub import e\n")
    (pkg / "core.py").write_text(
        "def f():\n    try:\n        from . import extra\n    except ImportError:\n        pass\n"
    )
    (pkg / "extra.py").write_text("from . import core\n")
    found = cycles(import_graph(pkg))
    assert found == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"], ["pkg.sub", "pkg.sub.e"]]
