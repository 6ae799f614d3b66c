"""USGS rare-earth workbooks: Data Series 140 and Minerals Yearbook 2022 tables (T1, T3, T8).

Hand-checked values come from the workbooks as USGS published them; every DS140 and T8 value is also
cross-checked against the third-party tidy re-cut in ``derived_tidy_from_critical-minerals-records-
stage-v3`` (used here only, never by the package).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import Alignment

from critmin.errors import ConsistencyError, DataError
from critmin.schema import KEYS, TABLES
from critmin.sources.usgs_history import (
    parse_ds140,
    parse_myb2022,
    read_ds140,
    read_myb2022,
)

DS140 = "usgs_rare_earths/ds140_rare_earths_historical_statistics_2020.xlsx"
MYB = "usgs_rare_earths/myb2022_rare_earths_advance_tables.xlsx"
DERIVED = "usgs_rare_earths/derived_tidy_from_critical-minerals-records-stage-v3"


@pytest.fixture(scope="module")
def ds140(shared_data: Path) -> dict[str, pd.DataFrame]:
    return read_ds140(shared_data / DS140)


@pytest.fixture(scope="module")
def myb(shared_data: Path) -> dict[str, pd.DataFrame]:
    return read_myb2022(shared_data / MYB)


def _one(df: pd.DataFrame, **where: object) -> pd.Series:
    m = pd.Series(True, index=df.index)
    for k, v in where.items():
        m &= df[k] == v
    hit = df[m]
    assert len(hit) == 1, f"expected one row for {where}, got {len(hit)}"
    return hit.iloc[0]


def _check_schema(tables: dict[str, pd.DataFrame]) -> None:
    for name, df in tables.items():
        assert list(df.columns) == [f.name for f in TABLES[name]]
        assert not df.duplicated(["source", "edition", *KEYS[name]]).any(), name


# ------------------------------------------------------------------------------------------ DS140


def test_ds140_tables_and_counts(ds140):
    _check_schema(ds140)
    assert {k: len(v) for k, v in ds140.items()} == {
        "production": 121, "salient": 6 * 121, "consumption": 121, "prices": 2 * 121}
    prod = ds140["production"]
    assert prod["year"].min() == 1900 and prod["year"].max() == 2020
    assert set(prod["country"]) == {"WLD"} and set(prod["country_kind"]) == {"aggregate"}
    assert set(prod["stage"]) == {"mine"} and set(prod["basis"]) == {"REO"}
    assert set(prod["source"]) == {"usgs-ds140"} and set(prod["edition"]) == {"DS140-2020"}
    assert set(ds140["salient"]["country"]) == {"USA"}
    assert set(ds140["consumption"]["method"]) == {"apparent"}


def test_ds140_hand_checked_values(ds140):
    prod = ds140["production"]
    # sheet 'Rare earths', column H (World production)
    assert _one(prod, year=1900)["quantity_t"] == 1040  # H6
    assert _one(prod, year=1900)["row"] == 6
    assert _one(prod, year=1925)["quantity_t"] == 12  # H31
    assert _one(prod, year=2011)["quantity_t"] == 104_000  # H117
    assert _one(prod, year=2020)["quantity_t"] == 243_000  # H126
    sal = ds140["salient"]
    assert _one(sal, year=2020, statistic="production")["quantity_t"] == 39_000  # B126
    assert _one(sal, year=2020, statistic="exports")["quantity_t"] == 39_500  # D126
    w = _one(sal, year=1956, statistic="production")  # B62 'W'
    assert math.isnan(w["value"]) and w["missing"] == "withheld"
    na = _one(sal, year=1900, statistic="imports")  # C6 'NA'
    assert math.isnan(na["value"]) and na["missing"] == "not_available"
    assert _one(sal, year=1922, statistic="imports")["quantity_t"] == pytest.approx(0.017)


def test_ds140_formula_cells_and_consumption(ds140):
    cons = ds140["consumption"]
    # E107 is the formula =(C107-D107): 19,200 - 9,100
    c2001 = _one(cons, year=2001)
    assert c2001["quantity_t"] == 10_100 and c2001["row"] == 107
    sal = _one(ds140["salient"], year=2001, statistic="consumption")
    assert "=(C107-D107)" in sal["notes"]
    assert _one(cons, year=2011)["missing"] == "not_available"  # E117 'NA'
    assert math.isnan(_one(cons, year=2011)["quantity_t"])
    assert _one(cons, year=1920)["quantity_t"] == pytest.approx(9.99)


def test_ds140_prices(ds140):
    pr = ds140["prices"]
    cur = _one(pr, year=2011, product="unit value")
    assert cur["price"] == 58_100 and cur["unit"] == "USD/t"
    real = _one(pr, year=2011, product="unit value (constant 1998 dollars)")
    assert real["price"] == 42_100 and real["unit"] == "USD1998/t"
    assert _one(pr, year=1998, product="unit value")["price"] == _one(
        pr, year=1998, product="unit value (constant 1998 dollars)")["price"] == 8900
    assert _one(pr, year=1900, product="unit value")["missing"] == "not_available"


def test_ds140_matches_derived_tidy(ds140, shared_data):
    ref = pd.read_csv(shared_data / DERIVED / "usgs_rare_earths_historical.csv")
    assert len(ref) == 7 * 121
    ours = {
        ("production", "WLD"): ds140["production"].set_index("year")["value"],
        ("production", "USA"): ds140["salient"].query("statistic == 'production'")
        .set_index("year")["value"],
        ("imports", "USA"): ds140["salient"].query("statistic == 'imports'")
        .set_index("year")["value"],
        ("exports", "USA"): ds140["salient"].query("statistic == 'exports'")
        .set_index("year")["value"],
        ("apparent_consumption", "USA"): ds140["consumption"].set_index("year")["quantity_t"],
        ("unit_value_current_usd", "USA"): ds140["prices"].query("product == 'unit value'")
        .set_index("year")["price"],
        ("unit_value_constant_1998_usd", "USA"): ds140["prices"]
        .query("product == 'unit value (constant 1998 dollars)'").set_index("year")["price"],
    }
    status = {
        ("production", "WLD"): ds140["production"].set_index("year")["missing"],
        ("production", "USA"): ds140["salient"].query("statistic == 'production'")
        .set_index("year")["missing"],
    }
    n = 0
    for rec in ref.itertuples(index=False):
        got = ours[(rec.metric, rec.geography_code)][rec.year]
        if rec.value_status == "available":
            assert got == pytest.approx(rec.value, rel=1e-12), (rec.metric, rec.year)
        else:
            assert math.isnan(got), (rec.metric, rec.year)
        key = (rec.metric, rec.geography_code)
        if key in status:
            want = {"available": None, "not_available": "not_available", "withheld": "withheld"}
            got_status = status[key][rec.year]
            assert (None if pd.isna(got_status) else got_status) == want[rec.value_status]
        n += 1
    assert n == 847


# -------------------------------------------------------------------------------------- MYB 2022


def test_myb_tables_and_counts(myb):
    _check_schema(myb)
    assert {k: len(v) for k, v in myb.items()} == {"production": 13 * 5, "prices": 11 * 2 + 2 * 5,
                                                   "salient": 13 * 5}
    prod = myb["production"]
    assert set(prod["year"]) == {2018, 2019, 2020, 2021, 2022}
    # T8's unit line: "(Metric tons, rare-earth oxide equivalent)"
    assert set(prod["basis"]) == {"REO"} and set(prod["unit"]) == {"t"}
    assert set(prod["source"]) == {"usgs-myb"} and set(prod["edition"]) == {"MYB2022"}
    assert "OTH" not in set(prod["country"])  # T8 has no "Other countries" row


def test_myb_t8_hand_checked(myb):
    prod = myb["production"]
    chn = _one(prod, country="CHN", year=2022)  # K11 210,000 with marker L11 'e'
    assert chn["quantity_t"] == 210_000 and chn["estimated"]
    assert chn["row"] == 11 and chn["country_raw"] == "China3"
    assert "Official production quota" in chn["notes"]
    assert not _one(prod, country="CHN", year=2021)["estimated"]
    wld = _one(prod, country="WLD", year=2022)  # "Total"
    assert wld["quantity_t"] == 297_000 and wld["country_kind"] == "aggregate"
    assert "revised" in _one(prod, country="WLD", year=2021)["notes"]  # J19 'r'
    bdi = _one(prod, country="BDI", year=2022)  # K10 '--'
    assert bdi["quantity_t"] == 0 and bdi["qualifier"] == "zero_dash"
    usa = _one(prod, country="USA", year=2022)  # L17 footnote 6 (text), J17 footnote 6 (number)
    assert "bastnaesite only" in usa["notes"]
    assert "bastnaesite only" in _one(prod, country="USA", year=2021)["notes"]
    ind = _one(prod, country="IND", year=2020)  # "India" + superscript "e, 4"
    assert ind["estimated"] and "did not disclose" in ind["notes"]
    assert _one(prod, country="MMR", year=2020)["quantity_t"] == 35_500  # Burma


def test_myb_t8_matches_derived_tidy(myb, shared_data):
    ref = pd.read_csv(shared_data / DERIVED / "usgs_myb2022_world_mine_production.csv")
    assert len(ref) == 65
    prod = myb["production"].set_index(["country", "year"])
    assert len(prod) == len(ref)
    for rec in ref.itertuples(index=False):
        row = prod.loc[(rec.geography_code, rec.year)]
        assert row["quantity_t"] == rec.value, (rec.geography_code, rec.year)
        assert bool(row["estimated"]) == bool(rec.is_estimated), (rec.geography_code, rec.year)
        assert ("revised" in row["notes"]) == bool(rec.is_revised)
        assert row["row"] == rec.source_row_number
        assert rec.unit == "metric_tons_reo_equivalent"


def test_myb_t8_sums_to_total(myb):
    prod = myb["production"]
    for _year, d in prod.groupby("year"):
        total = d.loc[d["country"] == "WLD", "quantity_t"].iloc[0]
        assert d.loc[d["country"] != "WLD", "quantity_t"].sum() == pytest.approx(total, rel=0.005)


def test_myb_t3_prices(myb):
    pr = myb["prices"]
    nd = _one(pr, product="neodymium oxide 99.5%", year=2022)  # G12
    assert nd["price"] == 134 and nd["unit"] == "USD/kg" and nd["row"] == 12
    assert "free on board" in nd["notes"] and "Argus" in nd["notes"]
    assert _one(pr, product="terbium oxide 99.99%", year=2021)["price"] == 1350  # E16
    assert _one(pr, product="dysprosium oxide 99.5%", year=2022)["price"] == 382  # G17
    sc = _one(pr, product="scandium oxide 99.99%", year=2021)
    assert sc["price"] == 2200 and "Stanford" in sc["notes"]
    t3 = pr[pr["notes"].str.startswith("table T3")]
    assert len(t3) == 22 and set(t3["year"]) == {2021, 2022}


def test_myb_t1_salient(myb):
    sal = myb["salient"]
    prod = sal[(sal["statistic"] == "production") & (sal["country"] == "USA")]
    assert _one(prod, year=2022)["quantity_t"] == 42_500  # L5
    assert _one(prod, year=2020)["estimated"] and not _one(prod, year=2022)["estimated"]
    mon = _one(sal, detail="Exports, REO equivalent: Rare-earth concentrates, monazite", year=2021)
    assert mon["value"] == 0 and mon["qualifier"] == "zero_dash" and mon["estimated"]
    ce = _one(sal, detail="Imports for consumption, REO equivalent: Compounds: Cerium compounds",
              year=2018)
    assert ce["quantity_t"] == 2940 and ce["estimated"]  # the section header carries the 'e'
    wld = sal[sal["country"] == "WLD"]
    assert len(wld) == 5 and _one(wld, year=2022)["quantity_t"] == 297_000
    assert set(sal["statistic"]) == {"production", "exports", "imports", "price"}


def test_myb_t1_mischmetal_unit_misprint(myb, shared_data):
    """T1 row 24 says 'metric tons' for the mischmetal price; the values are USD/kg."""
    sal = myb["salient"]
    mm = sal[sal["detail"].str.contains("Mischmetal")].set_index("year")
    assert set(mm["unit"]) == {"USD/kg"} and mm["quantity_t"].isna().all()
    assert mm["notes"].str.contains("not a price unit").all()
    # MCS 2023 salient Price_Mischmetal_dkg (dollars per kilogram, rounded) agrees
    mcs = pd.read_csv(shared_data / "usgs_mcs/mcs2023/salient/mcs2023-raree_salient.csv",
                      encoding="utf-8-sig").set_index("Year")["Price_Mischmetal_dkg"]
    for year in range(2018, 2023):
        assert round(mm.loc[year, "value"]) == mcs[year]
    pr = myb["prices"]
    assert _one(pr, product="mischmetal, 65% cerium, 35% lanthanum, metal basis",
                year=2018)["price"] == pytest.approx(6.16)


# ------------------------------------------------------------------------------- broken workbooks


def _ds140_book(rows: list[list[object]] | None = None, *, sheet: str = "Rare earths",
                header: list[str] | None = None, unit_line: bool = True) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws["A1"] = "RARE EARTHS STATISTICS"
    ws["A2"] = "U.S. GEOLOGICAL SURVEY"
    if unit_line:
        ws["A3"] = ("[All quantities in metric tons (t) rare-earth oxide equivalent unless "
                    "otherwise noted]")
    ws.append(header or ["Year", "Production", "Imports", "Exports", "Apparent consumption",
                         "Unit value ($/t)", "Unit value (98$/t)", "World production"])
    for r in rows or [[2019, 28000, 13300, 29500, 12000, 6080, 3880, 219000],
                      [2020, 39000, "NA", "W", 6700, 5130, 3230, 243000]]:
        ws.append(r)
    ws.append(["NA Not available. W Withheld to avoid disclosing company proprietary data."])
    return wb


def _save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def test_ds140_synthetic_ok(tmp_path):
    out = read_ds140(_save(_ds140_book(), tmp_path / "ds.xlsx"))
    assert len(out["production"]) == 2 and out["production"]["row"].tolist() == [5, 6]
    sal = out["salient"]
    assert _one(sal, year=2020, statistic="imports")["missing"] == "not_available"
    assert _one(sal, year=2020, statistic="exports")["missing"] == "withheld"
    with open(tmp_path / "ds.xlsx", "rb") as fh:
        again = parse_ds140(fh, name="ds.xlsx")
    pd.testing.assert_frame_equal(again["production"], out["production"])


def test_ds140_missing_sheet(tmp_path):
    p = _save(_ds140_book(sheet="Lithium"), tmp_path / "ds.xlsx")
    with pytest.raises(DataError, match="no sheet 'Rare earths'") as err:
        read_ds140(p)
    assert err.value.file == "ds.xlsx"


def test_ds140_missing_header_column(tmp_path):
    header = ["Year", "Production", "Imports", "Exports", "Apparent consumption",
              "Unit value ($/t)", "Unit value (98$/t)", "World output"]
    p = _save(_ds140_book(header=header), tmp_path / "ds.xlsx")
    with pytest.raises(DataError, match="world production") as err:
        read_ds140(p)
    assert err.value.file == "ds.xlsx [Rare earths]" and err.value.row == 4


def test_ds140_missing_unit_line(tmp_path):
    p = _save(_ds140_book(unit_line=False), tmp_path / "ds.xlsx")
    with pytest.raises(DataError, match="unit line"):
        read_ds140(p)


def test_ds140_stray_token(tmp_path):
    rows = [[2019, 28000, 13300, 29500, 12000, 6080, 3880, 219000],
            [2020, 39000, "7,2OO", 39500, 6700, 5130, 3230, 243000]]
    p = _save(_ds140_book(rows), tmp_path / "ds.xlsx")
    with pytest.raises(DataError) as err:
        read_ds140(p)
    e = err.value
    assert (e.file, e.row, e.column, e.value) == ("ds.xlsx [Rare earths]", 6, "C", "7,2OO")
    assert "ds.xlsx [Rare earths]" in str(e) and "row 6" in str(e) and "'C'" in str(e)


def test_ds140_formula_without_cached_value(tmp_path, shared_data):
    """openpyxl does not compute formulas: a re-saved DS140 loses E107:E112's cached values."""
    wb = openpyxl.load_workbook(shared_data / DS140)
    p = _save(wb, tmp_path / "resaved.xlsx")
    with pytest.raises(DataError, match="no cached value") as err:
        read_ds140(p)
    assert err.value.row == 107 and err.value.column == "E"


def test_not_a_workbook(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_text("Year,Production\n")
    with pytest.raises(DataError, match="not a readable .xlsx"):
        read_ds140(p)
    with pytest.raises(DataError, match="no such file"):
        read_myb2022(tmp_path / "missing.xlsx")


def _myb_copy(shared_data: Path, tmp_path: Path, edit) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl: print area of T7
        wb = openpyxl.load_workbook(shared_data / MYB, rich_text=True)
    edit(wb)
    return _save(wb, tmp_path / "myb.xlsx")


def test_myb_stray_token(shared_data, tmp_path):
    p = _myb_copy(shared_data, tmp_path, lambda wb: wb["T8"].__setitem__("G11", "14O,000"))
    with pytest.raises(DataError) as err:
        read_myb2022(p)
    assert (err.value.file, err.value.row, err.value.column) == ("myb.xlsx [T8]", 11, "G")


def test_myb_unknown_country(shared_data, tmp_path):
    p = _myb_copy(shared_data, tmp_path, lambda wb: wb["T8"].__setitem__("A13", "Atlantis"))
    with pytest.raises(DataError, match="unknown country") as err:
        read_myb2022(p)
    assert (err.value.file, err.value.row, err.value.column) == ("myb.xlsx [T8]", 13, "A")
    assert err.value.value == "Atlantis"


def test_myb_missing_sheet(shared_data, tmp_path):
    p = _myb_copy(shared_data, tmp_path, lambda wb: wb.remove(wb["T3"]))
    with pytest.raises(DataError, match="no sheet 'T3'"):
        read_myb2022(p)


def test_myb_missing_header(shared_data, tmp_path):
    p = _myb_copy(shared_data, tmp_path, lambda wb: wb["T8"].__setitem__("A6", "Region"))
    with pytest.raises(DataError, match="Country or locality") as err:
        read_myb2022(p)
    assert err.value.row == 6


def test_myb_unknown_marker(shared_data, tmp_path):
    p = _myb_copy(shared_data, tmp_path, lambda wb: wb["T8"].__setitem__("D11", "x"))
    with pytest.raises(DataError, match="footnote marker") as err:
        read_myb2022(p)
    assert (err.value.row, err.value.column) == (11, "D")


def test_myb_unit_line_checked(shared_data, tmp_path):
    p = _myb_copy(shared_data, tmp_path,
                  lambda wb: wb["T8"].__setitem__("A4", "(Metric tons, something else)"))
    with pytest.raises(DataError, match="does not say what the tonnage counts"):
        read_myb2022(p)


def test_myb_total_check(shared_data, tmp_path):
    p = _myb_copy(shared_data, tmp_path, lambda wb: wb["T8"].__setitem__("K19", 400000))
    with pytest.warns(UserWarning, match="2022"):
        read_myb2022(p)
    with pytest.raises(ConsistencyError):
        read_myb2022(p, strict=True)


def _myb_plain_book() -> openpyxl.Workbook:
    """A small yearbook workbook with plain-text labels (no rich-text superscripts)."""
    wb = openpyxl.Workbook()
    t8 = wb.active
    t8.title = "T8"
    t8["A1"] = "TABLE 8"
    t8["A4"] = "(Metric tons, rare-earth oxide equivalent)"
    t8["A6"], t8["C6"], t8["E6"] = "Country or locality2", 2021, 2022
    t8.append(["Indiae, 4", None, 2900, None, 2900])
    t8.append(["Russiae", None, 2500, "r", 2600, "e"])
    t8.append(["Other countries", None, 100, None, "NA"])
    t8.append(["Total", None, 5500, None, 5500])
    t8.append(["eEstimated.  rRevised."])
    t8.append(["2Nothing else."])
    t8.append(["4India did not disclose."])
    t3 = wb.create_sheet("T3")
    t3["A3"] = "(Dollars per kilogram)"
    t3["C5"] = "Purity"
    t3["A6"], t3["C6"], t3["E6"], t3["G6"] = "Product (oxide)", "(percent)", "2021", "2022"
    t3.append(["Neodymium4", None, 99.5, None, 98, None, 134])
    t3.append(["4Source: a price reporter."])
    t1 = wb.create_sheet("T1")
    t1["D4"], t1["F4"] = "2021", "2022"
    t1.append(["Production, REO equivalent", "metric tons", None, 42400, None, 42500])
    t1.append(["Exports, REO equivalent:e"])
    t1.append(["Compounds", "do.", None, 100, None, "--"])
    t1.cell(t1.max_row, 1).alignment = Alignment(indent=1)
    t1.append(["Prices, annual average:"])
    t1.append(["Monazite concentrate", "dollars per kilogram", None, 4.3, None, 8.4])
    t1.cell(t1.max_row, 1).alignment = Alignment(indent=1)
    t1.append(["eEstimated."])
    return wb


def test_myb_plain_text_labels(tmp_path):
    out = read_myb2022(_save(_myb_plain_book(), tmp_path / "plain.xlsx"))
    prod = out["production"]
    ind = _one(prod, country="IND", year=2021)
    assert ind["estimated"] and ind["notes"] == "table T8; India did not disclose."
    rus = _one(prod, country="RUS", year=2022)
    assert rus["estimated"] and rus["quantity_t"] == 2600
    assert "revised" in _one(prod, country="RUS", year=2021)["notes"]
    oth = _one(prod, country="OTH", year=2022)
    assert oth["missing"] == "not_available" and oth["country_kind"] == "aggregate"
    assert _one(out["prices"], product="neodymium oxide 99.5%", year=2022)["price"] == 134
    sal = out["salient"]
    exp = _one(sal, statistic="exports", year=2022)
    assert exp["detail"] == "Exports, REO equivalent: Compounds" and exp["estimated"]
    assert exp["qualifier"] == "zero_dash" and exp["quantity_t"] == 0
    assert _one(sal, statistic="price", year=2022)["unit"] == "USD/kg"


def test_myb_undefined_footnote(tmp_path):
    wb = _myb_plain_book()
    wb["T8"]["A7"] = "Indiae, 9"
    with pytest.raises(DataError, match="footnote 9"):
        read_myb2022(_save(wb, tmp_path / "plain.xlsx"))


def test_parse_myb_from_bytes(tmp_path):
    p = _save(_myb_plain_book(), tmp_path / "plain.xlsx")
    out = parse_myb2022(p.read_bytes(), name="plain.xlsx")
    assert set(out["production"]["file"]) == {"plain.xlsx"}
