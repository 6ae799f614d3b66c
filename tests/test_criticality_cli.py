"""``critmin criticality``: wiring, the JSON contract, CSV and errors."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app

runner = CliRunner()

CONTRACT = {"method", "importer", "year", "materials"}
MATERIAL = {"material", "supply_risk", "economic_importance", "critical", "factors", "missing"}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("crit_cli") / "w.duckdb"
    res = runner.invoke(app, ["--db", str(path), "data", "build"])
    assert res.exit_code == 0, res.output
    return path


def _run(db, *args):
    return runner.invoke(app, ["--db", str(db), "criticality", *args])


def test_assessment_2017_json_contract(db):
    res = _run(db, "--assessment", "2017", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) >= CONTRACT
    assert (out["method"], out["importer"], out["year"], out["assessment"]) == ("eu", "EU", 2017, 2017)
    assert len(out["materials"]) == 81
    for m in out["materials"]:
        assert set(m) >= MATERIAL
    sb = next(m for m in out["materials"] if m["material"] == "Antimony")
    assert sb["supply_risk"] == 4.1 and sb["published"]["sr"] == 4.3 and sb["critical"] is True
    assert sb["factors"]["hhi_wgi_t_gs"] == 7.1
    assert out["summary"]["max_abs_error"] <= 0.25


def test_assessment_2023_table_and_csv(db):
    res = _run(db, "--assessment", "2023")
    assert res.exit_code == 0, res.output
    assert "EU assessment 2023 reproduced" in res.stdout
    assert "Gallium" in res.stdout and "missing inputs" in res.stdout
    assert "WGI" in res.stdout
    res = _run(db, "--assessment", "2023", "--csv")
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout))
    for c in ("rank", "material", "supply_risk", "economic_importance", "critical",
              "f_hhi_wgi_t_gs", "published_eu_list_2023", "missing"):
        assert c in df.columns
    assert df["rank"].tolist() == list(range(1, len(df) + 1))
    assert df.set_index("material").loc["Strontium", "supply_risk"] == 2.6


def test_wgi_years_option(db):
    res = _run(db, "--assessment", "2023", "--commodity", "Coking coal", "--wgi-years", "2016-2020",
               "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [m["supply_risk"] for m in out["materials"]] == [0.9]
    res = _run(db, "--assessment", "2023", "--wgi-years", "recent")
    assert res.exit_code == 2 and "--wgi-years" in res.output


def test_eu_on_warehouse_and_importers(db):
    res = _run(db, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["importer"] == "EU" and out["assessment"] is None
    ga = next(m for m in out["materials"] if m["material"] == "gallium")
    assert ga["critical"] is True and ga["factors"]["P"]["usgs_stage"] == "refinery"
    res = _run(db, "--importer", "JPN", "--commodity", "gallium", "--json")
    out = json.loads(res.stdout)
    assert out["importer"] == "JPN"
    assert any("JPN" in x for x in out["materials"][0]["missing"])


def test_usgs_json(db):
    res = _run(db, "--method", "usgs", "--commodity", "gallium", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["method"] == "usgs" and out["importer"] == "USA"
    m = out["materials"][0]
    assert m["supply_risk"] is None and any(x.startswith("ev:") for x in m["missing"])
    assert m["factors"]["te"] == 1.0 and 0 < m["factors"]["dp"] <= 1


def test_geopolrisk_json(db):
    res = _run(db, "--method", "geopolrisk", "--importer", "CHN", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    # rare earths from China's own HS 2846 series (to 2024); graphite, cobalt and nickel from the
    # 2023 bilateral file (issue 15), where China is one of the 30 reporters
    by = {m["material"]: m for m in out["materials"]}
    assert set(by) == {"rare-earths", "graphite", "cobalt", "nickel"}
    assert by["rare-earths"]["factors"]["trade_source"] == "comtrade COMTRADE-API-2026-07-10"
    assert by["graphite"]["factors"]["trade_source"] == "comtrade-bilateral COMTRADE-BILATERAL-2023"
    assert all(0 < m["supply_risk"] < 1 for m in by.values())


def test_user_parameters(db, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("commodity,material,parameter,stage,value,text,source\n"
                    "gallium,Gallium,stage_map,P,,refinery,mine\n"
                    "gallium,Gallium,si_sr,,0.98,,mine\n", encoding="utf-8")
    res = _run(db, "--parameters", str(path), "--json")
    assert res.exit_code == 0, res.output
    m = json.loads(res.stdout)["materials"][0]
    assert m["material"] == "gallium" and m["supply_risk"] is None
    assert "eol_rir" in m["missing"] and any(x.startswith("ei:") for x in m["missing"])
    path.write_text("commodity,parameter,value\ngallium,si_sr,lots\n", encoding="utf-8")
    res = _run(db, "--parameters", str(path))
    assert res.exit_code == 2 and "expected a number" in res.output


@pytest.mark.parametrize("args", [["--method", "jrc"], ["--method", "usgs", "--assessment", "2017"],
                                  ["--assessment", "2020"],
                                  ["--method", "geopolrisk", "--importer", "Atlantis"]])
def test_errors_exit_2(db, args):
    res = _run(db, *args)
    assert res.exit_code == 2
    assert "error" in res.output
