"""The bundled dataset equals what the readers build from the raw files today."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from critmin.bundled.build import build_tables
from critmin.schema import TABLES
from critmin.warehouse import bundle_dir


@pytest.fixture(scope="module")
def rebuilt(shared_data):
    return build_tables(shared_data)


def test_manifest_lists_every_table():
    manifest = json.loads((bundle_dir() / "manifest.json").read_text("utf-8"))
    assert set(manifest["tables"]) <= set(TABLES)
    for t in manifest["tables"]:
        assert (bundle_dir() / f"{t}.parquet").exists()
    assert (bundle_dir() / "SOURCES.md").exists()


def test_bundle_matches_a_rebuild_from_raw_files(rebuilt):
    tables, manifest = rebuilt
    committed = json.loads((bundle_dir() / "manifest.json").read_text("utf-8"))
    assert manifest["rows"] == committed["rows"]
    for name, df in tables.items():
        got = pd.read_parquet(bundle_dir() / f"{name}.parquet")
        pd.testing.assert_frame_equal(got.reset_index(drop=True), df.reset_index(drop=True),
                                      check_dtype=False, obj=name)
    assert manifest["bundle_id"] == committed["bundle_id"]


def test_manifest_hashes_match_raw_files(shared_data):
    committed = json.loads((bundle_dir() / "manifest.json").read_text("utf-8"))
    for name, info in committed["files"].items():
        path = shared_data / info["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == info["sha256"], name


def test_bundle_includes_the_iea_outlook_tables():
    manifest = json.loads((bundle_dir() / "manifest.json").read_text("utf-8"))
    assert {"outlook_supply", "outlook_demand"} <= set(manifest["tables"])
    files = [f for f in manifest["files"].values() if f["source"] == "iea"]
    assert len(files) == 1 and files[0]["edition"] == "IEA-CMDE-2025"
    assert files[0]["path"] == "iea/iea_critical_minerals_data_explorer_2025ed_converted.json"
    assert files[0]["rows"] == {"outlook_supply": 340, "outlook_demand": 3056}
    sup = pd.read_parquet(bundle_dir() / "outlook_supply.parquet")
    # /supply/Rare Earth Elements/refining/countries/China/2024 = 73.75667016860831 kt
    chn = sup[(sup["commodity"] == "rare-earths") & (sup["stage"] == "refinery")
              & (sup["country"] == "CHN") & (sup["year"] == 2024)]
    assert chn["quantity_t"].tolist() == pytest.approx([73_756.67016860831])
    assert set(sup.loc[sup["commodity"] == "rare-earths", "basis"]) == {
        "magnet rare earth elements (Nd, Pr, Dy, Tb)"}


def test_bundle_has_the_history_editions():
    """Issue 19: the Minerals Yearbook world tables, WMD and BGS ship as their own editions."""
    prod = pd.read_parquet(bundle_dir() / "production.parquet")
    eds = prod.groupby("edition")["source"].first()
    assert eds["MYB2016"] == eds["MYB2017"] == eds["MYB2019"] == "usgs-myb-world"
    assert eds["WMD-1984-2017"] == "wmd" and eds["BGS-WMS"] == "bgs-wms"
    ree = prod[(prod["commodity"] == "rare-earths") & (prod["year"] == 2017)
               & (prod["country"] == "CHN") & (prod["product"] == "rare-earth-oxide equivalent")
               ].set_index("edition")["quantity_t"]
    # MYB 2017 T8 K9, MYB 2019 T8 G11, WMD row 941, BGS "China;736;...;2017;140000"
    assert ree[["MYB2017", "MYB2019", "WMD-1984-2017", "BGS-WMS"]].tolist() == [
        105_000, 105_000, 105_000, 140_000]
    hist = prod[prod["source"].isin(["usgs-myb-world", "wmd", "bgs-wms"])]
    assert {"rare-earths", "cobalt", "tungsten", "antimony", "gallium", "graphite",
            "lithium"} <= set(hist["commodity"])
    assert hist["year"].min() == 1970 and hist["year"].max() == 2021
    # only catalogue commodities (no coal, petroleum, gas, uranium), and a bounded file
    from critmin.commodities import ids

    assert set(hist["commodity"]) <= set(ids())
    assert (bundle_dir() / "production.parquet").stat().st_size < 1_200_000


def test_bundle_has_the_2023_bilateral_imports(rebuilt):
    # docs/data.md §5f: 2,874 rows, 30 reporters; rebuilt from the raw file and equal to the committed one
    tables, manifest = rebuilt
    info = manifest["files"]["bilateral_edges_2023_imports_2504_2805_2846_7502_8105.csv"]
    assert (info["source"], info["edition"], info["rows"]) == (
        "comtrade-bilateral", "COMTRADE-BILATERAL-2023", {"trade": 2874})
    got = pd.read_parquet(bundle_dir() / "trade.parquet")
    mine = got[got["source"] == "comtrade-bilateral"]
    assert len(mine) == 2874 and mine["reporter"].nunique() == 30
    assert len(tables["trade"][tables["trade"]["source"] == "comtrade-bilateral"]) == 2874
