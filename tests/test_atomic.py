"""Outputs are written atomically through one helper, in the format their name says (issue 11 item 12)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin._atomic import OutputError, atomic_path, check_target, write_text
from critmin.cli import app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError, match="disk on fire"), atomic_path(target) as tmp:
        tmp.write_text("half a fi")
        raise RuntimeError("disk on fire")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert stat.S_IMODE(target.stat().st_mode) & 0o600 == 0o600


def test_targets_are_checked_before_any_work(tmp_path):
    with pytest.raises(OutputError, match="the folder .*nodir does not exist"):
        check_target(tmp_path / "nodir" / "x.parquet")
    with pytest.raises(OutputError, match="it is a folder"):
        check_target(tmp_path)
    # a device is written in place, never replaced by a regular file
    write_text("/dev/null", "nothing\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_parquet_writer_is_atomic(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from critmin.market.results import SimulationResult

    res = _small_result(tmp_path)
    assert isinstance(res, SimulationResult)
    target = tmp_path / "runs.parquet"
    res.to_parquet(target)
    good = target.read_bytes()

    def broken(table, where, **kw):
        Path(where).write_bytes(b"PAR1 trunc")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(OutputError, match="No space left on device"):
        res.to_parquet(target)
    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _small_result(tmp_path):
    from critmin.market import build_baseline, load_scenario, simulate
    from critmin.warehouse import open_warehouse

    spec = load_scenario(EXAMPLES / "gallium-export-controls.toml")
    wh = open_warehouse(tmp_path / "w.duckdb", read_only=True)
    return simulate(spec, runs=50, seed=1, baseline=build_baseline(spec, wh))


def test_simulate_out_writes_the_format_its_suffix_names(tmp_path):
    """``simulate --out x.csv`` wrote Parquet under a .csv name."""
    runner = CliRunner()
    db = tmp_path / "w.duckdb"
    scen = str(EXAMPLES / "gallium-export-controls.toml")
    out = tmp_path / "runs.csv"
    res = runner.invoke(app, ["--db", str(db), "simulate", scen, "--runs", "300", "--seed", "4",
                              "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert len(df) == 300 and df["run"].tolist() == list(range(300))
    summary = json.loads(res.stdout)
    assert df["peak_price_multiple"].quantile(0.5) == pytest.approx(
        summary["price_peak_multiple"]["p50"], rel=1e-9)
    meta = json.loads((tmp_path / "runs.csv.meta.json").read_text())
    assert meta["runs"] == 300 and meta["seed"] == 4 and meta["units"]["shortfall_t"] == "t"
    pq_out = tmp_path / "runs.parquet"
    assert runner.invoke(app, ["--db", str(db), "simulate", scen, "--runs", "300", "--seed", "4",
                               "--out", str(pq_out)]).exit_code == 0
    back = pd.read_parquet(pq_out)
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    # anything else is refused before the simulation runs
    for bad, why in ((tmp_path / "runs.txt", "unknown suffix '.txt'; expected .parquet, .pq, .csv"),
                     (tmp_path / "nodir" / "r.parquet", "does not exist")):
        res = runner.invoke(app, ["--db", str(db), "simulate", scen, "--runs", "300", "--out", str(bad)])
        assert res.exit_code == 2 and why in " ".join(res.output.split()), res.output
        assert not bad.exists()
