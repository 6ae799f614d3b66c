"""Readers of the historical country tables (issue 19): Minerals Yearbook world tables (MYB2016, MYB2017,
MYB2019), World Mining Data table 6.4 (1984–2017) and BGS World Mineral Statistics (1970–2021).

Hand-checked values are typed from the raw files (sheet, cell or line cited per assertion); the quirks
each reader's docstring lists are exercised on the raw files and, where a broken layout must fail, on
small workbooks built here.
"""

from __future__ import annotations

import gzip
import io
import math
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from critmin.countries import resolve
from critmin.errors import ConsistencyError, DataError
from critmin.schema import KEYS, TABLES
from critmin.sources.bgs import parse_bgs, read_bgs
from critmin.sources.registry import READERS
from critmin.sources.usgs_myb import parse_myb_world, read_myb_world
from critmin.sources.wmd import parse_wmd, read_wmd

MYB = "usgs_myb"
WMD = "wmd/wmd_6.4._total_1984-2017.xlsx"
BGS = "bgs/df_ukgs.csv.gz"


def _one(df: pd.DataFrame, **where: object) -> pd.Series:
    m = pd.Series(True, index=df.index)
    for k, v in where.items():
        m &= df[k] == v
    hit = df[m]
    assert len(hit) == 1, f"expected one row for {where}, got {len(hit)}"
    return hit.iloc[0]


def _check_schema(df: pd.DataFrame) -> None:
    assert list(df.columns) == [f.name for f in TABLES["production"]]
    assert not df.duplicated(["source", "edition", *KEYS["production"]]).any()


@pytest.fixture(scope="module")
def myb(shared_data: Path) -> dict[str, pd.DataFrame]:
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gallium 2016: USGS's rounded 2012-13 totals (tested below)
        for p in sorted((shared_data / MYB).glob("myb1-*")):
            if "germa" not in p.name:
                out[p.name] = read_myb_world(p)["production"]
    return out


@pytest.fixture(scope="module")
def wmd(shared_data: Path) -> pd.DataFrame:
    return read_wmd(shared_data / WMD)["production"]


@pytest.fixture(scope="module")
def bgs(shared_data: Path) -> pd.DataFrame:
    return read_bgs(shared_data / BGS)["production"]


# ----------------------------------------------------------------------------- Minerals Yearbook


def test_myb_every_workbook_conforms_and_names_its_edition(myb):
    assert len(myb) == 15
    for name, df in myb.items():
        _check_schema(df)
        assert df["edition"].unique().tolist() == [f"MYB{name[5:9]}"]
        assert (df["source"] == "usgs-myb-world").all()
        assert df["year"].nunique() == 5  # five year columns per table
    assert sorted(myb["myb1-2017-raree.xls"]["year"].unique()) == [2013, 2014, 2015, 2016, 2017]
    assert sorted(myb["myb1-2019-raree-adv.xlsx"]["year"].unique()) == [2015, 2016, 2017, 2018, 2019]


def test_myb2017_rare_earths_xls_values_and_flags(myb):
    df = myb["myb1-2017-raree.xls"]
    # T8 K9 "China3": 105,000; K16 "Total": 132,000  (79.5 %)
    chn = _one(df, country="CHN", year=2017)
    wld = _one(df, country="WLD", year=2017)
    assert chn["value"] == 105_000 and wld["value"] == 132_000
    assert chn["value"] / wld["value"] == pytest.approx(0.795, abs=5e-4)
    assert "Official production quota" in chn["notes"]  # footnote 3 (superscript run)
    assert not chn["estimated"]  # K9 has no flag in L9
    assert _one(df, country="CHN", year=2016)["estimated"]  # J9 "e"
    assert _one(df, country="AUS", year=2013)["estimated"]  # label "Australiae" (superscript e)
    assert "revised" in _one(df, country="MYS", year=2016)["notes"]  # J11 "r"
    # E8 Brazil 2014 "--": zero, not missing
    bra = _one(df, country="BRA", year=2014)
    assert bra["value"] == 0 and bra["qualifier"] == "zero_dash" and pd.isna(bra["missing"])
    # L14 holds footnote 6 as a number (6.0) beside "--" for U.S. 2017
    assert "heavy-mineral sands" in _one(df, country="USA", year=2017)["notes"]
    assert set(df["basis"]) == {"REO"} and set(df["product"]) == {"rare-earth-oxide equivalent"}


def test_myb2019_revision_adds_burma(myb):
    df = myb["myb1-2019-raree-adv.xlsx"]
    # T8 G9 "Burmae" 2017: 15,000 -> MMR; G19 total 147,000; China G11 105,000 (71.4 %)
    mmr = _one(df, country="MMR", year=2017)
    assert mmr["value"] == 15_000 and mmr["country_raw"] == "Burmae" and mmr["estimated"]
    assert _one(df, country="WLD", year=2017)["value"] == 147_000
    assert _one(df, country="CHN", year=2017)["value"] / 147_000 == pytest.approx(0.714, abs=5e-4)
    # plain-text label "India4" (xlsx, no rich text): the footnote number is stripped
    assert "monazite" in _one(df, country="IND", year=2019)["notes"]


def test_myb_cobalt_flags_tokens_and_renumbered_footnote(myb):
    df = myb["myb1-2017-cobal.xls"]
    mine = df[df["stage"] == "mine"]
    ref = df[df["stage"] == "refinery"]
    # T8 K12 "Congo (Kinshasa)e, 7": 73,000 t, estimated
    cod = _one(mine, country="COD", year=2017)
    assert cod["value"] == 73_000 and cod["estimated"] and cod["product"] == "cobalt content"
    assert "preliminary" in _one(mine, country="CAN", year=2017)["notes"]  # L10 "p"
    assert _one(mine, country="TUR", year=2015)["missing"] == "not_available"  # G24 "NA"
    usa = _one(mine, country="USA", year=2013)  # C25 "(18)" -> footnote "Negligible."
    assert math.isnan(usa["value"]) and usa["missing"] == "text" and "Negligible." in usa["notes"]
    # "Zimbabwe19": the table numbers two footnotes 18 and none 19; the second 18 is Zimbabwe's
    assert "Zimbabwe National Statistics" in _one(mine, country="ZWE", year=2017)["notes"]
    assert _one(mine, country="WLD", year=2017)["value"] == 120_000  # K29 "\u2003Total"
    # T9 refinery: "China, metal, metal powder, oxide, saltse, 7" (xls superscript "e, 7")
    chn = _one(ref, country="CHN", year=2017)
    assert chn["value"] == 75_000 and chn["estimated"]
    assert chn["country_detail"] == "metal, metal powder, oxide, salts"
    assert set(ref["product"]) == {"refined cobalt"}


def test_myb_antimony_xlsx_plain_labels(myb):
    df = myb["myb1-2017-antim.xlsx"]
    # T9 I10 Canada 2016 "(4)" -> footnote 4 "Less than ½ unit." -> < 0.5
    can = _one(df, country="CAN", year=2016)
    assert can["value"] == 0.5 and can["qualifier"] == "<"
    # A20 "Tajikistan, oree": the glued e is the estimate flag, not part of "ore"
    tjk = _one(df, country="TJK", year=2017)
    assert tjk["country_detail"] == "ore" and tjk["estimated"] and tjk["value"] == 14_000
    assert _one(df, country="MMR", year=2013)["value"] == 7_200  # "Burmae, 3" C9
    assert _one(df, country="WLD", year=2017)["value"] == 137_000


def test_myb_graphite_sections_subtotals_and_grand_total(myb):
    df = myb["myb1-2017-graph.xls"]
    chn = df[(df["country"] == "CHN") & (df["year"] == 2017)]
    # rows 12-13 under "China:" (row 11): amorphous 275,000 + crystalline flake 350,000; the
    # section's own "Total" (row 14, 625,000) is not a row of its own
    assert sorted(chn["value"]) == [275_000, 350_000]
    assert set(chn["country_detail"]) == {"amorphous", "crystalline flake"}
    assert 14 not in set(df["row"])
    # "Grand totale" (row 41) is the world total; "Of which:" rows 43-45 are not read
    assert _one(df, country="WLD", year=2017)["value"] == 897_000
    assert df["row"].max() == 41
    # "Austria, amorphouse": estimate flag glued to the detail
    aut = _one(df, country="AUT", year=2017)
    assert aut["country_detail"] == "amorphous" and aut["estimated"]


def test_myb_gallium_kilograms_and_lithium_gross_weight(myb):
    ga = myb["myb1-2017-galli.xls"]
    chn = _one(ga, country="CHN", year=2017)  # T6 K7: 300,000 kg
    assert chn["value"] == 300_000 and chn["unit"] == "kg" and chn["quantity_t"] == 300
    assert chn["stage"] == "refinery" and chn["product"] == "primary low-purity gallium"
    li = myb["myb1-2016-lithi.xlsx"]
    # T4 E18 United States 2013: 4,600 with footnote 4 in F18; other years "W"
    us13 = _one(li, country="USA", year=2013)
    assert us13["value"] == 4_600 and "Rockwood" in us13["notes"]
    assert _one(li, country="USA", year=2014)["missing"] == "withheld"
    # "Argentina, subsurface brine:" section: carbonate and chloride rows
    arg = li[(li["country"] == "ARG") & (li["year"] == 2016)].set_index("country_detail")["value"]
    assert arg.to_dict() == {"subsurface brine, lithium carbonate": 25_500,
                             "subsurface brine, lithium chloride": 6_000}
    assert not (li["country"] == "WLD").any()  # lithium has no total row
    assert set(li["basis"]) == {"gross"} and set(li["product"]) == {"lithium minerals and brine"}


def test_myb_total_check_warns_or_raises(shared_data):
    raw = (shared_data / MYB / "myb1-2016-galli.xlsx").read_bytes()
    # T7: the 2013 rows (E7:E14) add up to 368,973 kg but the total E15 reads 400,000
    with pytest.warns(UserWarning, match="2013"):
        parse_myb_world(raw, "myb1-2016-galli.xlsx")
    with pytest.raises(ConsistencyError, match="2013"):
        parse_myb_world(raw, "myb1-2016-galli.xlsx", strict=True)


def test_myb_workbook_without_world_table_and_bad_names(shared_data):
    with pytest.raises(DataError, match="no 'WORLD"):
        read_myb_world(shared_data / MYB / "myb1-2017-germa.xls")
    with pytest.raises(DataError, match="file name like"):
        parse_myb_world(b"x", "rare_earths.xls")
    with pytest.raises(DataError, match="not an Excel workbook"):
        parse_myb_world(b"hello", "myb1-2017-raree.xls")


def _myb_xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "T8"
    for r in [["TABLE 8"], ["RARE EARTHS: WORLD MINE PRODUCTION, BY COUNTRY OR LOCALITY"], [],
              ["(Metric tons, rare-earth-oxide equivalent)"], [],
              ["Country or locality", None, 2016, None, 2017], *rows,
              ["eEstimated.  -- Zero."], ["1A note."]]:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_myb_bad_cells_name_sheet_row_and_column():
    ok = _myb_xlsx([["Chinae", None, 100, None, 120], ["Total", None, 100, None, 120]])
    df = parse_myb_world(ok, "myb1-2017-raree.xlsx")["production"]
    assert _one(df, country="CHN", year=2017)["estimated"]
    bad = _myb_xlsx([["China", None, 100, None, "lots"], ["Total", None, 100, None, 120]])
    with pytest.raises(DataError, match=r"\[T8\].*row 7.*column 'E'"):
        parse_myb_world(bad, "myb1-2017-raree.xlsx")
    flag = _myb_xlsx([["China", None, 100, "x", 120], ["Total", None, 100, None, 120]])
    with pytest.raises(DataError, match="expected a flag"):
        parse_myb_world(flag, "myb1-2017-raree.xlsx")
    who = _myb_xlsx([["Atlantis", None, 100, None, 120], ["Total", None, 100, None, 120]])
    with pytest.raises(DataError, match="unknown country"):
        parse_myb_world(who, "myb1-2017-raree.xlsx")
    fn = _myb_xlsx([["China7", None, 100, None, 120], ["Total", None, 100, None, 120]])
    with pytest.raises(DataError, match="footnote 7"):
        parse_myb_world(fn, "myb1-2017-raree.xlsx")


# ----------------------------------------------------------------------------- World Mining Data


def test_wmd_rare_earths_hand_checked(wmd):
    _check_schema(wmd)
    ree = wmd[wmd["commodity"] == "rare-earths"]
    assert set(ree["product"]) == {"rare-earth-oxide equivalent"} and set(ree["basis"]) == {"REO"}
    # block "Rare Earths (REO)" (header row 937): China row 941, Total row 953
    for year, chn, tot in ((2005, 100_000, 103_737), (2010, 118_900, 121_267), (2017, 105_000, 127_097)):
        assert _one(ree, country="CHN", year=year)["value"] == chn
        assert _one(ree, country="WLD", year=year)["value"] == tot
    assert _one(ree, country="CHN", year=2010)["row"] == 941
    assert (_one(ree, country="CHN", year=2010)["value"] / _one(ree, country="WLD", year=2010)["value"]
            == pytest.approx(0.980, abs=5e-4))
    assert _one(ree, country="CHN", year=2017)["value"] / 127_097 == pytest.approx(0.826, abs=5e-4)
    # "Russia, Europe" keeps its code and the part in country_detail
    assert _one(ree, country="RUS", year=2010)["country_detail"] == "Europe"
    assert not wmd["estimated"].any() and wmd["missing"].isna().all()


def test_wmd_block_boundaries_units_and_historical_entities(wmd):
    # 65 blocks on one sheet; 57 are in critmin's catalogue (coal, gas, petroleum, oil sands and
    # shales, uranium are skipped)
    assert wmd.groupby(["commodity", "product"]).ngroups == 57
    # each block's rows lie between its header and its Total row: germanium (header row 780,
    # Total 791) and indium (header 794) do not bleed into each other
    ge = wmd[wmd["commodity"] == "germanium"]
    assert ge["row"].min() == 781 and ge["row"].max() == 791
    # germanium 1984: "USSR (Asia)" 17 t -> SUN (kept apart from Russia), "Zaire" 23 t -> COD
    sun = _one(ge, country="SUN", year=1984)
    assert sun["value"] == 17 and sun["country_detail"] == "Asia"
    assert _one(ge, country="COD", year=1984)["value"] == 23
    assert "RUS" not in set(ge.loc[ge["year"] == 1984, "country"])
    # gold is in kilograms: quantity_t = kg / 1000; diamonds in carats have no quantity_t
    gold = wmd[wmd["commodity"] == "gold"]
    assert set(gold["unit"]) == {"kg"}
    assert gold["quantity_t"].to_numpy() == pytest.approx(gold["value"].to_numpy() / 1000)
    dia = wmd[wmd["commodity"] == "gemstones"]
    assert set(dia["unit"]) == {"carats"} and dia["quantity_t"].isna().all()
    # blank cells give no row: Kazakhstan has no figure for 1984 in the iron-ore block
    fe = wmd[(wmd["commodity"] == "iron-ore") & (wmd["year"] == 1984)]
    assert "KAZ" not in set(fe["country"]) and "CSK" in set(fe["country"])


def _wmd_xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tabelle1"
    ws.append([])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_HEAD = ["Unit", 2016, 2017]


def test_wmd_synthetic_blocks_and_broken_layouts():
    good = _wmd_xlsx([["Cobalt", *_HEAD], ["China", "metr. tons", 1, 2], ["Total", "metr. tons", 1, 2],
                      [], [], ["Steam Coal", *_HEAD], ["China", "metr. tons", 5, 5],
                      ["Total", "metr. tons", 5, 5]])
    df = parse_wmd(good, "w.xlsx")["production"]
    assert set(df["commodity"]) == {"cobalt"} and len(df) == 4  # coal block skipped
    after_total = _wmd_xlsx([["Cobalt", *_HEAD], ["China", "metr. tons", 1, 2],
                             ["Total", "metr. tons", 1, 2], ["Cuba", "metr. tons", 1, 1]])
    with pytest.raises(DataError, match="row 5.*after the Total row"):
        parse_wmd(after_total, "w.xlsx")
    no_total = _wmd_xlsx([["Cobalt", *_HEAD], ["China", "metr. tons", 1, 2], [],
                          ["Tin", *_HEAD], ["China", "metr. tons", 1, 2], ["Total", "metr. tons", 1, 2]])
    with pytest.raises(DataError, match="no Total row"):
        parse_wmd(no_total, "w.xlsx")
    unknown = _wmd_xlsx([["Unobtainium", *_HEAD], ["China", "metr. tons", 1, 2],
                         ["Total", "metr. tons", 1, 2]])
    with pytest.raises(DataError, match="unknown commodity block"):
        parse_wmd(unknown, "w.xlsx")
    years = _wmd_xlsx([["Cobalt", *_HEAD], ["Total", "metr. tons", 1, 2], [],
                       ["Tin", "Unit", 2015, 2016], ["Total", "metr. tons", 1, 2]])
    with pytest.raises(DataError, match="has the years"):
        parse_wmd(years, "w.xlsx")
    text = _wmd_xlsx([["Cobalt", *_HEAD], ["China", "metr. tons", "n/a", 2],
                      ["Total", "metr. tons", 1, 2]])
    with pytest.raises(DataError, match=r"row 3, column 'C'"):
        parse_wmd(text, "w.xlsx")
    off = _wmd_xlsx([["Cobalt", *_HEAD], ["China", "metr. tons", 1, 2], ["Total", "metr. tons", 9, 2]])
    with pytest.raises(ConsistencyError, match="2016"):
        parse_wmd(off, "w.xlsx", strict=True)


# ----------------------------------------------------------------------------- BGS


def test_bgs_rare_earths_hand_checked_and_blanks(bgs):
    _check_schema(bgs)
    reo = bgs[bgs["product"] == "rare-earth-oxide equivalent"]
    y10 = reo[reo["year"] == 2010]
    # df_ukgs.csv.gz line 28166 "China;736;rare earth oxides;;2010;118900"
    chn = _one(y10, country="CHN")
    assert chn["value"] == 118_900 and chn["row"] == 28166
    assert y10["value"].sum() == 121_027  # country sum (BGS has no world total row here)
    # line 28167 "India;736;rare earth oxides;;2010;" -> blank, never zero
    ind = _one(y10, country="IND")
    assert math.isnan(ind["value"]) and ind["missing"] == "blank"
    y17 = reo[reo["year"] == 2017]
    assert _one(y17, country="CHN")["value"] == 140_000 and _one(y17, country="MMR")["value"] == 20_000
    assert 140_000 / y17["value"].sum() == pytest.approx(0.771, abs=5e-4)
    assert (bgs["missing"] == "blank").sum() > 3000 and not (bgs.loc[bgs["missing"] == "blank", "value"]
                                                             .notna().any())


def test_bgs_products_stages_and_historical_entities(bgs):
    co = bgs[bgs["commodity"] == "cobalt"]
    assert set(co["stage"]) == {"mine", "refinery"}
    # rare-earth minerals (gross weight, by mineral) stay apart from the oxides
    ree_min = bgs[bgs["product"] == "rare-earth minerals"]
    assert set(ree_min["basis"]) == {"gross"} and "Monazite" in set(ree_min["country_detail"])
    li = bgs[bgs["commodity"] == "lithium"]
    assert set(li["product"]) == {"lithium content", "lithium minerals"}
    assert set(li.loc[li["product"] == "lithium content", "basis"]) == {"contained"}
    assert (bgs.loc[bgs["country_raw"] == "Soviet Union", "country"] == "SUN").all()
    assert (bgs.loc[bgs["country_raw"] == "Congo, Democratic Republic", "country"] == "COD").all()
    assert (bgs.loc[bgs["country_raw"] == "Czechoslovakia", "country"] == "CSK").all()
    # "German Federal Republic" and "Germany" are both listed 1982-1991, one of them blank: the
    # blank twin is dropped (aluminium 1982: line 1454 has 722,754 t, line 1455 "Germany" is blank)
    deu = _one(bgs, commodity="aluminum", country="DEU", year=1982)
    assert deu["value"] == 722_754 and deu["row"] == 1454


def test_bgs_twin_names_with_two_figures_raise():
    head = "Country;commodity_code;commodity_desc;Sub-commodity;year;value\n"
    ok = parse_bgs(head + "Rhodesia;36;cobalt mine;;1975;5\nZimbabwe;36;cobalt mine;;1975;\n", "x")
    assert ok["production"]["value"].tolist() == [5]
    with pytest.raises(DataError, match="two figures for ZWE"):
        parse_bgs(head + "Rhodesia;36;cobalt mine;;1975;5\nZimbabwe;36;cobalt mine;;1975;6\n", "x")


def test_bgs_plain_gzip_and_bad_lines():
    head = "Country;commodity_code;commodity_desc;Sub-commodity;year;value\n"
    text = head + "China;736;rare earth oxides;;2010;118900\nIndia;736;rare earth oxides;;2010;\n"
    plain = parse_bgs(text, "x.csv")["production"]
    zipped = parse_bgs(gzip.compress(text.encode()), "x.csv.gz")["production"]
    pd.testing.assert_frame_equal(plain.drop(columns="file"), zipped.drop(columns="file"))
    assert plain["row"].tolist() == [2, 3]
    with pytest.raises(DataError, match="unknown BGS commodity code '999'"):
        parse_bgs(head + "China;999;unobtainium;;2010;1\n", "x.csv")
    with pytest.raises(DataError, match="repeats line 2"):
        parse_bgs(head + "China;36;cobalt mine;;2010;1\nChina;36;cobalt mine;;2010;2\n", "x.csv")
    with pytest.raises(DataError, match=r"row 2, column 'value'"):
        parse_bgs(head + "China;36;cobalt mine;;2010;lots\n", "x.csv")
    with pytest.raises(DataError, match="missing column"):
        parse_bgs("a;b\n1;2\n", "x.csv")
    assert parse_bgs(head + "Chile;169;uranium;;2010;5\n", "x.csv")["production"].empty


# ----------------------------------------------------------------------------- shared


def test_registry_and_historical_country_codes():
    assert {"usgs-myb-world", "wmd", "bgs-wms"} <= set(READERS)
    for name, code in (("USSR", "SUN"), ("Yugoslavia", "YUG"), ("Czechoslovakia", "CSK"),
                       ("German Dem. Rep", "DDR"), ("Serbia and Montenegro", "SCG"),
                       ("Burma", "MMR"), ("Congo (Kinshasa)", "COD"), ("Zaire", "COD"),
                       ("Congo, Democratic Republic", "COD"), ("Congo, Rep.", "COG")):
        assert resolve(name).code == code, name
