"""The house's rules, read from the code itself (docs/ARCHITECTURE.md draws them).

Every module's imports are read with ``ast`` (those inside functions and under
``TYPE_CHECKING`` too: a late import is still a dependency) and checked against:

* the layer order: a package imports only packages on lower floors (and itself);
* no circles between modules;
* one module each talks IMAP (``imaplib``/``imapclient``) and SMTP (``smtplib``);
* the sample generators are not the product: only the top floor's demo wiring imports them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Floors, lowest first. A package may import its own floor's package (itself) and lower ones.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"core"}),
    frozenset({"parsers", "storage"}),
    frozenset({"outbound"}),
    frozenset({"ingest"}),
    frozenset({"staff"}),
    frozenset({"app", "web"}),
)
FLOOR = {package: level for level, packages in enumerate(LAYERS) for package in packages}
#: samples/ stands beside the product: it may use these, and only these may use it.
SAMPLES_USES = frozenset({"core", "parsers", "storage"})
SAMPLES_USED_BY = frozenset({"app.demo", "app.registry_cli"})
#: The dashboard stands beside the CLI: only these start it (``serve``, the demo's hint).
WEB_USED_BY = frozenset({"app.cli", "app.demo"})
#: The one module for each protocol library.
ONE_MODULE = {
    "imaplib": "ingest.imap",
    "imapclient": "ingest.imap",
    "smtplib": "outbound.smtp",
}
OURS = frozenset(FLOOR) | {"samples"}


def _modules() -> Iterator[tuple[str, Path]]:
    for package in sorted(OURS):
        folder = ROOT / package
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


MODULES = dict(_modules())


def _imports(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports (absolute names), resolved to modules we know where ours."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return found


IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def test_the_tree_is_read() -> None:
    assert {"core.config", "ingest.pipeline", "parsers", "app.cli"} <= set(MODULES)


def test_imports_only_look_down() -> None:
    wrong = []
    for name, imported in IMPORTS.items():
        mine = _top(name)
        for target in imported:
            theirs = _top(target)
            if theirs not in OURS or theirs == mine:
                continue
            if mine == "samples":
                if theirs not in SAMPLES_USES:
                    wrong.append(f"{name} -> {target} (samples use only {sorted(SAMPLES_USES)})")
            elif theirs == "samples":
                if name not in SAMPLES_USED_BY:
                    wrong.append(f"{name} -> {target} (samples are for the demo only)")
            elif theirs == "web" and name in WEB_USED_BY:
                continue  # beside it on the top floor: the CLI starts the dashboard
            elif FLOOR[theirs] >= FLOOR[mine]:
                wrong.append(f"{name} -> {target} ({mine} is not above {theirs})")
    assert not wrong, "imports against the layer order:\n" + "\n".join(sorted(wrong))


def test_only_the_cli_and_the_demo_import_the_web_app() -> None:
    users = sorted(
        name
        for name, imported in IMPORTS.items()
        if _top(name) != "web" and any(_top(target) == "web" for target in imported)
    )
    assert set(users) <= WEB_USED_BY, f"web imported by {users}"
    assert "app.cli" in users, "the CLI's serve command starts the dashboard"


def _cycles() -> list[list[str]]:
    graph = {
        name: sorted(target for target in imported if target in MODULES and target != name)
        for name, imported in IMPORTS.items()
    }
    # A package's __init__ that imports its own submodules (to register readers, or to offer
    # a public surface) is the package's front door, not a circle: a submodule importing the
    # package name means "the package's API", which is defined by those submodules.
    for name in graph:
        graph[name] = [t for t in graph[name] if not (t == name.rpartition(".")[0] == _top(t))]
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    assert not _cycles(), "modules that import each other: " + "; ".join(
        " <-> ".join(cycle) for cycle in _cycles()
    )


@pytest.mark.parametrize("library", sorted(ONE_MODULE))
def test_one_module_talks_each_protocol(library: str) -> None:
    users = sorted(
        name
        for name, imported in IMPORTS.items()
        if any(target == library or target.startswith(library + ".") for target in imported)
    )
    assert users in ([], [ONE_MODULE[library]]), f"{library} imported by {users}"


def test_the_guard_sees_a_wrong_import(tmp_path: Path) -> None:
    """The checks above are not vacuous: an up-pointing import in a copied module is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("from app.cli import main\nimport imaplib\n", encoding="utf-8")
    imported = _imports("storage.bad", bad)
    assert "app.cli" in imported
    assert "imaplib" in imported
    assert FLOOR[_top("app.cli")] > FLOOR["storage"]
