"""Trade readers: UN Comtrade (API JSON/CSV and the derived monthly China tables), USITC DataWeb, OEC.

Reference values were read off the raw files in ../shared/data/trade by hand (line numbers given).
Broken copies check that every reader names file, row and column of what is wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from critmin.countries import UnknownCountryError, resolve_comtrade
from critmin.errors import DataError
from critmin.schema import TABLES
from critmin.sources.comtrade import (
    bloc_members,
    group_lines,
    parse_china_monthly,
    parse_comtrade,
    read_china_monthly,
    read_comtrade,
    trade_blocs,
)
from critmin.sources.oec import parse_oec_net_trade, read_oec_net_trade
from critmin.sources.registry import READERS
from critmin.sources.usitc import parse_usitc, read_usitc
from critmin.warehouse import Warehouse

TRADE = "trade"
DERIVED = "trade/china_exports_monthly_comtrade_derived"
JSON_DIR = "trade/un_comtrade_china_imports_hs2846_annual"
BILATERAL = "trade/un_comtrade_cmm_bilateral_annual_2020_2024"
USITC = "trade/usitc_dataweb_us_trade_hts4_annual"
OEC = "trade/oec_rare_earth_net_trade_annual/oec_hs2846_net_trade_by_country_1995-2022.csv"
COLUMNS = [f.name for f in TABLES["trade"]]


def _one(df: pd.DataFrame, **where) -> pd.Series:
    sel = df
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (where, len(sel))
    return sel.iloc[0]


# ============================================================================ Comtrade area codes
def test_comtrade_codes_that_are_not_iso():
    assert resolve_comtrade(251).code == "FRA"  # ISO 250
    assert resolve_comtrade("842", "USA").code == "USA"  # ISO 840
    assert resolve_comtrade(699).code == "IND"  # ISO 356
    assert resolve_comtrade(757).code == "CHE" and resolve_comtrade(579).code == "NOR"
    w = resolve_comtrade(0, "World")
    assert (w.code, w.kind) == ("WLD", "aggregate")
    assert resolve_comtrade(490, "Other Asia, nes").code == "CT:490"  # never guessed as Taiwan
    assert resolve_comtrade(58).code == "BEL+LUX" and resolve_comtrade(58).kind == "group"
    # ISO numeric codes fall through to ISO 3166; names that mislead are not used
    assert resolve_comtrade(344, "China, Hong Kong SAR").code == "HKG"
    assert resolve_comtrade(156).code == "CHN"


def test_comtrade_code_errors():
    with pytest.raises(UnknownCountryError, match="9999"):
        resolve_comtrade(9999)
    with pytest.raises(UnknownCountryError, match="DEU"):
        resolve_comtrade(251, "Germany")  # code and name disagree


# ============================================================================ derived monthly tables
def test_blocs_are_data():
    adv, inter = bloc_members("Adversary"), bloc_members("Intermediary")
    assert len(adv) == 20 and len(inter) == 21
    assert {"USA", "JPN", "KOR", "DEU", "NLD", "TWN", "NZL"} <= set(adv)
    assert {"VNM", "MYS", "ARE", "EGY", "HKG"} <= set(inter)
    assert not set(adv) & set(inter)
    assert group_lines("Rare Earths") == ["280530", "284690", "850511"]
    assert group_lines("Graphite") == ["250410", "380110"]
    assert trade_blocs()["source"].str.contains("qennis/ChinaCriticalMineralComtrade").all()
    with pytest.raises(KeyError):
        bloc_members("Friends")


@pytest.fixture(scope="module")
def strategic(shared_data):
    return read_china_monthly(shared_data / DERIVED / "strategic_premium_hs6.csv")


def test_strategic_bloc_hs6_august_2019_vs_2020(strategic):
    assert list(strategic.columns) == COLUMNS
    assert len(strategic) == 2110
    ree = strategic[strategic["hs_code"].isin(["280530", "284690"])]
    by_month = ree.groupby("period")["quantity_kg"].sum()
    # docs/data.md §5d: 3,595 t vs 1,301 t; lines 399, 400, 927, 928 and 423, 424, 951, 952
    assert by_month["2019-08-01"] == pytest.approx(641516.934 + 45010.0 + 2830945.979 + 77493.0)
    assert by_month["2020-08-01"] == pytest.approx(212427.0 + 18000.0 + 892911.376 + 177865.0)
    assert round(by_month["2019-08-01"] / 1000) == 3595 and round(by_month["2020-08-01"] / 1000) == 1301
    r = _one(strategic, period="2020-08-01", partner="BLOC:Adversary", hs_code="284690")
    assert r["row"] == 951 and r["value_usd"] == 15715271.0 and r["quantity_kg"] == 892911.376
    assert (r["reporter"], r["flow"], r["freq"], r["partner_kind"]) == ("CHN", "export", "M", "bloc")
    assert r["source"] == "comtrade-monthly-derived" and r["edition"] == "COMTRADE-CN-M-2024"
    assert "10 kg" in r["notes"]


def test_overview_country_and_deep_dive(shared_data):
    ov = read_china_monthly(shared_data / DERIVED / "overview_monthly.csv")
    r = _one(ov, period="2020-08-01", hs_code="280530+284690+850511")  # line 177
    assert r["row"] == 177 and r["value_usd"] == 176912485.0 and r["quantity_kg"] == 10019217.376
    assert r["partner"] == "BLOC:Adversary+Intermediary"
    early = _one(ov, period="2017-01-01", hs_code="280530+284690+850511")
    assert "before 2018" in early["notes"] and "850511" in early["notes"]
    poly = ov[(ov["hs_code"] == "280461") & (ov["period"] < "2018-01-01")]
    assert len(poly) == 12 and poly["quantity_kg"].isna().all()  # total_qty 0 -> not reported
    assert (poly["missing"] == "not_reported").all()

    cs = read_china_monthly(shared_data / DERIVED / "country_monthly_stats.csv")
    r = _one(cs, period="2020-08-01", partner="USA", hs_code="280530+284690+850511")  # line 1562
    assert r["row"] == 1562 and r["value_usd"] == 26543596.0 and r["quantity_kg"] == 1827157.0
    assert set(cs["partner"]) >= {"USA", "JPN", "KOR", "TWN", "VNM", "HKG"}

    dd = read_china_monthly(shared_data / DERIVED / "deep_dive_hs6_monthly.csv")
    r = _one(dd, period="2017-01-01", partner="BEL", hs_code="811292")  # line 5: qty 0, uv inf
    assert r["row"] == 5 and r["value_usd"] == 87500.0
    assert math.isnan(r["quantity_kg"]) and r["missing"] == "not_reported"
    assert "ARE" in set(dd["partner"])  # "UAE"


_STRAT = (
    "period_dt,bloc,val,qty,uv,hs6,broad_group\n"
    "2020-08-01,Adversary,2954176.0,212427.0,13.906782094554835,280530,Rare Earths\n"
    "2020-08-01,Intermediary,74514.0,18000.0,4.139666666666667,280530,Rare Earths\n"
)


def test_derived_synthetic_ok():
    df = parse_china_monthly(_STRAT, "strategic_premium_hs6.csv")
    assert len(df) == 2 and list(df["row"]) == [2, 3]
    assert list(df["partner"]) == ["BLOC:Adversary", "BLOC:Intermediary"]


@pytest.mark.parametrize("text, row, column, match", [
    (_STRAT.replace(",qty,", ",quantity,"), 1, "qty", "lacks"),
    (_STRAT.replace("212427.0", "\"212,427\""), 2, "qty", "expected a number"),
    (_STRAT.replace("212427.0", "12a"), 2, "qty", "expected a number"),
    (_STRAT.replace("Intermediary,74514.0", "Friends,74514.0"), 3, "bloc", "bloc"),
    (_STRAT.replace("280530,Rare Earths\n2020", "250410,Rare Earths\n2020"), 2, "hs6", "not a line"),
    (_STRAT.replace("2020-08-01,Adversary", "Aug 2020,Adversary"), 2, "period_dt", "period"),
    (_STRAT.replace("13.906782094554835", "1.0"), 2, "uv", "shifted"),
    (_STRAT.replace("Intermediary", "Adversary"), 3, "period_dt", "same trade value"),
    (_STRAT + "2020-09-01,Adversary,1.0,2.0\n", 4, None, "fields where the header has"),
])
def test_derived_broken(text, row, column, match):
    with pytest.raises(DataError, match=match) as exc:
        parse_china_monthly(text, "strategic_premium_hs6.csv")
    assert exc.value.file == "strategic_premium_hs6.csv"
    assert exc.value.row == row and exc.value.column == column


def test_derived_unknown_partner_and_encoding_and_empty():
    text = "period_dt,partner_name,hs6,val,qty,uv\n2017-01-01,Atlantis,811292,87500.0,0.0,inf\n"
    with pytest.raises(DataError, match="unknown partner") as exc:
        parse_china_monthly(text, "deep_dive_hs6_monthly.csv")
    assert (exc.value.row, exc.value.column, exc.value.value) == (2, "partner_name", "Atlantis")
    # UTF-16 (with its byte-order mark) is decoded (issue 11); a NUL byte in UTF-8 text is refused
    pd.testing.assert_frame_equal(
        parse_china_monthly(_STRAT.encode("utf-16"), "strategic_premium_hs6.csv"),
        parse_china_monthly(_STRAT.encode(), "strategic_premium_hs6.csv"))
    with pytest.raises(DataError, match="NUL") as exc:
        parse_china_monthly(_STRAT.encode().replace(b"Adversary", b"Adver\x00sary", 1),
                            "strategic_premium_hs6.csv")
    assert exc.value.file == "strategic_premium_hs6.csv" and exc.value.row == 2
    bad = _STRAT.encode() + b"2020-09-01,Adversary,1.0,1.0,1.0,280530,Rare Earths \x81\x8d\n"
    with pytest.raises(DataError, match="cannot decode") as exc:
        parse_china_monthly(bad, "strategic_premium_hs6.csv")
    assert exc.value.row == 4
    with pytest.raises(DataError, match="empty"):
        parse_china_monthly(b"", "strategic_premium_hs6.csv")
    with pytest.raises(DataError, match="no data rows"):
        parse_china_monthly("period_dt,bloc,val,qty,uv,hs6,broad_group\n", "strategic_premium_hs6.csv")
    with pytest.raises(DataError, match="not trade flows"):
        parse_china_monthly("period_dt,subgroup,val,val_tot,share,broad_group\n2017-01-01,a,1,1,1,b\n",
                            "composition_subgroup.csv")


# ============================================================================ Comtrade API files
def test_comtrade_json_china_imports(shared_data):
    df = read_comtrade(shared_data / JSON_DIR / "2024.json")
    assert list(df.columns) == COLUMNS
    assert set(df["edition"]) == {"COMTRADE-API-2026-07-10"}  # manifest.json retrieval date
    assert set(df["edition_date"]) == {"2026-07-10"}
    w = _one(df, partner="WLD")  # record 1
    assert w["row"] == 1 and w["quantity_kg"] == 77025454.404 and w["value_usd"] == 1386613152.0
    m = _one(df, partner="MMR")  # record 5
    assert (m["row"], m["quantity_kg"], m["value_usd"]) == (5, 44365512.0, 817835388.0)
    assert m["value_basis"] == "cif" and m["flow"] == "import" and m["hs_code"] == "2846"
    fr = _one(df, partner="FRA")  # Comtrade code 251, record 12
    assert fr["row"] == 12 and fr["partner_raw"] == "251 France" and fr["value_usd"] == 3039972.0
    assert _one(df, partner="CT:490")["partner_kind"] == "aggregate"  # "Other Asia, nes"
    # the partners add up to the World row (manifest.json's validation rule)
    assert df.loc[df["partner"] != "WLD", "value_usd"].sum() == pytest.approx(1386613152.0, abs=1)


def test_comtrade_json_quantity_not_reported(shared_data):
    df = read_comtrade(shared_data / JSON_DIR / "1993.json")
    fr = _one(df, partner="FRA")  # qtyUnitCode -1, qty 0, netWgt absent
    assert math.isnan(fr["quantity_kg"]) and fr["missing"] == "not_reported"
    assert fr["value_usd"] == 3103.0
    assert df["quantity_kg"].isna().all()


def test_comtrade_bilateral_csv(shared_data):
    df = read_comtrade(shared_data / BILATERAL / "rare_earths_trade_data.csv")
    assert set(df["edition"]) == {"COMTRADE-API-2025-12-28"}  # collection_summary.json
    # line 22: USA imports of 2846 from the World, 2020: netWgt 0, qty 5,923,063.651 kg (unit 8)
    r = _one(df, reporter="USA", partner="WLD", flow="import", hs_code="2846", period="2020-01-01")
    assert r["row"] == 22 and r["quantity_kg"] == 5923063.651 and r["value_usd"] == 98248642.0
    assert "quantity from qty" in r["notes"]
    li = read_comtrade(shared_data / BILATERAL / "lithium_trade_data.csv")
    assert len(li) == 142  # 175 lines less 33 rows by mode of transport (their totals are kept)
    r = _one(li, reporter="AUS", partner="CHN", flow="import", hs_code="253090", period="2020-01-01")
    assert r["value_usd"] == 560807.859


_CT = {
    "typeCode": "C", "freqCode": "A", "period": "2020", "reporterCode": 156, "flowCode": "M",
    "partnerCode": 251, "partnerDesc": "France", "cmdCode": "2846", "motCode": 0,
    "customsCode": "C00", "partner2Code": 0, "qtyUnitCode": 8, "qty": 10.0, "netWgt": 10.0,
    "primaryValue": 100.0, "cifvalue": 100.0, "fobvalue": 0.0,
}


def _resp(*recs, **extra) -> str:
    return json.dumps({"count": len(recs), "data": list(recs), "error": "", **extra})


def test_comtrade_synthetic_and_breakdowns():
    df = parse_comtrade(_resp(_CT), "x.json", edition="T", edition_date="2026-01-01")
    assert _one(df, partner="FRA")["quantity_kg"] == 10.0
    by_mode = dict(_CT, motCode=2100, netWgt=4.0, primaryValue=40.0, cifvalue=40.0)
    assert len(parse_comtrade(_resp(_CT, by_mode), "x.json")) == 1  # the total is kept
    with pytest.raises(DataError, match="without the total") as exc:
        parse_comtrade(_resp(by_mode), "x.json")
    assert exc.value.row == 1 and exc.value.column == "motcode"
    monthly = dict(_CT, freqCode="M", period="202008")
    assert parse_comtrade(_resp(monthly), "x.json")["period"].iloc[0] == "2020-08-01"


@pytest.mark.parametrize("rec, column, match", [
    (dict(_CT, partnerCode=9999, partnerDesc="Atlantis"), "partnerCode", "9999"),
    (dict(_CT, partnerDesc="Germany"), "partnerCode", "DEU"),
    (dict(_CT, primaryValue="1,000"), "primaryValue", "expected a number"),
    (dict(_CT, netWgt="n/a"), "netWgt", "expected a number"),
    (dict(_CT, flowCode="Z"), "flowCode", "flowCode"),
    (dict(_CT, freqCode="Q"), "freqCode", "freqCode"),
    (dict(_CT, period="20x0"), "period", "period"),
])
def test_comtrade_json_broken(rec, column, match):
    with pytest.raises(DataError, match=match) as exc:
        parse_comtrade(_resp(_CT, rec) if column != "partnerCode" else _resp(rec), "bad.json")
    assert exc.value.file == "bad.json" and exc.value.column == column
    assert exc.value.row in (1, 2)


def test_comtrade_json_broken_files():
    with pytest.raises(DataError, match="lack") as exc:
        parse_comtrade(_resp({k: v for k, v in _CT.items() if k != "partnerCode"}), "bad.json")
    assert exc.value.column == "partnerCode"
    with pytest.raises(DataError, match="same trade value") as exc:
        parse_comtrade(_resp(_CT, _CT), "bad.json")
    assert exc.value.row == 2
    with pytest.raises(DataError, match="error"):
        parse_comtrade(json.dumps({"count": 0, "data": [], "error": "quota exceeded"}), "bad.json")
    with pytest.raises(DataError, match="truncated"):
        parse_comtrade(json.dumps({"count": 600, "data": [_CT], "error": ""}), "bad.json")
    with pytest.raises(DataError, match="not readable JSON") as exc:
        parse_comtrade('{"data": [\n{"a": 1,}]}', "bad.json")
    assert exc.value.row == 2
    with pytest.raises(DataError, match="empty"):
        parse_comtrade(b"  ", "bad.json")


def _ct_csv(*recs) -> str:
    cols = list(_CT)
    lines = [",".join(cols)] + [",".join(str(r[c]) for c in cols) for r in recs]
    return "\n".join(lines) + "\n"


def test_comtrade_csv_broken():
    assert len(parse_comtrade(_ct_csv(_CT), "x.csv")) == 1
    with pytest.raises(DataError, match="9999") as exc:
        parse_comtrade(_ct_csv(_CT, dict(_CT, partnerCode=9999, partnerDesc="Atlantis")), "x.csv")
    assert (exc.value.row, exc.value.column) == (3, "partnerCode")
    with pytest.raises(DataError, match="expected a number") as exc:
        parse_comtrade(_ct_csv(dict(_CT, qty="ten")), "x.csv")
    assert (exc.value.row, exc.value.column) == (2, "qty")
    # UTF-16 without a byte-order mark is recognised by its NUL bytes and decoded (issue 11)
    pd.testing.assert_frame_equal(parse_comtrade(_ct_csv(_CT).encode("utf-16-le"), "x.csv"),
                                  parse_comtrade(_ct_csv(_CT), "x.csv"))
    with pytest.raises(DataError, match="NUL") as exc:
        parse_comtrade(_ct_csv(_CT).encode() + b"\x00\n", "x.csv")
    assert exc.value.file == "x.csv"
    with pytest.raises(DataError, match="lacks") as exc:
        parse_comtrade(_ct_csv(_CT).replace("cmdCode", "commodity"), "x.csv")
    assert (exc.value.row, exc.value.column) == (1, "cmdCode")
    with pytest.raises(DataError, match="same trade value"):
        parse_comtrade(_ct_csv(_CT, _CT), "x.csv")


def test_user_extract_ingest_is_idempotent(tmp_path):
    p = tmp_path / "my_comtrade.csv"
    p.write_text(_ct_csv(_CT, dict(_CT, partnerCode=0, partnerDesc="World", netWgt=10.0)))
    with Warehouse(":memory:") as wh:
        first = wh.ingest_file(p, "comtrade")
        assert first == {"trade": 2} and first.status == "ingested"
        again = wh.ingest_file(p, "comtrade")  # same bytes: a no-op that says so
        assert again.status == "unchanged" and again.rows == {}
        assert "my_comtrade.csv (user" in again.same_as and "nothing changed" in again.message()
        rows = wh.table("trade", source="comtrade")
        assert len(rows) == 2 and set(rows["partner"]) == {"FRA", "WLD"}
        # no metadata beside the file: the edition comes from the periods it covers
        assert set(rows["edition"]) == {"COMTRADE-2020-2020"}
        assert set(rows["edition_date"].astype(str)) == {"2021-01-01"}


def test_comtrade_edition_never_from_the_file_dates(tmp_path):
    """Issue 11 item 4: ``touch`` (or a copy) made a new edition from the file's mtime and the rows
    were stored twice."""
    import os

    p = tmp_path / "extract.csv"
    p.write_text(_ct_csv(_CT, dict(_CT, partnerCode=0, partnerDesc="World", netWgt=10.0)))
    a = read_comtrade(p)
    os.utime(p, (1_000_000_000, 1_000_000_000))  # touch to 2001-09-09
    b = read_comtrade(p)
    assert a["edition"].tolist() == b["edition"].tolist() == ["COMTRADE-2020-2020"] * 2
    assert a["edition_date"].tolist() == b["edition_date"].tolist()
    with Warehouse(":memory:") as wh:
        wh.ingest_file(p, "comtrade")
        # a second download of the same periods with a corrected value: one edition, replaced
        q = tmp_path / "extract_again.csv"
        q.write_text(_ct_csv(dict(_CT, netWgt=12.0, qty=12.0),
                             dict(_CT, partnerCode=0, partnerDesc="World", netWgt=10.0)))
        os.utime(q, (2_000_000_000, 2_000_000_000))
        res = wh.ingest_file(q, "comtrade")
        assert res.status == "replaced" and res.replaced == {"extract.csv": 2}
        rows = wh.table("trade", source="comtrade")
        assert len(rows) == 2
        assert rows.set_index("partner").loc["FRA", "quantity_kg"] == 12.0
        # monthly rows: months in the edition id; an explicit edition wins, dated by its suffix
        m = tmp_path / "monthly.csv"
        m.write_text(_ct_csv(dict(_CT, freqCode="M", period="202307"),
                             dict(_CT, freqCode="M", period="202402")))
        assert set(read_comtrade(m)["edition"]) == {"COMTRADE-2023-07-2024-02"}
        assert set(read_comtrade(m)["edition_date"]) == {"2024-03-01"}
        named = wh.ingest_file(m, "comtrade", edition="COMTRADE-API-2024-05-02")
        assert named.editions == ["COMTRADE-API-2024-05-02"]
        assert set(wh.table("trade", file="monthly.csv")["edition_date"].astype(str)) == {"2024-05-02"}
        with pytest.raises(DataError, match="edition can be given only for comtrade"):
            wh.ingest_file(m, "usitc", edition="X")


# ============================================================================ USITC DataWeb
@pytest.fixture(scope="module")
def usitc_imports(shared_data):
    return read_usitc(shared_data / USITC / "us_imports_for_consumption_1993-2026.xlsx")


def _cell(path: Path, sheet: str, row: int, header: str) -> object:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb[sheet]
    ws.reset_dimensions()
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[2])
    wb.close()
    return rows[row - 1][head.index(header)]


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_usitc_imports(shared_data, usitc_imports):
    df = usitc_imports
    assert list(df.columns) == COLUMNS
    assert set(df["edition"]) == {"USITC-DATAWEB-2026-07-10"}
    assert df["period"].max() == "2025-01-01"  # 2026 (partial at download) is not read
    assert set(df["reporter"]) == {"USA"} and set(df["flow"]) == {"import"}
    assert df["partner"].nunique() == 18 and "WLD" not in set(df["partner"])
    r = _one(df, partner="CHN", hs_code="2846", period="2024-01-01")
    assert r["quantity_kg"] == 10240357.0 and r["value_usd"] == 112644992.0
    assert r["value_basis"] == "customs"
    path = shared_data / USITC / "us_imports_for_consumption_1993-2026.xlsx"
    assert _cell(path, "Customs Value", int(r["row"]), "2024") == 112644992.0
    assert _one(df, partner="COD", hs_code="2605", period="2020-01-01")["partner_raw"] == \
        "Democratic Republic of the Congo"
    # Australia 2825, 1997: quantity suppressed (flag 23; 37,026 kg published beside USD 4.6 million)
    s = _one(df, partner="AUS", hs_code="2825", period="1997-01-01")
    assert math.isnan(s["quantity_kg"]) and s["missing"] == "suppressed"
    assert s["value_usd"] == 4648628.0 and "suppressed flag 23" in s["notes"]


def test_usitc_exports_units(shared_data):
    df = read_usitc(shared_data / USITC / "us_domestic_exports_1993-2026.xlsx")
    assert set(df["flow"]) == {"export"} and set(df["value_basis"]) == {"fas"}
    r = _one(df, partner="CHN", hs_code="2846", period="2020-01-01")
    assert r["quantity_kg"] == 62173169.0 and r["value_usd"] == 97941752.0
    # magnets (8505) are counted by number: value summed over unit rows, quantity not net weight
    m = _one(df, partner="CAN", hs_code="8505", period="1993-01-01")
    assert math.isnan(m["quantity_kg"]) and m["missing"] == "suppressed;other_unit"
    assert m["value_usd"] > 21051802.0  # the 'number' row alone


def _dataweb(rows_v, rows_q, *, flow="Imports For Consumption", count=None, years=(2024, 2025, 2026),
             header_cut=None):
    wb = openpyxl.Workbook()
    qp = wb.active
    qp.title = "Query Parameters"
    qp.append(["Download Date", dt.datetime(2026, 7, 10, 16, 57)])
    qp.append(["Trade Flow", flow])
    head = ["Data Type", "Country", "HTS Number", "Description", "Quantity Description"]
    if header_cut:
        head = [h for h in head if h != header_cut]
    ys = [str(y) for y in years]
    for title, rows, supp in (("Customs Value", rows_v, False), ("First Unit of Quantity", rows_q, True)):
        ws = wb.create_sheet(title)
        ws.append(["Imports For Consumption|Annual + Year-To-Date Data from Jan - Apr"])
        ws.append(["Data Row Count", float(count if count is not None else len(rows))])
        ws.append(head + ys + ([f"{y}_Suppressed" for y in ys] if supp else []))
        for r in rows:
            ws.append(r)
        if not supp:
            ws.append(["Total: ", "", "", "", "", "1", "2", "0"])
    buf = __import__("io").BytesIO()
    wb.save(buf)
    return buf.getvalue()


_V = [["Customs Value", "China", "2846", "RARE EARTH COMPOUNDS", "Value for: kilograms", 100.0, 200.0, 0.0],
      ["Customs Value", "China", "8505", "MAGNETS", "Value for: kilograms", 10.0, 20.0, 0.0],
      ["Customs Value", "China", "8505", "MAGNETS", "Value for: number", 5.0, 0.0, 0.0]]
_Q = [["First Unit of Quantity", "China", "2846", "RARE EARTH COMPOUNDS", "kilograms", 7.0, 9.0, 0.0,
       0.0, 1.0, 0.0],
      ["First Unit of Quantity", "China", "8505", "MAGNETS", "kilograms", 3.0, 4.0, 0.0, 0.0, 0.0, 0.0],
      ["First Unit of Quantity", "China", "8505", "MAGNETS", "number", 50.0, 0.0, 0.0, 0.0, 0.0, 0.0]]


def test_usitc_synthetic():
    df = parse_usitc(_dataweb(_V, _Q), "dw.xlsx")
    assert set(df["period"]) == {"2024-01-01", "2025-01-01"}  # 2026 = download year: not a full year
    a = _one(df, hs_code="2846", period="2024-01-01")
    assert (a["quantity_kg"], a["value_usd"], a["row"]) == (7.0, 100.0, 4)
    b = _one(df, hs_code="2846", period="2025-01-01")  # suppression flag 1
    assert math.isnan(b["quantity_kg"]) and b["missing"] == "suppressed" and b["value_usd"] == 200.0
    m24 = _one(df, hs_code="8505", period="2024-01-01")  # value partly by number
    assert m24["value_usd"] == 15.0 and math.isnan(m24["quantity_kg"]) and m24["missing"] == "other_unit"
    m25 = _one(df, hs_code="8505", period="2025-01-01")  # only the kilograms row carries value
    assert (m25["value_usd"], m25["quantity_kg"]) == (20.0, 4.0)


def test_usitc_broken():
    with pytest.raises(DataError, match="lacks") as exc:
        parse_usitc(_dataweb([r[:2] + r[3:] for r in _V], [r[:2] + r[3:] for r in _Q],
                             header_cut="HTS Number"), "dw.xlsx")
    assert exc.value.file == "dw.xlsx [Customs Value]" and exc.value.row == 3
    assert exc.value.column == "HTS Number"
    v = [list(r) for r in _V]
    v[0][1] = "Atlantis"
    q = [list(r) for r in _Q]
    q[0][1] = "Atlantis"
    with pytest.raises(DataError, match="unknown country") as exc:
        parse_usitc(_dataweb(v, q), "dw.xlsx")
    assert (exc.value.row, exc.value.column, exc.value.value) == (4, "Country", "Atlantis")
    v = [list(r) for r in _V]
    v[1][6] = "1,2O"
    with pytest.raises(DataError, match="expected a number") as exc:
        parse_usitc(_dataweb(v, _Q), "dw.xlsx")
    assert (exc.value.row, exc.value.column) == (5, "2025")
    with pytest.raises(DataError, match="repeat") as exc:
        parse_usitc(_dataweb(_V + [_V[0]], _Q), "dw.xlsx")
    assert exc.value.row == 7
    with pytest.raises(DataError, match="Data Row Count"):
        parse_usitc(_dataweb(_V, _Q, count=400), "dw.xlsx")
    with pytest.raises(DataError, match="trade flow"):
        parse_usitc(_dataweb(_V, _Q, flow="Re-exports of gold"), "dw.xlsx")
    with pytest.raises(DataError, match="not a readable"):
        parse_usitc(b"PK not a workbook", "dw.xlsx")
    with pytest.raises(DataError, match="empty"):
        parse_usitc(b"", "dw.xlsx")


# ============================================================================ OEC
def test_oec_net_trade(shared_data):
    df = read_oec_net_trade(shared_data / OEC)
    assert list(df.columns) == COLUMNS and len(df) == 2 * 1874
    # line 1657: chn|aschn|China|275280142|600340565|-325060423|2020
    ex = _one(df, reporter="CHN", flow="export", period="2020-01-01")
    im = _one(df, reporter="CHN", flow="import", period="2020-01-01")
    assert (ex["row"], ex["value_usd"], im["value_usd"]) == (1657, 275280142.0, 600340565.0)
    assert ex["partner"] == "WLD" and ex["hs_code"] == "2846" and math.isnan(ex["quantity_kg"])
    assert _one(df, reporter="BEL+LUX", flow="export", period="1995-01-01")["row"] > 1  # "blx"


_OEC = ("iso 3|country id|country|trade value export|trade value import|trade value delta|year\n"
        "chn|aschn|China|275280142|600340565|-325060423|2020\n"
        "usa|nausa|United States|10|4|6|2020\n")


@pytest.mark.parametrize("text, row, column, match", [
    (_OEC.replace("|", ","), 1, None, "pipe"),
    (_OEC.replace("usa|nausa", "xxq|naxxq"), 3, "iso 3", "unknown ISO3"),
    (_OEC.replace("|10|4|6|", "|10|4 t|6|"), 3, "trade value import", "expected a number"),
    (_OEC.replace("|10|4|6|", "|10|4|8|"), 3, "trade value delta", "not export - import"),
    (_OEC.replace("usa|nausa|United States", "chn|aschn|China"), 3, "iso 3", "same trade value"),
    (_OEC.replace("|year\n", "|anno\n"), 1, "year", "lacks"),
])
def test_oec_broken(text, row, column, match):
    with pytest.raises(DataError, match=match) as exc:
        parse_oec_net_trade(text, "oec_hs2846.csv")
    assert exc.value.file == "oec_hs2846.csv" and exc.value.row == row
    assert exc.value.column == column


def test_oec_encoding_and_empty():
    assert len(parse_oec_net_trade(_OEC, "oec_hs2846.csv")) == 4
    pd.testing.assert_frame_equal(parse_oec_net_trade(_OEC.encode("utf-16"), "oec_hs2846.csv"),
                                  parse_oec_net_trade(_OEC, "oec_hs2846.csv"))
    with pytest.raises(DataError, match="NUL"):
        parse_oec_net_trade(_OEC.encode("utf-8") + b"\x00", "oec_hs2846.csv")
    with pytest.raises(DataError, match="empty"):
        parse_oec_net_trade("", "oec_hs2846.csv")
    with pytest.raises(DataError, match="HS code"):
        parse_oec_net_trade(_OEC, "net_trade.csv")


# ============================================================================ registry
def test_registry_knows_the_trade_sources():
    assert {"comtrade", "comtrade-monthly-derived", "usitc", "oec"} <= set(READERS)
