"""Importer dependence: supplier shares, importer-side HHI, top supplier; the job and the CLI.

Synthetic cases have shares and HHI worked out by hand; the bundled-data runs are checked against
figures recomputed here from the raw files.
"""

from __future__ import annotations

import json
import math

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.dependence import importer_dependence
from critmin.dependence.importer import (
    importer_dependence_table,
    importer_hhi,
    supplier_shares,
    top_supplier,
)
from critmin.errors import DataError
from critmin.schema import TABLES
from critmin.warehouse import Warehouse


def _rows(records, *, reporter="CHN", hs_code="2846", period="2024-01-01", freq="A", flow="import"):
    base = {"reporter": reporter, "flow": flow, "freq": freq, "hs_code": hs_code, "period": period,
            "partner_kind": "country", "missing": None}
    out = []
    for r in records:
        rec = dict(base)
        rec.update(r)
        out.append(rec)
    return pd.DataFrame(out)


_SIMPLE = _rows([
    {"partner": "MMR", "quantity_kg": 50.0, "value_usd": 100.0},
    {"partner": "MYS", "quantity_kg": 30.0, "value_usd": 300.0},
    {"partner": "LAO", "quantity_kg": 20.0, "value_usd": 600.0},
    {"partner": "WLD", "partner_kind": "aggregate", "quantity_kg": 104.0, "value_usd": 1010.0},
    {"partner": "CT:490", "partner_kind": "aggregate", "quantity_kg": 3.0, "value_usd": 5.0},
    {"partner": "CHN", "quantity_kg": 1.0, "value_usd": 5.0},  # re-imports
])


def test_shares_of_the_suppliers_sum():
    sh = supplier_shares(_SIMPLE, "CHN", ["2846"])
    assert sh["partner"].tolist() == ["MMR", "MYS", "LAO"]  # no WLD, aggregate or self
    assert sh["share"].tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert sh["rank"].tolist() == [1, 2, 3]
    r = sh.iloc[0]
    assert r["partner_sum"] == 100.0 and r["world_total"] == 104.0 and r["other_sum"] == 4.0
    assert r["coverage"] == pytest.approx(1.0)  # (100 + 4) / 104
    assert r["share_of_world"] == pytest.approx(50 / 104)
    assert importer_hhi(sh).loc[2024] == pytest.approx(0.5**2 + 0.3**2 + 0.2**2)  # 0.38
    assert top_supplier(sh).iloc[0].to_dict() == {"year": 2024, "top_supplier": "MMR",
                                                  "top_share": 0.5}
    by_value = supplier_shares(_SIMPLE, "CHN", "2846", by="value_usd")
    assert by_value["partner"].tolist() == ["LAO", "MYS", "MMR"]
    assert by_value["share"].tolist() == pytest.approx([0.6, 0.3, 0.1])
    assert importer_hhi(by_value).loc[2024] == pytest.approx(0.46)


def test_hhi_and_top_on_plain_shares():
    assert importer_hhi({"A": 0.5, "B": 0.5}) == pytest.approx(0.5)
    assert importer_hhi([1.0]) == 1.0
    assert importer_hhi([30.0, 10.0]) == pytest.approx(0.75**2 + 0.25**2)  # quantities normalised
    assert math.isnan(importer_hhi([]))
    assert top_supplier({"B": 0.4, "A": 0.4, "C": 0.2}) == ("A", 0.4)  # ties: alphabetical
    assert top_supplier({}) == (None, pytest.approx(float("nan"), nan_ok=True))


def test_missing_quantity_is_not_zero():
    df = _rows([
        {"partner": "MMR", "quantity_kg": 60.0, "value_usd": 1.0},
        {"partner": "MYS", "quantity_kg": 40.0, "value_usd": 1.0},
        {"partner": "LAO", "quantity_kg": float("nan"), "value_usd": 9.0, "missing": "not_reported"},
    ])
    sh = supplier_shares(df, "CHN", ["2846"])
    assert sh.set_index("partner")["share"].to_dict() == pytest.approx(
        {"MMR": 0.6, "MYS": 0.4, "LAO": float("nan")}, nan_ok=True)
    assert sh["n_missing"].iloc[0] == 1 and math.isnan(sh["world_total"].iloc[0])
    assert sh.set_index("partner").loc["LAO", "missing"] == "not_reported"


def test_lines_are_summed_and_must_not_nest():
    df = pd.concat([
        _rows([{"partner": "MMR", "quantity_kg": 10.0, "value_usd": 1.0},
               {"partner": "MYS", "quantity_kg": 30.0, "value_usd": 1.0}], hs_code="2846"),
        _rows([{"partner": "MMR", "quantity_kg": 40.0, "value_usd": 1.0},
               {"partner": "MYS", "quantity_kg": 20.0, "value_usd": 1.0}], hs_code="280530"),
    ])
    sh = supplier_shares(df, "CHN", ["2846", "280530"])
    assert sh.set_index("partner")["quantity_kg"].to_dict() == {"MMR": 50.0, "MYS": 50.0}
    assert sh["share"].tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match="contain one another"):
        supplier_shares(df, "CHN", ["2846", "284690"])
    with pytest.raises(ValueError, match="several rows"):
        supplier_shares(pd.concat([df, df]), "CHN", ["2846"])
    with pytest.raises(ValueError, match="measure"):
        supplier_shares(df, "CHN", ["2846"], by="tonnes")


def test_years_and_months():
    df = pd.concat([_rows([{"partner": "MMR", "quantity_kg": 1.0, "value_usd": 1.0}],
                          period="2023-01-01"),
                    _rows([{"partner": "MMR", "quantity_kg": 1.0, "value_usd": 1.0},
                           {"partner": "LAO", "quantity_kg": 3.0, "value_usd": 1.0}])])
    t = importer_dependence_table(df, "CHN", ["2846"], commodity="rare-earths")
    assert sorted(set(t["year"])) == [2023, 2024]
    y23 = t[t["year"] == 2023].iloc[0]
    assert (y23["hhi"], y23["top_supplier"], y23["top_share"], y23["n_suppliers"]) == (1.0, "MMR",
                                                                                       1.0, 1)
    y24 = t[t["year"] == 2024]
    assert y24["hhi"].iloc[0] == pytest.approx(0.25**2 + 0.75**2)
    assert y24["hhi_points"].iloc[0] == pytest.approx(6250.0)
    assert set(t["commodity"]) == {"rare-earths"}
    assert supplier_shares(df, "CHN", ["2846"], year=2023)["year"].tolist() == [2023]
    months = pd.concat([_rows([{"partner": "MMR", "quantity_kg": 1.0, "value_usd": 1.0}],
                              period=f"2024-0{m}-01", freq="M") for m in (1, 2, 3)])
    sh = supplier_shares(months, "CHN", ["2846"], freq="M")
    assert sh["quantity_kg"].tolist() == [3.0]  # the months of a year are summed


# ----------------------------------------------------------------------------- the job
def _table(df: pd.DataFrame, source: str, edition: str, day: str) -> pd.DataFrame:
    cols = [f.name for f in TABLES["trade"]]
    df = df.assign(partner_raw=df["partner"], value_basis="cif", notes=None, source=source,
                   edition=edition, edition_date=day, file=f"{edition}.csv",
                   row=range(2, len(df) + 2))
    return df[cols]


@pytest.fixture()
def wh():
    w = Warehouse(":memory:")
    full = _table(_SIMPLE, "comtrade", "COMTRADE-A", "2026-01-01")
    partial = _table(_rows([{"partner": "WLD", "partner_kind": "aggregate", "quantity_kg": 104.0,
                             "value_usd": 1.0},
                            {"partner": "USA", "quantity_kg": 1.0, "value_usd": 1.0}]),
                     "comtrade", "COMTRADE-B", "2026-06-01")
    w.ingest_tables({"trade": full}, file="COMTRADE-A.csv")
    w.ingest_tables({"trade": partial}, file="COMTRADE-B.csv")
    yield w
    w.close()


def test_job_picks_the_dataset_with_most_suppliers(wh):
    res = importer_dependence("rare-earths", "China", warehouse=wh)
    assert (res.importer, res.source, res.edition, res.year) == ("CHN", "comtrade", "COMTRADE-A", 2024)
    assert res.hs_codes == ["2846"] and res.hs_codes_without_data == ["280530"]
    assert res.top_supplier == "MMR" and res.top_share == 0.5
    assert res.hhi == pytest.approx(0.38) and res.hhi_band == "high"
    assert res.world_total == 104.0 and res.partner_sum == 100.0
    assert res.excluded.set_index("partner")["kind"].to_dict() == {"CT:490": "aggregate",
                                                                   "CHN": "re-imports"}
    d = res.to_dict()
    assert json.loads(json.dumps(d))["suppliers"][0] == {
        "partner": "MMR", "name": "Myanmar", "quantity_kg": 50.0, "value_usd": 100.0, "share": 0.5,
        "share_of_world": pytest.approx(50 / 104), "missing": None,
        # added fields (issue 15): the shares on both measures, of suppliers and of the World total
        "share_by_quantity": 0.5, "share_by_value": pytest.approx(100 / 1000),
        "share_of_world_by_quantity": pytest.approx(50 / 104),
        "share_of_world_by_value": pytest.approx(100 / 1010), "hub": False}
    assert d["world_total_basis"] == "reported" and d["hub_suppliers"] == []
    assert d["suppliers_share_of_world"] == pytest.approx(100 / 104) and "bloc" not in d
    assert any("Other Asia, nes" in c for c in d["caveats"])
    assert d["years"][0]["hhi"] == pytest.approx(0.38)


def test_job_refuses_a_partial_partner_extract():
    with Warehouse(":memory:") as w:
        partial = _table(_rows([{"partner": "WLD", "partner_kind": "aggregate", "quantity_kg": 104.0,
                                 "value_usd": 1.0},
                                {"partner": "USA", "quantity_kg": 1.0, "value_usd": 1.0}]),
                         "comtrade", "COMTRADE-B", "2026-06-01")
        w.ingest_tables({"trade": partial}, file="COMTRADE-B.csv")
        with pytest.raises(DataError, match=r"covering 1\.0% of the reported World total"):
            importer_dependence("rare-earths", "CHN", warehouse=w)
        res = importer_dependence("rare-earths", "CHN", min_coverage=0.0, warehouse=w)
        assert res.top_share == 1.0 and res.partner_sum / res.world_total == pytest.approx(1 / 104)


def test_job_errors(wh):
    with pytest.raises(DataError, match="no annual import rows of USA"):
        importer_dependence("rare-earths", "USA", warehouse=wh)
    with pytest.raises(DataError, match="years with data: 2024"):
        importer_dependence("rare-earths", "CHN", year=1999, warehouse=wh)
    with pytest.raises(DataError, match="unknown importer") as err:
        importer_dependence("rare-earths", "Atlantis", warehouse=wh)
    # what is accepted, in the message (issue 11 item 14)
    assert "expected a bloc (EU) or a country's ISO3 code or name (e.g. USA, JPN, KOR, DEU)" in str(err.value)


# ----------------------------------------------------------------------------- bundled data, CLI
runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("dep") / "w.duckdb"
    res = runner.invoke(app, ["--db", str(path), "data", "build"])
    assert res.exit_code == 0, res.output
    return path


def _json(db, *args):
    res = runner.invoke(app, ["--db", str(db), *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_cli_usa_rare_earths(db, shared_data):
    out = _json(db, "dependence", "rare-earths", "--importer", "USA")
    assert (out["importer"], out["source"], out["year"], out["hs_codes"]) == ("USA", "usitc", 2025,
                                                                               ["2846"])
    # recompute from the raw workbook: 2025 net weight of HTS 2846 from each of the 18 partners
    path = shared_data / "trade/usitc_dataweb_us_trade_hts4_annual/us_imports_for_consumption_1993-2026.xlsx"
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb["First Unit of Quantity"]
    ws.reset_dimensions()
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    head = list(rows[2])
    q = {r[1]: r[head.index("2025")] for r in rows[3:] if r[0] and r[2] == "2846"
         and r[4] == "kilograms"}
    total = sum(q.values())
    assert q["China"] == 12047397.0
    assert out["partner_sum"] == pytest.approx(total)
    assert out["top_supplier"] == "CHN"
    assert out["top_share"] == pytest.approx(12047397.0 / total)  # 79.1 %
    assert out["hhi"] == pytest.approx(sum((v / total) ** 2 for v in q.values()))
    assert out["world_total"] is None  # the USITC extract has no World total: say so
    assert any("names 18 partner countries only (all lines): AUS, BRA, CAN, CHL, CHN, COD, DEU, "
               "EST, FRA, HKG, IND, JPN, KOR, MMR, MYS, RUS, VNM, ZAF" in c for c in out["caveats"])
    assert any("no World total" in c for c in out["caveats"])


def test_cli_china_rare_earths(db, shared_data):
    out = _json(db, "dependence", "rare-earths", "--importer", "CHN")
    assert (out["importer"], out["source"], out["edition"], out["year"]) == (
        "CHN", "comtrade", "COMTRADE-API-2026-07-10", 2024)
    raw = json.loads((shared_data / "trade/un_comtrade_china_imports_hs2846_annual/2024.json")
                     .read_text("utf-8"))["data"]
    world = next(r["netWgt"] for r in raw if r["partnerCode"] == 0)
    not_suppliers = {0, 156, 490, 899, 838}  # World, China itself, areas nes, free zones
    sup = {r["partnerISO"]: r["netWgt"] for r in raw if r["partnerCode"] not in not_suppliers}
    total = sum(sup.values())
    assert out["world_total"] == pytest.approx(world) and world == 77025454.404
    assert out["partner_sum"] == pytest.approx(total)
    assert out["top_supplier"] == "MMR" and sup["MMR"] == 44365512.0
    assert out["top_share"] == pytest.approx(44365512.0 / total)  # 57.7 %
    assert out["hhi"] == pytest.approx(sum((v / total) ** 2 for v in sup.values()))
    assert [s["partner"] for s in out["suppliers"][:3]] == ["MMR", "MYS", "LAO"]
    assert {e["partner"] for e in out["excluded"]} >= {"CT:490", "CHN"}
    years = {y["year"]: y for y in out["years"]}
    assert min(years) == 1993 and max(years) == 2024


def test_cli_dependence_table_and_options(db):
    res = runner.invoke(app, ["--db", str(db), "dependence", "rare-earths", "--importer", "CHN",
                              "--year", "2020", "--by", "value"])
    assert res.exit_code == 0, res.output
    assert "Myanmar" in res.output and "HHI" in res.output
    res = runner.invoke(app, ["--db", str(db), "dependence", "rare-earths", "--importer", "USA",
                              "--csv"])
    assert res.exit_code == 0 and res.output.splitlines()[0].startswith("partner,name,quantity_kg")
    res = runner.invoke(app, ["--db", str(db), "dependence", "rare-earths", "--importer", "CHN",
                              "--year", "1850"])
    assert res.exit_code == 2 and "years with data" in res.output
    # the bundled bilateral extract names only World, China and the USA: refused, not "100 % China"
    res = runner.invoke(app, ["--db", str(db), "dependence", "lithium", "--importer", "USA"])
    assert res.exit_code == 2 and "partial-partner extract" in res.output
