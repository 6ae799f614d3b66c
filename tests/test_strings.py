"""The report builds with Python-backed pandas strings (critmin._strings): the option is set inside,
put back after, nested and threaded blocks included; results are the same as with pyarrow strings, and
jobs called directly keep pandas's default storage."""

from __future__ import annotations

import threading

import pandas as pd
import pandas.testing as pdt
import pytest

from critmin._strings import OPTION, python_strings


def test_set_inside_and_put_back_after():
    before = pd.get_option(OPTION)
    with python_strings():
        assert pd.get_option(OPTION) == "python"
        with python_strings():  # nested
            assert pd.get_option(OPTION) == "python"
        assert pd.get_option(OPTION) == "python"
        s = pd.Series(["a", None, "b"], dtype="str")
        assert s.dtype.storage == "python"
    assert pd.get_option(OPTION) == before


def test_put_back_after_an_error():
    before = pd.get_option(OPTION)
    with pytest.raises(ZeroDivisionError), python_strings():
        1 / 0  # noqa: B018
    assert pd.get_option(OPTION) == before


def test_threads_overlapping_leave_the_option_as_it_was():
    """Two jobs in threads entering and leaving in crossed order (A in, B in, A out, B out) restore the
    caller's value, not the one a thread saw on entry."""
    before = pd.get_option(OPTION)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def a():
        with python_strings():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b():
        a_in.wait(5)
        with python_strings():
            b_in.set()
            a_out.wait(5)
            seen.append(pd.get_option(OPTION))  # A has left; B is still inside

    ts = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(10)
    assert seen == ["python"]
    assert pd.get_option(OPTION) == before


@pytest.mark.parametrize("job, args", [("critmin.supply.job:supply", ("gallium",)),
                                       ("critmin.dependence.job:importer_dependence", ("cobalt", "JPN"))])
def test_jobs_give_equal_results_with_either_storage(warehouse_path, job, args):
    """A job's result with Python strings (as the report runs it) equals its result with pyarrow
    strings (pyarrow storage forced), each on its own warehouse (no shared memo)."""
    from importlib import import_module

    from critmin.warehouse import open_warehouse

    module, name = job.split(":")
    func = getattr(import_module(module), name)
    with open_warehouse(warehouse_path, read_only=True) as wh, python_strings():
        py = func(*args, warehouse=wh).to_frame()
    with open_warehouse(warehouse_path, read_only=True) as wh, pd.option_context(OPTION, "pyarrow"):
        arrow = func(*args, warehouse=wh).to_frame()
    text = [c for c in py.columns if py[c].dtype == "str"]
    assert text, "the job's table has text columns"
    assert all(py[c].dtype.storage == "python" for c in text)
    assert all(arrow[c].dtype.storage == "pyarrow" for c in text)
    py, arrow = (f.astype(dict.fromkeys(text, object)).set_axis(list(f.columns), axis=1) for f in (py, arrow))
    pdt.assert_frame_equal(py, arrow)


def test_the_report_builds_inside_and_jobs_outside(warehouse_path):
    """A commodity's part of the report holds Python-backed frames; the same job called directly
    returns pandas's default storage (pyarrow when it is installed), and the option is put back."""
    import critmin
    from critmin.report.workers import commodity_part
    from critmin.warehouse import open_warehouse

    before = pd.get_option(OPTION)
    with open_warehouse(warehouse_path, read_only=True) as wh:
        part = commodity_part("gallium", wh, region="USA", year=None, years=None)
        assert pd.get_option(OPTION) == before
        frame = part.context.supply.table
        assert frame["country"].dtype.storage == "python"
    with open_warehouse(warehouse_path, read_only=True) as wh:
        direct = critmin.supply("gallium", warehouse=wh).table
    assert direct["country"].dtype.storage == pd.Series(["x"], dtype="str").dtype.storage


def test_caches_filled_inside_a_report_do_not_leak_out(warehouse_path):
    """After a report's part was built (inside Python strings), the same warehouse, the parameters,
    the events catalogue, the HS table and the trade blocs hand out what a fresh process gets:
    pandas's default storage, equal frames."""
    import critmin
    from critmin import hs
    from critmin.criticality.parameters import load_parameters
    from critmin.monitor.events import event_windows, events_for
    from critmin.report.workers import commodity_part
    from critmin.sources.comtrade import trade_blocs
    from critmin.warehouse import open_warehouse

    default = pd.Series(["x"], dtype="str").dtype.storage

    def loaders():
        return {"parameters": load_parameters(), "events": events_for(["8112.92"], exporter="CHN"),
                "windows": event_windows(["8112.92"], exporter="CHN"), "hs": hs._load(),
                "blocs": trade_blocs()}

    with open_warehouse(warehouse_path, read_only=True) as wh:
        with python_strings():
            inside = loaders()
        commodity_part("gallium", wh, region="USA", year=None, years=None)
        after = critmin.supply("gallium", warehouse=wh).table
        outside = loaders()
    assert after["country"].dtype.storage == default
    for name, frame in outside.items():
        text = [c for c in frame.columns if frame[c].dtype == "str"]
        assert text, name
        assert all(frame[c].dtype.storage == default for c in text), name
        assert all(inside[name][c].dtype.storage == "python" for c in text), name
        plain = [f.astype(dict.fromkeys(text, object)).set_axis(list(f.columns), axis=1)
                 for f in (frame, inside[name])]
        pdt.assert_frame_equal(*plain, obj=name)
