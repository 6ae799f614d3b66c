"""Readers of the EU criticality-assessment tables (critmin.sources.eu_crm)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from critmin.errors import DataError
from critmin.schema import TABLES
from critmin.sources import eu_crm
from critmin.sources.registry import READERS, read_source
from critmin.warehouse import Warehouse


# ----------------------------------------------------------------------------- shares as text
@pytest.mark.parametrize(("text", "value", "qualifier", "note"), [
    ("68.3%", 0.683, "", ""),
    ("100.0%", 1.0, "", ""),
    ("1%", 0.01, "", ""),
    ("<0.1%", 0.001, "<", ""),
    (">0%", 0.0, ">", ""),
    (" 12,5 % ", 0.125, "", ""),
    ("6", 0.06, "", "no % sign in the source; read as percent"),
])
def test_parse_share(text, value, qualifier, note):
    v, q, n = eu_crm.parse_share(text)
    assert v == pytest.approx(value)
    assert (q, n) == (qualifier, note)


def test_parse_share_blank_is_missing():
    v, q, n = eu_crm.parse_share("")
    assert math.isnan(v) and q == "" and n == ""


@pytest.mark.parametrize("text", ["abc", "12%%", "<", "<6", "x%"])
def test_parse_share_rejects_text(text):
    with pytest.raises(ValueError, match="percentage"):
        eu_crm.parse_share(text)


# ----------------------------------------------------------------------------- Appendix 7
A7 = "Material,Stage,Country,Share,t\n"


def test_supply_shares_cp1252_and_scope_from_name():
    raw = (A7 + "Antimony,E,China,56.4%,1.1\nAntimony,E,T\u00fcrkiye,<0.1%,1.0\n"
           "Antimony,P,\"Congo, D.R.\",2%,1.0\nNatural Graphite,E,Brasilia,7%,1.0\n").encode("cp1252")
    df = eu_crm.parse_supply_shares(raw, "eu_crm_2023_appendix7_global_supply_shares_t.csv")
    assert set(df.columns) == {f.name for f in TABLES["eu_crm"]}
    share = df[df["parameter"] == "share"].set_index(["material", "stage", "country"])
    assert share.loc[("Antimony", "E", "CHN"), "value"] == pytest.approx(0.564)
    assert share.loc[("Antimony", "E", "TUR"), "qualifier"] == "<"
    assert share.loc[("Antimony", "P", "COD"), "country_raw"] == "Congo, D.R."
    assert share.loc[("Natural graphite", "E", "BRA"), "material_raw"] == "Natural Graphite"
    t = df[df["parameter"] == "t"].set_index(["material", "stage", "country"])["value"]
    assert t[("Antimony", "E", "CHN")] == 1.1
    assert set(df["scope"]) == {"GS"}
    assert (df["source"] == "eu-crm").all() and (df["edition"] == "EUCRM2023").all()
    assert df["row"].tolist() == [2, 2, 3, 3, 4, 4, 5, 5]


def test_supply_shares_eu_scope_and_explicit_scope():
    df = eu_crm.parse_supply_shares(A7 + "Tin,P,Belgium,10%,0.8\n", "x_eu_sourcing_y.csv")
    assert set(df["scope"]) == {"EU"}
    df = eu_crm.parse_supply_shares(A7 + "Tin,P,Belgium,10%,0.8\n", "table.csv", scope="GS")
    assert set(df["scope"]) == {"GS"}
    with pytest.raises(DataError, match="global supply from EU sourcing"):
        eu_crm.parse_supply_shares(A7 + "Tin,P,Belgium,10%,0.8\n", "table.csv")


@pytest.mark.parametrize(("body", "row", "column", "match"), [
    ("Tin,P,Belgium,ten%,1.0\n", 2, "Share", "percentage"),
    ("Tin,P,Belgium,1%,1.0\nTin,X,China,1%,1.0\n", 3, "Stage", "stage"),
    ("Tin,P,Atlantis,1%,1.0\n", 2, "Country", "unknown country"),
    ("Tin,P,Belgium,1%,high\n", 2, "t", "number"),
    ("Tin,P,Belgium,120%,1.0\n", 2, "Share", "outside"),
    ("Tin,P,Belgium,1%,1.0\nTin,P,Belgium,2%,1.0\n", 3, "Country", "listed twice"),
])
def test_supply_shares_errors_name_row_and_column(body, row, column, match):
    with pytest.raises(DataError, match=match) as err:
        eu_crm.parse_supply_shares(A7 + body, "eu_sourcing.csv")
    assert err.value.row == row and err.value.column == column
    assert err.value.file == "eu_sourcing.csv"


def test_supply_shares_missing_column():
    with pytest.raises(DataError, match="missing columns") as err:
        eu_crm.parse_supply_shares("Material,Stage,Country,Share\nTin,P,Belgium,1%\n",
                                   "global_supply.csv")
    assert err.value.row == 1


# ----------------------------------------------------------------------------- Appendix 6
A6 = "Material,Application,Share,NACE sector,VA in million \u20ac\n"


def test_end_use_nace_code_other_and_repeated_line():
    raw = (A6 + "Antimony,Flame retardants,43%,C20 - Manufacture of chemicals,132361\n"
           "Antimony,Other,5%,,\n"
           "Magnesium,Construction,13%,\"C25 - Manufacture of fabricated\nmetal products\",163568\n"
           "Magnesium,Construction,13%,\"C25 - Manufacture of fabricated\nmetal products\",163568\n"
           ).encode("cp1252")
    df = eu_crm.parse_end_use(raw, "a6.csv")
    eus = df[df["parameter"] == "end_use_share"].set_index(["material", "application"])
    assert eus.loc[("Antimony", "Flame retardants"), "sector"] == "C20"
    assert eus.loc[("Antimony", "Other"), "sector"] == ""
    assert eus.loc[("Antimony", "Other"), "notes"] == "no NACE sector"
    va = df[df["parameter"] == "sector_va"].set_index(["material", "application"])
    assert va.loc[("Antimony", "Flame retardants"), "value"] == 132361
    assert va.loc[("Antimony", "Flame retardants"), "unit"] == "MEUR"
    assert va.loc[("Antimony", "Other"), "missing"] == "not_applicable"
    mg = df[(df["material"] == "Magnesium") & (df["parameter"] == "end_use_share")]
    assert len(mg) == 1  # the repeated line is counted once
    assert "repeated at line 6" in mg["notes"].iloc[0]
    assert mg["row"].iloc[0] == 4  # the record starts on line 4 and spans two lines


def test_end_use_conflicting_repeat_and_bad_nace():
    body = "Tin,Solder,50%,C25 - Metal products,163568\nTin,Solder,40%,C25 - Metal products,163568\n"
    with pytest.raises(DataError, match="listed twice with different values") as err:
        eu_crm.parse_end_use(A6 + body, "a6.csv")
    assert err.value.row == 3
    with pytest.raises(DataError, match="NACE sector") as err:
        eu_crm.parse_end_use(A6 + "Tin,Solder,50%,Metal products,163568\n", "a6.csv")
    assert err.value.column == "NACE sector"


# ----------------------------------------------------------------------------- 2017
H17 = "material,assessment_year,stage,SR,EI,EoL_RIR,SI_SR,SI_EI,IR,critical,source,note\n"


def test_assessment_2017_hhi_from_note():
    body = ('Antimony,2017,Processing,4.3,4.3,28,0.9,0.9,100,yes,"Study",'
            '"HHI_WGI_t(GS)=7.1; HHI_WGI_t(EU)=5.7; supply data used in SR: GS + EUS"\n'
            'Beryllium,2017,Extraction,2.4,3.9,0,1.0,1.0,,yes,"Study",'
            '"HHI_WGI_t(GS)=2.4; HHI_WGI_t(EU)=N/A; supply data used in SR: GS only; IR published as '
            'N/A"\n'
            'Cerium,2017,Extraction,5.7,3.2,1,1.0,1.0,100,,"Study","HHI_WGI_t(GS)=9.2; HHI_WGI_t(EU)=2.6;'
            ' supply data used in SR: GS + EUS; criticality is declared for the LREE group"\n'
            'LREE,2017,Extraction,5.0,3.6,3,,,100,yes,"Study","group arithmetic average of member '
            'elements; supply data used in SR: GS + EUS"\n')
    df = eu_crm.parse_assessment_2017(H17 + body, "t17.csv")
    v = df.set_index(["material", "parameter", "scope"])["value"]
    assert v[("Antimony", "hhi_wgi_t", "GS")] == 7.1
    assert v[("Antimony", "hhi_wgi_t", "EU")] == 5.7
    assert v[("Antimony", "ir", "")] == 1.0 and v[("Antimony", "eol_rir", "")] == 0.28
    assert math.isnan(v[("Beryllium", "hhi_wgi_t", "EU")])
    miss = df.set_index(["material", "parameter", "scope"])["missing"]
    assert miss[("Beryllium", "hhi_wgi_t", "EU")] == "not_available"
    assert miss[("Beryllium", "ir", "")] == "not_available"
    txt = df.set_index(["material", "parameter"])["text"]
    assert txt[("Antimony", "supply_data")] == "GS+EU"
    assert txt[("Beryllium", "supply_data")] == "GSonly"
    assert txt[("Antimony", "stage_reported")] == "P"
    assert txt[("Cerium", "group")] == "LREE"
    assert txt[("Cerium", "critical")] == ""
    assert ("LREE", "hhi_wgi_t") not in txt.index
    assert (df["edition"] == "EUCRM2017").all()


def test_assessment_2017_errors():
    bad_note = 'Tin,2017,Processing,0.8,4.4,32,0.9,0.9,78,no,"S","supply data used in SR: GS + EUS"\n'
    with pytest.raises(DataError, match="HHI_WGI_t") as err:
        eu_crm.parse_assessment_2017(H17 + bad_note, "t17.csv")
    assert (err.value.row, err.value.column) == (2, "note")
    bad_ir = ('Tin,2017,Processing,0.8,4.4,32,0.9,0.9,178,no,"S","HHI_WGI_t(GS)=2.0; '
              'HHI_WGI_t(EU)=0.8; supply data used in SR: GS + EUS"\n')
    with pytest.raises(DataError, match="between 0 and 100") as err:
        eu_crm.parse_assessment_2017(H17 + bad_ir, "t17.csv")
    assert err.value.column == "IR"
    with pytest.raises(DataError, match="assessment year"):
        eu_crm.parse_assessment_2017(H17 + bad_ir.replace(",2017,", ",2019,"), "t17.csv")


# ----------------------------------------------------------------------------- 2023 inputs
H23 = ("material,assessment_year,stage_of_reported_sr,stages_assessed,supply_data_E,IR_E_pct,"
       "supply_data_P,IR_P_pct,EoL_RIR_pct,SI_SR,SI_EI,source,note\n")


def test_inputs_2023_stages_shifted_cells_and_groups():
    body = ("Strontium,2023,Extraction,E,GS+EU,0,2.6,,0,0.97,0.98,S,\n"
            "Molybdenum,2023,Extraction,E+P,GS+EU,100,EU,100,30,1.0,1.00,S,\n"
            "LREE,2023,Processing,E+P,GS+EU,80,GS+EU,100,1,,,S,SI not given for groups in source\n"
            "Cerium,2023,Processing,E+P,GSonly,100,GSonly,100,1,0.97,0.93,S,assessed individually\n"
            "Lithium,2023,Processing,E+P,GSonly,81,GS+EU,100,0,0.94,0.91,S,\n")
    df = eu_crm.parse_inputs_2023(H23 + body, "in23.csv")
    ign = df[df["parameter"] == "ignored"]
    assert ign["material"].tolist() == ["Strontium"]
    assert "supply_data_P='2.6'" in ign["text"].iloc[0]
    assert df[(df["material"] == "Strontium") & (df["stage"] == "P")
              & (df["parameter"] != "ignored")].empty
    mo = df[(df["material"] == "Molybdenum") & (df["parameter"] == "supply_data")]
    assert mo.set_index("stage")["missing"]["P"] == "unreadable"
    assert mo.set_index("stage")["text"]["E"] == "GS+EU"
    grp = df[df["parameter"] == "group"].set_index("material")["text"]
    assert grp.to_dict() == {"Cerium": "LREE"}
    ir = df[df["parameter"] == "ir"].set_index(["material", "stage"])["value"]
    assert ir[("Lithium", "E")] == pytest.approx(0.81) and ir[("Lithium", "P")] == 1.0
    si = df[(df["material"] == "LREE") & (df["parameter"] == "si_sr")]
    assert si["missing"].iloc[0] == "blank"
    assert si["notes"].iloc[0] == "SI not given for groups in source"


def test_inputs_2023_errors():
    with pytest.raises(DataError, match="E, P or E\\+P") as err:
        eu_crm.parse_inputs_2023(H23 + "Tin,2023,Processing,X,,,GS+EU,73,31,0.92,0.90,S,\n", "i.csv")
    assert err.value.column == "stages_assessed"
    with pytest.raises(DataError, match="between 0.0 and 1.0") as err:
        eu_crm.parse_inputs_2023(H23 + "Tin,2023,Processing,P,,,GS+EU,73,31,1.92,0.90,S,\n", "i.csv")
    assert err.value.column == "SI_SR"


# ----------------------------------------------------------------------------- trade parameters
def test_trade_parameters_utf8():
    raw = ("material_name,country_name,parameter,category,scope,source_name,date_year\n"
           "Zinc,T\u00fcrkiye,1.1,primary,eu,EUREPORT,2025\n"
           "Iron Ore,DR Congo,1.1,refined,world,EUREPORT,2025\n").encode("utf-8")
    df = eu_crm.parse_trade_parameters(raw, "tp.csv")
    r = df.set_index("material")
    assert (r.loc["Zinc", "country"], r.loc["Zinc", "scope"], r.loc["Zinc", "stage"]) == \
        ("TUR", "EU", "E")
    assert (r.loc["Iron ore", "country"], r.loc["Iron ore", "scope"], r.loc["Iron ore", "stage"]) == \
        ("COD", "GS", "P")
    with pytest.raises(DataError, match="category"):
        eu_crm.parse_trade_parameters(raw.replace(b"refined", b"smelted"), "tp.csv")


def test_unrecognised_header():
    with pytest.raises(DataError, match="unrecognised header") as err:
        eu_crm.parse_eu_crm("a,b,c\n1,2,3\n", "odd.csv")
    assert err.value.file == "odd.csv" and err.value.row == 1


# ----------------------------------------------------------------------------- the real files
@pytest.fixture(scope="module")
def real(shared_data):
    files = sorted((shared_data / "eu_crm").glob("eu_crm_*.csv"))
    assert len(files) == 6
    return {p.name: read_source(p, "eu-crm")["eu_crm"] for p in files}


def test_real_files_read(real):
    a17 = real["eu_crm_2017_assessment.csv"]
    assert a17["material"].nunique() == 81
    hhi = a17[a17["parameter"] == "hhi_wgi_t"].set_index(["material", "scope"])["value"]
    assert hhi[("Antimony", "GS")] == 7.1 and hhi[("Bauxite", "EU")] == 3.1
    gs = real["eu_crm_2023_appendix7_global_supply_shares_t.csv"]
    sh = gs[gs["parameter"] == "share"]
    assert len(sh) == 2561
    g = sh.set_index(["material", "stage", "country"])["value"]
    assert g[("Gallium", "P", "CHN")] == pytest.approx(0.938)
    assert g[("Copper", "E", "COD")] == pytest.approx(0.064)  # "Congo, D.R."
    assert g[("Copper", "E", "COG")] == pytest.approx(0.001)  # "Congo"
    sums = sh.groupby(["material", "stage"])["value"].sum()
    # "<0.1%" rows count at their bound, so a few tables sum a little above 1
    assert sums.between(0.85, 1.05).all(), sums[~sums.between(0.85, 1.05)]
    eus = real["eu_crm_2023_appendix7_eu_sourcing_shares_t.csv"]
    si = eus[(eus["material"] == "Silicon metal") & (eus["country"] == "DEU")
             & (eus["parameter"] == "share")]
    assert si["value"].iloc[0] == pytest.approx(0.06)
    assert si["notes"].iloc[0] == "no % sign in the source; read as percent"
    inp = real["eu_crm_2023_inputs.csv"]
    assert inp[inp["parameter"] == "stages_assessed"]["material"].nunique() == 90
    grp = inp[inp["parameter"] == "group"].groupby("text")["material"].apply(sorted).to_dict()
    assert grp["LREE"] == ["Cerium", "Lanthanum", "Neodymium", "Praseodymium", "Samarium"]
    assert len(grp["HREE"]) == 10 and len(grp["PGM"]) == 5
    a6 = real["eu_crm_2023_appendix6_end_use_shares_va.csv"]
    mg = a6[(a6["material"] == "Magnesium") & (a6["parameter"] == "end_use_share")]
    assert mg["value"].sum() == pytest.approx(1.0)  # the repeated construction line counted once
    tp = real["eu_crm_2023_trade_parameters_t.csv"]
    assert len(tp) == 121 and set(tp["parameter"]) == {"trade_parameter"}


def test_registry_and_warehouse_round_trip(real):
    assert "eu-crm" in READERS
    df = pd.concat(real.values(), ignore_index=True)
    with Warehouse(":memory:") as wh:
        for name, part in real.items():
            wh.ingest_tables({"eu_crm": part}, file=name)
        back = wh.table("eu_crm")
        assert len(back) == len(df)
        again = wh.ingest_tables({"eu_crm": real["eu_crm_2023_inputs.csv"]},
                                 file="eu_crm_2023_inputs.csv")
        assert again["eu_crm"] == len(real["eu_crm_2023_inputs.csv"])
        assert len(wh.table("eu_crm")) == len(df)  # re-ingest replaces, never duplicates
        latest = wh.table("eu_crm", latest=True, assessment=2017, parameter="hhi_wgi_t")
        assert len(latest) == len(df[(df["assessment"] == 2017) & (df["parameter"] == "hhi_wgi_t")])
