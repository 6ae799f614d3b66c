"""What the monitor shares between calls (issue 16 item 4): one warehouse query, rows arranged once per
exporter, fits shared by monitor() and scan(), memoised event and STL look-ups; all without changing a
result, and never handing out a shared object that a caller could change."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from critmin.monitor import baseline, events, job, monitor, scan
from critmin.monitor.detectors import Detector
from critmin.monitor.job import export_rows
from critmin.monitor.panel import Panel, PanelRows
from critmin.warehouse import Warehouse


@pytest.fixture(scope="module")
def wh():
    w = Warehouse(":memory:")
    w.build_from_bundle()
    yield w
    w.close()


class _NoMemo:
    """A warehouse without the memo (no ``cached``): every call reads and fits anew."""

    def __init__(self, wh: Warehouse) -> None:
        self._wh = wh

    def query(self, *args, **kwargs):
        return self._wh.query(*args, **kwargs)


def _fresh() -> Warehouse:
    w = Warehouse(":memory:")
    w.build_from_bundle()
    return w


def _count_fits(monkeypatch) -> list[int]:
    calls = [0]
    orig = Detector.fit

    def fit(self, panel):
        calls[0] += 1
        return orig(self, panel)

    monkeypatch.setattr(Detector, "fit", fit)
    return calls


# --------------------------------------------------------------------------- rows
def test_export_rows_one_query_in_a_fixed_order(monkeypatch):
    w = _fresh()
    try:
        direct = w.table("trade", latest=True, flow="export", freq="M", reporter="CHN")
        n = [0]
        orig = w.query

        def query(*args, **kwargs):
            n[0] += 1
            return orig(*args, **kwargs)

        monkeypatch.setattr(w, "query", query)
        chn = export_rows(w, "CHN")
        again = export_rows(w, "chn")
        every = export_rows(w)
        assert n[0] == 1  # one query for all exporters, kept on the warehouse
        pd.testing.assert_frame_equal(chn, again)
        pd.testing.assert_frame_equal(chn, every[every["reporter"] == "CHN"].reset_index(drop=True))
        key = ["reporter", "hs_code", "partner", "period"]
        assert chn.equals(chn.sort_values(key, kind="stable", ignore_index=True))
        assert len(chn) == len(direct) == 11_821
        # the same rows as the per-exporter query, only in one fixed order
        cols = list(chn.columns)
        mine = chn.sort_values(key + ["quantity_kg"], ignore_index=True)
        theirs = direct[cols].sort_values(key + ["quantity_kg"], ignore_index=True)
        theirs["period"] = pd.to_datetime(theirs["period"])
        pd.testing.assert_frame_equal(mine, theirs, check_dtype=False)
        chn.loc[0, "quantity_kg"] = -1.0  # a copy: the kept rows do not change
        assert export_rows(w, "CHN").loc[0, "quantity_kg"] != -1.0
    finally:
        w.close()


def test_panel_rows_line_totals_by_hand():
    rows = pd.DataFrame({
        "hs_code": ["811292"] * 5 + ["811299"] * 3,
        "partner": ["WLD", "USA", "JPN", "WLD", "WLD", "BLOC:A", "BLOC:B", "BLOC:A"],
        "partner_kind": ["", "country", "country", "", "", "bloc", "bloc", "bloc"],
        "period": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-01", "2020-03-15", "2020-04-01",
                                  "2020-01-01", "2020-01-01", "2020-02-01"]),
        "quantity_kg": [100.0, 60.0, 40.0, 80.0, np.nan, 10.0, 5.0, 7.0],
    })
    src = PanelRows(rows)
    assert src.lines == ("811292", "811299")
    assert list(src.months.strftime("%Y-%m")) == ["2020-01", "2020-02", "2020-03", "2020-04"]
    assert list(src.frame["_kind"]) == ["world", "country", "country", "world", "world", "bloc", "bloc",
                                        "bloc"]
    assert src.frame["value_usd"].isna().all()
    # 811292 from its world rows only; February has no row, April's row reports no quantity
    np.testing.assert_array_equal(src.line_total("811292").to_numpy(), [100.0, np.nan, 80.0, np.nan])
    # 811299 from its bloc rows, summed
    np.testing.assert_array_equal(src.line_total("811299").to_numpy(), [15.0, 7.0, np.nan, np.nan])
    assert src.line_total("999999") is None
    f = src.line_frame(("811299", "999999", "811292"))
    assert list(f.columns) == ["811299", "811292"]
    assert src.line_frame(("999999",)) is None and src.line_frame(()) is None
    f.iloc[0, 0] = -1.0  # the memo is not the frame handed out
    assert src.line_total("811299").iloc[0] == 15.0


@pytest.mark.parametrize("hs, control", [(("811292",), ("811299", "282590")), (("280530", "284690"), ()),
                                         (("250410",), ("380110",)), (("811292", "999999"), ("999999",))])
def test_panel_from_panel_rows_equals_from_dataframe(wh, hs, control):
    rows = export_rows(wh, "CHN")
    a = Panel.from_rows(rows, hs, control=control, exporter="CHN")
    b = Panel.from_rows(PanelRows(rows), hs, control=control, exporter="CHN")
    for name in ("quantity", "value"):
        pd.testing.assert_series_equal(getattr(a, name), getattr(b, name), check_exact=True)
    for name in ("by_partner", "control", "other"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None)
        if x is not None:
            pd.testing.assert_frame_equal(x, y, check_exact=True)
    for name in ("hs", "control_hs", "other_hs", "partners", "partner_kind", "warnings"):
        assert getattr(a, name) == getattr(b, name)
    # another row order changes only the order of the sums: equal within float rounding
    shuffled = rows.sample(frac=1.0, random_state=3).reset_index(drop=True)
    c = Panel.from_rows(shuffled, hs, control=control, exporter="CHN")
    np.testing.assert_allclose(c.quantity.to_numpy(), a.quantity.to_numpy(), rtol=1e-13, equal_nan=True)


# --------------------------------------------------------------------------- shared fits
def test_scan_and_monitor_share_fits(monkeypatch):
    w = _fresh()
    try:
        fits = _count_fits(monkeypatch)
        sc = scan("2019-01", warehouse=w)
        n_scan = fits[0]
        assert n_scan == sc.series == 12
        res = monitor("CHN", "811292", warehouse=w)
        assert fits[0] == n_scan  # the scan's fit of the line, not a new one
        monitor("CHN", "811292", month="2023-08", warehouse=w)
        assert fits[0] == n_scan
        monitor("CHN", "280530,284690", warehouse=w)
        assert fits[0] == n_scan + 1  # another series
        monitor("CHN", "811292", beta=2.0, warehouse=w)
        assert fits[0] == n_scan + 2  # detector parameters: never shared
        sc2 = scan("2019-01", warehouse=w)
        assert fits[0] == n_scan + 2
        # the same results as without any memo
        plain = monitor("CHN", "811292", warehouse=_NoMemo(w))
        assert json.dumps(res.to_dict()) == json.dumps(plain.to_dict())
        pd.testing.assert_frame_equal(res.months, plain.months, check_exact=True)
        plain_scan = scan("2019-01", warehouse=_NoMemo(w))
        assert json.dumps(sc.to_dict()) == json.dumps(plain_scan.to_dict()) == json.dumps(sc2.to_dict())
    finally:
        w.close()


def test_a_scan_from_parts_is_the_scan(wh, monkeypatch):
    """Series scanned elsewhere (each commodity's lines, as a report's processes scan them) and handed
    in as ``done`` give the scan exactly; only the series nobody scanned are fitted here."""
    from critmin.report.context import scan_part

    whole = scan("2023-01", warehouse=wh)
    series = job.scan_series(wh)
    assert len(series) == whole.series == 12 and series == sorted(series)
    done: dict = {}
    for com in ("gallium", "graphite", "rare-earths"):
        part = scan_part(com, wh, "2023-01")
        assert part and all(exp == "CHN" for exp, _code in part)
        done.update(part)
    assert ("CHN", "850511") in done and ("CHN", "280461") not in done  # a control line: no commodity's
    fits = _count_fits(monkeypatch)
    w = _fresh()  # nothing fitted yet: the parts count as another process's work
    try:
        from_parts = scan("2023-01", warehouse=w, done=done)
        assert fits[0] == 12 - len(done)
    finally:
        w.close()
    assert json.dumps(from_parts.to_dict()) == json.dumps(whole.to_dict())
    pd.testing.assert_frame_equal(from_parts.table, whole.table, check_exact=True)
    # a part's rows and warnings are the series' own
    rows, _warn = done[("CHN", "811292")]
    assert [r["hs"] for r in rows] == ["811292"] * len(rows)
    assert rows == whole.table[whole.table["hs"] == "811292"].sort_values("month").to_dict("records")


def test_fit_memo_is_bounded(monkeypatch):
    w = _fresh()
    try:
        monkeypatch.setattr(job, "_FIT_MEMO_SIZE", 2)
        fits = _count_fits(monkeypatch)
        for code in ("811292", "282590", "250410", "811292"):
            monitor("CHN", code, warehouse=w)
        assert fits[0] == 4  # 811292 was dropped when 250410 came in
        monitor("CHN", "250410", warehouse=w)
        assert fits[0] == 4
    finally:
        w.close()


def test_shared_results_are_handed_out_as_copies(wh):
    first = monitor("CHN", "250410", warehouse=wh)
    expect = json.dumps(first.to_dict())
    first.months.loc[0, "score"] = 99.0
    first.months["verdict"] = "edited"
    first.warnings.append("edited")
    first.signals.loc[0, "score"] = 5.0
    first.breaks["size"] = 0.0
    for e in first.events:
        e["hs_codes"].append("edited")
        e["id"] = "edited"
    again = monitor("CHN", "250410", warehouse=wh)
    assert json.dumps(again.to_dict()) == expect
    sc = scan("2023-01", warehouse=wh)
    expect = json.dumps(sc.to_dict())
    sc.table["score"] = 0.0
    sc.warnings.clear()
    assert json.dumps(scan("2023-01", warehouse=wh).to_dict()) == expect


def test_unknown_exporter_and_method_are_not_memoised(wh):
    from critmin.errors import DataError

    with pytest.raises(DataError, match="exporters with monthly data: CHN"):
        monitor("USA", "811292", warehouse=wh)
    with pytest.raises(ValueError, match="unknown monitor method"):
        monitor("CHN", "811292", method="nope", warehouse=wh)
    assert scan(warehouse=wh, exporters=["USA"]).series == 0


# --------------------------------------------------------------------------- events and STL
@pytest.mark.parametrize("hs, exporter, start, end", [
    ("811292", "CHN", None, None), (("280530", "284690"), "chn", "2017-01", "2024-12"),
    ("2846", None, pd.Timestamp("2023-08-15"), None), (None, "CHN", None, "2020-08"),
    ("250410", "CHN", "2023-01", "2023-12")])
def test_events_for_memo_equals_the_catalogue_path(hs, exporter, start, end):
    cat = events.events()
    for restrictive in (True, False):
        a = events.events_for(hs, exporter=exporter, start=start, end=end, restrictive_only=restrictive)
        b = events.events_for(hs, exporter=exporter, start=start, end=end, restrictive_only=restrictive,
                              catalogue=cat)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert list(a["effective"]) == sorted(a["effective"])
    a["id"] = "edited"  # a copy of the memo
    assert "edited" not in set(events.events_for(hs, exporter=exporter, start=start, end=end)["id"])


def test_events_for_exporter_without_events_is_empty():
    got = events.events_for("811292", exporter="USA")
    assert got.empty
    assert list(got.columns) == [*events.events().columns, "announced_month", "effective_month"]
    assert events.nearest_event("811292", "2023-08", exporter="USA") is None
    assert events.event_windows("811292", exporter="USA").empty


def test_nearest_event_and_windows_memo_hand_out_copies():
    near = events.nearest_event("811292", "2023-09", exporter="CHN", tolerance=2)
    assert near == events.nearest_event("811292", "2023-09", exporter="CHN", tolerance=2,
                                        catalogue=events.events())
    assert near["id"] == "chn-2023-gallium-germanium" and near["distance"] == 1
    near["id"] = "edited"
    assert events.nearest_event("811292", "2023-09", exporter="CHN", tolerance=2)["id"] != "edited"
    w = events.event_windows(("811292", "282590"), exporter="CHN")
    pd.testing.assert_frame_equal(w, events.event_windows(("811292", "282590"), exporter="CHN",
                                                          catalogue=events.events()), check_exact=True)
    w["id"] = "edited"
    assert "edited" not in set(events.event_windows(("811292", "282590"), exporter="CHN")["id"])


def test_stl_memo_gives_equal_copies():
    rng = np.random.default_rng(7)
    t = np.arange(96)
    x = 10 + 0.3 * np.sin(2 * np.pi * t / 12) + 0.1 * rng.standard_normal(96)
    x[[5, 40]] = np.nan
    baseline._STL_MEMO.clear()
    first = baseline.stl_decompose(x)
    assert len(baseline._STL_MEMO) == 1
    first["seasonal"][:] = 0.0
    first["trend"][:] = 0.0
    second = baseline.stl_decompose(x.copy())
    assert len(baseline._STL_MEMO) == 1
    baseline._STL_MEMO.clear()
    fresh = baseline.stl_decompose(x)
    for k in ("seasonal", "trend", "resid"):
        assert second[k].tobytes() == fresh[k].tobytes()
    assert np.isnan(second["resid"][[5, 40]]).all()
    # other settings are another fit
    baseline.stl_decompose(x, robust=False)
    assert len(baseline._STL_MEMO) == 2
    # the seasonal pattern is found: a 12-month sine of amplitude 0.3
    assert np.abs(fresh["seasonal"][:12]).max() == pytest.approx(0.3, abs=0.08)


def test_catalogue_helpers_memo():
    assert job.choose_control(("811292",), ["811299", "282590", "250410", "2825"]) == ("282590", "811299")
    assert job.choose_control(("811292",), ("811299",)) == ("811299",)
    warn = job.line_warnings(("811292",), ("999999",))
    assert warn[0].startswith("HS 811292 is coarser than the product")
    assert warn[1] == ("HS 999999 (control) is not in the HS catalogue: whether it mixes several products "
                       "is unknown")
    warn.append("edited")
    assert len(job.line_warnings(("811292",), ("999999",))) == 2
