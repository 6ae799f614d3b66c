"""The outlook (critmin.outlook): balance arithmetic on a hand-built table, the job and stage-aware
supply on the bundled IEA data (values typed from the raw JSON, each citing its pointer), the CLI."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from critmin.cli import app
from critmin.errors import DataError
from critmin.outlook import (
    balance,
    baseline_from_tables,
    outlook,
    outlook_baseline,
    outlook_from_tables,
    stage_years,
)
from critmin.outlook.balance import hhi_of_total
from critmin.schema import conform
from critmin.supply import supply
from critmin.warehouse import open_warehouse

runner = CliRunner()


# ----------------------------------------------------------------------------- a hand-built table
SUPPLY_KT = {  # (stage, year) -> {country: kt}; WLD is the published total
    ("mine", 2024): {"CHN": 40, "AUS": 30, "CHL": 20, "OTH": 10, "WLD": 100},
    ("refinery", 2024): {"CHN": 60, "CHL": 25, "ARG": 5, "OTH": 5, "WLD": 95},
    ("mine", 2030): {"CHN": 50, "AUS": 60, "CHL": 30, "ARG": 40, "OTH": 20, "WLD": 200},
    ("refinery", 2030): {"CHN": 150, "CHL": 30, "OTH": 20, "WLD": 200},
}
DEMAND_KT = {  # (scenario, year) -> {sector: kt}
    ("base-year", 2024): {"Electric vehicles": 60, "Clean technologies (total)": 60,
                          "Other uses": 30, "Total demand": 90},
    ("STEPS", 2030): {"Electric vehicles": 120, "Clean technologies (total)": 120,
                      "Other uses": 60, "Total demand": 180},
    ("APS", 2030): {"Electric vehicles": 160, "Clean technologies (total)": 160,
                    "Other uses": 60, "Total demand": 220},
    ("APS", 2045): {"Total demand": 300},
    ("APS", 2050): {"Total demand": 350},
}
PROV = {"source": "iea", "edition": "IEA-CMDE-2025", "edition_date": "2025-05-21",
        "file": "hand.json"}


def _supply_rows(data=SUPPLY_KT) -> pd.DataFrame:
    rows = []
    for (stage, year), q in data.items():
        for c, v in q.items():
            rows.append({"commodity": "lithium", "mineral": "Lithium", "stage": stage,
                         "stage_raw": stage, "case": "base", "country": c,
                         "country_kind": "country" if len(c) == 3 and c not in ("OTH", "WLD")
                         else "aggregate", "country_raw": c, "year": year,
                         "projected": year > 2024, "quantity_t": v * 1000.0, "value": float(v),
                         "unit": "kt", "missing": None, "qualifier": None,
                         "basis": "lithium content (Li)", "notes": None, "json_pointer": "",
                         "row": len(rows) + 1, **PROV})
    return conform(pd.DataFrame(rows), "outlook_supply")


def _demand_rows(data=DEMAND_KT) -> pd.DataFrame:
    rows = []
    for (scen, year), q in data.items():
        for sector, v in q.items():
            rows.append({"series": "total_demand", "commodity": "lithium", "mineral": "Lithium",
                         "sector": sector, "scenario": scen, "year": year, "projected": year > 2024,
                         "quantity_t": v * 1000.0, "value": float(v), "unit": "kt",
                         "missing": None, "qualifier": None, "basis": "lithium content (Li)",
                         "notes": None, "json_pointer": "", "row": len(rows) + 1, **PROV})
    return conform(pd.DataFrame(rows), "outlook_demand")


def test_balance_arithmetic_on_a_hand_built_table():
    res = outlook_from_tables(_supply_rows(), _demand_rows(), commodity="lithium", scenario="APS")
    assert res.years == [2024, 2030, 2045, 2050]  # IEA's years only: nothing interpolated
    b = res.balance.set_index(["stage", "year"])
    assert b.loc[("mine", 2024), "balance_t"] == pytest.approx(10_000)  # 100 - 90 kt
    assert b.loc[("mine", 2024), "balance_share"] == pytest.approx(10 / 90)
    assert b.loc[("refinery", 2024), "balance_t"] == pytest.approx(5_000)  # 95 - 90
    assert b.loc[("mine", 2030), "balance_t"] == pytest.approx(-20_000)  # 200 - 220 (APS)
    assert b.loc[("refinery", 2030), "balance_share"] == pytest.approx(-20 / 220)
    s = res.stages.set_index(["stage", "year"])
    assert s.loc[("mine", 2024), "china_share"] == pytest.approx(0.40)
    assert s.loc[("mine", 2024), "top3_share"] == pytest.approx(0.90)
    assert s.loc[("mine", 2024), "hhi"] == pytest.approx(0.4**2 + 0.3**2 + 0.2**2)
    assert s.loc[("mine", 2030), "top_country"] == "AUS"
    assert s.loc[("mine", 2030), "top3_share"] == pytest.approx((60 + 50 + 40) / 200)
    assert s.loc[("refinery", 2030), "top3_share"] == pytest.approx(0.90)  # two countries only
    assert s.loc[("refinery", 2030), "hhi"] == pytest.approx(0.75**2 + 0.15**2)
    assert s.loc[("refinery", 2024), "other_share"] == pytest.approx(5 / 95)
    out = res.to_dict()
    assert [y["year"] for y in out["years"]] == [2024, 2030, 2045, 2050]
    y30 = out["years"][1]
    assert set(y30) >= {"year", "supply_t", "demand_t", "balance_t", "shares", "hhi"}
    assert y30["supply_t"]["refinery"] == {"CHN": 150_000, "CHL": 30_000, "OTH": 20_000}
    assert y30["demand_t"] == 220_000 and y30["balance_t"]["mine"] == pytest.approx(-20_000)
    assert y30["shares"]["refinery"]["CHN"] == pytest.approx(0.75)
    assert sum(y30["shares"]["mine"].values()) == pytest.approx(1.0)
    assert y30["demand_by_sector_t"] == {"Electric vehicles": 160_000,
                                         "Clean technologies (total)": 160_000,
                                         "Other uses": 60_000}
    y45 = out["years"][2]
    assert y45["demand_t"] == 300_000 and y45["supply_t"] == {"mine": {}, "refinery": {}}
    assert y45["balance_t"] == {"mine": None, "refinery": None} and y45["hhi"]["mine"] is None
    json.dumps(out, allow_nan=False)
    # the base year's demand is every scenario's
    steps = outlook_from_tables(_supply_rows(), _demand_rows(), commodity="lithium")
    assert steps.to_dict()["years"][0]["demand_t"] == 90_000
    assert steps.balance.set_index(["stage", "year"]).loc[("mine", 2030), "balance_t"] == \
        pytest.approx(20_000)  # 200 - 180 (STEPS)
    assert steps.years == [2024, 2030]  # STEPS has no 2045/2050 rows in this table


def test_to_frame_is_tidy():
    res = outlook_from_tables(_supply_rows(), _demand_rows(), commodity="lithium", scenario="APS")
    f = res.to_frame()
    assert set(f["kind"]) == {"supply", "demand"}
    sup = f[f["kind"] == "supply"]
    assert len(sup) == sum(len(q) - 1 for q in SUPPLY_KT.values())  # WLD is no row
    r = sup[(sup["year"] == 2030) & (sup["stage"] == "mine") & (sup["country"] == "CHN")].iloc[0]
    assert r["quantity_t"] == 50_000 and r["share"] == pytest.approx(0.25)
    assert r["balance_t"] == pytest.approx(-20_000) and r["demand_t"] == 220_000
    assert f.attrs["units"]["balance_t"] == "t/yr"


def test_unknown_scenario_and_year_are_errors():
    with pytest.raises(DataError, match="unknown IEA scenario"):
        outlook_from_tables(_supply_rows(), _demand_rows(), commodity="lithium", scenario="SDS")
    with pytest.raises(DataError, match="no 2031"):
        baseline_from_tables(_supply_rows(), _demand_rows(), commodity="lithium", year=2031,
                             demand_scenario="APS")


def test_baseline_from_tables():
    b = baseline_from_tables(_supply_rows(), _demand_rows(), commodity="lithium", year=2030,
                             demand_scenario="APS")
    assert b.capacity_t_per_year("refinery") == {"CHN": 150_000, "CHL": 30_000, "OTH": 20_000}
    assert b.supply_total_t == {"mine": 200_000, "refinery": 200_000}
    assert b.demand_t == 220_000 and b.base_demand_t == 90_000 and b.base_year == 2024
    assert b.growth("mine") == pytest.approx(2.0) and b.growth() == pytest.approx(220 / 90)
    assert b.demand_by_sector_t["Other uses"] == 60_000
    json.dumps(b.to_dict(), allow_nan=False)


@given(st.floats(0, 1e7), st.floats(1, 1e7))
def test_balance_property(supply_t, demand_t):
    b, s = balance(supply_t, demand_t)
    assert b == pytest.approx(supply_t - demand_t)
    assert s * demand_t == pytest.approx(b, abs=1e-6 * max(1.0, abs(b)))
    assert balance(math.nan, demand_t)[0] != balance(math.nan, demand_t)[0]  # NaN


# quantities [kt]: none, or from a gram up (subnormal floats, ~1e-313 kt, lose the digits a share needs)
_KT = st.one_of(st.just(0.0), st.floats(1e-9, 1e6))


@settings(max_examples=50, deadline=None)
@given(st.lists(_KT, min_size=1, max_size=8), _KT)
def test_shares_sum_to_one_and_hhi_bounds(qs, rest):
    total = sum(qs) + rest
    if total <= 0:
        return
    data = {("mine", 2024): {**{c: q / 1000 for c, q in zip(
        ["CHN", "AUS", "CHL", "ARG", "USA", "CAN", "BRA", "ZWE"], qs, strict=False)},
        "OTH": rest / 1000, "WLD": total / 1000}}
    s = stage_years(_supply_rows(data)).iloc[0]
    named = [q / total for q in qs]
    if not any(q > 0 for q in qs):  # no country with a positive quantity: no HHI (as ever)
        assert math.isnan(s["hhi"]) and s["top_country"] is None
        return
    assert s["hhi"] == pytest.approx(sum(x * x for x in named), abs=1e-12)
    assert s["hhi"] <= s["top3_share"] + 1e-12 <= 1.0 + 1e-9
    res = outlook_from_tables(_supply_rows(data), _demand_rows({("base-year", 2024):
                                                                 {"Total demand": 1}}),
                              commodity="lithium")
    shares = res.to_dict()["years"][0]["shares"]["mine"]
    assert sum(shares.values()) == pytest.approx(1.0)


def test_hhi_of_total():
    assert hhi_of_total(pd.Series([50.0, 30.0]), 100.0) == pytest.approx(0.25 + 0.09)
    assert math.isnan(hhi_of_total(pd.Series([1.0]), 0.0))


# ----------------------------------------------------------------------------- the bundled data
@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = open_warehouse(tmp_path_factory.mktemp("outlook") / "w.duckdb")
    yield w
    w.close()


def test_outlook_lithium_aps_against_the_raw_json(wh):
    res = outlook("lithium", scenario="APS", warehouse=wh)
    out = res.to_dict()
    assert out["commodity"] == "lithium" and out["scenario"] == "APS"
    assert [y["year"] for y in out["years"]] == [2024, 2030, 2035, 2040, 2045, 2050]
    y = {e["year"]: e for e in out["years"]}
    # /supply/Lithium/refining/total/2030 = 450.15462118 kt;
    # /totalDemand/Lithium/totalDemand/APS/2030 = 504.5392429258079 kt
    assert y[2030]["balance_t"]["refinery"] == pytest.approx((450.15462118 - 504.5392429258079)
                                                             * 1000)
    assert y[2030]["balance_share"]["refinery"] == pytest.approx(
        (450.15462118 - 504.5392429258079) / 504.5392429258079)
    # /supply/Lithium/refining/countries/China/2030 = 277.0744111599999 kt
    assert y[2030]["china_share"]["refinery"] == pytest.approx(277.0744111599999 / 450.15462118)
    # /supply/Lithium/mining/countries/China/2024 = 56.857756170999984; total 255.4479525024
    assert y[2024]["china_share"]["mine"] == pytest.approx(56.857756170999984 / 255.4479525024)
    # IEA's own top3Share (/supply/Lithium/refining/top3Share/2024 = 0.9607514469712212)
    assert y[2024]["top3_share"]["refinery"] == pytest.approx(0.9607514469712212, rel=1e-9)
    # base-year demand /totalDemand/Lithium/totalDemand/2024 = 205.0 kt
    assert y[2024]["demand_t"] == pytest.approx(205_000)
    assert y[2050]["demand_t"] == pytest.approx(1539.845403803095 * 1000)
    assert y[2050]["balance_t"]["mine"] is None
    assert out["sources"][0]["edition"] == "IEA-CMDE-2025"
    assert out["basis"]["refinery"] == "lithium content (Li)"


def test_outlook_rare_earths_aps_against_the_raw_json(wh):
    y = {e["year"]: e for e in outlook("rare-earths", scenario="APS", warehouse=wh)
         .to_dict()["years"]}
    # /supply/Rare Earth Elements/mining/countries/China/2024 = 45.78735 of 75.09879032554382 kt
    assert y[2024]["china_share"]["mine"] == pytest.approx(45.78735 / 75.09879032554382)
    # /supply/Rare Earth Elements/refining/total/2030 = 106.68198331763352 kt;
    # /totalDemand/Rare Earth Elements/totalDemand/APS/2030 = 131.56873707265757 kt
    assert y[2030]["balance_t"]["refinery"] == pytest.approx(
        (106.68198331763352 - 131.56873707265757) * 1000)
    assert y[2030]["supply_t"]["refinery"]["CHN"] == pytest.approx(81.12665123569371 * 1000)


def test_demand_sectors_in_iea_order_whatever_the_stored_order(wh):
    """Sectors come in the order of IEA's file (``row``), not in the order the warehouse happened to
    store the rows (which differs from one build to another)."""
    from critmin.outlook.balance import demand_table

    rows = wh.table("outlook_demand", commodity="rare-earths", series="total_demand")
    want = demand_table(rows.sort_values(["file", "row"]), "STEPS")
    for seed in (1, 2, 3):
        got = demand_table(rows.sample(frac=1.0, random_state=seed), "STEPS")
        pd.testing.assert_frame_equal(got, want)
    base = want[want["year"] == 2024]["sector"].tolist()
    # /totalDemand/Rare Earth Elements: Wind, Electric vehicles, then the totals
    assert base == ["Wind", "Electric vehicles", "Clean technologies (total)", "Other uses", "Total demand"]


def test_outlook_is_the_same_whatever_the_stored_order(wh, monkeypatch):
    """Every figure of an outlook, to the last bit, whatever order the warehouse stored IEA's rows in
    (sums follow IEA's file)."""
    from critmin.warehouse import Warehouse

    coms = ("rare-earths", "graphite", "cobalt", "lithium")
    parts = ("supply", "stages", "demand", "balance")
    want = {c: outlook(c, scenario="STEPS", warehouse=wh) for c in coms}
    orig = Warehouse.table

    def shuffled(self, name, **kw):
        df = orig(self, name, **kw)
        return df.iloc[::-1] if name.startswith("outlook_") else df  # the stored order reversed

    monkeypatch.setattr(Warehouse, "table", shuffled)
    fresh = Warehouse(":memory:")  # nothing memoised
    try:
        fresh.build_from_bundle()
        for c, res in want.items():
            got = outlook(c, scenario="STEPS", warehouse=fresh)
            for part in parts:
                pd.testing.assert_frame_equal(getattr(got, part), getattr(res, part), check_exact=True)
            assert got.notes == res.notes
    finally:
        fresh.close()


def test_outlook_errors(wh):
    with pytest.raises(DataError, match="not in the IEA"):
        outlook("gallium", warehouse=wh)
    with pytest.raises(DataError, match="unknown IEA scenario"):
        outlook("lithium", scenario="B2DS", warehouse=wh)


def test_outlook_baseline_2030_aps(wh):
    b = outlook_baseline("rare-earths", year=2030, demand_scenario="APS", warehouse=wh)
    # /supply/Rare Earth Elements/refining/countries/China/2030 = 81.12665123569371 kt
    assert b.capacity_t_per_year("refinery")["CHN"] == pytest.approx(81_126.65123569371)
    # /totalDemand/Rare Earth Elements/totalDemand/APS/2030 = 131.56873707265757 kt
    assert b.demand_t == pytest.approx(131_568.73707265757)
    assert b.basis["refinery"].startswith("magnet rare earth elements")
    assert b.growth("mine") == pytest.approx(100.30252254255056 / 75.09879032554382)
    with pytest.raises(DataError, match="no 2031"):
        outlook_baseline("rare-earths", year=2031, warehouse=wh)


def test_stage_aware_supply(wh):
    res = supply("rare-earths", stage="refinery", year=2024, source="auto", stages=True,
                 warehouse=wh)
    assert res.source == "iea" and res.edition == "IEA-CMDE-2025"
    assert res.basis == "magnet rare earth elements (Nd, Pr, Dy, Tb)"
    t = res.table.set_index("country")
    # /supply/Rare Earth Elements/refining: China 73.75667016860831 of 80.80512702814008 kt
    assert t.loc["CHN", "share"] == pytest.approx(73.75667016860831 / 80.80512702814008)
    assert res.world_total == pytest.approx(80_805.12702814008)
    q = {"CHN": 73.75667016860831, "MYS": 3.62523562207358, "USA": 0.96135, "AUS": 0.0}
    assert res.hhi == pytest.approx(sum((v / 80.80512702814008) ** 2 for v in q.values()))
    assert res.hhi_wgi == res.hhi_wgi and res.wgi_year == 2023  # WGI up to 2023
    stages = {(e["stage"], e["source"]): e for e in res.stages}
    assert set(stages) == {("mine", "usgs-mcs"), ("mine", "iea"), ("refinery", "iea")}
    # USGS mine 2024 from MCS 2026: China 270,000 t of 380,000 t (REO); IEA: 45.79 of 75.10 kt
    assert stages[("mine", "usgs-mcs")]["china_share"] == pytest.approx(270_000 / 380_000)
    assert stages[("mine", "usgs-mcs")]["basis"] == "REO"
    assert stages[("mine", "iea")]["china_share"] == pytest.approx(45.78735 / 75.09879032554382)
    assert stages[("refinery", "iea")]["hhi"] == pytest.approx(res.hhi)
    # USGS stays the default where it has the stage; --source iea chooses IEA
    assert supply("copper", stage="refinery", year=2024, source="auto",
                  warehouse=wh).source == "usgs-mcs"
    cu = supply("copper", stage="refinery", year=2024, source="iea", warehouse=wh)
    assert cu.source == "iea" and cu.basis == "refined copper"
    li = supply("lithium", source="iea", warehouse=wh)  # the default stage and IEA's base year
    assert (li.stage, li.year, li.source) == ("mine", 2024, "iea")
    # /supply/Lithium/mining/countries/Australia/2024 = 89.969451315 kt
    assert li.table.set_index("country").loc["AUS", "quantity"] == pytest.approx(89_969.451315)
    with pytest.raises(DataError, match="no 'refinery' production"):
        supply("rare-earths", stage="refinery", warehouse=wh)  # the Python default stays USGS
    with pytest.raises(DataError, match="2024, 2030, 2035, 2040 only"):
        supply("lithium", stage="refinery", year=2031, source="iea", warehouse=wh)
    with pytest.raises(DataError, match="not in the IEA"):
        supply("gallium", stage="refinery", source="iea", warehouse=wh)


# ----------------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def db(wh):
    wh.close()  # the CLI opens the file itself (the tests above are done with it)
    return str(wh.path)


def test_cli_supply_refinery_json(db):
    res = runner.invoke(app, ["--db", db, "supply", "rare-earths", "--stage", "refinery",
                              "--year", "2024", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["stage"] == "refinery" and out["source"] == "iea" and out["year"] == 2024
    assert out["basis"].startswith("magnet rare earth elements")
    chn = next(c for c in out["countries"] if c["country"] == "CHN")
    assert chn["share"] == pytest.approx(73.75667016860831 / 80.80512702814008)
    mine = next(e for e in out["stages"] if e["stage"] == "mine" and e["source"] == "usgs-mcs")
    assert mine["china_share"] == pytest.approx(270_000 / 380_000)
    res = runner.invoke(app, ["--db", db, "supply", "rare-earths", "--stage", "refinery",
                              "--source", "usgs"])
    assert res.exit_code == 2 and "no 'refinery' production" in res.output


def test_cli_outlook_json_csv_table(db):
    res = runner.invoke(app, ["--db", db, "outlook", "lithium", "--scenario", "APS", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) >= {"commodity", "scenario", "years", "sources"}
    assert out["years"][1]["year"] == 2030
    res = runner.invoke(app, ["--db", db, "outlook", "rare-earths", "--csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].startswith("commodity,scenario,year,kind,stage,country")
    res = runner.invoke(app, ["--db", db, "outlook", "cobalt"])
    assert res.exit_code == 0 and "IEA outlook" in res.stdout
    res = runner.invoke(app, ["--db", db, "outlook", "cobalt", "--scenario", "XYZ"])
    assert res.exit_code == 2 and "unknown IEA scenario" in res.output
