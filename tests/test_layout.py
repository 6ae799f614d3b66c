"""The tree answers "where does X live?" (docs/architecture.md): checks on the layout itself.

- no Python module in ``src/critmin`` is over :data:`MAX_LINES` lines;
- no two modules (or packages) share a name at different levels of the tree;
- imports flow one way: core -> sources -> warehouse -> question packages -> faces (the CLI, the report,
  the dashboard, and the bundle build), never back, and the
  question packages import one another without a cycle;
- inside a question package the pure modules do not import the warehouse (only jobs read it).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "critmin"
MAX_LINES = 800

CORE = {"__init__", "_moved", "_json", "_atomic", "_result", "_export", "_format", "_validation", "_callable",
        "_memo", "_strings", "errors", "units", "countries", "commodities", "hs", "governance",
        "schema", "data", "scenarios"}
LAYERS = {
    **{name: 0 for name in CORE},
    "sources": 1,
    "warehouse": 2,
    "supply": 3, "dependence": 3, "criticality": 3, "monitor": 3, "market": 3, "stockpile": 3,
    "outlook": 3, "diversify": 3,
    "report": 4, "dashboard": 4, "cli": 4,
    "bundled": 4,  # the bundle build is a maintainer's face: it runs every reader and derives parameters
}
"""Top-level name -> layer; a module may import from its own layer or below, never above."""

QUESTIONS = {name for name, layer in LAYERS.items() if layer == 3}


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every ``critmin...`` module a file imports, at module level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _dotted(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "critmin"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "critmin":
                continue
            out.add(mod)
            for a in node.names:  # "from critmin.x import y" where y is a module
                sub = SRC.parent / f"{mod}.{a.name}".replace(".", "/")
                if sub.with_suffix(".py").exists() or sub.is_dir():
                    out.add(f"{mod}.{a.name}")
    return out


def _top(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_top_level_name_has_a_layer():
    names = {p.stem if p.is_file() else p.name for p in SRC.iterdir()
             if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert names - set(LAYERS) == set(), "add the new module to LAYERS in tests/test_layout.py"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_module_size(path: Path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(SRC)} has {n} lines (limit {MAX_LINES}): split it"


def test_no_name_at_two_levels():
    levels: dict[str, set[str]] = defaultdict(set)
    for p in _modules():
        parts = _dotted(p).split(".")[1:]
        if parts:
            levels[parts[-1]].add(".".join(parts))
    for pkg in SRC.rglob("*"):
        if pkg.is_dir() and (pkg / "__init__.py").exists() and pkg != SRC:
            levels[pkg.name].add(_dotted(pkg / "__init__.py").removeprefix("critmin."))
    clashes = {name: sorted(paths) for name, paths in levels.items()
               if len({path.count(".") for path in paths}) > 1}
    assert clashes == {}


def test_imports_flow_one_way():
    wrong = []
    for p in _modules():
        me = _dotted(p)
        mine = LAYERS[_top(me)]
        for mod in _imports(p):
            theirs = LAYERS.get(_top(mod))
            if theirs is not None and theirs > mine:
                wrong.append(f"{me} (layer {mine}) imports {mod} (layer {theirs})")
    assert wrong == []


def test_question_packages_form_no_cycle():
    graph: dict[str, set[str]] = defaultdict(set)
    for p in _modules():
        me = _top(_dotted(p))
        if me in QUESTIONS:
            graph[me] |= {_top(m) for m in _imports(p) if _top(m) in QUESTIONS and _top(m) != me}

    def visit(node: str, stack: list[str]) -> None:
        assert node not in stack, f"import cycle between question packages: {' -> '.join(stack + [node])}"
        for nxt in sorted(graph[node]):
            visit(nxt, stack + [node])

    for node in sorted(graph):
        visit(node, [])


def test_pure_modules_do_not_read_the_warehouse():
    """In a question package only its jobs (and the package's ``__init__``) open the warehouse."""
    jobs = {"job", "__init__", "baseline", "runners", "stages"}
    wrong = []
    for p in _modules():
        me = _dotted(p)
        if _top(me) in QUESTIONS and p.stem not in jobs:
            tree = ast.parse(p.read_text(encoding="utf-8"))
            for node in tree.body:  # module-level imports only: jobs may be imported lazily
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("critmin.warehouse"):
                    wrong.append(me)
    assert wrong == []


@pytest.mark.parametrize("old", sorted(__import__("critmin._moved", fromlist=["MOVED"]).MOVED))
def test_old_import_paths_work_with_a_warning(old: str):
    """Every moved module still imports (for one release), warns, and is the module that replaced it."""
    import importlib
    import sys

    from critmin._moved import MOVED

    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*{MOVED[old]}"):
        mod = importlib.import_module(old)
    assert mod is importlib.import_module(MOVED[old])
    assert not (SRC.parent / old.replace(".", "/")).with_suffix(".py").exists()


def test_old_names_still_importable():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from critmin.exposure import importer_dependence
        from critmin.metrics.concentration import hhi
        from critmin.metrics.criticality import eu_supply_risk, geopolrisk_cf
        from critmin.metrics.dependence import net_import_reliance, supplier_shares
        from critmin.metrics.governance import wgi_scaled
    assert hhi([0.5, 0.5]) == pytest.approx(0.5)
    assert all(callable(f) for f in (importer_dependence, eu_supply_risk, geopolrisk_cf,
                                     net_import_reliance, supplier_shares, wgi_scaled))
