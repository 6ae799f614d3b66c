"""``critmin --help`` starts fast (issue 16 item 5): the CLI imports pandas, NumPy and DuckDB only in
the commands that use them, so ``import critmin.cli`` and the help screens load none of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")
HEAVY = ("pandas", "numpy", "duckdb", "pyarrow", "scipy", "numba", "dask")


def _loaded(code: str) -> list[str]:
    """The heavy modules a fresh interpreter has loaded after running ``code``."""
    probe = code + f"\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": SRC}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_cli_loads_no_pandas_numpy_or_duckdb():
    assert _loaded("import critmin.cli") == []


@pytest.mark.parametrize("argv", [["--help"], ["simulate", "--help"], ["data", "ingest", "--help"]])
def test_help_screens_load_no_heavy_module(argv):
    code = ("from critmin.cli import app\nimport contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try:\n        app({argv!r})\n    except SystemExit:\n        pass")
    assert _loaded(code) == []


def test_the_probe_sees_a_heavy_import():
    """The check above can fail: importing a command's job does load pandas."""
    assert "pandas" in _loaded("import critmin.cli\nimport critmin.supply")


# --------------------------------------------------------------------------- the top-level help without typer
def _run_main(argv: list[str], extra_env: dict | None = None) -> subprocess.CompletedProcess:
    code = ("import sys\nfrom critmin.cli import main\nsys.argv = ['critmin', *sys.argv[1:]]\n"
            "try:\n    main()\nfinally:\n    print('LOADED', 'typer' in sys.modules, 'rich' in sys.modules,"
            " file=sys.stderr)")
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "100", **(extra_env or {})}
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env,
                          timeout=120)


def test_index_lists_every_registered_command_in_order():
    """Every command and group on the app is in ``_index.COMMANDS`` (and nothing else is), in the order
    typer lists them, with the index's line as its short help."""
    from critmin.cli import app
    from critmin.cli._index import COMMANDS

    registered = [c.name for c in app.registered_commands if not c.hidden] + \
                 [g.name for g in app.registered_groups]
    assert registered == [name for name, _ in COMMANDS]
    lines = {c.name: c.short_help for c in (*app.registered_commands, *app.registered_groups)}
    assert lines["dashboard"] == r"Run the Streamlit dashboard on 127.0.0.1 (needs critmin\[dashboard])."
    assert lines["supply"] == dict(COMMANDS)["supply"]


def test_typer_help_and_fast_help_list_the_same_lines():
    """``app(["--help"])`` (typer) and ``main()`` (no typer) print each command's line the same."""
    from typer.testing import CliRunner

    from critmin.cli import app
    from critmin.cli._index import COMMANDS

    typer_help = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"}, terminal_width=120).output
    fast = _run_main(["--help"], {"COLUMNS": "120"}).stdout
    for name, line in COMMANDS:
        assert f" {name} " in typer_help and line in typer_help, name
        assert f" {name} " in fast and line in fast, name


def test_main_prints_the_top_help_without_typer():
    done = _run_main(["--help"])
    assert done.returncode == 0, done.stderr
    assert "LOADED False False" in done.stderr  # neither typer nor rich was imported
    assert done.stdout.startswith("\n Usage: critmin [OPTIONS] COMMAND [ARGS]...")
    assert "--db" in done.stdout and "PATH" in done.stdout and "stockpile" in done.stdout
    assert "\x1b[" not in done.stdout  # not a terminal: no colour
    bare = _run_main([])
    assert bare.returncode == 2 and bare.stdout == done.stdout  # as click's no_args_is_help


def test_main_hands_anything_else_to_typer():
    done = _run_main(["--db", "x.duckdb", "--help"])
    assert done.returncode == 0 and "LOADED True True" in done.stderr
    assert "Usage: critmin [OPTIONS] COMMAND [ARGS]..." in done.stdout
    sub = _run_main(["simulate", "--help"])
    assert sub.returncode == 0 and "--runs" in sub.stdout
    bad = _run_main(["no-such-command"])
    assert bad.returncode == 2 and "No such command" in bad.stderr


@pytest.mark.parametrize("width", [40, 57, 80, 133])
def test_fast_help_fits_its_width_and_keeps_every_word(width):
    from critmin.cli._help import render
    from critmin.cli._index import COMMANDS, OPTIONS

    text = render(width)
    body = [line for line in text.splitlines() if line.startswith(("│", "╭", "╰"))]
    assert body and all(len(line) == width for line in body)
    words = " ".join(text.split())
    for name, line in COMMANDS:
        row = [ln for ln in text.splitlines() if ln.startswith(f"│ {name} ")]
        assert len(row) == 1, name
        for word in line.split():
            assert word in words
    assert all(opt in text for opt, _, _ in OPTIONS)


def test_fast_help_colour_and_ascii_fallback():
    from critmin.cli._help import render

    plain = render(80, color=False, unicode=False)
    assert "╭" not in plain and plain.splitlines()[5].startswith("+- Options -")
    plain.encode("ascii")
    coloured = render(80, color=True)
    assert "\x1b[1;36msupply\x1b[0m" in coloured
    strip = __import__("re").sub(r"\x1b\[[0-9;]*m", "", coloured)
    assert strip == render(80)  # colour changes nothing but the escapes


def test_console_script_is_main():
    import tomllib

    meta = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert meta["project"]["scripts"]["critmin"] == "critmin.cli:main"


def test_top_help_into_a_closed_pipe_or_no_stdout(monkeypatch):
    """``critmin --help | true``: exit 1 without a traceback, as click does; with stdout closed
    (``critmin --help >&-``): nothing written, exit 0."""
    import critmin.cli as cli
    from critmin.cli import _help

    def broken(stream=None):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(_help, "print_top_help", broken)
    monkeypatch.setattr(cli, "_silence_stdout", lambda: None)  # pytest's capture is not a real fd
    monkeypatch.setattr(sys, "argv", ["critmin", "--help"])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 1

    code = "import sys\nfrom critmin.cli import main\nsys.argv = ['critmin', '--help']\nmain()"
    done = subprocess.run([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": SRC}, preexec_fn=lambda: os.close(1))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
