"""Criticality results that hold on real data (issue 13): EU 2023 economic importance with end uses
that have no NACE sector, EU-sourcing tables that cannot stand for EU sourcing, calls made only when
they hold over what is not known; GeoPolRisk years, midpoint and characterisation factor, and the
``missing_g`` assumption; the ``--assessment 2020`` answer.

Hand-checked numbers: Appendix 6 shares and value added, SI_EI from the 2023 inputs, the largest
sector value added (NACE C28, 204,200 M EUR); GeoPolRisk on small synthetic inputs and on the
bundled trade data.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.criticality import (
    CU_MIDPOINT_OECD_2017_2021,
    criticality,
    eu_economic_importance_range,
    eu_is_critical_range,
    geopolrisk_cf,
    geopolrisk_midpoint,
    load_parameters,
)
from critmin.criticality._eu_crm import _eu_table_problem
from critmin.criticality.eu import eu_is_critical, eu_supply_risk
from critmin.criticality.geopolrisk import assess_geopolrisk, geopolrisk
from critmin.errors import DataError
from critmin.warehouse import open_warehouse

QMAX = 204200.0  # NACE C28, the largest sector value added in Appendix 6 [MEUR]


# ============================================================================ pure functions
def test_ei_range_hand_checked_lutetium_shape():
    # Lutetium 2023: Lighting 1 % in C27 (89,422 M EUR), Other 99 % without a sector, SI_EI 1.0
    lo, hi = eu_economic_importance_range({"C27": 0.01}, 0.99, {"C27": 89422.0, "C28": QMAX}, 1.0)
    assert lo == pytest.approx(10 * 0.01 * 89422 / QMAX)  # 0.0438
    assert hi == pytest.approx(lo + 10 * 0.99 * 1.0)  # all of "Other" in C28
    # nothing unplaced: a point; nothing placed: from 0
    lo2, hi2 = eu_economic_importance_range({"C27": 1.0}, 0.0, {"C27": 89422.0, "C28": QMAX}, 0.5)
    assert lo2 == hi2 == pytest.approx(10 * 89422 / QMAX * 0.5)
    assert eu_economic_importance_range({}, 1.0, {"C28": QMAX}, 0.9) == pytest.approx((0.0, 9.0))
    assert all(math.isnan(x) for x in eu_economic_importance_range({"C27": 1.0}, 0, {}, np.nan))


@pytest.mark.parametrize("sr_lo,sr_hi,ei_lo,ei_hi,call", [
    (2.0, 2.0, 3.0, 3.0, True),
    (2.0, 2.0, 2.4, 5.0, None),       # erbium: the unplaced 26 % decides
    (0.6, 0.6, 2.6, 3.5, False),      # indium: SR decides whatever the EI
    (0.6, np.nan, 7.2, 7.2, None),    # chromium: a stage not known, the known one below 1
    (1.9, np.nan, 7.2, 7.2, True),    # lanthanum: the known stage is already above 1
    (np.nan, np.nan, np.nan, np.nan, None),
    (0.5, 0.5, np.nan, np.nan, False),
    (0.96, 0.96, 3.0, 3.0, True),     # 0.96 rounds to 1.0
    (1.0, 1.0, 2.74, 2.74, False),    # 2.74 rounds to 2.7
])
def test_call_over_ranges(sr_lo, sr_hi, ei_lo, ei_hi, call):
    assert eu_is_critical_range(sr_lo, sr_hi, ei_lo, ei_hi) is call


@pytest.mark.parametrize("sr", [0.3, 0.95, 1.0, 4.0, np.nan])
@pytest.mark.parametrize("ei", [1.0, 2.75, 2.8, 6.0, np.nan])
def test_call_over_a_point_is_the_eu_call(sr, ei):
    assert eu_is_critical_range(sr, sr, ei, ei) is eu_is_critical(sr, ei)


def test_eu_table_problem_copy_incomplete_and_genuine():
    gs = pd.Series({"CHN": 0.831, "RUS": 0.05, "BEL": 0.045, "DEU": 0.027, "USA": 0.02, "JPN": 0.018,
                    "UKR": 0.009})
    copy = pd.Series({"CHN": 0.83, "RUS": 0.05, "BEL": 0.04, "DEU": 0.03, "USA": 0.02, "JPN": 0.02})
    assert "copies the global-supply shares" in _eu_table_problem(gs, copy)
    genuine = pd.Series({"BEL": 0.35, "DEU": 0.23, "CHN": 0.17, "RUS": 0.05, "USA": 0.02})
    assert _eu_table_problem(gs, genuine) == ""
    elsewhere = copy.rename({"CHN": "CAN"})  # the 83 % from a country not in global supply
    assert _eu_table_problem(gs, elsewhere) == ""
    near = copy.copy()
    near["RUS"] = 0.06  # one share a point off: not a copy to the rounding
    assert _eu_table_problem(gs, near) == ""
    assert "incomplete" in _eu_table_problem(gs, pd.Series({"ZAF": 0.07, "TUR": 0.02}))
    assert _eu_table_problem(gs, pd.Series(dtype=float)) == ""


def test_geopolrisk_missing_g_hand_checked():
    # HHI 0.5; CHN 60 t (g 0.6), TWN 40 t (no WGI); F = 100 t, no production
    without = geopolrisk(0.5, {"CHN": 60.0, "TWN": 40.0}, {"CHN": 0.6}, 0.0)
    assert without.score == pytest.approx(0.5 * 36 / 100)  # 0.18, TWN unscored
    assert without.unscored == ["TWN"] and without.assumed == []
    with_g = geopolrisk(0.5, {"CHN": 60.0, "TWN": 40.0}, {"CHN": 0.6}, 0.0, missing_g=0.5)
    assert with_g.score == pytest.approx(0.5 * (36 + 20) / 100)  # 0.28
    assert with_g.assumed == ["TWN"] and with_g.assumed_imports == 40.0
    assert with_g.unscored == [] and with_g.missing_g == 0.5
    assert with_g.partners.set_index("partner").loc["TWN", "g_assumed"]
    with pytest.raises(ValueError, match="missing_g"):
        geopolrisk(0.5, {"CHN": 60.0}, {"CHN": 0.6}, 0.0, missing_g=1.5)


def test_geopolrisk_midpoint_and_cf_hand_checked():
    # score 0.22 at 200 USD/kg: midpoint 44 USD/kg
    assert geopolrisk_midpoint(0.22, 200.0) == pytest.approx(44.0)
    # same-year: copper score 0.1 at 8 USD/kg -> copper midpoint 0.8 -> CF 55 kg Cu-eq/kg
    assert geopolrisk_cf(0.22, 200.0, geopolrisk_midpoint(0.1, 8.0)) == pytest.approx(55.0)
    assert geopolrisk_cf(0.1, 8.0, geopolrisk_midpoint(0.1, 8.0)) == pytest.approx(1.0)
    # the OECD 2017-2021 constant of geopolrisk-py 2.x is the default reference
    assert CU_MIDPOINT_OECD_2017_2021 == 0.409412948
    assert geopolrisk_cf(0.22, 200.0) == pytest.approx(44.0 / 0.409412948)
    assert math.isnan(geopolrisk_cf(0.22, np.nan)) and math.isnan(geopolrisk_cf(0.22, 1.0, 0.0))


# ============================================================================ EU 2023 on the bundle
@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = open_warehouse(tmp_path_factory.mktemp("crit13") / "w.duckdb")
    yield w
    w.close()


@pytest.fixture(scope="module")
def eu2023(wh):
    return {m.material: m for m in criticality(method="eu", assessment=2023, warehouse=wh).materials}


@pytest.fixture(scope="module")
def eu2023_res(wh):
    return criticality(method="eu", assessment=2023, warehouse=wh)


@pytest.mark.parametrize("mat,placed,unplaced,si", [
    ("Lutetium", 0.01 * 89422, 0.99, 1.0),   # Lighting 1 % C27; Other 99 %
    ("Europium", 0.10 * 89422, 0.90, 1.0),   # Lighting 10 % C27; Other 90 %
    ("Erbium", 0.74 * 64990, 0.26, 1.0),     # Glass 74 % C23; Other 26 %
])
def test_2023_unplaced_end_uses_are_not_called(eu2023, mat, placed, unplaced, si):
    m = eu2023[mat]
    lo = 10 * placed / QMAX * si
    assert m.factors["ei_placed_only"] == pytest.approx(lo)
    assert m.factors["ei_upper"] == pytest.approx(lo + 10 * unplaced * si)
    assert m.factors["unallocated_share"] == pytest.approx(unplaced)
    assert math.isnan(m.economic_importance) and m.factors["ei_determined"] is False
    assert m.supply_risk == 5.6 and m.critical is None  # SR alone cannot make the call
    assert any(x.startswith(f"ei: {unplaced:.0%} of end uses have no NACE sector") for x in m.missing)


def test_2023_iridium_and_ruthenium_keep_their_call(eu2023):
    # Iridium: Chemical 8 % + Electrochemical 32 % in C20 (132,361), Electronics 26 % in C26 (77,000),
    # Other 34 %, SI_EI 0.94: EI = 10 * (0.40*132361 + 0.26*77000) / 204200 * 0.94 = 3.359; with
    # the 34 % in C28 at most 3.359 + 10*0.34*0.94 = 6.555: above 2.8 either way
    ir = eu2023["Iridium"]
    lo = 10 * (0.40 * 132361 + 0.26 * 77000) / QMAX * 0.94
    assert ir.factors["ei_placed_only"] == pytest.approx(lo)
    assert ir.factors["ei_upper"] == pytest.approx(lo + 10 * 0.34 * 0.94)
    assert ir.economic_importance == 3.4 and ir.critical is True and ir.missing == []
    assert any("as in the EU study they add no value added" in n for n in ir.notes)
    ru = eu2023["Ruthenium"]
    assert ru.economic_importance == 4.4 and ru.critical is True
    # beryllium: 14 % Other, published EI 5.4 = the EI of its placed uses (the EU convention)
    assert eu2023["Beryllium"].economic_importance == 5.4


def test_2023_hree_mean_no_longer_drops(eu2023):
    hree = eu2023["HREE"]
    with_ei = ["Gadolinium", "Holmium", "Terbium", "Thulium", "Ytterbium", "Yttrium"]
    mean = np.mean([eu2023[x].factors["ei_exact"] for x in with_ei])
    assert hree.factors["members_with_ei"] == 6
    assert hree.factors["ei_exact"] == pytest.approx(mean)
    assert hree.economic_importance == 3.7  # was 2.8 with lutetium at 0.0 and europium at 0.4
    assert "Dysprosium" in hree.missing[0] and "Lutetium (99% of end uses" in hree.missing[0]
    # over all ten members (dysprosium's EI unknown, three mostly unplaced) the call is open
    lo, hi = hree.factors["bounds"]["ei"]
    assert lo < 2.8 <= hi and hree.critical is None


def test_2023_copied_eu_sourcing_is_not_used(eu2023):
    ge = eu2023["Germanium"]
    p = ge.factors["P"]
    assert "copies the global-supply shares" in p["eu_sourcing_problem"]
    assert math.isnan(ge.supply_risk) and ge.critical is None
    # as given, the copy (HHI_WGI,t EU ~ GS) would give SR 3.6
    exp = eu_supply_risk(p["hhi_wgi_t_gs"], p["hhi_wgi_t_eu"], 0.42, 0.02, 0.94)
    assert p["sr_with_eu_table_as_given"] == pytest.approx(exp)
    assert round(exp, 1) == 3.6
    # LREE processing tables are copies too: lanthanum keeps its E SR, a lower bound
    la = eu2023["Lanthanum"]
    assert la.factors["sr_unknown_stages"] == ["P"] and la.factors["sr_is_lower_bound"]
    assert la.stage == "E" and la.supply_risk == 2.0 and la.critical is True
    assert eu2023["LREE"].factors["sr_is_lower_bound"] is True


def test_2023_chromium_incomplete_eu_sourcing(eu2023):
    cr = eu2023["Chromium"]
    assert "incomplete" in cr.factors["E"]["eu_sourcing_problem"]
    assert cr.stage == "P" and cr.supply_risk == 0.6 and cr.critical is None
    assert cr.factors["E"]["sr_with_eu_table_as_given"] < 0.15  # 9 % of supply


def test_2023_yttrium_gs_only_with_alternative(eu2023, wh):
    y = eu2023["Yttrium"]
    p = y.factors["P"]
    # P: GSonly, China 100 %: SR = 1.0^2 * WGI_CHN * (1 - 0.01) * 0.90
    assert p["supply_data"] == "GSonly" and p["gs_top"] == "CHN 100%"
    assert y.factors["sr_exact"] == pytest.approx(p["hhi_wgi_t_gs"] * 0.99 * 0.90)
    assert y.supply_risk == 5.0
    alt = (p["hhi_wgi_t_gs"] * 0.5 + p["hhi_wgi_t_eu"] * 0.5) * 0.99 * 0.90
    assert p["sr_gs_eu_alternative"] == pytest.approx(alt) and round(alt, 1) == 3.7
    assert any("with GS+EU and IR 100% SR would be 3.7" in n for n in y.notes)
    assert y.critical is True


def test_2023_threshold_notes_arsenic_and_silver(eu2023):
    ars = eu2023["Arsenic"]
    p = ars.factors["P"]
    assert ars.factors["sr_exact"] == pytest.approx(
        (p["hhi_wgi_t_gs"] * 0.195 + p["hhi_wgi_t_eu"] * 0.805) * 1.0 * 0.96)
    note = next(n for n in ars.notes if n.startswith("SR 1.0"))
    assert f"on global supply alone SR would be {p['hhi_wgi_t_gs'] * 0.96:.2f}" in note
    assert ars.critical is True
    ag = eu2023["Silver"]
    assert 1.0 <= ag.factors["sr_exact"] < 1.05 and ag.critical is True


def test_2023_stage_notes_titanium_neodymium(eu2023):
    ti = eu2023["Titanium"]
    assert ti.stage == "P" and ti.factors["eu_reported_stage"] == "E"
    assert any("the SR side of the call is the same at either stage" in n for n in ti.notes)
    assert ti.critical is False
    nd = eu2023["Neodymium"]  # P is a copied table: E (the EU's stage) is what is known
    assert nd.stage == "E" and nd.factors["sr_is_lower_bound"] and nd.critical is True


def test_2023_calls_differing_from_the_list(eu2023_res):
    s = eu2023_res.summary
    differ = {d["material"]: d for d in s["calls_differing_from_2023_list"]}
    assert {"Copper", "Nickel", "Silver", "HREE", "Chromium", "Germanium"} <= set(differ)
    assert all(d["reason"] for d in differ.values())
    assert differ["Silver"]["critical"] is True and differ["Silver"]["eu_list_2023"] == "no"
    assert "strategic" in differ["Copper"]["reason"]
    assert differ["HREE"]["critical"] is None and "Dysprosium" in differ["HREE"]["reason"]
    # every call made agrees with the list but copper, nickel (strategic) and silver (SR 1.04)
    made = {k for k, d in differ.items() if d["critical"] is not None}
    assert made == {"Copper", "Nickel", "Silver"}
    assert set(s["not_called"]) >= {"Lutetium", "Europium", "Erbium", "HREE", "Germanium"}


def test_default_parameters_drop_unusable_eu_sourcing():
    p = load_parameters()
    ge = p[(p["commodity"] == "germanium") & (p["parameter"] == "eu_sourcing_share")]
    assert len(ge) == 1 and ge["value"].isna().all() and ge["note"].iloc[0].startswith("not used")


def test_eu_on_warehouse_germanium_missing_eu_sourcing(wh):
    m = criticality("germanium", method="eu", warehouse=wh).materials[0]
    assert any(x.startswith("EU sourcing shares at P: not used") for x in m.missing)
    assert math.isnan(m.supply_risk) and m.critical is None


def test_assessment_2020_says_why(wh):
    with pytest.raises(DataError, match=r"2020 cannot be rerun.*not in the dataset.*Available: "
                                         r"2017, 2023"):
        criticality(method="eu", assessment=2020, warehouse=wh)
    r = CliRunner().invoke(app, ["--db", str(wh.path), "criticality", "--assessment", "2020"])
    assert r.exit_code == 2 and "2017, 2023" in r.output and "Traceback" not in r.output


# ============================================================================ GeoPolRisk on the bundle
@pytest.fixture(scope="module")
def gpr2022(wh):
    res = criticality(method="geopolrisk", importer="USA", year=2022, warehouse=wh)
    return res, {m.material: m for m in res.materials}


def test_geopolrisk_every_factor_from_the_year(gpr2022, wh):
    res, by = gpr2022
    ga = by["gallium"].factors
    assert (ga["target_year"], ga["production_year"], ga["trade_year"], ga["wgi_year"]) == \
        (2022, 2022, 2022, 2022)
    assert ga["years_differ"] is False and ga["year_gap"] == 0
    # HHI of 2022 world production, not the latest year's
    from critmin.supply import supply

    assert ga["hhi"] == pytest.approx(supply("gallium", year=2022, warehouse=wh).hhi)
    ge = by["germanium"].factors  # no 2022 germanium production by country: 2021, flagged
    assert ge["production_year"] == 2021 and ge["years_differ"] is True and ge["year_gap"] == 1
    assert any("production 2021" in n for n in by["germanium"].notes)
    for m in res.materials:
        f = m.factors
        assert abs(f["production_year"] - 2022) <= 3 and f["trade_year"] == 2022


def test_geopolrisk_price_midpoint_and_cf(gpr2022, wh):
    res, by = gpr2022
    m = by["tungsten"]
    f = m.factors
    codes = f["hs_codes"].split("+")
    q = wh.query(
        "SELECT sum(value_usd) v, sum(quantity_kg) q FROM trade WHERE reporter = 'USA' AND "
        "flow = 'import' AND freq = 'A' AND source = 'usitc' AND year(period) = 2022 AND "
        f"quantity_kg > 0 AND value_usd IS NOT NULL AND hs_code IN ({','.join('?' * len(codes))})",
        codes)
    price = float(q["v"].iloc[0]) / float(q["q"].iloc[0])
    assert f["price_usd_per_kg"] == pytest.approx(price)
    assert f["midpoint_usd_per_kg"] == pytest.approx(m.supply_risk * price)
    assert f["cf_oecd_2017_2021"] == pytest.approx(m.supply_risk * price / 0.409412948)
    # copper has no USA import quantities after 1999: no same-year reference, said so
    assert f["cf_same_year"] is None or math.isnan(f["cf_same_year"])
    assert "not available" in res.summary["cf_reference"]["2022"]
    d = res.to_dict()
    tw = next(x for x in d["materials"] if x["material"] == "tungsten")
    assert tw["factors"]["cf_oecd_2017_2021"] == pytest.approx(f["cf_oecd_2017_2021"])


def test_geopolrisk_same_year_cf_against_copper(wh):
    # 1999: the one year with U.S. copper ore quantities (USITC); production of 1999 from World Mining
    # Data (issue 19); WGI is biennial before 2002, so 1998 is the nearest year (flagged)
    res = assess_geopolrisk(wh, importer="USA", year=1999, commodities=["tungsten", "copper"])
    by = {m.material: m for m in res.materials}
    cu, w = by["copper"].factors, by["tungsten"].factors
    cu_mid = by["copper"].supply_risk * cu["price_usd_per_kg"]
    assert cu["cf_same_year"] == pytest.approx(1.0)
    assert w["cf_same_year"] == pytest.approx(by["tungsten"].supply_risk * w["price_usd_per_kg"]
                                              / cu_mid)
    assert w["cf_reference"]["same_year_copper_midpoint_usd_per_kg"] == pytest.approx(cu_mid)
    assert cu["years_differ"] is True and cu["wgi_year"] == 1998 and cu["year_gap"] == 1
    assert cu["production_year"] == 1999 and cu["trade_year"] == 1999


def test_geopolrisk_copper_latest_is_not_mixed(wh):
    # the latest U.S. copper quantities are of 1999: every factor comes from 1999 or the nearest year
    # (production 1999 from World Mining Data; WGI 1998), never from 2025 as before
    m = criticality("copper", method="geopolrisk", importer="USA", warehouse=wh).materials[0]
    f = m.factors
    assert (f["trade_year"], f["production_year"], f["wgi_year"]) == (1999, 1999, 1998)
    assert f["year_gap"] <= 1


def test_geopolrisk_year_gap_limit_refuses_far_years(wh):
    # a factor further than max_year_gap from the target year: the commodity is not scored (WGI has
    # 1998 and 2000 but no 1999)
    res = assess_geopolrisk(wh, importer="USA", year=1999, max_year_gap=0, commodities=["copper"])
    assert res.materials == []
    assert len(assess_geopolrisk(wh, importer="USA", year=1999, max_year_gap=1,
                                 commodities=["copper"]).materials) == 1


def test_geopolrisk_missing_g_effect(wh):
    base = criticality("rare-earths", method="geopolrisk", importer="CHN", year=2022,
                       warehouse=wh).materials[0]
    m = criticality("rare-earths", method="geopolrisk", importer="CHN", year=2022, missing_g=0.5,
                    warehouse=wh).materials[0]
    f = m.factors
    assert f["assumed_partners"] == ["CT:490"]  # "Other Asia, nes": Comtrade's Taiwan
    assert f["score_without_missing_g"] == pytest.approx(base.supply_risk)
    assert m.supply_risk - base.supply_risk == pytest.approx(
        f["hhi"] * 0.5 * f["assumed_imports_t"] / f["denominator_t"])
    assert any(n.startswith("assumption: CT:490") for n in m.notes)
    with pytest.raises(DataError, match="missing-g applies to method geopolrisk"):
        criticality(method="eu", missing_g=0.5, warehouse=wh)


def test_cli_geopolrisk_prints_cf_and_years(wh):
    runner = CliRunner()
    r = runner.invoke(app, ["--db", str(wh.path), "criticality", "--method", "geopolrisk",
                            "--importer", "USA", "--year", "2022", "--commodity", "tungsten"],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "CF OECD" in r.output and "WGI yr" in r.output and "cf_reference" in r.output
    r = runner.invoke(app, ["--db", str(wh.path), "criticality", "--method", "geopolrisk",
                            "--importer", "CHN", "--year", "2022", "--missing-g", "0.5", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["summary"]["missing_g"] == 0.5
    assert d["materials"][0]["factors"]["missing_g"] == 0.5
