"""Worldwide Governance Indicators 2024 update: XLSX (full precision) and CSV (rounded) readers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from critmin.countries import UnknownCountryError, resolve
from critmin.errors import DataError
from critmin.schema import TABLES
from critmin.sources.wgi import INDICATORS, parse_wgi, parse_wgi_csv, read_wgi, read_wgi_csv

XLSX = "wgi/wgidataset_2024update_1996-2023.xlsx"
CSV = "wgi/wgidataset_2024update_1996-2023.csv"
HEADER = ["codeindyr", "code", "countryname", "year", "indicator", "estimate", "stddev", "nsource",
          "pctrank", "pctranklower", "pctrankupper"]


@pytest.fixture(scope="module")
def wgi(shared_data: Path) -> pd.DataFrame:
    return read_wgi(shared_data / XLSX)


@pytest.fixture(scope="module")
def wgi_csv(shared_data: Path) -> pd.DataFrame:
    return read_wgi_csv(shared_data / CSV)


def _one(df: pd.DataFrame, country: str, year: int, indicator: str) -> pd.Series:
    hit = df[(df["country"] == country) & (df["year"] == year) & (df["indicator"] == indicator)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_shape(wgi):
    assert list(wgi.columns) == [f.name for f in TABLES["governance"]]
    assert len(wgi) == 32_100 == 214 * 6 * 25
    assert wgi["country"].nunique() == 214
    assert set(wgi["indicator"]) == set(INDICATORS)
    years = sorted(wgi["year"].unique())
    assert years == [1996, 1998, 2000, *range(2002, 2024)]
    assert not wgi.duplicated(["country", "year", "indicator"]).any()
    assert set(wgi["source"]) == {"wgi"} and set(wgi["edition"]) == {"WGI2024"}
    assert wgi["row"].min() == 2 and wgi["row"].max() == 32_101
    # '..' -> NaN, never zero
    assert wgi["estimate"].isna().sum() == 1126


def test_all_codes_mapped_to_iso3(wgi):
    assert wgi["country"].notna().all()
    assert wgi["country"].str.fullmatch(r"[A-Z]{3}").all()
    codes = wgi.assign(code=wgi["country_raw"].str.slice(0, 3)).drop_duplicates("code")
    mapping = dict(zip(codes["code"], codes["country"], strict=True))
    assert mapping["KSV"] == "XKX"  # Kosovo
    assert mapping["ROM"] == "ROU"  # Romania
    assert mapping["ZAR"] == "COD"  # DR Congo
    assert mapping["ADO"] == "AND"
    assert mapping["TMP"] == "TLS"
    assert mapping["WBG"] == "PSE"
    assert mapping["USA"] == "USA" and mapping["CHN"] == "CHN"
    # the code's country agrees with the name's wherever the name alone resolves
    checked = 0
    for raw, iso in zip(codes["country_raw"], codes["country"], strict=True):
        name = raw.split(": ", 1)[1]
        try:
            by_name = resolve(name).code
        except UnknownCountryError:
            continue
        assert by_name == iso, raw
        checked += 1
    assert checked >= 200


def test_full_precision_against_the_cell(wgi, shared_data):
    wb = openpyxl.load_workbook(shared_data / XLSX, read_only=True)
    ws = wb.worksheets[0]
    rows = ws.iter_rows(min_row=1, max_row=6, values_only=True)
    cells = {r: row for r, row in enumerate(rows, 1)}
    wb.close()
    assert list(cells[1]) == HEADER
    # row 2: AFGcc1996
    afg = _one(wgi, "AFG", 1996, "cc")
    assert afg["row"] == 2 and afg["estimate"] == cells[2][5] == -1.291704773902893
    assert afg["stddev"] == cells[2][6] and afg["nsource"] == 2
    assert afg["pctrank"] == pytest.approx(4.301075458526611)
    # row 6: ADOcc1996 (Andorra, WGI code ADO)
    ado = _one(wgi, "AND", 1996, "cc")
    assert ado["estimate"] == cells[6][5] == 1.3181432485580444
    assert ado["country_raw"] == "ADO: Andorra"
    # row 5: American Samoa, all '..'
    asm = _one(wgi, "ASM", 1996, "cc")
    assert math.isnan(asm["estimate"]) and pd.isna(asm["nsource"])


def test_csv_is_the_rounded_copy(wgi, wgi_csv):
    assert len(wgi_csv) == len(wgi)
    m = wgi.merge(wgi_csv, on=["country", "year", "indicator"], suffixes=("", "_csv"))
    assert len(m) == len(wgi)
    assert (m["row"] == m["row_csv"]).all()  # same row order, line = sheet row
    both = m["estimate"].notna()
    assert (m["estimate"].isna() == m["estimate_csv"].isna()).all()
    diff = (m.loc[both, "estimate"] - m.loc[both, "estimate_csv"]).abs()
    assert diff.max() <= 0.005 + 1e-9
    assert (np.round(m.loc[both, "estimate_csv"], 2) == m.loc[both, "estimate_csv"]).all()
    assert _one(wgi_csv, "AFG", 1996, "cc")["estimate"] == -1.29
    assert _one(wgi, "AFG", 1996, "cc")["estimate"] == pytest.approx(-1.29, abs=0.005)


# ------------------------------------------------------------------------------- broken inputs


def _book(rows: list[list[object]], header: list[str] | None = None,
          sheet: str = "Sheet1") -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header or HEADER)
    for r in rows:
        ws.append(r)
    return wb


_GOOD = [
    ["ROMva2023", "ROM", "Romania", 2023, "va", 0.5123, 0.1, 9, 70.5, 60, 80],
    ["KSVva2023", "KSV", "Kosovo", 2023, "va", -0.1, 0.2, 5, 45, 30, 60],
    ["NIUva2023", "NIU", "Niue", 2023, "va", "..", "..", "..", "..", "..", ".."],
]


def _xlsx(wb: openpyxl.Workbook, tmp_path: Path) -> Path:
    p = tmp_path / "wgi.xlsx"
    wb.save(p)
    return p


def test_synthetic_ok(tmp_path):
    out = read_wgi(_xlsx(_book(_GOOD), tmp_path))
    assert out["country"].tolist() == ["ROU", "XKX", "NIU"]
    assert out["estimate"].iloc[0] == 0.5123 and math.isnan(out["estimate"].iloc[2])
    assert out["row"].tolist() == [2, 3, 4]
    again = parse_wgi((tmp_path / "wgi.xlsx").read_bytes(), name="wgi.xlsx")
    pd.testing.assert_frame_equal(again, out)


def test_missing_header(tmp_path):
    wb = _book(_GOOD)
    wb.active.title = "Data"
    wb.active.insert_rows(1)  # the header is no longer in row 1
    with pytest.raises(DataError, match="no sheet whose first row is the WGI header") as err:
        read_wgi(_xlsx(wb, tmp_path))
    assert err.value.file == "wgi.xlsx"


def test_missing_column(tmp_path):
    header = [h if h != "estimate" else "value" for h in HEADER]
    with pytest.raises(DataError, match="estimate") as err:
        read_wgi(_xlsx(_book(_GOOD, header=header), tmp_path))
    assert err.value.row == 1 and err.value.file == "wgi.xlsx [Sheet1]"


def test_stray_token(tmp_path):
    rows = [*_GOOD, ["ROMpv2023", "ROM", "Romania", 2023, "pv", "n/a", 0.1, 9, 70, 60, 80]]
    with pytest.raises(DataError) as err:
        read_wgi(_xlsx(_book(rows), tmp_path))
    e = err.value
    assert (e.file, e.row, e.column, e.value) == ("wgi.xlsx [Sheet1]", 5, "F", "n/a")


def test_unknown_country(tmp_path):
    rows = [*_GOOD, ["XXXva2023", "XXX", "Atlantis", 2023, "va", 0.0, 0.1, 1, 50, 40, 60]]
    with pytest.raises(DataError, match="Atlantis") as err:
        read_wgi(_xlsx(_book(rows), tmp_path))
    assert (err.value.row, err.value.column, err.value.value) == (5, "B", "XXX")


def test_unknown_code_resolved_by_name(tmp_path):
    rows = [["QQQva2023", "QQQ", "Romania", 2023, "va", 0.5, 0.1, 9, 70, 60, 80]]
    out = read_wgi(_xlsx(_book(rows), tmp_path))
    assert out["country"].tolist() == ["ROU"] and out["country_raw"].tolist() == ["QQQ: Romania"]


def test_two_codes_one_country(tmp_path):
    rows = [*_GOOD, ["ROUva2023", "ROU", "Romania", 2023, "va", 0.5, 0.1, 9, 70, 60, 80]]
    with pytest.raises(DataError, match="same country") as err:
        read_wgi(_xlsx(_book(rows), tmp_path))
    assert err.value.row == 5


def test_unknown_indicator(tmp_path):
    rows = [["ROMxx2023", "ROM", "Romania", 2023, "xx", 0.5, 0.1, 9, 70, 60, 80]]
    with pytest.raises(DataError, match="unknown indicator") as err:
        read_wgi(_xlsx(_book(rows), tmp_path))
    assert (err.value.row, err.value.column) == (2, "E")


def test_csv_broken(tmp_path):
    text = ",".join(HEADER) + "\n" + "ROMva2023,ROM,Romania,2023,va,0.51,0.10,9,70.5,60.0,80.0\n" \
        + "ROMpv2023,ROM,Romania,2023,pv,abc,0.10,9,70.5,60.0,80.0\n"
    with pytest.raises(DataError) as err:
        parse_wgi_csv(text, name="wgi.csv")
    assert (err.value.file, err.value.row, err.value.column) == ("wgi.csv", 3, "estimate")
    ok = parse_wgi_csv(text.replace("abc", ".."), name="wgi.csv")
    assert ok["estimate"].iloc[0] == 0.51 and math.isnan(ok["estimate"].iloc[1])
    with pytest.raises(DataError, match="lacks"):
        parse_wgi_csv("code,countryname,year\nROM,Romania,2023\n", name="wgi.csv")


def test_not_a_workbook(tmp_path):
    p = tmp_path / "wgi.xlsx"
    p.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a readable"):
        read_wgi(p)
