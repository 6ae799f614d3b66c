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
