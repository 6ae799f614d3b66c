"""USGS MCS salient statistics, import sources, prices and consumption (critmin.sources.usgs_mcs).

Reference values were read by hand from the raw files under ../shared/data/usgs_mcs (line numbers
are those of a text editor, header = line 1).
"""

from __future__ import annotations

import collections
import csv
import io
import math
import warnings

import pandas as pd
import pycountry
import pytest

from critmin.errors import DataError
from critmin.schema import KEYS, TABLES
from critmin.sources.usgs_mcs import (
    SalientLayoutWarning,
    parse_column,
    parse_mcs2026_salient,
    parse_salient,
    read_all_salient,
    read_mcs2026_salient,
    read_salient,
)

MCS2026 = "MCS2026_Commodities_Data.csv"


@pytest.fixture(scope="module")
def everything(shared_data):
    files: collections.Counter = collections.Counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = read_all_salient(shared_data / "usgs_mcs",
                               progress=lambda name, n: files.update([name[:7].upper()]))
    return res, files, caught


@pytest.fixture(scope="module")
def mcs2026(shared_data):
    return read_mcs2026_salient(shared_data / "usgs_mcs" / "mcs2026" / MCS2026)


def _one(df, **eq):
    sel = df
    for k, v in eq.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{len(sel)} rows for {eq}"
    return sel.iloc[0]


# ---------------------------------------------------------------------------------------------
# every file of every vintage


def test_every_salient_file_of_every_vintage_is_read(everything):
    res, files, caught = everything
    assert dict(files) == {"MCS2022": 12, "MCS2023": 85, "MCS2024": 85, "MCS2025": 85,
                           "MCS2026": 1}
    # three MCS2024 "salient" files are world tables: read, warned about, no rows
    with_rows = res["salient"].groupby("edition")["file"].nunique().to_dict()
    assert with_rows == {"MCS2022": 12, "MCS2023": 85, "MCS2024": 82, "MCS2025": 85,
                         "MCS2026": 1}
    layout = [w for w in caught if issubclass(w.category, SalientLayoutWarning)]
    assert sorted(str(w.message).split(":")[0] for w in layout) == [
        "mcs2024-cobal_salient.csv", "mcs2024-gypsu_salient.csv", "mcs2024-kyani_salient.csv"]


def test_row_counts_per_vintage(everything):
    res, _, _ = everything
    counts = {t: df.groupby("edition").size().to_dict() for t, df in res.items()}
    assert counts["salient"] == {"MCS2022": 810, "MCS2023": 4685, "MCS2024": 4570,
                                 "MCS2025": 4755, "MCS2026": 4863}
    assert counts["prices"] == {"MCS2022": 165, "MCS2023": 780, "MCS2024": 750,
                                "MCS2025": 775, "MCS2026": 799}
    assert counts["consumption"] == {"MCS2022": 110, "MCS2023": 560, "MCS2024": 540,
                                     "MCS2025": 560, "MCS2026": 560}
    assert counts["import_sources"] == {"MCS2026": 720}


def test_mcs2026_counts_match_the_raw_file(shared_data, mcs2026):
    raw = (shared_data / "usgs_mcs" / "mcs2026" / MCS2026).read_bytes().decode("cp1252")
    sections = collections.Counter(r["Section"] for r in csv.DictReader(io.StringIO(raw)))
    assert len(mcs2026["salient"]) == sections["Salient Statistics—United States"] == 4863
    assert len(mcs2026["import_sources"]) == sections["Import Sources"] == 720
    prices = sum(1 for r in csv.DictReader(io.StringIO(raw))
                 if r["Section"].startswith("Salient") and r["Statistics"] == "Price")
    assert len(mcs2026["prices"]) == prices


def test_one_wide_file_by_hand(shared_data):
    # mcs2025-rareee: 5 years x 19 series (2 production, 3 imports, 3 exports, 1 consumption,
    # 7 prices, employment, 2 NIR); 7 price columns; 1 apparent consumption column
    res = read_salient(shared_data / "usgs_mcs" / "mcs2025" / "salient" / "mcs2025-rareee_salient.csv")
    assert len(res["salient"]) == 5 * 19
    assert len(res["prices"]) == 5 * 7
    assert len(res["consumption"]) == 5
    assert set(res["salient"]["commodity"]) == {"rare-earths"}


def test_outputs_conform_to_the_schema_and_keys_are_unique(everything):
    res, _, _ = everything
    for table, df in res.items():
        assert list(df.columns) == [f.name for f in TABLES[table]]
        for ed, part in df.groupby("edition"):
            assert not part.duplicated(list(KEYS[table])).any(), (table, ed)
        assert set(df["source"]) == {"usgs-mcs"}


# ---------------------------------------------------------------------------------------------
# hand-checked values


def test_rare_earth_import_sources_2021_24(mcs2026):
    imp = mcs2026["import_sources"]
    ree = imp[(imp["commodity"] == "rare-earths")]
    got = dict(zip(ree["partner"], ree["share"], strict=True))
    assert got == pytest.approx({"CHN": 0.71, "MYS": 0.13, "JPN": 0.05, "EST": 0.05, "OTH": 0.06})
    assert set(ree["period"]) == {"2021-2024"}
    assert set(ree["importer"]) == {"USA"}
    assert set(ree["detail"]) == {"Rare-earth compounds and metals"}
    assert _one(ree, partner="CHN")["row"] == 6066
    assert sum(got.values()) == pytest.approx(1.0)


def test_no_unmapped_import_partners(mcs2026):
    imp = mcs2026["import_sources"]
    assert imp["partner"].notna().all()
    for code in imp["partner"].unique():
        for part in code.split("+"):
            assert part == "OTH" or pycountry.countries.get(alpha_3=part) is not None, code
    # shares are fractions; per series they add up to 1 within the source's rounding
    assert imp["share"].between(0, 1).all()
    sums = imp.groupby(["commodity", "detail"])["share"].sum()
    assert sums.between(0.98, 1.02).all()
    bounds = imp[imp["qualifier"].notna()]
    assert set(bounds["qualifier"]) <= {"<", ">"}


def test_rare_earth_apparent_consumption_2021(mcs2026):
    con = mcs2026["consumption"]
    row = _one(con, commodity="rare-earths", year=2021)
    assert row["quantity_t"] == 7900
    assert row["method"] == "apparent" and row["country"] == "USA" and row["basis"] == ""
    sal = mcs2026["salient"]
    s = _one(sal, commodity="rare-earths", year=2021, statistic="consumption")
    assert s["detail"] == "Consumption, apparent, compounds and metals"
    assert (s["value"], s["unit"], s["row"]) == (7900, "t", 5969)


def test_nir_tokens(mcs2026, shared_data):
    sal = mcs2026["salient"]
    nir = sal[(sal["commodity"] == "rare-earths") & (sal["statistic"] == "nir")
              & (sal["year"] == 2021)]
    cm = _one(nir, detail="Net import reliance as a percentage of apparent consumption: "
                          "Compounds and metals")
    assert (cm["value"], cm["qualifier"], cm["unit"]) == (95, ">", "%")
    assert pd.isna(cm["missing"])
    conc = _one(nir, detail="Net import reliance as a percentage of apparent consumption: "
                            "Mineral concentrates")
    assert math.isnan(conc["value"]) and conc["missing"] == "net_exporter"
    # the wide files label the same series "_t": read as percent anyway
    wide = read_salient(shared_data / "usgs_mcs" / "mcs2025" / "salient" / "mcs2025-rareee_salient.csv")
    s = wide["salient"]
    r = _one(s, detail="NIR_Compounds-Metals_t", year=2021)
    assert (r["statistic"], r["unit"], r["value"], r["qualifier"]) == ("nir", "%", 95, ">")


def test_neodymium_oxide_prices(everything):
    res, _, _ = everything
    p = res["prices"]
    nd = p[(p["commodity"] == "rare-earths") & (p["product"] == "neodymium oxide")]
    assert _one(nd, edition="MCS2022", year=2017)["price"] == 50
    r = _one(nd, edition="MCS2025", year=2022)
    assert (r["price"], r["unit"], bool(r["estimated"])) == (134, "USD/kg", False)
    r = _one(nd, edition="MCS2025", year=2024)
    assert (r["price"], bool(r["estimated"])) == (56, True)  # latest year: estimated
    assert _one(nd, edition="MCS2026", year=2024)["price"] == 56
    ndpr = _one(p, edition="MCS2026", commodity="rare-earths", year=2025,
                product="neodymium-praseodymium (NdPr) oxide")
    assert ndpr["price"] == 69 and bool(ndpr["estimated"])
    dy = _one(p, edition="MCS2026", commodity="rare-earths-heavy", year=2024,
              product="dysprosium oxide")
    assert dy["price"] == 257


def test_estimates_from_the_release_metadata(shared_data):
    res = read_salient(shared_data / "usgs_mcs" / "mcs2025" / "salient" / "mcs2025-rareee_salient.csv")
    s = res["salient"]
    # "Data are estimated for the most recent year"
    assert not _one(s, detail="Price_Nd2O3_dkg", year=2023)["estimated"]
    assert _one(s, detail="Price_Nd2O3_dkg", year=2024)["estimated"]
    # "REO equivalent ... were estimated for all years"
    assert s[s["detail"] == "Imports_Compounds_t"]["estimated"].all()
    assert "Neodymium oxide" in _one(s, detail="Price_Nd2O3_dkg", year=2024)["notes"]


# ---------------------------------------------------------------------------------------------
# quirks


def test_quirky_cells(everything):
    res, _, _ = everything
    s = res["salient"]
    # leading estimate marker 'e150' (MCS2024 copper, 2022)
    r = _one(s, edition="MCS2024", commodity="copper", detail="USprod_Post-consumer_kt", year=2022)
    assert r["value"] == 150 and r["estimated"]
    # 'Less than ½ unit.' -> < 0.5 in the column's unit
    r = _one(s, edition="MCS2023", commodity="lead", detail="Imports_Concentrates_kt", year=2019)
    assert (r["value"], r["qualifier"], r["quantity_t"]) == (0.5, "<", 500)
    # Unicode minus: government stockpile acquisitions
    r = _one(s, edition="MCS2023", commodity="niobium", detail="Shipments_Gov_t", year=2020)
    assert r["value"] == -88
    # MCS2026 '?1': the minus sign lost in Windows-1252; MCS2025 prints −1 for the same figure
    r = _one(s, edition="MCS2026", commodity="niobium",
             detail="Shipments from Government stockpile", year=2021)
    assert r["value"] == -1
    # MCS2026 's' with the note 'Less than ½ unit.'
    r = _one(s, edition="MCS2026", commodity="cadmium", year=2022,
             detail="Imports for consumption: Cadmium sulfide")
    assert (r["value"], r["qualifier"]) == (0.5, "<")
    # a range and a descriptive text: missing, text kept in notes
    r = _one(s, edition="MCS2024", commodity="quartz", detail="HPQ_Price_dt", year=2019)
    assert r["missing"] == "range" and "500–14,000" in r["notes"]
    r = _one(s, edition="MCS2023", commodity="stone-dimension", detail="Price_Average_mdol",
             year=2020)
    assert r["missing"] == "text"


def test_broken_headers_are_fixed_with_evidence(everything):
    res, _, _ = everything
    s = res["salient"]
    # MCS2024 gallium writes 'Consump_g' for kilograms
    r = _one(s, edition="MCS2024", commodity="gallium", detail="Consump_kg", year=2021)
    assert (r["value"], r["unit"], r["quantity_t"]) == (17100, "kg", 17.1)
    assert "Consump_g" in r["notes"]
    # MCS2024 lead: names shifted against the values; MCS2026 gives 294 and 286 kt for 2021
    assert _one(s, edition="MCS2024", commodity="lead", detail="USprod_Mine_kt",
                year=2021)["value"] == 294
    assert _one(s, edition="MCS2024", commodity="lead", detail="USprod_Mine_Recoverable_kt",
                year=2021)["value"] == 286
    # MCS2024 fluorspar: one stray blank cell per row; acid-grade imports 2019 = 346 kt (MCS2023)
    assert _one(s, edition="MCS2024", commodity="fluorspar", detail="Imports_Acid_kt",
                year=2019)["value"] == 346
    # price per metric ton unit of WO3
    assert _one(s, edition="MCS2025", commodity="tungsten", detail="Price_WO3_dt",
                year=2024)["unit"] == "USD/dmtu"


def test_world_table_filed_as_salient_warns(shared_data):
    with pytest.warns(SalientLayoutWarning, match="world production table"):
        res = read_salient(shared_data / "usgs_mcs" / "mcs2024" / "salient" / "mcs2024-cobal_salient.csv")
    assert all(len(df) == 0 for df in res.values())


def test_xlsx_salient_files(shared_data):
    q = read_salient(shared_data / "usgs_mcs" / "mcs2023" / "salient" / "mcs2023-quartz_salient.xlsx")
    s = q["salient"]
    assert len(s) == 5 * 9
    r = _one(s, detail="Imports_Piezo_kg", year=2020)
    assert (r["value"], r["row"], r["commodity"]) == (114000, 4, "quartz")
    d = read_salient(shared_data / "usgs_mcs" / "mcs2023" / "salient" / "mcs2023-stond_salient.xlsx")
    assert _one(d["salient"], detail="NIR_pct", year=2022)["value"] == 82


@pytest.mark.parametrize(
    ("name", "statistic", "unit", "words"),
    [
        ("Imports_Compounds_t", "imports", "t", ("Compounds",)),
        ("Price_Nd2O3_dkg", "price", "USD/kg", ("Nd2O3",)),
        ("NIR_Compounds-Metals_t", "nir", "%", ("Compounds-Metals",)),
        ("Price_WO3dt", "price", "USD/t", ("WO3",)),
        ("Consump_Reportedt", "consumption", "t", ("Reported",)),
        ("USprod_Primarykg", "production", "kg", ("Primary",)),
        ("Bauxite_Consump_Apprnt_kt", "consumption", "kt", ("Apprnt",)),
        ("CrystalImports, piezoelectric_t", "imports", "t", ()),
        ("Employment_", "employment", "count", ()),
        ("Stocks_LME_t", "stocks", "t", ("LME",)),
        ("Shipments_Gov_t", "other", "t", ("Shipments", "Gov")),
        ("Price_Index", "price", "index", ()),
        ("Consump_mmt", "consumption", "Mt", ()),
    ],
)
def test_parse_column(name, statistic, unit, words):
    c = parse_column(name)
    assert (c.statistic, c.unit, c.words) == (statistic, unit, words)


def test_consumption_method_from_name():
    assert parse_column("Bauxite_Consump_Apprnt_kt").method == "apparent"
    assert parse_column("Consump_Reported_Primary_t").method == "reported"
    assert parse_column("Consump_kt").method is None


# ---------------------------------------------------------------------------------------------
# broken buffers: the error names file, row and column

WIDE = ("DataSource,Commodity,Year,Imports_t,Exports_t,NIR_pct\n"
        "MCS2025,Gallium,2023,10,1,100\n"
        "MCS2025,Gallium,2024,12,2,>95\n")
NAME = "mcs2025-galli_salient.csv"


def test_parse_salient_good_buffer():
    res = parse_salient(WIDE, NAME)
    s = res["salient"]
    assert len(s) == 6 and set(s["commodity"]) == {"gallium"}
    assert _one(s, detail="NIR_pct", year=2024)["qualifier"] == ">"
    assert _one(s, detail="Imports_t", year=2024)["estimated"]  # latest year, no metadata


def test_missing_column():
    with pytest.raises(DataError, match="missing column 'Year'") as e:
        parse_salient(WIDE.replace("Year", "Yr"), NAME)
    assert (e.value.file, e.value.row, e.value.column) == (NAME, 1, "Year")


def test_stray_token():
    with pytest.raises(DataError) as e:
        parse_salient(WIDE.replace("12,2", "12x,2"), NAME)
    assert (e.value.file, e.value.row, e.value.column, e.value.value) == (NAME, 3, "Imports_t",
                                                                          "12x")
    assert "file mcs2025-galli_salient.csv, row 3, column 'Imports_t'" in str(e.value)


def test_wrong_encoding():
    data = WIDE.encode() + b"MCS2025,Gallium,2025,1\x81,3,100\n"
    with pytest.raises(DataError, match="cannot decode byte 0x81") as e:
        parse_salient(data, NAME)
    assert (e.value.file, e.value.row, e.value.column) == (NAME, 4, "Imports_t")


def test_duplicate_rows():
    with pytest.raises(DataError, match=r"rows 3 and 4") as e:
        parse_salient(WIDE + "MCS2025,Gallium,2024,12,2,>95\n", NAME)
    assert (e.value.file, e.value.row, e.value.column) == (NAME, 4, "Year")


def test_duplicate_columns():
    bad = WIDE.replace("Exports_t", "Imports_t")
    with pytest.raises(DataError, match="duplicate column name") as e:
        parse_salient(bad, NAME)
    assert (e.value.file, e.value.row, e.value.column) == (NAME, 1, "Imports_t")


@pytest.mark.parametrize("buf", [b"", "", b"  \n"])
def test_empty_file(buf):
    with pytest.raises(DataError, match="empty") as e:
        parse_salient(buf, NAME)
    assert (e.value.file, e.value.row) == (NAME, 1)


def test_unknown_unit_token():
    with pytest.raises(DataError, match="no unit token") as e:
        parse_salient(WIDE.replace("Exports_t", "Exports_foo"), NAME)
    assert (e.value.file, e.value.row, e.value.column) == (NAME, 1, "Exports_foo")


def test_value_under_empty_header():
    bad = WIDE.replace("NIR_pct\n", "NIR_pct,\n").replace(",100\n", ",100,\n").replace(
        ",>95\n", ",>95,7\n")
    with pytest.raises(DataError, match="empty column header") as e:
        parse_salient(bad, NAME)
    assert (e.value.row, e.value.column) == (3, "#7")


def test_row_cut_short_raises():
    """A row with fewer fields than the header (a file cut inside its last row) is refused."""
    with pytest.raises(DataError, match="5 fields where the header has 6") as e:
        parse_salient(WIDE[:-6], NAME)
    assert (e.value.file, e.value.row) == (NAME, 3)


def test_missing_latest_year_raises():
    """A file that lost its last year would move the estimate flag onto the year before."""
    with pytest.raises(DataError, match=r"year\(s\) 2024 missing") as e:
        parse_salient(WIDE.rsplit("MCS2025", 1)[0], NAME)
    assert (e.value.file, e.value.column) == (NAME, "Year")


def test_negative_quantity_raises():
    with pytest.raises(DataError, match="negative value for imports") as e:
        parse_salient(WIDE.replace("12,2", "-4,2"), NAME)
    assert (e.value.row, e.value.column) == (3, "Imports_t")


HEAD26 = ("MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,Notes,"
          "Is critical mineral 2025,Other notes\n")
ROW26 = ("RARE EARTHS,Salient Statistics—United States,Rare Earths,United States,Consumption,"
         '"Consumption, apparent, compounds and metals",metric tons,2021,"7,900",'
         "Defined as production + imports – exports.,Yes,\n")
IMP26 = ("RARE EARTHS,Import Sources,Rare Earths,China,Import sources 2021-2024,"
         "Rare-earth compounds and metals,percent,2021–24,71,,Yes,\n")


def test_mcs2026_good_buffer():
    res = parse_mcs2026_salient((HEAD26 + ROW26 + IMP26).encode("cp1252"), MCS2026)
    assert _one(res["consumption"], year=2021)["quantity_t"] == 7900
    assert _one(res["import_sources"], partner="CHN")["share"] == pytest.approx(0.71)


def test_mcs2026_missing_column():
    with pytest.raises(DataError, match="missing column 'Value'") as e:
        parse_mcs2026_salient(HEAD26.replace(",Value,", ",Val,") + ROW26, MCS2026)
    assert (e.value.file, e.value.row, e.value.column) == (MCS2026, 1, "Value")


def test_mcs2026_stray_token():
    with pytest.raises(DataError) as e:
        parse_mcs2026_salient(HEAD26 + ROW26.replace('"7,900"', "7.9k"), MCS2026)
    assert (e.value.file, e.value.row, e.value.column, e.value.value) == (MCS2026, 2, "Value",
                                                                          "7.9k")


def test_mcs2026_identical_rows():
    with pytest.raises(DataError, match="rows 2 and 3") as e:
        parse_mcs2026_salient(HEAD26 + ROW26 + ROW26, MCS2026)
    assert (e.value.file, e.value.row, e.value.column) == (MCS2026, 3, "Statistics_detail")


def test_mcs2026_repeated_block_is_disambiguated():
    second = ROW26.replace('"7,900"', "350")
    res = parse_mcs2026_salient(HEAD26 + ROW26 + second, MCS2026)
    details = sorted(res["salient"]["detail"])
    assert details == ["Consumption, apparent, compounds and metals",
                       "Consumption, apparent, compounds and metals [2]"]


def test_mcs2026_unknown_country():
    with pytest.raises(DataError, match="unknown country") as e:
        parse_mcs2026_salient(HEAD26 + IMP26.replace("China", "Atlantis"), MCS2026)
    assert (e.value.file, e.value.row, e.value.column) == (MCS2026, 2, "Country")


def test_mcs2026_wrong_encoding():
    data = (HEAD26 + ROW26).encode("cp1252").replace(b"7,900", b"7\x81900")
    with pytest.raises(DataError, match="cannot decode") as e:
        parse_mcs2026_salient(data, MCS2026)
    assert (e.value.file, e.value.row, e.value.column) == (MCS2026, 2, "Value")


def test_mcs2026_empty():
    with pytest.raises(DataError, match="empty") as e:
        parse_mcs2026_salient(b"", MCS2026)
    assert (e.value.file, e.value.row) == (MCS2026, 1)
