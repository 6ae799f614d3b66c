"""The command line on the bundled data: the issue's contracts (JSON shapes, published figures)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from critmin.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "w.duckdb"
    res = runner.invoke(app, ["--db", str(path), "data", "build"])
    assert res.exit_code == 0, res.output
    return path


def _json(db, *args):
    res = runner.invoke(app, ["--db", str(db), *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_supply_rare_earths_2024_matches_mcs2026(db):
    out = _json(db, "supply", "rare-earths", "--year", "2024")
    for key in ("commodity", "year", "stage", "basis", "unit", "edition", "world_total", "hhi",
                "countries"):
        assert key in out
    assert out["commodity"] == "rare-earths" and out["year"] == 2024 and out["stage"] == "mine"
    assert out["edition"] == "MCS2026" and out["unit"] == "t"
    # MCS 2026: China 270,000 t of a rounded world total of 380,000 t (REO)
    assert out["world_total"] == 380_000
    chn = next(c for c in out["countries"] if c["country"] == "CHN")
    assert chn["quantity"] == 270_000
    assert chn["share"] == pytest.approx(270_000 / 380_000, abs=1e-9)
    assert out["countries"][0]["country"] == "CHN"
    for c in out["countries"]:
        assert set(c) >= {"country", "name", "quantity", "share"}
    assert 0.4 < out["hhi"] <= 1.0


def test_trend_rare_earths_covers_1900_to_2025(db):
    out = _json(db, "trend", "rare-earths")
    years = {y["year"]: y for y in out["years"]}
    assert min(years) == 1900 and max(years) == 2025
    for y in range(2018, 2026):
        assert years[y]["top_country"] == "CHN", y
        assert 0.5 < years[y]["shares"]["CHN"] < 1.0, y
        assert years[y]["hhi"] is not None
    assert years[2024]["shares"]["CHN"] == pytest.approx(270_000 / 380_000)
    assert years[1950]["world_total"] > 0 and years[1950]["hhi"] is None


def test_commodities_lists_coverage(db):
    out = _json(db, "commodities")
    ids = {r["id"] for r in out}
    assert {"rare-earths", "lithium", "cobalt", "gallium", "germanium", "graphite", "tungsten",
            "antimony"} <= ids
    covered = [r for r in out if r.get("first_year") is not None]
    assert len(covered) >= 70


def test_status_lists_tables(db):
    out = _json(db, "data", "status")
    tables = {t["table"]: t for t in out["tables"]}
    assert tables["production"]["rows"] > 10_000
    assert tables["governance"]["rows"] == 32_100
    assert "MCS2026" in tables["production"]["editions"]


def test_unknown_commodity_is_a_clear_error(db):
    res = runner.invoke(app, ["--db", str(db), "supply", "unobtainium"])
    assert res.exit_code == 2
    assert "unobtainium" in res.output


def test_supply_csv(db):
    res = runner.invoke(app, ["--db", str(db), "supply", "lithium", "--csv"])
    assert res.exit_code == 0, res.output
    head = res.stdout.splitlines()[0]
    assert head.startswith("country,name,quantity,share")
