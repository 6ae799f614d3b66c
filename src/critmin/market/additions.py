"""New capacity and purchases in the market model (issues 14 and 17): inelastic terms, zero unless a
scenario has ``[[capacity]]`` or ``[[purchase]]`` entries. Two per-month arrays enter the clearing
equation of :mod:`critmin.market.model` as fixed quantities:

* added supply ``A_s(t)`` [t/month] (per run: new capacity, :func:`capacity_supply`). Buyers outside
  the exporter switch to it: it first displaces the exporter's exports, ``X_e0 -> X_e0 - min(A, X_e0)``
  (every region's purchases from the exporter shrink in proportion, as do those of the targets), and
  the cut stops its share of what the exporter still sells; so the fixed supply is
  ``X_e0 - min(A, X_e0) - (1 - lambda) c a X_T (1 - min(A, X_e0) / X_e0) + A``. Output beyond the
  exporter's exports is sold at P0 only as far as the market needs it (the price never falls below
  P0 in this model; the rest is idle capacity, reported). New capacity thus protects by shrinking what
  the exporter can withhold, not as spare capacity waiting for the cut;
* purchases ``B_k(t)`` [t/month] (the same in every run: state stockpiles buying), bought before
  other buyers, also at the choke price, where the others share what is left pro rata. The exporter's
  own reserve buys from its producers' whole output: only its export share ``X_e0 / Q_e0`` of the
  purchase comes off the market outside it (the rest off its home market, which is not cleared).

So the fixed net supply of step 5 is ``X_e(t) + A_s(t) - sum_k B_k(t)``; the rest is unchanged.

Pure functions: :func:`purchase_schedule` and :func:`capacity_supply` (the per-month arrays),
:func:`capacity_entries` and :func:`additions_inputs` (from a scenario to
:class:`~critmin.market.model.MarketInputs` keywords), :func:`check_additions`.
"""

from __future__ import annotations

import numpy as np

from critmin.errors import ScenarioError

__all__ = ["purchase_schedule", "capacity_supply", "capacity_entries", "additions_inputs",
           "check_additions", "InelasticTerms"]


def purchase_schedule(tonnes: float, start_month: float, months: float, horizon: int) -> np.ndarray:
    """What a purchase of ``tonnes`` bought evenly over ``[start_month, start_month + months)`` buys in
    each month ``t`` (the share of ``[t, t + 1)`` inside the interval, as for the cut) [t/month].

    Parameters
    ----------
    tonnes : float
        Quantity [t].
    start_month, months : float
        Start [months from month 0] and length [months] (> 0).
    horizon : int
        Months H.

    Returns
    -------
    ndarray
        (H,) [t/month]; sums to ``tonnes`` when the purchase ends within the horizon.
    """
    t = np.arange(horizon, dtype=float)
    end = start_month + months
    a = np.clip(np.minimum(t + 1.0, end) - np.maximum(t, start_month), 0.0, 1.0)
    return a * (tonnes / months)


def _ramp_integral(tau: np.ndarray, ramp: float) -> np.ndarray:
    """``int_{-inf}^{tau} clip(u / ramp, 0, 1) du`` (``max(tau, 0)`` for ``ramp = 0``) [months]."""
    if ramp <= 0:
        return np.maximum(tau, 0.0)
    pos = np.maximum(tau, 0.0)
    return np.where(pos <= ramp, pos * pos / (2.0 * ramp), pos - 0.5 * ramp)


def capacity_supply(capacity_t: np.ndarray, start: np.ndarray, ramp: np.ndarray, on: np.ndarray,
                    horizon: int) -> np.ndarray:
    """Output of new capacity per run and month: ``sum_c C_c ramp_c(t - start_sc)`` (docs/methods.md §6).

    ``ramp_c(u) = clip(u / r_c, 0, 1)`` averaged over the month ``[t, t + 1)`` (exact: fractional
    starts are honoured, and a project with ``r_c = 0`` produces the covered share of its first
    month); a cancelled project (``on = False``) produces nothing.

    Parameters
    ----------
    capacity_t : ndarray
        (C,) nameplate output [t/month].
    start : ndarray
        (n, C) first output of each project in each run [months from month 0] (delay included).
    ramp : ndarray
        (C,) months to nameplate [months].
    on : ndarray of bool
        (n, C) the project is not cancelled in the run.
    horizon : int
        Months H.

    Returns
    -------
    ndarray
        (n, H) added supply [t/month].
    """
    start = np.asarray(start, float)
    n = start.shape[0]
    out = np.zeros((n, horizon))
    t = np.arange(horizon, dtype=float)[None, :]
    for c in range(len(capacity_t)):
        tau = t - start[:, c:c + 1]
        frac = _ramp_integral(tau + 1.0, float(ramp[c])) - _ramp_integral(tau, float(ramp[c]))
        out += (capacity_t[c] * frac) * np.asarray(on[:, c], bool)[:, None]
    return out


def capacity_entries(spec, baseline) -> tuple[list, list[str]]:
    """The ``[[capacity]]`` entries of the market's stage (those that enter the model), and notes on
    the others.

    Raises
    ------
    ScenarioError
        For capacity at the exporter, or an entry on IEA's basis without an IEA baseline.
    """
    where = spec.path or spec.name
    kept, notes = [], []
    for i, c in enumerate(spec.capacity):
        if c.stage != baseline.stage:
            notes.append(f"[[capacity]] {c.label}: {c.stage} capacity left out of a {baseline.stage} market "
                         "(it does not relieve the stage the exporter withholds)")
            continue
        if c.country == baseline.exporter:
            raise ScenarioError(f"scenario {where}: [capacity.{i}.country] {c.country} is the restricting "
                                "exporter; its growth is part of the baseline (year, projected_suppliers)")
        if c.basis == "iea" and baseline.iea_factor is None:
            raise ScenarioError(f"scenario {where}: [capacity.{i}.basis] \"iea\" needs an IEA baseline (a "
                                "start year, or a stage only IEA has); give t_per_year on the scenario's "
                                "basis")
        kept.append(c)
    return kept, notes


def additions_inputs(spec, baseline, regions: list[str]) -> dict:
    """MarketInputs keywords for purchases and new capacity (empty when the scenario has none)."""
    out: dict = {}
    where = spec.path or spec.name
    H = spec.horizon_months
    if spec.purchase:
        buyers: list[str] = []
        for i, p in enumerate(spec.purchase):
            if p.region not in regions and p.region != baseline.exporter:
                raise ScenarioError(f"scenario {where}: [purchase.{i}.region] {p.region} is neither a region "
                                    f"({', '.join(regions)}) nor the exporter {baseline.exporter}")
            if p.region not in buyers:
                buyers.append(p.region)
        arr = np.zeros((H, len(buyers)))
        q_e = baseline.exporter_production_t_per_year
        ex_share = baseline.exporter_exports_t_per_year / q_e if q_e > 0 else 0.0
        for p in spec.purchase:
            # the exporter's reserve buys from its producers' whole output: the share it would have
            # exported comes off the market outside it, the rest off its home market (not cleared here)
            scale = ex_share if p.region == baseline.exporter else 1.0
            arr[:, buyers.index(p.region)] += scale * purchase_schedule(p.tonnes, p.start_month, p.months, H)
        out.update(buyers=tuple(buyers), purchase_t=arr)
    kept, _ = capacity_entries(spec, baseline)
    if kept:
        start = []
        for c in kept:
            start.append((c.first_year - spec.year) * 12.0 if c.first_year is not None
                         else float(c.start_month))
        factor = baseline.iea_factor
        names: list[str] = []
        for c in kept:
            name, k = c.label, 2
            while name in names:
                name, k = f"{c.label} ({k})", k + 1
            names.append(name)
        out.update(capacity_names=tuple(names),
                   capacity_t=np.asarray([c.t_per_year * (factor if c.basis == "iea" else 1.0) / 12.0
                                          for c in kept], float),
                   capacity_start=np.asarray(start, float),
                   capacity_ramp=np.asarray([c.ramp_months for c in kept], float))
    return out


def check_additions(inputs) -> None:
    """Validate and normalise the purchase and capacity arrays of a
    :class:`~critmin.market.model.MarketInputs` (in place)."""
    k_n, c_n = len(inputs.buyers), len(inputs.capacity_names)
    if inputs.purchase_t is None and k_n:
        raise ValueError("buyers given without purchase_t")
    if inputs.purchase_t is not None:
        arr = np.asarray(inputs.purchase_t, float).reshape(inputs.horizon, k_n)
        if not np.isfinite(arr).all() or (arr < 0).any():
            raise ValueError("purchases must be finite and >= 0 [t/month]")
        object.__setattr__(inputs, "purchase_t", arr)
    for name in ("capacity_t", "capacity_start", "capacity_ramp"):
        v = getattr(inputs, name)
        if v is None and c_n:
            raise ValueError(f"capacity_names given without {name}")
        if v is not None:
            arr = np.asarray(v, float).reshape(c_n)
            if not np.isfinite(arr).all():
                raise ValueError(f"{name} must be finite")
            object.__setattr__(inputs, name, arr)
    if c_n and ((inputs.capacity_t < 0).any() or (inputs.capacity_ramp < 0).any()):
        raise ValueError("capacity and ramp months must be >= 0")


class InelasticTerms:
    """The inelastic terms in one call of :func:`~critmin.market.model.simulate_market`: each month's
    fixed supply, and what the added supply and the purchases did (per run, summed, per month).

    Without new capacity or purchases (``active`` False) :meth:`fixed_supply` does exactly the model's
    arithmetic without them, so such scenarios give the same numbers bit for bit.

    Parameters
    ----------
    inputs : MarketInputs
    added_supply : ndarray or None
        (n, H) added supply [t/month].
    n, nb : int
        Runs, and blocks of runs for the sums.
    paths : dict or None
        The model's paths (``added_supply_t`` and ``purchased_t`` are added to it).
    purchases : ndarray or None
        (H, K, n) purchases per run [t/month] instead of ``inputs.purchase_t`` (the same buyers).
    """

    def __init__(self, inputs, added_supply, n: int, nb: int, paths: dict | None,
                 purchases: np.ndarray | None = None) -> None:
        H = inputs.horizon
        self.added = None if added_supply is None else np.asarray(added_supply, float)
        if self.added is not None and self.added.shape != (n, H):
            raise ValueError(f"added_supply has shape {self.added.shape}, expected ({n}, {H})")
        self.buy = inputs.purchase_t if inputs.purchase_t is not None and len(inputs.buyers) else None
        self.per_run = purchases is not None
        if self.per_run:
            if self.buy is None:
                raise ValueError("purchases per run need inputs with purchases (they name the buyers)")
            self.buy = np.asarray(purchases, float)
            if self.buy.shape != (H, len(inputs.buyers), n):
                raise ValueError(f"purchases have shape {self.buy.shape}, expected ({H}, "
                                 f"{len(inputs.buyers)}, {n})")
            if not np.isfinite(self.buy).all() or (self.buy < 0).any():
                raise ValueError("purchases must be finite and >= 0 [t/month]")
        self.active = self.added is not None or self.buy is not None
        self.b_k, self.b_t = None, 0.0
        self.sums: dict[str, np.ndarray] = {}
        if self.added is not None:
            self.used_tot, self.idle_tot = np.zeros(n), np.zeros(n)
            self.sums["added_supply_t"] = np.zeros((nb, H))
            if paths is not None:
                paths["added_supply_t"] = np.empty((n, H))
        if self.buy is not None:
            K = self.buy.shape[1]
            self.bought_tot, self.cost_tot = np.zeros((K, n)), np.zeros((K, n))
            self.sums["purchased_t"] = np.zeros((nb, H, K))
            if paths is not None:
                paths["purchased_t"] = np.empty((n, H, K))

    def fixed_supply(self, t: int, a, lost_full, x_e0: float):
        """The exporter's exports ``X`` and the fixed net supply ``X + A - sum_k B_k`` of month ``t``
        [t/month]; ``a`` is the share of the month inside the cut, ``lost_full`` the full cut."""
        if self.added is None:
            lost = lost_full * a
            X = x_e0 - lost
            net = X
        else:
            # new capacity first displaces the exporter's exports; the cut falls on what is left
            A = self.added[:, t]
            disp = np.minimum(A, x_e0)
            keep = 1.0 - disp / x_e0 if x_e0 > 0 else np.zeros_like(A)
            X = x_e0 - disp - lost_full * a * keep
            net = X + A
        if self.per_run:                                    # (K, n): each run's own purchases
            self.b_k = self.buy[t]
            self.b_t = self.b_k[0].copy()
            for k in range(1, self.b_k.shape[0]):
                self.b_t += self.b_k[k]
            net = net - self.b_t
        elif self.buy is not None:
            self.b_k = self.buy[t]
            self.b_t = float(self.b_k.sum())
            net = net - self.b_t
        return X, net

    def account(self, t: int, x, rationed, z0, bought, price, blocks, paths) -> None:
        """Record month ``t``: ``z0`` is the excess demand at P0 (refills included), ``bought`` the
        share of the purchases bought, ``price`` [USD/t] per run."""
        if self.added is not None:
            # at P0 the market takes only what it needs: the rest of the added supply is idle
            A = self.added[:, t]
            idle = np.minimum(np.where((x <= 0) & ~rationed, np.maximum(-z0, 0.0), 0.0), A)
            used = A - idle
            self.used_tot += used
            self.idle_tot += idle
            for b, sl in enumerate(blocks):
                self.sums["added_supply_t"][b, t] = used[sl].sum()
            if paths is not None:
                paths["added_supply_t"][:, t] = used
        if self.buy is not None:
            got = (self.b_k if self.per_run else self.b_k[:, None]) * bought[None, :]  # (K, n) [t]
            self.bought_tot += got
            self.cost_tot += got * price[None, :]
            for b, sl in enumerate(blocks):
                self.sums["purchased_t"][b, t] = got[:, sl].sum(axis=1)
            if paths is not None:
                paths["purchased_t"][:, t] = got.T

    def finish(self, summary: dict, sums: dict) -> None:
        """Add the per-run totals to ``summary`` and the per-month sums to ``sums``."""
        if self.added is not None:
            summary["added_supply_t"] = self.used_tot
            summary["idle_capacity_t"] = self.idle_tot
        if self.buy is not None:
            summary["purchased_t"] = self.bought_tot.T.copy()
            summary["purchase_cost_usd"] = self.cost_tot.T.copy()
        sums.update(self.sums)
