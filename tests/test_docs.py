"""The documentation site: it builds with ``mkdocs build --strict``, offline, and lists every command and
every public name; and the project cites only documents that ship with it (docs/methods.md, docs/data.md
sections that exist), never the workspace's ``../shared`` notes."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# --------------------------------------------------------------------------- citations (no mkdocs needed)
CITED = re.compile(r"docs/(methods|data)\.md §(\d+[a-z]?)")
UNSHIPPED = re.compile(r"(?<!docs/)\b(METHODS|DESIGN|EXAMPLES)\.md|SOURCES\.md\s*§?\s*\d|shared/data/SOURCES|"
                       r"\.\./shared/(?!data\b)")


def _project_text_files():
    for base in ("src/critmin", "tests", "benchmarks", "examples", "docs"):
        for p in sorted((ROOT / base).rglob("*")):
            if p.is_file() and p.suffix in {".py", ".toml", ".csv", ".md", ".html", ".txt"}:
                yield p
    yield ROOT / "README.md"


def test_every_cited_section_exists():
    anchors = {name: set(re.findall(r"\{ #s(\w+) \}", (DOCS / f"{name}.md").read_text("utf-8")))
               for name in ("methods", "data")}
    cited = []
    for p in _project_text_files():
        for m in CITED.finditer(p.read_text("utf-8", errors="replace")):
            cited.append((p.relative_to(ROOT), m.group(1), m.group(2)))
    assert len(cited) > 50  # the scenario files, the modules and the data files cite the docs
    missing = [f"{f}: docs/{name}.md §{sec}" for f, name, sec in cited if sec not in anchors[name]]
    assert not missing, "cited sections that the docs do not have:\n" + "\n".join(missing)


def test_nothing_cites_documents_that_do_not_ship():
    this = Path(__file__).resolve()
    hits = []
    for p in _project_text_files():
        if p.resolve() == this:
            continue
        for i, line in enumerate(p.read_text("utf-8", errors="replace").splitlines(), 1):
            if UNSHIPPED.search(line):
                hits.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()[:100]}")
    assert not hits, "citations of workspace files that do not ship:\n" + "\n".join(hits)


# --------------------------------------------------------------------------- the built site
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    for mod, what in (("mkdocs", "mkdocs"), ("material", "mkdocs-material"),
                      ("mkdocstrings_handlers.python", "mkdocstrings[python]")):
        pytest.importorskip(mod, reason=f"{what} is not installed: pip install -e '.[docs]' (part of [dev])")
    out = tmp_path_factory.mktemp("site") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                          "-d", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-5000:]
    assert "WARNING" not in log, log[-5000:]
    return out


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.read_text("utf-8")))


def _commands():
    """(path, command) of every visible command and group, walked from the typer app."""
    import typer.main

    from critmin.cli import app

    root = typer.main.get_command(app)
    ctx_cls = getattr(type(root), "context_class", None)
    out = []

    def walk(cmd, path, ctx):
        out.append((path, cmd))
        for name in cmd.list_commands(ctx) if hasattr(cmd, "list_commands") else []:
            sub = cmd.get_command(ctx, name)
            if sub is not None and not getattr(sub, "hidden", False):
                walk(sub, [*path, name], type(ctx)(sub, info_name=name, parent=ctx))

    walk(root, ["critmin"], ctx_cls(root, info_name="critmin"))
    return out


def test_site_has_every_page(site):
    for page in ("index", "methods", "data", "cli", "api", "architecture"):
        assert (site / f"{page}.html").is_file(), page


def test_cli_page_lists_every_command_and_option(site):
    page = (site / "cli.html").read_text("utf-8")
    commands = _commands()
    assert len(commands) > 20
    # the page's sections, by the id of their heading
    sections = dict(re.findall(r'<h[23] id="(critmin[\w-]*)".*?</h[23]>(.*?)(?=<h[23] id=|$)', page, re.S))
    for path, cmd in commands:
        slug = "-".join(path)
        assert slug in sections, f"{' '.join(path)} is not on the CLI page"
        body = html.unescape(sections[slug])
        if len(path) > 1:
            assert " ".join(path) in html.unescape(page), path
        for p in cmd.params:
            if getattr(p, "hidden", False):
                continue
            shown = p.name.upper() if not getattr(p, "opts", [""])[0].startswith("-") else p.opts[0]
            assert shown in body, f"{shown} of {' '.join(path)} is not on the CLI page"


def test_api_page_lists_every_public_name(site):
    import importlib

    import critmin

    page = (site / "api.html").read_text("utf-8")
    text = _text(site / "api.html")
    for name in critmin.__all__:
        assert f"critmin.{name}" in text, f"critmin.{name} is not on the API page"
    ids = set(re.findall(r'id="(critmin\.[\w.]+)"', page))
    for pkg in ("supply", "dependence", "criticality", "monitor", "market", "stockpile", "outlook",
                "warehouse", "errors"):
        mod = importlib.import_module(f"critmin.{pkg}")
        for name in mod.__all__:
            obj = getattr(mod, name)
            canonical = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', name)}"
            assert f"critmin.{pkg}.{name}" in ids or canonical in ids, f"critmin.{pkg}.{name} undocumented"
    # the docstrings are rendered, not just the names: parameter tables with units in brackets
    assert text.count("Parameters") > 50 and "[USD/t/yr]" in text and "[1]" in text


def test_data_page_lists_every_bundled_table(site):
    import json

    manifest = json.loads((ROOT / "src" / "critmin" / "bundled" / "manifest.json").read_text("utf-8"))
    text = _text(site / "data.html")
    assert manifest["bundle_id"] in text
    for table, n in manifest["rows"].items():
        assert f"{table} " in text and f"{n:,}" in text, table
    for source in ("usgs-mcs", "wgi", "iea", "comtrade", "usitc", "oec", "eu-crm", "wmd", "bgs-wms",
                   "CC BY 4.0", "public domain"):
        assert source in text, source


def test_methods_page_cites_the_published_sources(site):
    text = _text(site / "methods.html")
    for ref in ("10.2760/73303", "2021-1045", "Gemechu", "Koyamparambath", "Teisberg", "Oren",
                "Critical Minerals Data Explorer", "SR ≥ 1.0 and EI ≥ 2.8", "0.40", "h / (π × p)"):
        assert ref in text, ref


ASSET_TAG = re.compile(r"<(script|link|img|iframe|source|video|audio)\b[^>]*?\b(?:src|href)="
                       r"[\"'](https?:)?//", re.I)
CDN = re.compile(r"fonts\.googleapis|fonts\.gstatic|unpkg\.com|cdn\.jsdelivr|cdnjs\.cloudflare|polyfill\.io|"
                 r"mathjax|googletagmanager|google-analytics", re.I)


def test_site_loads_nothing_from_the_network(site):
    bad = []
    for p in sorted(site.rglob("*")):
        if p.suffix in (".html", ".css"):
            s = p.read_text("utf-8", errors="replace")
            bad += [f"{p.name}: <{m.group(1)}> from the network" for m in ASSET_TAG.finditer(s)]
            bad += [f"{p.name}: {m.group(0)}" for m in CDN.finditer(s)]
            bad += [f"{p.name}: {m.group(0)}" for m in re.finditer(r"@import\s+url\(\s*['\"]?https?:", s)]
            if p.suffix == ".html" and 'class="mermaid"' in s:  # Material loads mermaid from unpkg
                bad.append(f"{p.name}: a mermaid diagram")
        elif p.suffix == ".js" and re.search(r"fonts\.(googleapis|gstatic)", p.read_text("utf-8", "replace")):
            bad.append(f"{p.name}: web fonts")
    assert not bad, "\n".join(bad)
