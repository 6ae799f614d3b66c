"""Days of cover: conversions checked by hand, the agencies' rules as data, and the cover job and command
on the bundled data (which consumption figure, data or estimate, it used)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.errors import ScenarioError
from critmin.stockpile import cover
from critmin.stockpile.cover import (
    days_to_tonnes,
    get_rule,
    rules,
    rules_table,
    tonnes_to_days,
    tonnes_to_usd,
    usd_to_tonnes,
)
from critmin.warehouse import open_warehouse


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("stockpile_cover") / "w.duckdb"
    open_warehouse(path).close()
    return path


@pytest.fixture(scope="module")
def wh(db):
    w = open_warehouse(db)
    yield w
    w.close()


# --------------------------------------------------------------------------- conversions
def test_conversions_by_hand():
    # 60 days of 15,572.4 t/yr: 60 x 15,572.4 / 365 = 2,559.8466 t
    assert days_to_tonnes(60, 15_572.4) == pytest.approx(2_559.8465753, rel=1e-10)
    assert tonnes_to_days(2_559.8465753, 15_572.4) == pytest.approx(60.0, rel=1e-9)
    # 73 days of 365 t/yr = 73 t; worth 73 x 580,000 = 42,340,000 USD
    assert days_to_tonnes(73, 365.0) == pytest.approx(73.0)
    assert tonnes_to_usd(73.0, 580_000.0) == pytest.approx(42_340_000.0)
    assert usd_to_tonnes(42_340_000.0, 580_000.0) == pytest.approx(73.0)
    # IEA rule: 90 days of 28.815 t/yr net imports with 10 % unavailable: 90 x 28.815 / 365 / 0.9 = 7.8945 t
    assert days_to_tonnes(90, 28.815, 0.10) == pytest.approx(7.894520548, rel=1e-9)
    assert tonnes_to_days(7.894520548, 28.815, 0.10) == pytest.approx(90.0, rel=1e-9)
    # arrays round-trip
    d = tonnes_to_days(days_to_tonnes([0.0, 30.0, 180.0], 1000.0), 1000.0)
    assert list(d) == pytest.approx([0.0, 30.0, 180.0])
    with pytest.raises(ValueError):
        tonnes_to_days(1.0, 0.0)
    with pytest.raises(ValueError):
        days_to_tonnes(1.0, 1.0, unavailable_share=1.0)


def test_rules_are_data_with_sources():
    by = {r.rule: r for r in rules()}
    assert set(by) >= {"jogmec-60", "jogmec-180", "komir-100", "iea-90"}
    j60 = by["jogmec-60"]
    assert (j60.days, j60.country, j60.basis) == (60, "JPN", "consumption")
    assert (by["jogmec-180"].days, by["komir-100"].days, by["komir-100"].country) == (180, 100, "KOR")
    iea = by["iea-90"]
    assert (iea.days, iea.basis, iea.unavailable_share) == (90, "net_imports", 0.10)
    assert all(r.source.strip() for r in by.values())
    assert rules_table()["rule"].tolist() == [r.rule for r in rules()]
    # a rule's stock by hand: 100 days of 7,786.2 t/yr = 2,133.2 t; IEA on 1,000 t/yr net imports
    assert get_rule("KOMIR-100").stock_t(7_786.2) == pytest.approx(100 * 7_786.2 / 365)
    assert iea.stock_t(5_000.0, 1_000.0) == pytest.approx(90 * 1000 / 365 / 0.9)
    with pytest.raises(ValueError, match="net imports"):
        iea.stock_t(5_000.0)
    with pytest.raises(KeyError, match="jogmec-60"):
        get_rule("nope")


# --------------------------------------------------------------------------- the job
def test_cover_japan_rare_earths_uses_the_documented_estimate(wh):
    res = cover("JPN", "rare-earths", 60, wh)
    # Japan's consumption: the scenario's estimate, 4 % of world supply; world supply is the USGS mine
    # output of the baseline (389,310 t REO, MCS 2026)
    assert res.consumption_estimate and res.consumption_kind == "estimate"
    assert res.consumption_t_per_year == pytest.approx(0.04 * 389_310)
    assert "estimate" in res.consumption_source and "uncertain" in res.consumption_source
    assert res.stock_t == pytest.approx(60 * 0.04 * 389_310 / 365)
    assert res.cost_usd == pytest.approx(res.stock_t * res.price_usd_per_t)
    assert "MCS2026" in res.price_source and res.scenario_file.endswith("ree-supply-risk.toml")


def test_cover_usa_uses_the_data_row_and_rules(wh):
    res = cover("USA", "rare-earths", None, wh, rule="jogmec-60")
    # MCS 2026 apparent consumption 2025e: a data row that USGS marks as its estimate, shown as such
    assert res.consumption_kind == "data (USGS estimate)" and res.consumption_estimate
    assert res.consumption_t_per_year == 27_000.0
    assert "MCS2026" in res.consumption_source
    assert cover("USA", "antimony", 60, wh).consumption_kind == "data"       # 2024: a final figure
    assert res.days == 60 and res.stock_t == pytest.approx(60 * 27_000 / 365)
    # IEA rule on gallium: Japan produces gallium (a supplier of the baseline), so net imports < consumption
    iea = cover("JPN", "gallium", None, wh, rule="iea-90")
    assert iea.basis == "net_imports" and iea.unavailable_share == 0.10
    assert iea.basis_t_per_year < iea.consumption_t_per_year
    assert iea.stock_t == pytest.approx(90 * iea.basis_t_per_year / 365 / 0.9)
    with pytest.raises(ScenarioError, match="not one of its regions"):
        cover("KOR", "gallium", 60, wh)


def test_cli_cover_prints_tonnes_cost_and_the_consumption_used(db):
    runner = CliRunner()
    res = runner.invoke(app, ["--db", str(db), "stockpile", "cover", "--region", "JPN", "--material",
                              "rare-earths", "--days", "60"])
    assert res.exit_code == 0, res.output
    assert "2,560 t" in res.stdout and "USD/t" in res.stdout and "ESTIMATE" in res.stdout
    js = runner.invoke(app, ["--db", str(db), "stockpile", "cover", "--region", "JPN", "--material",
                             "rare-earths", "--days", "60", "--json"])
    d = json.loads(js.stdout)
    assert {"stock_t", "cost_usd", "consumption_t_per_year", "consumption_source", "consumption_estimate",
            "price_usd_per_t", "price_source"} <= set(d)
    assert d["stock_t"] == pytest.approx(60 * 0.04 * 389_310 / 365)
    bad = runner.invoke(app, ["--db", str(db), "stockpile", "cover", "--region", "JPN", "--material",
                              "rare-earths"])
    assert bad.exit_code == 2
    assert runner.invoke(app, ["stockpile", "rules"]).exit_code == 0


@pytest.mark.parametrize("days", [float("inf"), float("nan"), -1.0, 1e9, "ninety"])
def test_days_of_cover_must_be_a_finite_number_of_days(days, wh, db):
    """Issue 11 item 14: ``stockpile cover --days inf`` was accepted."""
    from critmin.errors import ParameterError
    from critmin.stockpile.cover import MAX_DAYS, check_days

    assert check_days(90) == 90.0 and check_days(MAX_DAYS) == MAX_DAYS
    with pytest.raises(ParameterError, match="expected a finite number of days from 0 to 3,650"):
        check_days(days)
    with pytest.raises(ParameterError, match="days of cover"):
        cover("JPN", "rare-earths", days, wh)
    if isinstance(days, float) and days >= 0:  # the CLI's own range check catches nan and -1
        res = CliRunner().invoke(app, ["--db", str(db), "stockpile", "cover", "--region", "JPN",
                                       "--material", "rare-earths", "--days", str(days), "--json"])
        assert res.exit_code == 2, res.output
        assert "expected a finite number of days" in " ".join(res.output.split())
