"""Days of cover: tonnes <-> days of consumption <-> money, and the stockholding rules agencies use.

docs/methods.md §5: ``days = stock / (annual consumption / 365)``. A rule may count days of *net imports*
instead of consumption and may deduct a share of the stock as unavailable (the IEA oil rule: 90 days of
net imports, 10 % of stocks deducted); then the usable stock ``(1 - u) * stock`` is what is counted:

    days = (1 - u) * stock / (basis / 365),        stock = days * (basis / 365) / (1 - u)

The rules are data (``critmin/data/stockpile_rules.csv``), one row per rule with its source:

============  =====  =================  =====  ==============================================
rule          days   basis              u      source
============  =====  =================  =====  ==============================================
jogmec-60     60     consumption        0      JOGMEC, Japan (docs/methods.md §5)
jogmec-180    180    consumption        0      JOGMEC, up to ~180 days for high-risk metals
komir-100     100    consumption        0      KOMIR/PPS, Korea (~100 days)
iea-90        90     net imports        0.10   IEA oil rule (an analogue)
============  =====  =================  =====  ==============================================

These functions are pure: the consumption and price they convert with are arguments (the job
:func:`critmin.stockpile.job.cover` takes them from the market baseline, where every figure is a data
row or a documented estimate).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass
from importlib import resources

import numpy as np
import pandas as pd

__all__ = [
    "DAYS_PER_YEAR",
    "CoverRule",
    "rules",
    "rules_table",
    "get_rule",
    "days_to_tonnes",
    "tonnes_to_days",
    "tonnes_to_usd",
    "usd_to_tonnes",
    "MAX_DAYS",
    "check_days",
]

DAYS_PER_YEAR = 365.0
"""Days in the year of the days-of-cover formula (docs/methods.md §5) [days]."""

BASES = ("consumption", "net_imports")

MAX_DAYS = 3650.0
"""Largest accepted days of cover [days]: ten years of consumption, far above any agency's rule (JOGMEC
up to 180 days, the IEA 90 days); a larger figure is a typing slip, not a policy."""


def check_days(days: object) -> float:
    """Days of cover as a float, refusing what is not a finite number from 0 to :data:`MAX_DAYS`.

    Parameters
    ----------
    days : float
        Days of cover [days].

    Raises
    ------
    ParameterError
        For text, NaN, infinity, a negative number or more than :data:`MAX_DAYS`.
    """
    from critmin.errors import ParameterError

    try:
        d = float(days)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        d = math.nan
    if isinstance(days, bool) or not math.isfinite(d) or not 0.0 <= d <= MAX_DAYS:
        raise ParameterError(f"days of cover {days!r} not accepted; expected a finite number of days "
                             f"from 0 to {MAX_DAYS:,.0f} (ten years), e.g. 90")
    return d


def _check_share(u: float) -> float:
    u = float(u)
    if not 0.0 <= u < 1.0:
        raise ValueError(f"unavailable share must lie in [0, 1); got {u}")
    return u


def _out(x: np.ndarray):
    """A float for a 0-d result, else the array."""
    return float(x) if np.ndim(x) == 0 else x


def days_to_tonnes(days, annual_t, unavailable_share: float = 0.0):
    """The stock that covers ``days`` of a yearly flow.

    Parameters
    ----------
    days : float or array
        Days of cover [days].
    annual_t : float or array
        The flow the days count: annual consumption or net imports [t/yr].
    unavailable_share : float
        Share of the stock deducted as unavailable [1] (0.10 in the IEA rule).

    Returns
    -------
    float or ndarray
        Stock [t]: ``days * annual_t / 365 / (1 - unavailable_share)``.
    """
    u = _check_share(unavailable_share)
    return _out(np.asarray(days, float) * np.asarray(annual_t, float) / DAYS_PER_YEAR / (1.0 - u))


def tonnes_to_days(stock_t, annual_t, unavailable_share: float = 0.0):
    """Days of cover of a stock.

    Parameters
    ----------
    stock_t : float or array
        Stock [t].
    annual_t : float or array
        Annual consumption or net imports [t/yr]; must be > 0.
    unavailable_share : float
        Share of the stock deducted as unavailable [1].

    Returns
    -------
    float or ndarray
        ``(1 - unavailable_share) * stock_t / (annual_t / 365)`` [days].
    """
    u = _check_share(unavailable_share)
    if np.any(np.asarray(annual_t, float) <= 0):
        raise ValueError("days of cover need an annual flow > 0 [t/yr]")
    return _out((1.0 - u) * np.asarray(stock_t, float) * DAYS_PER_YEAR / np.asarray(annual_t, float))


def tonnes_to_usd(stock_t, price_usd_per_t):
    """Purchase value of a stock.

    Parameters
    ----------
    stock_t : float or array
        Stock [t].
    price_usd_per_t : float
        Price [USD/t].

    Returns
    -------
    float or ndarray
        Value [USD].
    """
    return _out(np.asarray(stock_t, float) * float(price_usd_per_t))


def usd_to_tonnes(usd, price_usd_per_t):
    """Tonnes an amount of money buys.

    Parameters
    ----------
    usd : float or array
        Money [USD].
    price_usd_per_t : float
        Price [USD/t]; must be > 0.

    Returns
    -------
    float or ndarray
        Stock [t].
    """
    if not float(price_usd_per_t) > 0:
        raise ValueError("price must be > 0 [USD/t]")
    return _out(np.asarray(usd, float) / float(price_usd_per_t))


@dataclass(frozen=True)
class CoverRule:
    """One agency's stockholding rule (a row of ``stockpile_rules.csv``).

    Attributes
    ----------
    rule : str
        Identifier (``jogmec-60``).
    agency : str
        Who applies it.
    country : str
        ISO3 of the agency's country ('' for an international rule).
    days : float
        Days of cover required [days].
    basis : str
        ``consumption`` (domestic consumption) or ``net_imports``.
    unavailable_share : float
        Share of the stock deducted as unavailable [1].
    applies_to : str
        What the rule covers.
    source, note : str
        Where the rule is stated, and a remark.
    """

    rule: str
    agency: str
    country: str
    days: float
    basis: str
    unavailable_share: float
    applies_to: str
    source: str
    note: str = ""

    def stock_t(self, consumption_t_per_year: float,
                net_imports_t_per_year: float | None = None) -> float:
        """The stock the rule asks for.

        Parameters
        ----------
        consumption_t_per_year : float
            Domestic consumption [t/yr].
        net_imports_t_per_year : float, optional
            Net imports [t/yr]; needed when the rule counts net imports.

        Returns
        -------
        float
            Stock [t].
        """
        base = self.basis_t_per_year(consumption_t_per_year, net_imports_t_per_year)
        return days_to_tonnes(self.days, base, self.unavailable_share)

    def basis_t_per_year(self, consumption_t_per_year: float,
                         net_imports_t_per_year: float | None = None) -> float:
        """The flow the rule counts days of [t/yr]."""
        if self.basis == "consumption":
            return float(consumption_t_per_year)
        if net_imports_t_per_year is None:
            raise ValueError(f"rule {self.rule} counts days of net imports; give net imports [t/yr]")
        return max(float(net_imports_t_per_year), 0.0)


def _read_rules() -> list[CoverRule]:
    text = resources.files("critmin.data").joinpath("stockpile_rules.csv").read_text("utf-8")
    out = []
    for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if row["basis"] not in BASES:
            raise ValueError(f"stockpile_rules.csv row {i}: basis {row['basis']!r} not in {BASES}")
        if not row["source"].strip():
            raise ValueError(f"stockpile_rules.csv row {i}: every rule needs a source")
        out.append(CoverRule(rule=row["rule"], agency=row["agency"], country=row["country"],
                             days=float(row["days"]), basis=row["basis"],
                             unavailable_share=_check_share(float(row["unavailable_share"] or 0)),
                             applies_to=row["applies_to"], source=row["source"], note=row["note"]))
    return out


def rules() -> list[CoverRule]:
    """Every rule of ``stockpile_rules.csv``, in file order."""
    return _read_rules()


def rules_table() -> pd.DataFrame:
    """The rules as a DataFrame (one row per rule, with its source)."""
    return pd.DataFrame([asdict(r) for r in _read_rules()])


def get_rule(name: str) -> CoverRule:
    """A rule by its identifier (case-insensitive).

    Raises
    ------
    KeyError
        Naming the known rules.
    """
    for r in _read_rules():
        if r.rule.casefold() == name.strip().casefold():
            return r
    raise KeyError(f"unknown stockpile rule {name!r}; rules: "
                   f"{', '.join(r.rule for r in _read_rules())}")
