"""The Python API in a notebook (issue 12, item 13): short reprs, ``_repr_html_``, one ``to_frame()`` with
units, ``to_dict()`` through the one JSON helper, ``warehouse=`` optional, the jobs at the top level
(``critmin.supply(...)`` beside ``critmin.supply.trend``), and a useful ``Warehouse`` repr."""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import critmin
from critmin._json import dumps, jsonable
from critmin._result import Result, column_unit
from critmin.warehouse import Warehouse, default_warehouse, with_default_warehouse


@pytest.fixture(scope="module")
def default_db(warehouse_path):
    """The session warehouse as the user's default (``CRITMIN_DB``)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CRITMIN_DB", str(warehouse_path))
    yield warehouse_path
    mp.undo()


@pytest.fixture(scope="module")
def results(default_db):
    """One result of every job, each run without ``warehouse=`` (the default, read-only)."""

    scenario = critmin.load_scenario(Path(critmin.__file__).parent / "scenarios"
                                     / "gallium-export-controls.toml")
    return {
        "supply": critmin.supply("rare-earths", year=2024),
        "trend": critmin.trend("gallium"),
        "dependence": critmin.importer_dependence("rare-earths", "CHN", year=2024),
        "criticality": critmin.criticality(method="usgs"),
        "monitor": critmin.monitor("CHN", "250410", month="2023-12"),
        "scan": critmin.scan("2023-01"),
        "simulation": critmin.simulate(scenario, runs=64, seed=7),
        "plan": critmin.plan("JPN", ["gallium"], runs=64, seed=1, params=None),
        "cover": critmin.cover("JPN", "gallium", 60),
        "outlook": critmin.outlook("lithium"),
    }


def test_every_result_is_a_result(results):
    for name, res in results.items():
        assert isinstance(res, Result), name


def test_repr_is_short_and_shows_frames_by_shape(results):
    for name, res in results.items():
        text = repr(res)
        assert len(text) < 1_500, (name, len(text))
        assert text.startswith(type(res).__name__)
        for line in text.splitlines():
            if "DataFrame" in line:
                assert line.strip().endswith("columns)"), line
    sup = results["supply"]
    assert f"table: DataFrame ({len(sup.table)} rows x {sup.table.shape[1]} columns)" in repr(sup)
    assert "commodity: 'rare-earths'" in repr(sup) and "year: 2024" in repr(sup)
    crit = results["criticality"]
    assert "table(): DataFrame (" in repr(crit)        # the method, named as one
    # a 10,000-row frame costs the repr nothing: no cell of it is printed
    assert "peak_price_multiple" not in repr(results["simulation"])


def test_repr_html_has_the_headline_and_the_main_table(results):
    for name, res in results.items():
        html = res._repr_html_()
        assert html.startswith("<div>") and res.headline().split(":")[0] in html.replace("&#x27;", "'"), name
        assert "<table" in html
    html = results["supply"]._repr_html_()
    assert "China" in html and "HHI" in html and len(html) < 30_000


def test_to_frame_main_table_with_key_fields_and_units(results):
    sup = results["supply"]
    df = sup.to_frame()
    # the main table's own columns first, in their order, then the key fields
    assert list(df.columns[: sup.table.shape[1]]) == list(sup.table.columns)
    for k in ("commodity", "year", "stage", "unit", "edition", "source"):
        assert (df[k] == getattr(sup, k)).all()
    assert df.attrs["units"]["quantity"] == "t" and df.attrs["units"]["share"] == "fraction"
    assert df.attrs["sources"][0] == {"source": "usgs-mcs", "edition": "MCS2026"}
    # MCS 2026: China 270,000 t of the rounded world total 380,000 t (2024, REO)
    chn = df.set_index("country").loc["CHN"]
    assert chn["quantity"] == 270_000 and chn["share"] == pytest.approx(270_000 / 380_000)
    # a copy: changing it leaves the result alone
    df.loc[:, "quantity"] = 0
    assert sup.table["quantity"].max() > 0

    dep = results["dependence"].to_frame()
    assert (dep["importer"] == "CHN").all() and (dep["hs_codes"] == "2846").all()
    assert dep.attrs["units"]["quantity_kg"] == "kg"
    crit = results["criticality"].to_frame()
    assert list(crit["rank"]) == list(range(1, len(crit) + 1)) and (crit["method"] == "usgs").all()
    mon = results["monitor"].to_frame()
    assert len(mon) == len(results["monitor"].months) and (mon["exporter"] == "CHN").all()
    assert mon.attrs["units"]["yoy_change"] == "fraction"
    sim = results["simulation"].to_frame()
    assert len(sim) == 64 and (sim["seed"] == 7).all()
    assert sim.attrs["units"]["peak_price_multiple"] == "1 (P/P0)"
    plan = results["plan"].to_frame()
    assert set(plan["policy"]) >= {"0 days", "60 days", "optimum"} and (plan["runs"] == 64).all()
    cov = results["cover"].to_frame()
    assert len(cov) == 1 and cov.attrs["units"]["stock_t"] == "t"
    # 60 days of the region's consumption: stock = consumption x 60 / 365
    c = results["cover"]
    assert cov["stock_t"].iloc[0] == pytest.approx(c.consumption_t_per_year * 60 / 365)
    out = results["outlook"].to_frame()
    assert out.attrs["units"]["quantity_t"] == "t/yr"


def test_existing_attributes_and_methods_still_work(results):
    assert isinstance(results["supply"].table, pd.DataFrame)
    assert isinstance(results["trend"].years, pd.DataFrame)
    assert isinstance(results["criticality"].table(), pd.DataFrame)
    assert isinstance(results["plan"].table(), pd.DataFrame)
    assert isinstance(results["monitor"].months, pd.DataFrame)
    assert isinstance(results["simulation"].scenarios, pd.DataFrame)
    assert dataclasses.is_dataclass(results["supply"])


def test_to_dict_is_json_without_nan(results):
    for name, res in results.items():
        text = res.to_json()
        json.loads(text)
        assert json.dumps(jsonable(res.to_dict()), allow_nan=False), name
    assert json.loads(results["supply"].to_json())["edition"] == "MCS2026"


def test_jsonable_converts_numpy_pandas_and_missing_values():
    from pathlib import Path

    obj = {"a": np.float64("nan"), "b": np.int64(3), "c": np.bool_(True), "d": pd.NA, "e": [1.5, math.inf],
           "f": np.array([1, 2]), "g": pd.DataFrame({"x": [1.0, np.nan]}), "h": Path("/x"), 1: "key"}
    out = jsonable(obj)
    assert out == {"a": None, "b": 3, "c": True, "d": None, "e": [1.5, None], "f": [1, 2],
                   "g": [{"x": 1.0}, {"x": None}], "h": "/x", "1": "key"}
    assert dumps(obj)  # allow_nan=False passes


def test_column_units_from_names():
    assert column_unit("quantity_kg") == "kg"
    assert column_unit("price_usd_per_t") == "USD/t"
    assert column_unit("consumption_t_per_year") == "t/yr"
    assert column_unit("hhi") == "fraction (0-1)"
    assert column_unit("hhi_points") == "points (0-10,000)"
    assert column_unit("top_share") == "fraction"
    assert column_unit("year") is None and column_unit("wgi_year") is None
    assert column_unit("country") is None and column_unit("nir_detail") is None


# --------------------------------------------------------------------------- top level and warehouse
def test_jobs_at_the_top_level(default_db):
    res = critmin.supply("gallium", year=2024)
    assert res.commodity == "gallium" and res.year == 2024
    # the package is still a package
    assert critmin.supply.trend is critmin.trend
    assert callable(critmin.supply.hhi) and critmin.supply.hhi([0.5, 0.5]) == pytest.approx(0.5)
    from critmin.supply import SupplyResult

    assert isinstance(res, SupplyResult)
    # the call and the function give the same result
    same = critmin.supply.supply("gallium", year=2024)
    assert same.table.equals(res.table)
    for name in ("supply", "criticality", "monitor", "outlook"):
        mod = getattr(critmin, name)
        assert callable(mod) and inspect.ismodule(mod)
        assert "warehouse" in inspect.signature(mod).parameters
    assert critmin.simulate is critmin.market.simulate
    assert {"supply", "criticality", "monitor", "simulate", "plan", "cover"} <= set(critmin.__all__)


def test_warehouse_is_optional_in_every_job():
    from critmin.criticality import criticality
    from critmin.dependence import importer_dependence, us_import_sources, us_net_import_reliance
    from critmin.market import simulate
    from critmin.monitor import monitor, scan
    from critmin.outlook import outlook
    from critmin.stockpile import cover, plan
    from critmin.supply import supply, trend

    for job in (supply, trend, importer_dependence, us_import_sources, us_net_import_reliance, criticality,
                monitor, scan, simulate, plan, cover, outlook):
        p = inspect.signature(job).parameters["warehouse"]
        assert p.default is None, job.__name__


def test_default_warehouse_is_read_only_and_closed_after(default_db):
    with default_warehouse() as wh:
        assert wh.read_only and wh.path == default_db
        assert wh.counts()["production"] > 0
    assert "closed" in repr(wh)


def test_with_default_warehouse_passes_a_given_one_through(default_db):
    seen = []

    @with_default_warehouse
    def job(x, warehouse=None, *, y=1):
        seen.append(warehouse)
        return x + y

    with Warehouse(":memory:") as mine:
        assert job(1, mine, y=2) == 3 and seen[-1] is mine
        assert job(1, warehouse=mine) == 2 and seen[-1] is mine
    assert job(1) == 2 and seen[-1].read_only and seen[-1].path == default_db
    with pytest.raises(TypeError):
        with_default_warehouse(lambda x: x)


def test_warehouse_repr(warehouse_path):
    with Warehouse(warehouse_path, read_only=True) as wh:
        text = repr(wh)
        n = wh.counts()
    assert text.startswith(f"Warehouse('{warehouse_path}', read-only")
    assert f"production {n['production']:,}" in text and f"{sum(n.values()):,} rows" in text
    with Warehouse(":memory:") as empty:
        assert "read-write" in repr(empty) and "empty" in repr(empty)
