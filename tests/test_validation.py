"""pydantic errors in plain words (issue 12, item 10): file, key, what is wrong and what is accepted;
never pydantic's internals (union branches, error types, its web address)."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

import critmin
from critmin.errors import CritminError, ParameterError, ScenarioError
from critmin.market.spec import ScenarioSpec
from critmin.stockpile import PlanningParams

SCENARIO = Path(critmin.__file__).parent / "scenarios" / "gallium-export-controls.toml"

INTERNALS = ("tagged-union", "function-after", "validation error for", "errors.pydantic.dev", "type=",
             "input_value", "Value error,")


@pytest.fixture(scope="module")
def base() -> dict:
    return tomllib.loads(SCENARIO.read_text("utf-8"))


def _msg(base, section, key, value, extra=None) -> str:
    d = copy.deepcopy(base)
    d[section][key] = value
    d.update(extra or {})
    with pytest.raises(ScenarioError) as err:
        ScenarioSpec.from_dict(d, source="s.toml")
    text = str(err.value)
    for bad in INTERNALS:
        assert bad not in text, text
    return text


@pytest.mark.parametrize(("value", "expected"), [
    ({"dist": "uniform", "low": 0.6, "high": 0.3},
     "invalid scenario s.toml: disruption.cut: low (0.6) must not exceed high (0.3)"),
    ({"dist": "gamma", "k": 2}, "invalid scenario s.toml: disruption.cut: unknown distribution 'gamma'; "
                                "accepted: fixed, uniform, triangular, normal, lognormal, beta, choice"),
    ("lots", "invalid scenario s.toml: disruption.cut: must be a number or a table (got 'lots'); accepted: "
             "a share in [0, 1] or a distribution table"),
    (1.5, "invalid scenario s.toml: disruption.cut: values must lie in [0, 1]"),
])
def test_scenario_value_errors(base, value, expected):
    assert _msg(base, "disruption", "cut", value).startswith(expected)


def test_unknown_key_lists_the_accepted_keys(base):
    text = _msg(base, "disruption", "cutt", 0.3)
    assert text == ("invalid scenario s.toml: disruption.cutt: unknown key (check the spelling); accepted: "
                    "exporter, probability, targets, start_month, duration_months, cut, leakage, stage")


def test_a_table_missing_a_key_is_not_also_a_number_error(base):
    text = _msg(base, "market", "demand_elasticity_short", {"dist": "uniform", "low": -0.1})
    assert text == ("invalid scenario s.toml: market.demand_elasticity_short.high: required key is "
                    "missing (in a uniform table)")


def test_several_problems_one_line_each(base):
    text = _msg(base, "disruption", "cut", "lots", extra={"horizon": 3})
    lines = text.splitlines()
    assert lines[0] == "invalid scenario s.toml:"
    assert lines[1].startswith("  disruption.cut: must be a number or a table")
    assert lines[2].startswith("  horizon: unknown key (check the spelling); accepted: name, commodity")


@pytest.mark.parametrize(("kw", "expected"), [
    ({"disruption_probability": 0},
     "invalid planning parameters: disruption_probability: must be greater than 0 (got 0)"),
    ({"trigger": "x"}, "invalid planning parameters: trigger: not one of the accepted values (got 'x'); "
                       "accepted: disruption, price or shortage"),
    ({"trigger": "price"}, "invalid planning parameters: trigger 'price' needs trigger_level, a price "
                           "multiple >= 1"),
    ({"policy_days": ("a",)}, "invalid planning parameters: policy_days[0]: must be a number, without "
                              "quotes (got 'a')"),
])
def test_planning_params(kw, expected):
    with pytest.raises(ParameterError) as err:
        PlanningParams(**kw)
    assert str(err.value) == expected
    assert isinstance(err.value, ValueError) and isinstance(err.value, CritminError)


def test_unknown_planning_parameter_lists_them():
    with pytest.raises(ParameterError, match=r"foo: unknown key \(check the spelling\); accepted: "
                                             r"interest_rate, storage_rate"):
        PlanningParams(foo=1)
    assert PlanningParams(disruption_probability=0.2).disruption_probability == 0.2
