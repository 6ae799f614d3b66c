"""One JSON writer for every output: never a ``NaN``/``Infinity`` token (issue 11 item 5)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from critmin._json import dumps, jsonable, num


def _strict(text: str):
    def refuse(token):
        raise AssertionError(f"invalid JSON token {token}")
    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_become_null():
    obj = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan, "np": np.float64("nan"),
           "np_inf": np.float32("inf"), "na": pd.NA, "nat": pd.NaT, "ok": 1.5, "i": np.int64(3),
           "b": np.bool_(True), "arr": np.array([1.0, np.inf, np.nan]), "nested": [{"x": math.inf}],
           "tuple": (math.nan, 2), "date": dt.date(2024, 8, 1), "ts": pd.Timestamp("2024-08-01"),
           "path": Path("a/b.csv"), 7: "int key"}
    text = dumps(obj)
    assert "NaN" not in text and "Infinity" not in text
    back = _strict(text)
    assert back == {"inf": None, "-inf": None, "nan": None, "np": None, "np_inf": None, "na": None,
                    "nat": None, "ok": 1.5, "i": 3, "b": True, "arr": [1.0, None, None],
                    "nested": [{"x": None}], "tuple": [None, 2], "date": "2024-08-01",
                    "ts": "2024-08-01T00:00:00", "path": "a/b.csv", "7": "int key"}
    json.dumps(jsonable(obj), allow_nan=False)  # the cleaned value is strict JSON as is
    assert num("x") is None and num(np.float64(2.0)) == 2.0 and num(math.inf) is None


def test_dumps_refuses_to_be_told_otherwise():
    assert dumps({"a": math.nan}, allow_nan=True) == '{"a": null}'
    assert dumps([1, math.inf], indent=None) == "[1, null]"


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_cli_json_printer_uses_it(value, capsys):
    from critmin.cli._output import print_json

    print_json({"v": value, "w": [value]})
    assert _strict(capsys.readouterr().out) == {"v": None, "w": [None]}
