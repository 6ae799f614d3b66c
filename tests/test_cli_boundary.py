"""The CLI's one boundary (issue 11): a user sees one clear line and a non-zero exit, never a traceback;
``--debug`` shows it. And ``critmin dashboard`` never leaves its child running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.cli._app import app as app_obj

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "src" / "critmin" / "scenarios" / "ree-2010-quota.toml"


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv("CRITMIN_DEBUG", raising=False)


def _one_line(res) -> str:
    text = " ".join(res.output.split())
    assert "Traceback" not in res.output
    return text


def test_ingest_a_folder_is_a_clear_error(tmp_path, warehouse_path):
    res = runner.invoke(app, ["--db", str(warehouse_path), "data", "ingest", str(tmp_path),
                              "--source", "usgs-mcs"])
    assert res.exit_code == 2
    assert "is a folder: give one file" in _one_line(res)


def test_ingest_a_missing_file(tmp_path, warehouse_path):
    res = runner.invoke(app, ["--db", str(warehouse_path), "data", "ingest", str(tmp_path / "nope.csv"),
                              "--source", "usgs-mcs"])
    assert res.exit_code == 2 and "no such file" in _one_line(res)


def test_bundle_without_the_raw_folder(tmp_path):
    res = runner.invoke(app, ["data", "bundle", str(tmp_path / "shared" / "data")])
    assert res.exit_code == 2
    assert "is not the raw data folder" in _one_line(res)


def test_unexpected_exception_is_one_line_and_debug_shows_it(monkeypatch, warehouse_path):
    import critmin.supply as supply_pkg

    def boom(*a, **k):
        raise ZeroDivisionError("synthetic failure")

    monkeypatch.setattr(supply_pkg, "supply", boom)
    res = runner.invoke(app, ["--db", str(warehouse_path), "supply", "rare-earths"])
    assert res.exit_code == 3
    text = _one_line(res)
    assert "internal error: ZeroDivisionError: synthetic failure; rerun with --debug" in text
    res = runner.invoke(app, ["--db", str(warehouse_path), "--debug", "supply", "rare-earths"])
    assert isinstance(res.exception, ZeroDivisionError)


def test_os_errors_are_user_errors(warehouse_path, tmp_path):
    res = runner.invoke(app, ["--db", str(warehouse_path), "simulate", str(SCENARIO), "--runs", "50",
                              "--seed", "1", "--out", str(tmp_path / "no" / "such" / "dir" / "x.parquet")])
    assert res.exit_code == 2
    text = _one_line(res)
    assert text.startswith("error:") and "internal error" not in text


def test_unreachable_scheduler_fails_fast(warehouse_path):
    t0 = time.perf_counter()
    res = runner.invoke(app, ["--db", str(warehouse_path), "simulate", str(SCENARIO), "--runs", "50000",
                              "--seed", "1", "--scheduler", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in _one_line(res)
    assert time.perf_counter() - t0 < 60


def test_app_uses_the_boundary():
    from critmin.cli._app import _Boundary

    assert app_obj.info.cls is _Boundary


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_reaches_the_child_and_it_is_waited_for(tmp_path):
    """A parent running :func:`run_child` (as ``critmin dashboard`` does) gets SIGTERM: its child
    gets it too and is gone when the parent exits."""
    pidfile = tmp_path / "child.pid"
    child_code = f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    parent_code = textwrap.dedent(f"""
        import sys
        from critmin.cli.report_cli import run_child
        sys.exit(run_child([sys.executable, "-c", {child_code!r}], grace_s=5))
    """)
    parent = subprocess.Popen([sys.executable, "-c", parent_code], env=dict(os.environ))
    for _ in range(200):
        if pidfile.exists() and pidfile.read_text():
            break
        time.sleep(0.05)
    child_pid = int(pidfile.read_text())
    parent.send_signal(signal.SIGTERM)
    rc = parent.wait(timeout=30)
    assert rc == 128 + signal.SIGTERM
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)  # the child is gone (reaped by the parent)
