"""U.S. net import reliance and import sources on the bundled data (MCS 2026 rare earths)."""

from __future__ import annotations

import pytest

from critmin.dependence import us_import_sources, us_net_import_reliance
from critmin.warehouse import open_warehouse


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = open_warehouse(tmp_path_factory.mktemp("exposure") / "w.duckdb")
    yield w
    w.close()


def test_rare_earths_nir_reported_and_recomputed(wh):
    t = us_net_import_reliance("rare-earths", warehouse=wh).set_index("year")
    # MCS 2026: 2021 ">95" (compounds and metals); 2024 "53"
    assert t.loc[2021, "nir_reported"] == pytest.approx(0.95)
    assert t.loc[2021, "reported_qualifier"] == ">"
    assert t.loc[2021, "edition"] == "MCS2026"
    assert t.loc[2024, "nir_reported"] == pytest.approx(0.53)
    # recomputed from MCS 2026 salient series (compounds and metals): 2021 apparent consumption
    # 7,914 t against 7,900 t published, NIR above 95 % as published
    assert t.loc[2021, "apparent_consumption_t"] == pytest.approx(7_914, abs=1)
    assert t.loc[2021, "nir_computed"] > 0.95
    # one row per year, every year 2017-2025 from the latest edition that gives it
    assert list(t.index) == list(range(2017, 2026))


def test_us_import_sources(wh):
    s = us_import_sources("rare-earths", warehouse=wh).set_index("partner")
    assert s.loc["CHN", "share"] == pytest.approx(0.71)
    assert s["share"].sum() == pytest.approx(1.0)
