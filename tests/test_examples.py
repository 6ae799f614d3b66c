"""The three workflows of ``examples/`` run as a user runs them (issue 12, item 14): offline, on the
bundled data (the session warehouse as the user's default), with small Monte Carlo runs."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import critmin

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture()
def default_db(warehouse_path, monkeypatch):
    monkeypatch.setenv("CRITMIN_DB", str(warehouse_path))
    return warehouse_path


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_who_supplies_it(default_db, capsys, tmp_path):
    out = _load("who_supplies_it").main(["rare-earths", "--importer", "CHN", "--xlsx",
                                         str(tmp_path / "re.xlsx")])
    text = capsys.readouterr().out
    # MCS 2026, 2025: China 270,000 t of a world total of 390,000 t (REO)
    assert out["supply"].year == 2025
    assert "China" in text and "270,000 t" in text and "69.2%" in text
    assert "Rare earths: CHN imports by supplier" in text and "top supplier MMR" in text
    assert (tmp_path / "re.xlsx").stat().st_size > 0


def test_is_it_a_restriction(default_db, capsys):
    out = _load("is_it_a_restriction").main([])
    text = capsys.readouterr().out
    res = out["monitor"]
    # China's natural graphite (HS 250410), December 2023, the month its export licences began:
    # 2,726 t against 14,800 t a year before (-81.6 %)
    assert res.month == "2023-12" and res.verdict == "restriction-like"
    assert res.yoy_change == pytest.approx(-0.816, abs=0.001)
    assert "restriction-like" in text and "-81.6%" in text
    assert "250410" in set(out["scan"].table["hs"])


def test_how_big_a_stockpile(default_db, capsys):
    out = _load("how_big_a_stockpile").main(["--runs", "300"])
    text = capsys.readouterr().out
    cover = out["cover"]
    # JOGMEC's 60 days of Japan's gallium consumption, at today's price
    assert cover.stock_t == pytest.approx(cover.consumption_t_per_year * 60 / 365)
    assert cover.cost_usd == pytest.approx(cover.stock_t * cover.price_usd_per_t)
    table = out["plan"].to_frame()
    assert set(table["policy"]) >= {"0 days", "60 days", "100 days", "180 days", "optimum"}
    # more stock never runs out more often
    pol = table[table["policy"] != "optimum"].sort_values("days")
    assert pol["p_stockout"].is_monotonic_decreasing
    assert "stockpile plan for Japan (JPN)" in text


def test_an_example_runs_as_a_script(warehouse_path):
    env = dict(os.environ, CRITMIN_DB=str(warehouse_path),
               PYTHONPATH=str(Path(critmin.__file__).resolve().parents[1]))
    res = subprocess.run([sys.executable, str(EXAMPLES / "is_it_a_restriction.py"), "--hs", "280530",
                          "--month", "2020-08"], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("CHN exports of HS 280530, 2020-08:")
    assert "restriction-like, score" not in res.stdout.splitlines()[0]   # the 2020 slump was demand
