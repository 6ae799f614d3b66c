"""MkDocs hooks of critmin's documentation site (registered in ``mkdocs.yml`` under ``hooks:``).

* ``cli.md``: the marker ``<!-- critmin:cli -->`` is replaced by the reference of every command, group
  and option of the typer app ``critmin.cli.app``, walked through ``typer.main.get_command`` at build
  time, so a new command or option appears without editing the docs.
* ``data.md``: the marker ``<!-- critmin:bundle -->`` is replaced by the tables of the bundled dataset
  with their row counts, read from ``critmin/bundled/manifest.json``.
* ``api.md``: the marker ``<!-- critmin:toplevel -->`` is replaced by a table of every name in
  ``critmin.__all__``, each linked to where it is documented on the page. The links are mandatory
  cross-references: a top-level name that the page does not document fails ``mkdocs build --strict``.
  After each package directive (``::: critmin.supply``), the names of the package's ``__all__`` that
  mkdocstrings cannot see there are documented from where they are defined: names a package provides
  lazily (a module ``__getattr__``) and names hidden by a submodule of the same name (the function
  ``critmin.stockpile.cover`` and the module ``critmin/stockpile/cover.py``).

The hooks import critmin from the ``src/`` folder beside ``mkdocs.yml`` (not from whatever copy is
installed). ``python docs/hooks.py cli`` prints the CLI reference to standard output.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI_MARKER = "<!-- critmin:cli -->"
API_MARKER = "<!-- critmin:toplevel -->"
BUNDLE_MARKER = "<!-- critmin:bundle -->"

#: What one row of each canonical table is (tables not listed here are described by their columns).
TABLE_ROWS = {
    "production": "a country's (or a published aggregate's) production of a commodity at one stage in one "
                  "year, in one edition",
    "reserves": "a country's reserves at the end of a year, in one edition",
    "salient": "one U.S. salient statistic (production, imports, exports, consumption, price, net import "
               "reliance) for one year, in one MCS edition",
    "import_sources": "a partner's share of U.S. imports over the period an MCS edition names",
    "prices": "an annual average price of one product",
    "consumption": "a country's consumption of a commodity in one year, with its method (reported, "
                   "apparent, estimated)",
    "trade": "one trade flow (reporter, partner, flow, HS code, month or year) in kg and USD",
    "governance": "one WGI estimate of a country and year",
    "eu_crm": "one published input or result of an EU criticality assessment",
    "outlook_supply": "IEA mining or refining of a country in 2024, 2030, 2035 or 2040",
    "outlook_demand": "IEA demand of a sector or technology in a year and scenario",
}

_TYPE_NAMES = {bool: "", int: "INTEGER", float: "FLOAT", str: "TEXT", Path: "PATH"}


def _use_src() -> None:
    src = str(ROOT / "src")
    if src not in sys.path:
        sys.path.insert(0, src)


# --------------------------------------------------------------------------- MkDocs events
def on_config(config, **kwargs):
    """Import critmin from this checkout's ``src/``."""
    _use_src()
    return config


def on_page_markdown(markdown: str, page, config, files, **kwargs) -> str:
    """Fill the generated parts of ``cli.md`` and ``api.md``."""
    from mkdocs.exceptions import PluginError

    for name, marker, build in (("cli.md", CLI_MARKER, cli_reference), ("api.md", API_MARKER, api_index),
                                ("data.md", BUNDLE_MARKER, bundle_tables)):
        if page.file.src_uri == name:
            if marker not in markdown:
                raise PluginError(f"docs/{name} lost its marker {marker}: the generated part has no place")
            markdown = markdown.replace(marker, build())
            return _with_hidden_members(markdown) if name == "api.md" else markdown
    return markdown


# --------------------------------------------------------------------------- the CLI reference
def _plain(text: str | None) -> str:
    """Help text as the terminal shows it: rich markup resolved (``\\[x]`` -> ``[x]``)."""
    if not text:
        return ""
    try:
        from rich.text import Text

        return Text.from_markup(text).plain
    except Exception:  # noqa: BLE001 - text that is not valid markup is shown as written
        return text


def _md(text: str) -> str:
    """Escape Markdown (and HTML) in a piece of help text."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\*_\[\]|#])", r"\\\1", text)  # backticks stay: help texts quote code


def _paragraphs(text: str) -> str:
    """Help text as Markdown paragraphs (click's ``\\b`` no-rewrap markers dropped)."""
    paras = [p.replace("\b", "").strip() for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(_md(" ".join(p.split())) for p in paras if p)


def _value(param) -> str:
    """What an option takes: its type name, or the choices."""
    td = getattr(param, "type_descriptor", None)
    if td is not None:  # typer >= 0.2x (its own click)
        ann = td.annotation
        if getattr(param, "is_flag", False) or ann is bool:
            return ""
        if inspect.isclass(ann) and issubclass(ann, __import__("enum").Enum):
            return "|".join(str(m.value) for m in ann)
        args = getattr(ann, "__args__", None)
        if getattr(ann, "__origin__", None) in (list, tuple) and args:
            ann = args[0]
        if str(getattr(ann, "__origin__", "")) == "typing.Literal":
            return "|".join(map(str, args))
        return _TYPE_NAMES.get(ann, getattr(ann, "__name__", str(ann)).upper())
    ptype = getattr(param, "type", None)  # click
    if getattr(param, "is_flag", False):
        return ""
    choices = getattr(ptype, "choices", None)
    if choices:
        return "|".join(map(str, choices))
    return str(getattr(ptype, "name", "")).upper()


def _default(param) -> str:
    d = param.default
    if callable(d) or d is None or d is False or d == () or d == [] or getattr(param, "required", False):
        return "required" if getattr(param, "required", False) else ""
    if hasattr(d, "value"):  # an Enum member
        d = d.value
    return f"`{d}`"


def _is_argument(param) -> bool:
    return getattr(param, "param_type_name", "") == "argument" or type(param).__name__.endswith("Argument")


def _param_row(param) -> str:
    value = _value(param)
    if _is_argument(param):
        name = f"`{param.name.upper()}`" + ("…" if param.nargs == -1 else "")
    else:
        opts = " / ".join(f"`{o}`" for o in [*param.opts, *getattr(param, "secondary_opts", [])])
        name = opts + (f" {value}" if value else "")
        if getattr(param, "multiple", False):
            name += " (repeatable)"
    desc = _paragraphs(_plain(getattr(param, "help", "") or ""))
    env = param.envvar
    if env:
        envs = [env] if isinstance(env, str) else list(env)
        desc = desc.rstrip().rstrip(".") + (". " if desc else "")
        desc += "Environment variable: " + ", ".join(f"`{e}`" for e in envs) + "."
    return f"| {name} | {_default(param)} | {desc.replace(chr(10), ' ')} |"


def _usage(path: list[str], cmd) -> str:
    pieces = [" ".join(path), "[OPTIONS]"]
    for p in cmd.params:
        if _is_argument(p):
            n = p.name.upper() + ("..." if p.nargs == -1 else "")
            pieces.append(n if p.required else f"[{n}]")
    if hasattr(cmd, "list_commands"):
        pieces.append("COMMAND [ARGS]...")
    return " ".join(pieces)


def _slug(path: list[str]) -> str:
    return "-".join(path)


def cli_commands() -> list[tuple[list[str], object, list[str]]]:
    """Every visible command and group of the app as (path, command, subcommand names), depth first,
    in the order ``--help`` lists them."""
    _use_src()
    import typer.main

    from critmin.cli import app

    root = typer.main.get_command(app)
    out: list[tuple[list[str], object, list[str]]] = []

    def walk(cmd, path: list[str], ctx) -> None:
        subs = []
        for name in cmd.list_commands(ctx) if hasattr(cmd, "list_commands") else []:
            sub = cmd.get_command(ctx, name)
            if sub is not None and not getattr(sub, "hidden", False):
                subs.append((name, sub))
        out.append((path, cmd, [n for n, _ in subs]))
        for name, sub in subs:
            walk(sub, [*path, name], type(ctx)(sub, info_name=name, parent=ctx))

    ctx_cls = type(root).context_class if hasattr(type(root), "context_class") else None
    if ctx_cls is None:
        import click

        ctx_cls = click.Context
    walk(root, ["critmin"], ctx_cls(root, info_name="critmin"))
    return out


def cli_reference() -> str:
    """The Markdown reference of every command (see the module docstring)."""
    commands = cli_commands()
    lines = ["## Commands at a glance", "", "| command | what it does |", "|---|---|"]
    for path, cmd, _ in commands[1:]:
        first = _plain(cmd.help or "").split("\n\n")[0]
        lines.append(f"| [`{' '.join(path)}`](#{_slug(path)}) | {_md(' '.join(first.split()))} |")
    lines.append("")
    for path, cmd, subs in commands:
        level = "##" if len(path) <= 2 else "###"
        title = f"`{' '.join(path)}`" if len(path) > 1 else "`critmin`: options before the command"
        lines += [f"{level} {title} {{ #{_slug(path)} }}", ""]
        text = _paragraphs(_plain(cmd.help or ""))
        if text:
            lines += [text, ""]
        lines += ["```text", _usage(path, cmd), "```", ""]
        params = [p for p in cmd.params if not getattr(p, "hidden", False)]
        if params:
            lines += ["| argument or option | default | description |", "|---|---|---|"]
            lines += [_param_row(p) for p in params]
            lines.append("")
        if subs and len(path) > 1:
            lines += ["Subcommands: " + ", ".join(f"[`{n}`](#{_slug([*path, n])})" for n in subs), ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the bundled tables
def bundle_tables() -> str:
    """The bundle's tables with what a row is, the columns and the row counts (from its manifest)."""
    import json

    from critmin.schema import TABLES

    manifest = json.loads((ROOT / "src" / "critmin" / "bundled" / "manifest.json").read_text("utf-8"))
    rows = manifest.get("rows", {})
    n_files = len(manifest.get("files", {}))
    lines = [f"Bundle `{manifest.get('bundle_id', '?')}`, {n_files:,} raw input files.", "",
             "| table | one row is | rows |", "|---|---|---:|"]
    for table in manifest.get("tables", sorted(rows)):
        what = TABLE_ROWS.get(table)
        if what is None:
            cols = [getattr(f, "name", str(f)) for f in TABLES.get(table, ())]
            what = "columns " + ", ".join(f"`{c}`" for c in cols) if cols else "see `critmin.schema`"
        lines.append(f"| `{table}` | {what} | {rows.get(table, 0):,} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the top-level API index
def _identifier(obj, name: str) -> str | None:
    """Where a top-level name is documented: its canonical ``module.qualname`` (None: not linkable)."""
    if inspect.ismodule(obj):
        return obj.__name__
    if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return f"{obj.__module__}.{obj.__qualname__}"
    return None


def api_index() -> str:
    """A table of every name in ``critmin.__all__``, linked to its documentation."""
    _use_src()
    import critmin

    lines = ["| name | what it is |", "|---|---|"]
    for name in critmin.__all__:
        obj = getattr(critmin, name)
        ident = _identifier(obj, name)
        if ident is None:
            what = f"`{obj!r}`" if isinstance(obj, str | int | float) else type(obj).__name__
            lines.append(f"| `critmin.{name}` | {what} |")
            continue
        doc = inspect.getdoc(obj) or ""
        first = " ".join(doc.split("\n\n")[0].split())
        first = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", first)
        lines.append(f"| [`critmin.{name}`][{ident}] | {first} |")
    return "\n".join(lines)


def hidden_members(package: str) -> list[str]:
    """Canonical paths of the names in a package's ``__all__`` that a static reading of its
    ``__init__.py`` does not show as the object itself: provided lazily, or hidden by a submodule."""
    import ast
    import importlib

    mod = importlib.import_module(package)
    init = Path(mod.__file__)
    bound: set[str] = set()
    for node in ast.parse(init.read_text("utf-8")).body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound.update(t.id for t in targets if isinstance(t, ast.Name))
    out = []
    for name in getattr(mod, "__all__", []):
        shadowed = (init.parent / f"{name}.py").exists() or (init.parent / name / "__init__.py").exists()
        if name in bound and not shadowed:
            continue
        obj = getattr(mod, name)
        ident = _identifier(obj, name)
        if ident and not inspect.ismodule(obj):
            out.append(ident)
    return out


def _with_hidden_members(markdown: str) -> str:
    """Insert, after each package directive of api.md, the directives of its hidden members."""
    lines = markdown.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        out.append(lines[i])
        m = re.fullmatch(r":::\s+(critmin\.\w+)\s*", lines[i])
        i += 1
        if not m:
            continue
        while i < len(lines) and (lines[i].startswith(" ") or not lines[i].strip()):
            out.append(lines[i])  # the directive's options
            i += 1
        import importlib

        if not hasattr(importlib.import_module(m.group(1)), "__path__"):
            continue  # a module, not a package
        for ident in hidden_members(m.group(1)):
            out += ["", f"::: {ident}", "    options:", "      heading_level: 4", ""]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover - a convenience for writers
    what = sys.argv[1] if len(sys.argv) > 1 else "cli"
    print(cli_reference() if what == "cli" else api_index())
