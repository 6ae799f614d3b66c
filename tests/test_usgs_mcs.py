"""Tests of critmin.sources.usgs_mcs (world layouts): MCS world production and reserves, every vintage.

Reference values were read by hand from the raw files in ``../shared/data/usgs_mcs`` (file and line
given next to each).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pycountry
import pytest

from critmin import commodities as cm
from critmin.errors import DataError
from critmin.schema import KEYS, TABLES
from critmin.sources import usgs_mcs as mcs

# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def root(shared_data: Path) -> Path:
    return shared_data / "usgs_mcs"


@pytest.fixture(scope="module")
def world(root: Path) -> dict[str, pd.DataFrame]:
    return mcs.read_all_world(root)


@pytest.fixture(scope="module")
def prod(world: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return world["production"]


@pytest.fixture(scope="module")
def res(world: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return world["reserves"]


def one(df: pd.DataFrame, **where: object) -> pd.Series:
    """The single row matching ``where``."""
    m = pd.Series(True, index=df.index)
    for k, v in where.items():
        m &= df[k] == v
    hit = df[m]
    assert len(hit) == 1, f"{len(hit)} rows for {where}"
    return hit.iloc[0]


# ---------------------------------------------------------------------------------------------
# hand-checked values
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edition", "country", "year", "value", "estimated", "line"),
    [
        # MCS2026_Commodities_Data.csv lines 6076 and 6088
        ("MCS2026", "CHN", 2024, 270_000, True, 6076),
        ("MCS2026", "WLD", 2024, 380_000, True, 6088),
        # MCS2025_World_Data.csv line 885
        ("MCS2025", "CHN", 2023, 255_000, False, 885),
        ("MCS2025", "CHN", 2024, 270_000, True, 885),
        # mcs2023-raree_world.csv line 8
        ("MCS2023", "CHN", 2021, 168_000, False, 8),
        ("MCS2023", "CHN", 2022, 210_000, True, 8),
        # mcs2022-raree_world.csv line 8 (Prod_t_Est_2021)
        ("MCS2022", "CHN", 2021, 168_000, True, 8),
        # mcs2024-raree_world.csv: BOTH columns are labelled est (Prod_t_est_2022,...)
        ("MCS2024", "CHN", 2022, 210_000, True, 7),
    ],
)
def test_rare_earths_mine_production(prod, edition, country, year, value, estimated, line):
    r = one(prod, commodity="rare-earths", edition=edition, country=country, year=year,
            measure="production")
    assert r["stage"] == "mine"
    assert r["basis"] == "REO"
    assert r["value"] == value and r["unit"] == "t" and r["quantity_t"] == value
    assert bool(r["estimated"]) is estimated
    assert r["row"] == line
    assert pd.isna(r["missing"])


def test_rare_earths_reserves(res):
    r = one(res, commodity="rare-earths", edition="MCS2023", country="CHN")
    assert r["year"] == 2022 and r["value"] == 44_000_000 and r["quantity_t"] == 44_000_000
    w = one(res, commodity="rare-earths", edition="MCS2025", country="WLD")
    assert w["value"] == 90_000_000 and w["qualifier"] == ">"


def test_mcs2025_burma_reserves_na_shifted_into_notes(res):
    # MCS2025 line 883: RESERVES_2024 blank, RESERVE_NOTES "NA"
    r = one(res, commodity="rare-earths", edition="MCS2025", country="MMR")
    assert math.isnan(r["value"]) and r["missing"] == "not_available"
    assert r["row"] == 883 and r["year"] == 2024


def test_mcs2025_w_for_23_24_and_na_for_2023(prod):
    # Titanium sponge, United States: PROD_NOTES "W for 23-24" (line 1143)
    for year in (2023, 2024):
        r = one(prod, commodity="titanium", edition="MCS2025", country="USA", year=year,
                measure="production", product="sponge metal")
        assert r["missing"] == "withheld" and math.isnan(r["value"])
    # Mercury, Peru (exports): PROD_2023 blank, PROD_EST_ 2024 = 30, note "na for 2023"
    r23 = one(prod, commodity="mercury", edition="MCS2025", country="PER", year=2023)
    r24 = one(prod, commodity="mercury", edition="MCS2025", country="PER", year=2024)
    assert r23["missing"] == "not_available"
    assert r24["value"] == 30 and pd.isna(r24["missing"])


def test_germanium_withheld_and_blank(prod):
    us24 = one(prod, commodity="germanium", edition="MCS2024", country="USA", year=2023)
    assert us24["missing"] == "withheld" and math.isnan(us24["value"]) and us24["unit"] == "kg"
    # MCS 2025 publishes the germanium rows with every cell empty ("Gemanium", lines 401-408):
    # kept as blank, never zero
    g25 = prod[(prod.commodity == "germanium") & (prod.edition == "MCS2025")]
    assert len(g25) == 16
    assert g25["value"].isna().all() and (g25["missing"] == "blank").all()


def test_kt_and_kg_columns_converted(prod):
    # mcs2024-coppe_world.csv: Prod_kt_2022; Chile 5,330 kt
    r = one(prod, commodity="copper", edition="MCS2024", country="CHL", year=2022, stage="mine")
    assert r["unit"] == "kt" and r["quantity_t"] == pytest.approx(r["value"] * 1_000)
    # mcs2024-galli_world.csv: Prod_kg_2022; kilograms -> tonnes
    g = one(prod, commodity="gallium", edition="MCS2024", country="CHN", year=2022,
            measure="production")
    assert g["unit"] == "kg" and g["quantity_t"] == pytest.approx(g["value"] / 1_000)
    # non-mass units keep quantity_t NaN
    d = prod[(prod.commodity == "diamond-industrial") & prod["value"].notna()]
    assert (d["unit"] == "million carats").all() and d["quantity_t"].isna().all()


def test_barite_2024_revision_is_kt_and_consistent(prod):
    """The MCS 2024 v2.0 revision switched barite to kt: world totals agree across editions."""
    def world(edition: str, year: int) -> float:
        return one(prod, commodity="barite", edition=edition, country="WLD", year=year)[
            "quantity_t"]

    w24 = world("MCS2024", 2023)
    assert one(prod, commodity="barite", edition="MCS2024", country="WLD", year=2023)[
        "unit"] == "kt"
    assert w24 == 8_500_000
    assert world("MCS2024", 2022) == pytest.approx(world("MCS2023", 2022), rel=0.1)
    assert world("MCS2025", 2023) == pytest.approx(w24, rel=0.1)
    assert world("MCS2026", 2024) == pytest.approx(world("MCS2025", 2024), rel=0.1)


def test_world_totals_agree_across_editions(prod):
    """Every world total published by two editions for the same year agrees within a factor 3
    (catches unit slips), except two figures the source itself changed."""
    w = prod[(prod.country == "WLD") & prod.quantity_t.notna() & (prod["value"] > 0)
             & (prod.measure == "production")]
    g = w.groupby(["commodity", "stage", "product", "year", "edition"]).quantity_t.first()
    bad = []
    for key, grp in g.groupby(level=[0, 1, 2, 3]):
        if len(grp) > 1 and grp.max() / grp.min() > 3:
            bad.append(key[0])
    # MCS2025 kaolin 2024e is published as 4,400 kt (44,400 for 2023, 49,100 in MCS2026);
    # MCS2026 revised China's 2024 mercury from 1,000 t to 200 t.
    assert sorted(bad) == ["clays", "mercury"]


def test_reserves_agree_across_editions(res):
    w = res[(res.country == "WLD") & res.quantity_t.notna() & (res["value"] > 0)]
    g = w.groupby(["commodity", "product", "edition"]).quantity_t.first()
    bad = [k[0] for k, grp in g.groupby(level=[0, 1]) if grp.max() / grp.min() > 3]
    assert bad == []


def test_unit_corrections_are_explicit(prod, res):
    # MCS2023 chromium: Prod_t columns but notes "Units are thousand metric tons"
    c = one(prod, commodity="chromium", edition="MCS2023", country="WLD", year=2022)
    assert c["unit"] == "kt" and c["value"] == 41_000 and "notes state" in c["notes"]
    # MCS2025 titanium mineral concentrates: UNIT_MEAS says metric tons, figures are kt
    t = one(prod, commodity="titanium-mineral-concentrates", edition="MCS2025", country="CHN",
            year=2023, product="ilmenite")
    assert t["unit"] == "kt" and t["value"] == 3_250 and "corrected" in t["notes"]
    # MCS2025 iron-ore reserves: UNIT_MEAS thousand metric tons, notes "Crude Ore, million..."
    i = one(res, commodity="iron-ore", edition="MCS2025", country="AUS", product="crude ore")
    assert i["unit"] == "Mt" and i["value"] == 58_000
    assert set(mcs.UNIT_FIXES) >= {("MCS2024", "selenium", "reserves")}


def test_tokens_and_words(prod, res):
    # MCS2024 vermiculite Mexico "Less than ½ unit."
    v = one(prod, commodity="vermiculite", edition="MCS2024", country="MEX", year=2022)
    assert v["value"] == 0.5 and v["qualifier"] == "<"
    # MCS2026 "s" + note "Less than ½unit." (vermiculite Mexico 2024, line 8443)
    v26 = one(prod, commodity="vermiculite", edition="MCS2026", country="MEX", year=2024)
    assert v26["value"] == 0.5 and v26["qualifier"] == "<" and v26["row"] == 8443
    # MCS2026 "s" + "Included in “World total.”" (graphite, United States reserves)
    g = one(res, commodity="graphite", edition="MCS2026", country="USA")
    assert g["missing"] == "included_elsewhere" and math.isnan(g["value"])
    # MCS2024 timin: "included with ilmenite" in value cells
    t = one(prod, commodity="titanium-mineral-concentrates", edition="MCS2024", country="USA",
            year=2022, product="rutile")
    assert t["missing"] == "included_elsewhere"
    # MCS2025 potash Israel reserves "Large" in RESERVE_NOTES
    p = one(res, commodity="potash", edition="MCS2025", country="ISR", product="K2O equivalent")
    assert p["missing"] == "descriptive" and "Large" in p["notes"]
    # MCS2024 sand and gravel: leading e "e5,000"
    s = one(prod, commodity="sand-and-gravel-industrial", edition="MCS2024", country="AUS",
            year=2022)
    assert s["value"] == 5_000 and bool(s["estimated"])
    # MCS2026 dash = zero
    z = one(prod, commodity="rare-earths", edition="MCS2026", country="CAN", year=2024)
    assert z["value"] == 0 and z["qualifier"] == "zero_dash"
    # a range (MCS2026 iron slag "330 - 390")
    r = prod[(prod.commodity == "iron-and-steel-slag") & (prod["product"] == "iron slag")].iloc[0]
    assert r["value"] == 330 and r["qualifier"] == "range" and "330 - 390" in r["notes"]


def test_missing_is_never_zero(prod, res):
    for df in (prod, res):
        assert df.loc[df["missing"].notna(), "value"].isna().all()
        assert df.loc[df["missing"].notna(), "quantity_t"].isna().all()
        assert set(df["missing"].dropna()) <= {"withheld", "not_available", "not_applicable",
                                                "net_exporter", "blank", *mcs.EXTRA_MISSING}


def test_capacity_never_mixed_with_production(prod):
    a = prod[(prod.commodity == "aluminum") & (prod.edition == "MCS2025") & (prod.country == "CHN")
             & (prod.year == 2023)]
    assert dict(zip(a.measure, a.value, strict=True)) == {"production": 41_600,
                                                          "capacity": 44_400}
    # abrasives and clinker are capacity only, wherever the source put them
    assert (prod.loc[prod.commodity == "abrasives-manufactured", "measure"] == "capacity").all()
    assert (prod.loc[prod["product"] == "clinker", "measure"] == "capacity").all()
    assert (prod.loc[prod["product"] == "cement", "measure"] == "production").all()
    # titanium: sponge production vs sponge and pigment capacity (column-name qualifiers)
    t = prod[(prod.commodity == "titanium") & (prod.edition == "MCS2024") & (prod.country == "CHN")]
    assert set(zip(t.measure, t["product"], strict=True)) == {
        ("production", "sponge metal"), ("capacity", "sponge metal"), ("capacity", "TiO2 pigment")}


def test_products_and_stages(prod, res):
    cu = prod[(prod.commodity == "copper") & (prod.edition == "MCS2023")]
    assert set(cu.stage) == {"mine", "refinery"}
    pgm = prod[(prod.commodity == "platinum-group-metals") & (prod.edition == "MCS2026")]
    assert set(pgm["product"]) == {"palladium", "platinum"}
    pot = res[(res.commodity == "potash") & (res.edition == "MCS2024")]
    assert set(pot["product"]) == {"recoverable ore", "K2O equivalent"}
    fe = res[(res.commodity == "iron-ore") & (res.edition == "MCS2024")]
    assert set(fe["product"]) == {"crude ore", "iron content"} and set(fe.unit) == {"Mt"}
    # the rare gases of the MCS 2026 HELIUM AND RARE GASES chapter are their own commodity
    rg = prod[prod.commodity == "rare-gases"]
    assert set(rg["product"]) == {"neon", "krypton", "xenon"} and set(rg.unit) == {"million L"}


def test_layout_quirks_per_commodity_files(prod, res):
    # mcs2024-fluor_world.csv: the TYPE text is the header of column 3
    f = prod[(prod.commodity == "fluorspar") & (prod.edition == "MCS2024")]
    assert len(f) == 24 and set(f.stage) == {"mine"}
    # mcs2024-fepig_world.csv: Source cells blank -> edition from the file name
    assert (prod.loc[prod.file == "mcs2024-fepig_world.csv", "edition"] == "MCS2024").all()
    # mcs2024-barit_world.csv repeats Reserves_kt in an unnamed column: read once
    b = one(res, commodity="barite", edition="MCS2024", country="CHN")
    assert b["value"] == 92_000 and b["unit"] == "kt"
    # MCS2024-bismu_world.csv (upper case) is read
    assert (prod.file == "MCS2024-bismu_world.csv").sum() == 18


def test_bom_and_trailing_spaces(root):
    out = mcs.read_world(root / "mcs2025" / "MCS2025_World_Data.csv")
    p = out["production"]
    assert set(p.edition) == {"MCS2025"}  # SOURCE read despite the BOM
    w = one(p, commodity="tungsten", country="RUS", year=2023)  # "Tungsten ", "Russia "
    assert w["country_raw"] == "Russia" and w["value"] == 2_000
    # a UTF-8-BOM buffer with trailing spaces in names
    buf = ("\ufeffSOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023,\"PROD_EST_ 2024\",PROD_NOTES,"
           "RESERVES_2024,RESERVE_NOTES\n"
           "MCS2025,Lithium ,Chile ,\"Mine production, lithium content\",metric tons,"
           "\"41,400\",44000,,9300000,\n"
           "MCS2025,Lithium ,World total (rounded),\"Mine production, lithium content\",metric tons,"
           "\"41,400\",44000,,9300000,\n").encode("utf-8")
    r = mcs.parse_world(buf, "MCS2025_World_Data.csv")
    c = one(r["production"], country="CHL", year=2023)
    assert c["value"] == 41_400 and c["commodity"] == "lithium" and c["country_raw"] == "Chile"
    assert bool(one(r["production"], country="CHL", year=2024)["estimated"])
    assert one(r["reserves"], country="CHL")["quantity_t"] == 9_300_000


def test_cp1252_file_and_buffer(root):
    path = root / "mcs2026" / "MCS2026_Commodities_Data.csv"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    out = mcs.read_mcs2026_world(path)
    assert set(out["production"].edition) == {"MCS2026"}
    head = ("MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,"
            "Notes,Is critical mineral 2025,Other notes\n")
    body = ("RARE EARTHS,World Mine Production and Reserves,Rare Earths,Canada,Production,"
            "Mine production,metric tons,2024,\u2014,,Yes,\n"
            "RARE EARTHS,World Mine Production and Reserves,Rare Earths,World total,Production,"
            "Mine production: rounded,metric tons,2024,\"380,000\",Estimated.,Yes,\n")
    r = mcs.parse_world((head + body).encode("cp1252"), "MCS2026_Commodities_Data.csv")
    p = r["production"]
    assert one(p, country="CAN")["qualifier"] == "zero_dash"
    w = one(p, country="WLD")
    assert w["value"] == 380_000 and bool(w["estimated"]) and w["country_detail"] == "rounded"


def test_mcs2024_rare_earths_both_columns_est(root):
    out = mcs.read_world(root / "mcs2024" / "world" / "mcs2024-raree_world.csv")
    assert out["production"]["estimated"].all()  # as the header says (Prod_t_est_2022)


def test_trailing_empty_rows_and_columns_skipped(root):
    out = mcs.read_world(root / "mcs2024" / "world" / "mcs2024-raree_world.csv")
    assert len(out["production"]) == 2 * 16 and len(out["reserves"]) == 16


# ---------------------------------------------------------------------------------------------
# coverage
# ---------------------------------------------------------------------------------------------

EXPECTED_COMMODITIES = {"MCS2022": 12, "MCS2023": 77, "MCS2024": 77, "MCS2025": 76,
                        "MCS2026": 82}


def test_every_commodity_loads_for_every_edition(root, prod):
    counts = prod.groupby("edition").commodity.nunique().to_dict()
    assert counts == EXPECTED_COMMODITIES
    world_ids = set(cm.catalogue().query("world_table").id)
    # per-commodity vintages: one commodity per file, every file gives rows
    for year in (2022, 2023, 2024):
        files = list((root / f"mcs{year}" / "world").glob("*_world.csv"))
        got = prod[prod.edition == f"MCS{year}"]
        assert len(files) == counts[f"MCS{year}"]
        assert set(got.file) == {f.name for f in files}
        assert set(got.commodity) <= world_ids
    assert set(prod.loc[prod.edition == "MCS2023", "commodity"]) == world_ids
    assert world_ids - set(prod.loc[prod.edition == "MCS2025", "commodity"]) == {
        "stone-dimension"}
    # MCS 2026 has no germanium world table; it adds six chapters with world figures
    m26 = set(prod.loc[prod.edition == "MCS2026", "commodity"])
    assert world_ids - m26 == {"germanium"}
    assert m26 - world_ids == {"iron-and-steel-slag", "rare-gases", "sand-and-gravel-construction",
                               "scandium", "stone-crushed", "yttrium"}


def test_row_counts_per_edition(prod, res):
    assert prod.groupby("edition").size().to_dict() == {
        "MCS2022": 380, "MCS2023": 2468, "MCS2024": 2519, "MCS2025": 2598, "MCS2026": 2574}
    assert res.groupby("edition").size().to_dict() == {
        "MCS2023": 1023, "MCS2024": 1134, "MCS2025": 790, "MCS2026": 729}


def test_no_unmapped_countries(prod, res):
    for df in (prod, res):
        assert df.country.notna().all() and df.country_raw.notna().all()
        for code, kind in set(zip(df.country, df.country_kind, strict=True)):
            if kind == "aggregate":
                assert code in ("WLD", "OTH")
            elif kind == "group":
                assert all(pycountry.countries.get(alpha_3=c) for c in code.split("+"))
            else:
                assert kind == "country" and pycountry.countries.get(alpha_3=code), code


def test_schema_and_unique_keys(prod, res):
    for table, df in (("production", prod), ("reserves", res)):
        assert list(df.columns) == [f.name for f in TABLES[table]]
        key = list(KEYS[table]) + ["edition"]
        assert not df.duplicated(key).any(), table
        assert (df.source == "usgs-mcs").all()
        assert df.edition_date.notna().all() and (df.row >= 2).all()
        mass = df.unit.isin(["t", "kt", "Mt", "kg"])
        ok = df["value"].notna() & mass
        assert df.loc[ok, "quantity_t"].notna().all()
        assert df.loc[~mass, "quantity_t"].isna().all()
    assert set(prod.measure) == {"production", "capacity"}


# ---------------------------------------------------------------------------------------------
# broken buffers: every error names file, row and column
# ---------------------------------------------------------------------------------------------

HEAD = "Source,Country,Type,Prod_t_2021,Prod_t_est_2022,Prod_notes,Reserves_t,Reserves_notes\n"
NAME = "mcs2023-raree_world.csv"


def _where(err: DataError, row: int, column: str) -> None:
    msg = str(err)
    assert NAME in msg and f"row {row}" in msg and repr(column) in msg, msg
    assert err.file == NAME and err.row == row and err.column == column


def test_good_buffer_parses():
    out = mcs.parse_world(HEAD + "MCS2023,China,Mine production,\"168,000\",210000,,44000000,\n"
                          "MCS2023,World total (rounded),Mine production,\"168,000\",210000,,,\n", NAME)
    assert one(out["production"], year=2021, country="CHN")["value"] == 168_000
    assert one(out["reserves"], year=2022, country="CHN")["value"] == 44_000_000


def test_missing_column():
    with pytest.raises(DataError) as exc:
        mcs.parse_world("Source,Nation,Type,Prod_t_2021\nMCS2023,China,x,5\n", NAME)
    _where(exc.value, 1, "Nation")


def test_missing_column_mcs2025():
    with pytest.raises(DataError) as exc:
        mcs.parse_world("SOURCE,COMMODITY,COUNTRY,TYPE,PROD_2023\nMCS2025,Lithium,Chile,x,5\n",
                        "MCS2025_World_Data.csv")
    assert "UNIT_MEAS" in str(exc.value) and exc.value.row == 1


def test_unknown_country():
    with pytest.raises(DataError) as exc:
        mcs.parse_world(HEAD + "MCS2023,Atlantis,Mine production,5,6,,7,\n", NAME)
    _where(exc.value, 2, "Country")
    assert "Atlantis" in str(exc.value)


def test_stray_token():
    with pytest.raises(DataError) as exc:
        mcs.parse_world(HEAD + "MCS2023,China,Mine production,1,2,,3,\n"
                               "MCS2023,Chile,Mine production,12x,2,,3,\n", NAME)
    _where(exc.value, 3, "Prod_t_2021")
    assert "'12x'" in str(exc.value) and "expected" in str(exc.value)


def test_wrong_encoding():
    data = (HEAD + "MCS2023,China,Mine \x81production,1,2,,3,\n").encode("latin-1")
    with pytest.raises(DataError) as exc:
        mcs.parse_world(data, NAME)
    _where(exc.value, 2, "Type")
    assert "0x81" in str(exc.value)


def test_duplicate_rows():
    with pytest.raises(DataError) as exc:
        mcs.parse_world(HEAD + "MCS2023,China,Mine production,1,2,,3,\n"
                               "MCS2023,Chile,Mine production,1,2,,3,\n"
                               "MCS2023,China6,Mine production,4,5,,6,\n", NAME)
    _where(exc.value, 4, "Country")
    assert "rows 2 and 4" in str(exc.value)


def test_distinct_rows_with_same_country_are_not_duplicates():
    # "Brazil (beneficiated)" and "Brazil (crude)" differ by country_detail
    out = mcs.parse_world(HEAD + "MCS2023,Brazil (beneficiated),Mine production,1,2,,3,\n"
                                 "MCS2023,Brazil (crude),Mine production,4,5,,6,\n"
                                 "MCS2023,World total,Mine production,5,7,,9,\n", NAME)
    assert set(out["production"].country_detail) == {"beneficiated", "crude", ""}


@pytest.mark.parametrize("buf", [b"", "", "   \n"])
def test_empty_file(buf):
    with pytest.raises(DataError) as exc:
        mcs.parse_world(buf, NAME)
    _where(exc.value, 1, "header")
    assert "empty" in str(exc.value)


def test_value_without_country():
    with pytest.raises(DataError) as exc:
        mcs.parse_world(HEAD + "MCS2023,,Mine production,1,2,,3,\n", NAME)
    _where(exc.value, 2, "Country")


def test_unknown_commodity_code():
    with pytest.raises(DataError) as exc:
        mcs.parse_world(HEAD + "MCS2023,China,Mine production,1,2,,3,\n",
                        "mcs2023-xxxxx_world.csv")
    assert "xxxxx" in str(exc.value)


def test_number_in_unnamed_column_is_an_error():
    with pytest.raises(DataError) as exc:
        mcs.parse_world(HEAD.strip() + ",\n" + "MCS2023,China,Mine production,1,2,,3,,99\n", NAME)
    assert exc.value.row == 2 and re.search(r"column 9", str(exc.value))


def test_parse_cell():
    assert mcs.parse_cell("  NA")[0].missing == "not_available"
    assert mcs.parse_cell("e5,000")[0].value == 5_000
    assert mcs.parse_cell('Categorized as "large"')[0].missing == "descriptive"
    assert mcs.parse_cell("Included with “Other countries.”")[0].missing == "included_elsewhere"
    assert mcs.parse_cell("Less than ½ unit.")[0].qualifier == "<"
    assert mcs.parse_cell("s", "Estimated. -- Less than ½ unit.")[0].value == 0.5
    assert mcs.parse_cell("s")[0] is None
    assert mcs.parse_cell("12x")[0] is None
