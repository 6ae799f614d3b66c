"""Tests of critmin.units: explicit unit normalisation and mass conversion."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from critmin.units import MASS_FACTORS, is_mass, normalize_unit, to_tonnes, tonnes_factor


@pytest.mark.parametrize(
    ("text", "canon"),
    [
        ("metric tons", "t"),
        ("tons", "t"),
        ("t", "t"),
        ("thousand metric tons", "kt"),
        ("thousand metric dry tons", "kt"),
        ("KT", "kt"),
        ("million metric tons", "Mt"),
        ("mmt", "Mt"),
        ("Mt", "Mt"),
        ("kilograms", "kg"),
        ("grams", "g"),
        ("million carats", "million carats"),
        (" thousands of carats", "thousand carats"),
        ("thousand carats", "thousand carats"),
        ("million cubic meters", "million m3"),
        ("million liters", "million L"),
        ("percent", "%"),
        ("dollars per kilogram", "USD/kg"),
        ("dollars per metric ton", "USD/t"),
        ("cents per pound", "USc/lb"),
        ("dollars per 50 grams", "USD/50 g"),
        ("dollars per troy ounce", "USD/ozt"),
        ("dollars per dry metric ton unit", "USD/dmtu"),
    ],
)
def test_normalize_unit(text: str, canon: str) -> None:
    assert normalize_unit(text) == canon


@pytest.mark.parametrize("text", ["", "   ", "mt", "MT", "furlongs", "bushels per acre"])
def test_normalize_unit_refuses_unknown_or_ambiguous(text: str) -> None:
    with pytest.raises(ValueError):
        normalize_unit(text)


@pytest.mark.parametrize(
    ("unit", "mass"),
    [("t", True), ("kt", True), ("Mt", True), ("kilograms", True), ("g", True),
     ("million carats", False), ("million cubic meters", False), ("percent", False),
     ("dollars per kilogram", False), ("nonsense", False)],
)
def test_is_mass(unit: str, mass: bool) -> None:
    assert is_mass(unit) is mass


def test_to_tonnes_scalars() -> None:
    assert to_tonnes(270_000, "t") == 270_000
    assert to_tonnes(8.5, "kt") == pytest.approx(8_500)
    assert to_tonnes(8_500, "thousand metric tons") == pytest.approx(8_500_000)
    assert to_tonnes(1.9, "Mt") == pytest.approx(1_900_000)
    assert to_tonnes(633_000, "kilograms") == pytest.approx(633)
    assert to_tonnes(2_000_000, "g") == pytest.approx(2)
    assert math.isnan(to_tonnes(float("nan"), "kt"))


def test_to_tonnes_vectorised_keeps_type() -> None:
    s = pd.Series([1.0, np.nan, 3.0])
    out = to_tonnes(s, "kt")
    assert isinstance(out, pd.Series)
    assert out.iloc[0] == 1_000 and np.isnan(out.iloc[1]) and out.iloc[2] == 3_000
    arr = to_tonnes(np.array([1.0, 2.0]), "kg")
    np.testing.assert_allclose(arr, [0.001, 0.002])


@pytest.mark.parametrize("unit", ["million carats", "million m3", "USD/kg", "%", "mt"])
def test_to_tonnes_refuses_non_mass(unit: str) -> None:
    with pytest.raises(ValueError):
        to_tonnes(1.0, unit)


def test_factors_are_consistent() -> None:
    assert MASS_FACTORS["kt"] == 1_000 * MASS_FACTORS["t"]
    assert MASS_FACTORS["Mt"] == 1_000 * MASS_FACTORS["kt"]
    assert MASS_FACTORS["t"] == 1_000 * MASS_FACTORS["kg"]
    assert tonnes_factor("thousand metric tons") == 1_000
