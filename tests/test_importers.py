"""Japan, Korea, Germany and the EU as importers (issue 15): the EU bloc's arithmetic on hand-built
tables, the mirror view and its gap, GeoPolRisk of Japan from the raw rows, apparent consumption from
imports, and the stockpile planner's use of it (with the starting stock it assumes).

Bundled-data figures are recomputed here from the raw CSV files with the csv module.
"""

from __future__ import annotations

import csv
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.countries import bloc_members
from critmin.dependence import importer_dependence
from critmin.dependence.bloc import missing_share
from critmin.dependence.consumption import importer_consumption, trade_apparent_consumption
from critmin.dependence.importer import bloc_rows
from critmin.dependence.mirror import export_controls, mirror_compare, mirror_months, mirror_trade
from critmin.errors import DataError
from critmin.schema import TABLES
from critmin.warehouse import Warehouse, open_warehouse

BILATERAL = ("trade/un_comtrade_bilateral_imports_2023/"
             "bilateral_edges_2023_imports_2504_2805_2846_7502_8105.csv")
DEEP_DIVE = "trade/china_exports_monthly_comtrade_derived/deep_dive_hs6_monthly.csv"
runner = CliRunner()


def _rows(records, **base):
    b = {"flow": "import", "freq": "A", "hs_code": "2846", "period": "2023-01-01",
         "partner_kind": "country", "missing": None, "notes": None}
    b.update(base)
    return pd.DataFrame([{**b, **r} for r in records])


def _table(df: pd.DataFrame, source: str, edition: str, day: str = "2026-12-06") -> pd.DataFrame:
    cols = [f.name for f in TABLES["trade"]]
    df = df.assign(partner_raw=df["partner"], value_basis="primary", source=source, edition=edition,
                   edition_date=day, file=f"{edition}.csv", row=range(2, len(df) + 2))
    return df[cols]


# ----------------------------------------------------------------------------- EU bloc, by hand
_EU = _rows([
    {"reporter": "DEU", "partner": "CHN", "quantity_kg": 60.0, "value_usd": 600.0},
    {"reporter": "DEU", "partner": "NOR", "quantity_kg": 10.0, "value_usd": 400.0},
    {"reporter": "DEU", "partner": "FRA", "quantity_kg": 30.0, "value_usd": 300.0},   # intra-EU
    {"reporter": "DEU", "partner": "NLD", "quantity_kg": 4.0, "value_usd": 40.0,      # intra-EU hub
     "notes": "partner_is_hub"},
    {"reporter": "ITA", "partner": "CHN", "quantity_kg": 20.0, "value_usd": 100.0},
    {"reporter": "ITA", "partner": "NOR", "quantity_kg": 10.0, "value_usd": 100.0},
    {"reporter": "ITA", "partner": "DEU", "quantity_kg": 5.0, "value_usd": 50.0},     # intra-EU
    {"reporter": "ITA", "partner": "CT:490", "partner_kind": "aggregate", "quantity_kg": 5.0,
     "value_usd": 5.0},
    {"reporter": "ITA", "partner": "USA", "quantity_kg": float("nan"), "value_usd": 7.0,
     "missing": "not_reported"},
])
# members' total imports of HS 2846 (all partners, intra-EU included) in another dataset, 2022
_TOTALS = _rows([{"reporter": c, "partner": "WLD", "partner_kind": "aggregate",
                  "quantity_kg": float("nan"), "value_usd": v, "missing": "not_reported"}
                 for c, v in (("DEU", 500.0), ("ITA", 300.0), ("FRA", 200.0))],
                period="2022-01-01", flow="import")


def test_bloc_rows_sum_members_and_keep_intra_apart():
    extra, intra = bloc_rows(_EU, ["DEU", "ITA", "FRA", "NLD"], "EU")
    e = extra.set_index("partner")
    assert set(e.index) == {"CHN", "NOR", "CT:490", "USA"}
    assert (e.loc["CHN", "quantity_kg"], e.loc["CHN", "value_usd"]) == (80.0, 700.0)
    assert (e.loc["NOR", "quantity_kg"], e.loc["NOR", "n_members"]) == (20.0, 2)
    assert math.isnan(e.loc["USA", "quantity_kg"]) and e.loc["USA", "missing"] == "not_reported:ITA"
    assert set(extra["reporter"]) == {"EU"}
    assert sorted(intra["partner"]) == ["DEU", "FRA", "NLD"] and intra["quantity_kg"].sum() == 39.0
    # a World row of the bloc is the members' World rows less their intra-bloc rows
    world = _rows([{"reporter": "DEU", "partner": "WLD", "partner_kind": "aggregate",
                    "quantity_kg": 104.0, "value_usd": 1.0},
                   {"reporter": "ITA", "partner": "WLD", "partner_kind": "aggregate",
                    "quantity_kg": 40.0, "value_usd": 1.0}])
    ext, _ = bloc_rows(pd.concat([_EU, world]), ["DEU", "ITA", "FRA", "NLD"])
    assert ext.set_index("partner").loc["WLD", "quantity_kg"] == 104.0 + 40.0 - 39.0


def test_missing_share_known_answers():
    assert missing_share({"DEU": 60.0, "FRA": 30.0, "ITA": 10.0}, ["DEU", "FRA", "ITA", "MLT"],
                         ["FRA", "MLT"]) == (0.3, {"FRA": 0.3}, 3)
    assert missing_share({"DEU": 60.0}, ["DEU", "FRA"], ["FRA"]) is None     # unknown
    assert missing_share({"DEU": 60.0, "FRA": float("nan")}, ["DEU", "FRA"], ["FRA"]) is None


@pytest.fixture()
def eu_wh():
    w = Warehouse(":memory:")
    w.ingest_tables({"trade": _table(_EU, "comtrade-bilateral", "COMTRADE-BILATERAL-2023")},
                    file="COMTRADE-BILATERAL-2023.csv")
    w.ingest_tables({"trade": _table(_TOTALS, "oec", "OEC-TEST")}, file="OEC-TEST.csv")
    yield w
    w.close()


def test_eu_bloc_on_a_hand_built_table(eu_wh):
    res = importer_dependence("rare-earths", "EU", year=2023, warehouse=eu_wh)
    assert (res.importer, res.bloc, res.source) == ("EU", "EU", "comtrade-bilateral")
    assert res.members_present == ["DEU", "ITA"]
    sh = res.table.set_index("partner")
    assert sh.loc["CHN", "share"] == pytest.approx(0.8) and sh.loc["NOR", "share"] == pytest.approx(0.2)
    assert res.hhi == pytest.approx(0.8**2 + 0.2**2)
    # the World total: every extra-EU partner row (the source has no World row), USA's missing weight out
    assert res.world_total == 105.0 and res.world_total_basis == "members' extra-bloc partner rows"
    assert sh.loc["CHN", "share_of_world"] == pytest.approx(80 / 105)
    assert res.other_sum == 5.0 and res.suppliers_share_of_world == pytest.approx(100 / 105)
    assert sh.loc["CHN", "share_by_value"] == pytest.approx(700 / 1207)
    assert sh.loc["CHN", "share_of_world_by_value"] == pytest.approx(700 / 1212)
    assert res.intra_bloc_sum == 39.0
    # missing members: 25 of 27; their share from the members' totals in the other dataset
    assert len(res.members_missing) == 25 and len(bloc_members("EU")) == 27
    assert res.missing_members_share == pytest.approx(200 / 1000)
    by = {m["member"]: m for m in res.members_missing}
    assert by["FRA"]["share"] == pytest.approx(0.2) and by["MLT"]["share"] is None
    assert "unknown" in by["MLT"]["method"] and "OEC-TEST" in res.missing_members_method
    d = json.loads(json.dumps(res.to_dict()))
    assert d["bloc"]["missing_members_share"] == pytest.approx(0.2)
    assert d["bloc"]["members_present"] == ["DEU", "ITA"]
    assert any("members missing from the data" in c and "FRA" in c for c in d["caveats"])
    by_value = importer_dependence("rare-earths", "EU", year=2023, by="value_usd", warehouse=eu_wh)
    assert by_value.top_share == pytest.approx(700 / 1207) and by_value.intra_bloc_sum == 390.0


def test_eu_missing_share_from_mirror_or_unknown():
    imports = _rows([{"reporter": "DEU", "partner": "CHN", "quantity_kg": 100.0, "value_usd": 1.0},
                     {"reporter": "DEU", "partner": "MOZ", "quantity_kg": 50.0, "value_usd": 1.0}],
                    hs_code="2504")
    # China-reported monthly exports of 250410 to members: DEU 100, FRA 60, HUN 40 kg in 2023
    mirror = _rows([{"reporter": "CHN", "partner": p, "quantity_kg": q, "value_usd": 1.0}
                    for p, q in (("DEU", 100.0), ("FRA", 60.0), ("HUN", 40.0))],
                   flow="export", freq="M", hs_code="250410", period="2023-05-01")
    with Warehouse(":memory:") as w:
        w.ingest_tables({"trade": _table(imports, "comtrade-bilateral", "B")}, file="B.csv")
        w.ingest_tables({"trade": _table(mirror, "comtrade-monthly-derived", "M")}, file="M.csv")
        res = importer_dependence("graphite", "EU", warehouse=w)
        assert res.missing_members_share == pytest.approx(100 / 200)
        assert res.missing_members_method.startswith("mirror: China-reported exports of HS 250410")
        co = _rows([{"reporter": "DEU", "partner": "CAN", "quantity_kg": 5.0, "value_usd": 1.0}],
                   hs_code="8105")
        w.ingest_tables({"trade": _table(co, "comtrade-bilateral", "C")}, file="C.csv")
        res = importer_dependence("cobalt", "EU", warehouse=w)
        assert res.missing_members_share is None and res.missing_members_method.startswith("unknown")
        assert res.to_dict()["bloc"]["missing_members_share_known"] is False


def test_errors_for_importers(eu_wh):
    with pytest.raises(DataError, match="France is absent as a reporter"):
        w = eu_wh
        extra = _rows([{"reporter": "JPN", "partner": "FRA", "quantity_kg": 1.0, "value_usd": 1.0}])
        w.ingest_tables({"trade": _table(extra, "comtrade-bilateral", "J")}, file="J.csv")
        importer_dependence("rare-earths", "FRA", warehouse=w)
    with pytest.raises(DataError, match="unknown importer"):
        importer_dependence("rare-earths", "Atlantis", warehouse=eu_wh)


# ----------------------------------------------------------------------------- mirror, by hand
def test_mirror_compare_and_months_by_hand():
    imp = pd.DataFrame({"hs_code": ["250410"], "period": ["2023-01-01"], "quantity_kg": [1300.0],
                        "value_usd": [2600.0]})
    months = [f"2023-{m:02d}-01" for m in range(1, 13)]
    exp = pd.DataFrame({"hs_code": "250410", "period": ["2022-12-01", *months],
                        "quantity_kg": [50.0] + [100.0] * 12, "value_usd": [100.0] + [180.0] * 12})
    r = mirror_compare(imp, exp, 2023, children={"250410": []}).iloc[0]
    assert (r["coverage"], r["months"]) == ("full", 12)
    assert r["exporter_quantity_kg"] == 1200.0 and r["gap_kg"] == 100.0
    assert r["gap_share"] == pytest.approx(100 / 1200)
    assert r["cif_fob_ratio"] == pytest.approx((2600 / 1300) / (2160 / 1200))  # 2.0 / 1.8
    ev = pd.DataFrame([{"hs_codes": "250410+380110", "announced": "2023-10-20",
                        "effective": "2023-12-01"}])
    m = mirror_months(exp, first="2023-01", last="2023-12", events=ev).set_index("month")
    assert m.loc["2023-09", "phase"] == "" and m.loc["2023-10", "phase"] == "announced"
    assert m.loc["2023-12", "phase"] == "in force"
    assert m.loc["2023-12", "yoy_change"] == pytest.approx(100 / 50 - 1)
    assert math.isnan(m.loc["2023-01", "yoy_change"])
    assert m.loc["2023-05", "unit_value_usd_per_kg"] == pytest.approx(1.8)
    # the catalogue of known events (critmin/data/export_controls.csv): for shipments to Japan only the
    # 2023 licences applied (the 2024 ban was on the USA; the October 2025 anode controls were suspended
    # before they took effect)
    assert export_controls("CHN", "graphite", importer="JPN")["effective"].tolist() == ["2023-12-01"]
    assert export_controls("CHN", "graphite", importer="USA")["effective"].tolist() == [
        "2023-12-01", "2024-12-03"]


# ----------------------------------------------------------------------------- bundled data
@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("importers") / "w.duckdb"
    open_warehouse(path).close()
    return path


@pytest.fixture(scope="module")
def wh(db):
    w = open_warehouse(db)
    yield w
    w.close()


@pytest.fixture(scope="module")
def raw(shared_data):
    with open(shared_data / BILATERAL, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_japan_graphite_mirror_shows_the_2023_controls(wh, raw, shared_data):
    res = mirror_trade("graphite", "JPN", exporter="CHN", year=2023, warehouse=wh)
    with open(shared_data / DEEP_DIVE, encoding="utf-8", newline="") as fh:
        dd = [r for r in csv.DictReader(fh) if r["partner_name"] == "Japan" and r["hs6"] == "250410"]
    q = {r["period_dt"][:7]: float(r["qty"]) for r in dd}
    china_2023 = sum(v for k, v in q.items() if k.startswith("2023"))
    # bilateral_edges_2023_...csv line 261: Japan's HS 2504 imports from China, 46,964,000 kg
    jp = next(r for r in raw if (r["reporter"], r["partner"], r["commodity"]) == ("392", "156", "2504"))
    assert float(jp["net_kg"]) == 46964000.0
    c = res.comparison.iloc[0]
    assert (c["importer_line"], c["exporter_lines"], c["coverage"]) == ("2504", "250410", "partial")
    assert c["missing_lines"] == "250490" and c["months"] == 12
    assert c["exporter_quantity_kg"] == pytest.approx(china_2023)
    assert c["gap_kg"] == pytest.approx(46964000.0 - china_2023)
    m = res.months[res.months["hs_code"] == "250410"].set_index("month")
    # deep_dive_hs6_monthly.csv line 5466: Nov 2023 8,517,234 kg (front-running); line 5541: Dec 2023
    # 20,003 kg, once the licensing was in force
    assert m.loc["2023-11", "quantity_kg"] == 8517234.0 and m.loc["2023-11", "phase"] == "announced"
    assert m.loc["2023-12", "quantity_kg"] == 20003.0 and m.loc["2023-12", "phase"] == "in force"
    assert m.loc["2023-12", "yoy_change"] == pytest.approx(20003.0 / q["2022-12"] - 1)
    assert m.index.max() == "2024-12"                         # the year after, where the data reach
    assert any(s.startswith("timing:") for s in res.gap_reasons)
    assert any("Hong Kong" in s for s in res.gap_reasons)
    assert any(s.startswith("CIF/FOB") for s in res.gap_reasons)


def test_cli_dependence_japan_with_mirror(db, wh):
    res = runner.invoke(app, ["--db", str(db), "dependence", "graphite", "--importer", "JPN",
                              "--basis", "value", "--mirror", "CHN", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["by"] == "value_usd" and d["mirror"]["exporter"] == "CHN"
    assert d["mirror"]["comparison"][0]["importer_line"] == "2504"


def test_japan_rare_earths_dependence(wh, raw):
    res = importer_dependence("rare-earths", "JPN", year=2023, warehouse=wh)
    jp = [r for r in raw if r["reporter"] == "392" and r["commodity"] == "2846"]
    countries = [r for r in jp if r["partner"] != "490"]           # Other Asia, nes: an aggregate
    kg = {r["partner"]: float(r["net_kg"]) for r in countries}
    sh = res.table.set_index("partner")
    assert res.source == "comtrade-bilateral" and res.hs_codes == ["2846"]
    assert res.world_total == pytest.approx(sum(float(r["net_kg"]) for r in jp))
    assert sh.loc["CHN", "share_of_world_by_quantity"] == pytest.approx(0.6387, abs=1e-4)
    assert sh.loc["CHN", "share_of_world_by_value"] == pytest.approx(0.7212, abs=1e-4)
    assert sh.loc["CHN", "share"] == pytest.approx(kg["156"] / sum(kg.values()))
    assert res.hhi == pytest.approx(sum((v / sum(kg.values())) ** 2 for v in kg.values()))
    assert list(res.table["partner"][:3]) == ["CHN", "FRA", "EST"]


def test_geopolrisk_japan_factors(wh, raw):
    from critmin.criticality import criticality
    from critmin.governance import geopolrisk_g
    from critmin.supply import supply

    res = criticality(method="geopolrisk", importer="JPN", year=2023, warehouse=wh)
    m = {x.material: x for x in res.materials}["rare-earths"]
    f = m.factors
    jp = [r for r in raw if r["reporter"] == "392" and r["commodity"] == "2846"]
    f_t = {r["partner"]: float(r["net_kg"]) / 1000 for r in jp if r["partner"] != "490"}
    big_f = sum(float(r["net_kg"]) for r in jp) / 1000
    assert (f["trade_year"], f["wgi_year"], f["hs_codes"]) == (2023, 2023, "2846")
    assert f["trade_source"] == "comtrade-bilateral COMTRADE-BILATERAL-2023"
    assert f["total_imports_t"] == pytest.approx(big_f) and f["imports_t"] == pytest.approx(
        sum(f_t.values()))
    assert f["domestic_production_t"] == 0.0          # USGS lists no Japanese rare-earth mine output
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sup = supply("rare-earths", year=2023, warehouse=wh)  # every factor of the same year (issue 13)
    assert f["hhi"] == pytest.approx(sup.hhi) and f["production_year"] == sup.year == 2023
    gov = wh.table("governance", latest=True, year=2023, indicator="pv").set_index("country")
    g = geopolrisk_g(gov["estimate"].astype(float))
    iso = {"156": "CHN", "251": "FRA", "233": "EST", "704": "VNM", "40": "AUT", "842": "USA",
           "380": "ITA", "608": "PHL", "699": "IND", "276": "DEU", "410": "KOR", "643": "RUS",
           "51": "ARM", "826": "GBR", "203": "CZE"}
    weighted = sum(g[iso[p]] * q for p, q in f_t.items())
    assert f["weighted_imports_t"] == pytest.approx(weighted)
    assert m.supply_risk == pytest.approx(sup.hhi * weighted / big_f)
    for imp in ("KOR", "DEU", "EU"):
        r = {x.material: x for x in criticality(method="geopolrisk", importer=imp, year=2023,
                                                warehouse=wh).materials}
        assert {"rare-earths", "graphite", "cobalt", "nickel"} <= set(r), imp
        assert r["graphite"].factors["trade_year"] == 2023


def test_apparent_consumption_japan_graphite(wh, raw):
    assert trade_apparent_consumption(100.0, 20.0, 0.0, 0.5) == (40.0, 1.0)
    c, nir = trade_apparent_consumption(100.0, 20.0, 40.0)
    assert (c, nir) == (120.0, pytest.approx(80 / 120))
    ic = importer_consumption("graphite", "JPN", warehouse=wh)
    imports = sum(float(r["net_kg"]) for r in raw if r["reporter"] == "392"
                  and r["commodity"] == "2504") / 1000
    exports = sum(float(r["net_kg"]) for r in raw if r["partner"] == "392"
                  and r["commodity"] == "2504") / 1000
    assert ic.imports_t == pytest.approx(imports) and ic.exports_t == pytest.approx(exports)
    assert (ic.factor, ic.complete, ic.production_t, ic.nir) == (1.0, True, 0.0, 1.0)
    assert ic.consumption_t == pytest.approx(imports - exports)
    re_ = importer_consumption("rare-earths", "JPN", warehouse=wh)
    # REO per tonne of HS 2846: USGS 'Imports: Compounds' 2023 (8,970 t REO) / U.S. HS 2846 imports
    us_2846_t = sum(float(r["net_kg"]) for r in raw if r["reporter"] == "842"
                    and r["commodity"] == "2846") / 1000
    # MCS2026_Commodities_Data.csv row 6005: U.S. 'Imports: Compounds' 2023, 8,970 t REO equivalent
    assert re_.factor == pytest.approx(8970 / us_2846_t) and "row 6005" in re_.factor_source
    assert not re_.complete and "lower bound" in re_.text
    co = importer_consumption("cobalt", "JPN", warehouse=wh)
    assert co.factor is None and co.consumption_t is None and not co.complete


def test_stockpile_plan_japan_uses_imports_where_they_convert(wh):
    from critmin.stockpile import PlanningParams, plan

    res = plan("JPN", ["graphite", "rare-earths"], runs=256, seed=1, warehouse=wh)
    ic = importer_consumption("graphite", "JPN", warehouse=wh)
    g, r = res.material("graphite"), res.material("rare-earths")
    assert g.consumption_kind == "data" and not g.consumption_estimate
    assert g.consumption_t_per_year == pytest.approx(ic.consumption_t)
    # the scenario's estimate: 0.04 of the baseline's world supply (MCS 2026, 2025e countries' sum)
    assert g.consumption_scenario_t_per_year == pytest.approx(0.04 * g.consumption_scenario_t_per_year
                                                              / 0.04)
    assert g.consumption_scenario_t_per_year > g.consumption_t_per_year
    assert r.consumption_kind == "estimate" and r.consumption_from_imports["complete"] is False
    for m in (g, r):  # the 60-day JOGMEC target of the scenario files, assumed met
        assert m.starting_stock_t == pytest.approx(60 * m.consumption_t_per_year / 365)
        d = m.to_dict()
        assert d["to_buy_t"] == pytest.approx(max(m.planned_t - m.starting_stock_t, 0.0))
        assert d["starting_stock_days"] == pytest.approx(60.0)
        assert "assumed met" in d["starting_stock_source"]
    names = {a["name"]: a for a in res.to_dict()["assumptions"]}
    assert names["graphite.consumption.JPN.from_imports"]["kind"] == "data (used)"
    assert names["graphite.consumption.JPN.scenario_estimate"]["kind"] == "estimate (not used)"
    assert names["rare-earths.consumption.JPN.from_imports"]["kind"] == "data (shown, not used)"
    assert names["graphite.starting_stock.JPN"]["kind"] == "assumption"
    scen = plan("JPN", ["graphite"], runs=256, seed=1, warehouse=wh,
                params=PlanningParams(consumption_from="scenario", starting_stock_days=0))
    assert scen.material("graphite").consumption_kind == "estimate"
    assert scen.material("graphite").starting_stock_t == 0.0
    assert np.isfinite(res.to_dict()["materials"][0]["to_buy_usd"])
