"""The inputs of a supplier-mix problem from data (pure functions on DataFrames and arrays).

* :func:`unit_values` — each supplier's import unit value from the importer's trade rows
  (value / net weight [USD/kg]); suppliers shipping too little for a meaningful unit value, or nothing,
  are priced at the importer's average import unit value (a named assumption);
* :func:`premiums` — each supplier's cost premium ``r_i = p_i / p_ref - 1`` [1] over a reference
  price: the current mix's average price (default: a budget is then "pay at most B more per tonne than
  today") or the cheapest supplier's (docs/methods.md §7 literally);
* :func:`exportable_volume` — what a supplier has to export [t/yr]: production minus its own
  consumption where known (the scenario's statement for the restricting exporter, the consumption table
  otherwise), else production;
* :func:`share_caps` — the largest share of the importer's imports each supplier can take [1]:
  ``max_claim_share x exportable / imports`` (the importer cannot buy all of a supplier's exports),
  never below the share it already ships.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["PREMIUM_BASES", "unit_values", "premiums", "exportable_volume", "share_caps"]

PREMIUM_BASES = ("current", "cheapest")
"""Reference prices of a premium: the current mix's average price, or the cheapest supplier's."""


def unit_values(trade: pd.DataFrame, *, min_share: float = 0.01) -> tuple[pd.DataFrame, float]:
    """Each supplier's import unit value and the price a mix is costed at.

    Parameters
    ----------
    trade : DataFrame
        One row per supplier of one importer and year: ``partner``, ``quantity_kg`` [kg],
        ``value_usd`` [USD] (e.g. :attr:`critmin.dependence.ImporterDependenceResult.table`).
    min_share : float
        Least share of the suppliers' total quantity [1] a supplier needs for its own unit value to
        be used; below it (a few tonnes of a specialty grade) its unit value says little about the
        price of the volumes a new mix would move, and the average is used.

    Returns
    -------
    prices : DataFrame
        Per supplier: ``partner``, ``quantity_kg`` [kg], ``value_usd`` [USD], ``unit_value_usd_per_kg``
        (NaN without a positive quantity and a value), ``price_usd_per_kg`` (the one used) and
        ``price_basis`` (``trade`` or why the average is used).
    average : float
        The importer's average import unit value [USD/kg]: sum of values / sum of quantities over the
        suppliers with both.

    Raises
    ------
    ValueError
        When no supplier has both a positive quantity and a value.

    Examples
    --------
    >>> t = pd.DataFrame({"partner": ["A", "B", "C"], "quantity_kg": [900.0, 95.0, 5.0],
    ...                   "value_usd": [9000.0, 1900.0, 500.0]})
    >>> p, avg = unit_values(t, min_share=0.01)
    >>> round(avg, 2), p["price_usd_per_kg"].round(2).tolist()
    (11.4, [10.0, 20.0, 11.4])
    """
    if not 0 <= min_share < 1:
        raise ValueError(f"min_share must lie in [0, 1), got {min_share}")
    df = trade[["partner", "quantity_kg", "value_usd"]].copy()
    q = pd.to_numeric(df["quantity_kg"], errors="coerce")
    v = pd.to_numeric(df["value_usd"], errors="coerce")
    both = (q > 0) & v.notna() & (v >= 0)
    if not both.any() or float(v[both].sum()) <= 0:
        raise ValueError("no supplier has both a positive quantity and a value: no unit value")
    average = float(v[both].sum() / q[both].sum())
    share = q / float(q[q > 0].sum())
    own = (v / q).where(both)
    df["unit_value_usd_per_kg"] = own
    use = both & (share >= min_share) & (own > 0)
    df["price_usd_per_kg"] = own.where(use, average)
    basis = []
    for ok, qq, vv, sh in zip(use, q, v, share, strict=True):
        if ok:
            basis.append("trade")
        elif not (qq > 0):
            basis.append("average: no quantity in the trade rows")
        elif vv != vv:  # NaN
            basis.append("average: no value in the trade rows")
        else:
            basis.append(f"average: {sh:.2%} of the quantity, below the {min_share:.0%} needed for "
                         "its own unit value")
    df["price_basis"] = basis
    return df.reset_index(drop=True), average


def premiums(price, current, *, basis: str = "current") -> tuple[np.ndarray, float, float]:
    """Cost premium of each supplier over a reference price, ``r_i = p_i / p_ref - 1`` [1].

    ``premium(x) = sum_i r_i x_i = (sum_i p_i x_i) / p_ref - 1``: the relative extra cost per tonne of
    mix x over the reference.

    Parameters
    ----------
    price : array
        ``p_i`` [USD/kg], one per candidate (all > 0).
    current : array
        The current mix [1] (sums to 1).
    basis : {"current", "cheapest"}
        ``current``: ``p_ref`` is the current mix's average price ``sum p_i x_cur,i``, so the current
        mix costs a premium of 0; ``cheapest``: ``p_ref = min_i p_i`` (docs/methods.md §7).

    Returns
    -------
    r : ndarray
        Premiums [1].
    reference : float
        ``p_ref`` [USD/kg].
    current_price : float
        The current mix's average price [USD/kg].

    Examples
    --------
    >>> r, ref, cur = premiums([2.0, 4.0], [0.5, 0.5])
    >>> r.tolist(), ref, cur
    ([-0.33333333333333337, 0.33333333333333326], 3.0, 3.0)
    """
    p = np.asarray(price, float)
    x = np.asarray(current, float)
    if p.shape != x.shape or not (p > 0).all() or not np.isfinite(p).all():
        raise ValueError("need one positive, finite price per candidate")
    if abs(x.sum() - 1) > 1e-9:
        raise ValueError(f"the current mix sums to {x.sum()}, not 1")
    cur = float(p @ x)
    if basis == "current":
        ref = cur
    elif basis == "cheapest":
        ref = float(p.min())
    else:
        raise ValueError(f"unknown premium basis {basis!r}; expected one of {PREMIUM_BASES}")
    return p / ref - 1.0, ref, cur


def exportable_volume(
    production_t: Mapping[str, float],
    *,
    consumption_t: Mapping[str, float] | None = None,
    export_share: Mapping[str, float] | None = None,
    home_demand_t: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """What each producer has to export [t/yr].

    Parameters
    ----------
    production_t : mapping of ISO3 to float
        Production [t/yr].
    consumption_t : mapping of ISO3 to float, optional
        Own consumption [t/yr] where the data have it.
    export_share, home_demand_t : mapping, optional
        A stated share of output exported [1] or own consumption [t/yr] (a scenario's statement about
        its restricting exporter); they take precedence over ``consumption_t``.

    Returns
    -------
    DataFrame
        ``country``, ``production_t``, ``consumption_t`` (NaN where unknown), ``exportable_t`` =
        production minus consumption (>= 0), else production, and ``exportable_basis``.
    """
    cons = dict(consumption_t or {})
    share = dict(export_share or {})
    home = dict(home_demand_t or {})
    rows = []
    for c, q in production_t.items():
        q = float(q) if q is not None and q == q else math.nan
        if c in share:
            e, used, basis = q * float(share[c]), q * (1 - float(share[c])), \
                f"stated export share {float(share[c]):.0%} of output"
        elif c in home:
            used = float(home[c])
            e, basis = max(q - used, 0.0), "production minus stated home demand"
        elif c in cons and cons[c] == cons[c]:
            used = float(cons[c])
            e, basis = max(q - used, 0.0), "production minus consumption (data)"
        else:
            used, e, basis = math.nan, q, "production (own consumption not in the data)"
        rows.append({"country": c, "production_t": q, "consumption_t": used, "exportable_t": e,
                     "exportable_basis": basis})
    return pd.DataFrame(rows, columns=["country", "production_t", "consumption_t", "exportable_t",
                                       "exportable_basis"])


def share_caps(current, exportable_t, imports_t: float, *,
               max_claim_share: float) -> tuple[np.ndarray, list[str]]:
    """The largest share of the importer's imports each supplier can take [1].

    ``u_i = min(1, max(x_cur,i, max_claim_share * exportable_i / M))``: the importer can contract at
    most ``max_claim_share`` of a supplier's exportable volume (other buyers hold the rest), and a
    supplier can always keep shipping what it ships now (processors without production of their own,
    whose exportable volume is unknown, stay at most at their current share).

    Parameters
    ----------
    current : array
        Current shares [1].
    exportable_t : array
        Exportable volume [t/yr] (NaN or 0 where the supplier produces nothing).
    imports_t : float
        The importer's annual imports M [t/yr].
    max_claim_share : float
        In (0, 1] [1].

    Returns
    -------
    upper : ndarray
        Caps [1].
    basis : list of str
        Per supplier: ``exportable volume`` or ``current share``.

    Examples
    --------
    >>> u, b = share_caps([0.8, 0.2, 0.0], [1000.0, float("nan"), 50.0], 500.0, max_claim_share=0.5)
    >>> u.tolist(), b
    ([1.0, 0.2, 0.05], ['exportable volume', 'current share', 'exportable volume'])
    """
    if not 0 < max_claim_share <= 1:
        raise ValueError(f"max_claim_share must lie in (0, 1], got {max_claim_share}")
    if not imports_t > 0:
        raise ValueError(f"imports must be positive, got {imports_t}")
    x = np.asarray(current, float)
    e = np.nan_to_num(np.asarray(exportable_t, float), nan=0.0)
    vol = max_claim_share * np.maximum(e, 0.0) / float(imports_t)
    upper = np.minimum(np.maximum(x, vol), 1.0)
    basis = ["exportable volume" if v >= xi and v > 0 else "current share"
             for v, xi in zip(vol, x, strict=True)]
    return upper, basis
