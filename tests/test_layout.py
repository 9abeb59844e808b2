"""The layout's promise, checked: plain libraries import no Beam, dependencies point one way, no cycles.

`transforms/text/` and `transforms/web/` are plain Python (no `apache_beam` at all); `transforms/storage/` may
use Beam's file layer (`apache_beam.io.filesystem(s)`, so `gs://` and `s3://` work) and nothing else of Beam;
`schemas/` imports no Beam. No plain module imports a stage (`transforms/*.py`) or `pipeline`, and no two
project modules import each other, directly or round a longer loop, at module level or inside a function.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipeline", "transforms", "schemas")
PLAIN = ("transforms.text", "transforms.web")
STORAGE = "transforms.storage"
BEAM_FILE_LAYER = ("apache_beam.io.filesystem", "apache_beam.io.filesystems")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, wherever the import statement stands (top level or inside a function)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            # `from transforms.text import dates` imports the module `transforms.text.dates`
            submodules = (f"{node.module}.{alias.name}" for alias in node.names)
            yield from (name for name in submodules if name in MODULES)


def _project_imports(name: str) -> set[str]:
    found = set()
    for imported in _imports(MODULES[name]):
        # `transforms.text.dates.parse` is not a module; its longest module prefix is what is imported.
        while imported and imported not in MODULES:
            imported = imported.rpartition(".")[0]
        if imported and imported != name and imported not in PACKAGES:
            found.add(imported)
    return found


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_plain_packages_exist_and_hold_modules() -> None:
    for package in (*PLAIN, STORAGE):
        assert sum(_in(m, package) and m != package for m in MODULES) >= 3, package


@pytest.mark.parametrize("name", sorted(m for m in MODULES if any(_in(m, p) for p in (*PLAIN, "schemas"))))
def test_plain_modules_import_no_beam(name: str) -> None:
    beam = sorted(i for i in _imports(MODULES[name]) if _in(i, "apache_beam"))
    assert beam == [], f"{name} imports {beam}"


@pytest.mark.parametrize("name", sorted(m for m in MODULES if _in(m, STORAGE)))
def test_storage_uses_only_beams_file_layer(name: str) -> None:
    beam = {i for i in _imports(MODULES[name]) if _in(i, "apache_beam")}
    assert beam <= set(BEAM_FILE_LAYER), f"{name} imports {sorted(beam - set(BEAM_FILE_LAYER))}"


@pytest.mark.parametrize("name", sorted(m for m in MODULES if any(_in(m, p) for p in (*PLAIN, STORAGE, "schemas"))))
def test_plain_modules_import_no_stage_and_no_pipeline(name: str) -> None:
    allowed = (*PLAIN, STORAGE, "schemas")
    wrong = sorted(i for i in _project_imports(name) if not any(_in(i, p) for p in allowed))
    assert wrong == [], f"{name} imports {wrong}"


def test_schemas_import_nothing_but_schemas() -> None:
    for name in (m for m in MODULES if _in(m, "schemas")):
        assert all(_in(i, "schemas") for i in _project_imports(name)), name


def test_no_import_cycle() -> None:
    graph = {name: _project_imports(name) for name in MODULES}
    cycles = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    assert cycles == []


def test_the_checks_see_a_violation(tmp_path: Path) -> None:
    """The import scan finds an import inside a function (where cycles used to hide)."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import apache_beam as beam\n    from transforms import sink\n")
    assert {"apache_beam", "transforms"} <= set(_imports(module))
