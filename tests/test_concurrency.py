"""No command blocks another (issue 11 item 6).

DuckDB lets one read-write process or many read-only processes open a file. Read commands open the
warehouse read-only and connect per query; a writer that meets a reader retries until it lets go, and
gives up after ``lock_timeout`` with a message naming the holder. These tests use real processes:
file locks are per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from critmin.warehouse import Warehouse, WarehouseLockedError, open_warehouse

SRC = str(Path(__file__).resolve().parents[1] / "src")
RAREE_2023 = "usgs_mcs/mcs2023/world/mcs2023-raree_world.csv"


def _env(db: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env["CRITMIN_DB"] = str(db)
    env["CRITMIN_LOCK_TIMEOUT"] = "60"
    return env


def _critmin(db: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from critmin.cli import app; app()", *args],
                          env=_env(db), capture_output=True, text=True, timeout=timeout)


def _spawn(db: Path, code: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=_env(db),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline()  # the child says "ready" once it has the file open
    assert line.strip() == "ready", (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("conc") / "w.duckdb"
    open_warehouse(path).close()
    return path


def test_dashboard_style_reader_cli_read_and_ingest_all_succeed(db, shared_data, tmp_path):
    """A reader process querying all along (as the dashboard does), `critmin supply` and
    `critmin data ingest` at the same time: every query and both commands succeed."""
    stop = tmp_path / "stop"
    reader = _spawn(db, f"""
        import json, os, time
        from critmin.warehouse import open_warehouse
        wh = open_warehouse({str(db)!r}, read_only=True)
        print("ready", flush=True)
        ok, errors = 0, []
        end = time.monotonic() + 600
        while not os.path.exists({str(stop)!r}) and time.monotonic() < end:
            try:
                wh.counts()
                wh.table("production", commodity="rare-earths", country="CHN")
                ok += 1
            except Exception as exc:
                errors.append(repr(exc)[:300])
            time.sleep(0.02)
        print(json.dumps({{"ok": ok, "fail": len(errors), "errors": errors[:3]}}), flush=True)
    """)
    try:
        sup = _critmin(db, "supply", "rare-earths", "--json")
        assert sup.returncode == 0, sup.stderr
        assert json.loads(sup.stdout)["world_total"] == 390_000
        mine = tmp_path / "mcs2023-raree_world.csv"
        mine.write_bytes((shared_data / RAREE_2023).read_bytes().replace(b"168000", b"168001"))
        ing = _critmin(db, "data", "ingest", str(mine), "--source", "usgs-mcs")
        assert ing.returncode == 0, ing.stderr
        msg = " ".join(ing.stdout.split())
        assert "replaced 51 rows" in msg and "an earlier ingest of mcs2023-raree_world.csv (51)" in msg, msg
        sup2 = _critmin(db, "supply", "rare-earths", "--year", "2021", "--edition", "MCS2023", "--json")
        assert sup2.returncode == 0, sup2.stderr
        q = {c["country"]: c["quantity"] for c in json.loads(sup2.stdout)["countries"]}
        assert q["CHN"] == 168_001
    finally:
        stop.write_text("")
        out, err = reader.communicate(timeout=120)
    stats = json.loads(out.strip().splitlines()[-1])
    assert stats["fail"] == 0 and stats["ok"] > 0, (stats, err)


def test_long_job_does_not_hold_the_file(db):
    """A read-only warehouse in use (as a 2-minute `stockpile plan` or the dashboard holds it) keeps
    no lock between queries: a writer in another process gets in."""
    from critmin.supply import supply

    ro = open_warehouse(db, read_only=True)
    assert supply("rare-earths", warehouse=ro).world_total == 390_000
    res = subprocess.run(
        [sys.executable, "-c", f"from critmin.warehouse import Warehouse; "
         f"Warehouse({str(db)!r}, lock_timeout=5).close(); print('wrote')"],
        env=_env(db), capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "wrote" in res.stdout, res.stderr
    assert supply("rare-earths", warehouse=ro).world_total == 390_000  # and it still reads


def test_writer_waits_for_a_reader_then_proceeds(db):
    """A reader that holds its connection for a while (1.5 s): the writer retries with backoff."""
    holder = _spawn(db, f"""
        import time, duckdb
        con = duckdb.connect({str(db)!r}, read_only=True)
        print("ready", flush=True)
        time.sleep(1.5)
        con.close()
    """)
    t0 = time.monotonic()
    with Warehouse(db, lock_timeout=60) as wh:
        waited = time.monotonic() - t0
        assert wh.counts()["production"] > 0
    holder.wait(timeout=60)
    assert waited > 0.5


def test_writer_gives_up_naming_the_holder(db):
    """Past the timeout the writer fails with a message that names the process holding the file."""
    holder = _spawn(db, f"""
        import sys, duckdb
        con = duckdb.connect({str(db)!r}, read_only=True)
        print("ready", flush=True)
        sys.stdin.read()
    """)
    try:
        t0 = time.monotonic()
        with pytest.raises(WarehouseLockedError) as err:
            Warehouse(db, lock_timeout=1.0)
        assert 0.9 < time.monotonic() - t0 < 30
        assert err.value.pid == holder.pid
        msg = str(err.value)
        assert f"PID {holder.pid}" in msg and "waited 1 s" in msg and str(db) in msg
        # readers are not blocked by a reader
        assert open_warehouse(db, read_only=True).counts()["production"] > 0
        cli = _critmin(db, "supply", "gallium", "--json")
        assert cli.returncode == 0, cli.stderr
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_cli_ingest_refused_after_timeout_names_the_holder(db, shared_data, tmp_path):
    holder = _spawn(db, f"""
        import sys, duckdb
        con = duckdb.connect({str(db)!r}, read_only=True)
        print("ready", flush=True)
        sys.stdin.read()
    """)
    try:
        mine = tmp_path / "mcs2023-raree_world.csv"
        mine.write_bytes((shared_data / RAREE_2023).read_bytes().replace(b"168000", b"168002"))
        res = subprocess.run(
            [sys.executable, "-c", "from critmin.cli import app; app()", "data", "ingest", str(mine),
             "--source", "usgs-mcs"],
            env={**_env(db), "CRITMIN_LOCK_TIMEOUT": "1"}, capture_output=True, text=True,
            timeout=300)
        assert res.returncode == 2, (res.stdout, res.stderr)
        msg = " ".join(res.stderr.split())
        assert f"PID {holder.pid}" in msg and "Traceback" not in res.stderr, msg
    finally:
        holder.kill()
        holder.wait(timeout=30)
