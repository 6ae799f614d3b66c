"""Synthetic monthly export panels with known truth, to score restriction detectors against.

One *case* is one exporter's monthly exports of a few HS lines to a few partners:

* ``target`` lines (the ones tested), ``control`` lines (siblings, never controlled) and ``other`` lines
  (the exporter's other exports);
* each line x partner series is ``base x partner share x seasonal x trend x noise``: a common seasonal
  pattern with a Lunar-New-Year dip in February plus a line-specific part, a slow random-walk trend,
  log-normal month noise, and unit values with their own noise. With ``SyntheticSpec(moving_lny=True)``
  the fixed February dip is replaced by the holiday on its real dates (:data:`LUNAR_NEW_YEAR_DATES`,
  :func:`lunar_new_year_profile`: a rush before it, a lull after it, split between January, February and
  March as the calendar falls), for every line and partner alike.

On top of that, a case of kind

``demand``
    has a demand shock: *all* lines and partners fall together, by a common depth with line- and
    partner-level heterogeneity (some lines hardly move), over a 1–3 month onset, then recover
    gradually; unit values fall a little.
``restriction``
    has an export restriction on the target lines: a front-running surge 1–2 months before the
    effective month, a fall of the lines' total (uniform across partners, or selective: some partners
    cut by 80–100 %, the others much less, totalling about the same depth when the partners allow), a
    partial licence-lag recovery 1–3 months later, higher export unit values; control and other lines
    carry on.
``both``
    has one of each, at least ``min_gap`` months apart, in either order.
``none``
    has neither.

Every range below is an assumption of :class:`SyntheticSpec` (overridable). The truth of a case is the
list of effective months of its restrictions and of its demand shocks (first month of the fall). Draws
come from one seeded :class:`numpy.random.Generator`, so a seed reproduces a set exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from critmin.monitor.panel import Panel

__all__ = ["SyntheticSpec", "SyntheticCase", "generate", "generate_many", "KINDS", "LUNAR_NEW_YEAR_DATES",
           "lunar_new_year_profile"]

KINDS = ("demand", "restriction", "both", "none")

LUNAR_NEW_YEAR_DATES = {
    2000: "2000-02-05", 2001: "2001-01-24", 2002: "2002-02-12", 2003: "2003-02-01", 2004: "2004-01-22",
    2005: "2005-02-09", 2006: "2006-01-29", 2007: "2007-02-18", 2008: "2008-02-07", 2009: "2009-01-26",
    2010: "2010-02-14", 2011: "2011-02-03", 2012: "2012-01-23", 2013: "2013-02-10", 2014: "2014-01-31",
    2015: "2015-02-19", 2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16", 2019: "2019-02-05",
    2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10",
    2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13",
    2030: "2030-02-03",
}
"""The first day of the Chinese (lunar) year, by Gregorian year (between 21 January and 20 February)."""


def lunar_new_year_profile(months: pd.DatetimeIndex, *, rush: float, lull: float, rush_days: int = 14,
                           lull_days: int = 21, lull_before: int = 7) -> np.ndarray:
    """Monthly export multipliers of the Lunar New Year on its real dates (a stylised daily model).

    Each day's exports run at ``1 + rush`` over the ``rush_days`` before the lull (buyers and factories
    ship ahead of the holiday) and at ``1 - lull`` over ``lull_days`` from ``lull_before`` days before
    New Year's Day (factories, ports and customs closed or slow); a month's multiplier is the mean over
    its days.

    Parameters
    ----------
    months : DatetimeIndex
        First days of the months.
    rush, lull : float
        Rise and fall of the daily rate [1].
    rush_days, lull_days, lull_before : int
        Lengths of the windows [days].

    Returns
    -------
    ndarray
        Log multipliers [log], 0 in months the holiday does not touch.
    """
    out = np.zeros(len(months))
    for i, m in enumerate(pd.DatetimeIndex(months)):
        days = pd.date_range(m, m + pd.offsets.MonthEnd(0), freq="D")
        rate = np.ones(len(days))
        for y in (m.year - 1, m.year, m.year + 1):
            if y not in LUNAR_NEW_YEAR_DATES:
                continue
            ny = pd.Timestamp(LUNAR_NEW_YEAR_DATES[y])
            lull0 = ny - pd.Timedelta(days=lull_before)
            rate[(days >= lull0 - pd.Timedelta(days=rush_days)) & (days < lull0)] += rush
            rate[(days >= lull0) & (days < lull0 + pd.Timedelta(days=lull_days))] -= lull
        out[i] = np.log(rate.mean())
    return out


@dataclass(frozen=True)
class SyntheticSpec:
    """The ranges the generator draws from (uniform unless stated). Fractions are [1], lags [months].

    Parameters
    ----------
    n_months : int
        Length of each series [months].
    start : str
        First month (``YYYY-MM``).
    n_partners : tuple of int
        Number of partners, inclusive range.
    n_target, n_control, n_other : int
        Lines of each role.
    noise : tuple of float
        Month noise of each line x partner series, log standard deviation [log].
    seasonal_amp : tuple of float
        Amplitude of the exporter's annual harmonic [log].
    line_seasonal : float
        Largest amplitude of each line's own annual harmonic (drawn from 0 up to it) [log].
    lny_dip : tuple of float
        February (Lunar New Year) dip [log].
    moving_lny : bool
        Put the Lunar New Year on its real dates (:func:`lunar_new_year_profile`) instead of a fixed
        February dip.
    lny_rush, lny_lull : tuple of float
        Rise of the daily export rate before the holiday and its fall after (``moving_lny``) [1].
    exporter : str
        Exporter code of the panels (``CHN`` makes the monitor analyse January and February together).
    trend_sd : float
        Monthly step of the random-walk trend [log].
    drift_sd : float
        Standard deviation of each line's trend drift [log per month].
    uv_noise : tuple of float
        Month noise of unit values [log].
    uv_trend_sd : float
        Monthly step of the unit values' random walk [log].
    margin : int
        Events fall in months ``margin .. n_months - 6`` [months].
    demand_depth : tuple of float
        Common depth of a demand shock [1].
    demand_line_sd : float
        Log standard deviation of the line multipliers of the depth [log] (some lines fall much less).
    demand_partner_sd : float
        Log standard deviation of the partner multipliers [log].
    demand_onset : tuple of int
        Months from the first fall to the full depth (inclusive range).
    demand_hold : tuple of int
        Months at full depth.
    demand_halflife : tuple of float
        Half-life of the recovery [months].
    demand_uv : tuple of float
        Unit-value change at full depth [1] (negative: prices fall with demand).
    restriction_depth : tuple of float
        Fall of the target lines [1].
    selective_share : float
        Share of restrictions that are selective by destination [1].
    front_size : tuple of float
        Front-running surge [1].
    front_months : tuple of int
        Months of front-running before the effective month.
    licence_lag : tuple of int
        Months after the effective month when licences restore part of the flow.
    licence_share : tuple of float
        Share of the lost flow restored then [1].
    restriction_uv : tuple of float
        Unit-value rise of the target lines [1].
    min_gap : int
        Months between the two events of a ``both`` case.
    """

    n_months: int = 96
    start: str = "2017-01"
    n_partners: tuple[int, int] = (2, 8)
    n_target: int = 2
    n_control: int = 2
    n_other: int = 3
    noise: tuple[float, float] = (0.1, 0.4)
    seasonal_amp: tuple[float, float] = (0.0, 0.2)
    line_seasonal: float = 0.08
    lny_dip: tuple[float, float] = (0.1, 0.5)
    moving_lny: bool = False
    lny_rush: tuple[float, float] = (0.1, 0.5)
    lny_lull: tuple[float, float] = (0.5, 0.9)
    exporter: str = "SYN"
    trend_sd: float = 0.015
    drift_sd: float = 0.004
    uv_noise: tuple[float, float] = (0.03, 0.2)
    uv_trend_sd: float = 0.01
    margin: int = 18
    demand_depth: tuple[float, float] = (0.3, 0.7)
    demand_line_sd: float = 0.35
    demand_partner_sd: float = 0.15
    demand_onset: tuple[int, int] = (1, 3)
    demand_hold: tuple[int, int] = (1, 6)
    demand_halflife: tuple[float, float] = (2.0, 12.0)
    demand_uv: tuple[float, float] = (-0.15, 0.0)
    restriction_depth: tuple[float, float] = (0.4, 0.95)
    selective_share: float = 0.5
    front_size: tuple[float, float] = (0.05, 0.6)
    front_months: tuple[int, int] = (1, 2)
    licence_lag: tuple[int, int] = (1, 3)
    licence_share: tuple[float, float] = (0.2, 0.7)
    restriction_uv: tuple[float, float] = (0.0, 0.3)
    min_gap: int = 6


@dataclass
class SyntheticCase:
    """One synthetic exporter panel and its truth.

    Attributes
    ----------
    kind : str
        ``demand``, ``restriction``, ``both`` or ``none``.
    months : DatetimeIndex
        The months.
    quantity : ndarray
        ``[month, line, partner]`` quantities [kg].
    value : ndarray
        ``[month, line, partner]`` values [USD].
    lines : tuple of str
        Line codes (``T1``.., ``C1``.., ``O1``..).
    partners : tuple of str
        Partner codes.
    hs, control, other : tuple of str
        Line codes by role.
    restriction_months, demand_months : list of str
        The truth: effective months (``YYYY-MM``).
    params : dict
        The drawn parameters (depths, lags, ...), for inspection.
    """

    kind: str
    months: pd.DatetimeIndex
    quantity: np.ndarray
    value: np.ndarray
    lines: tuple[str, ...]
    partners: tuple[str, ...]
    hs: tuple[str, ...]
    control: tuple[str, ...]
    other: tuple[str, ...]
    restriction_months: list[str] = field(default_factory=list)
    demand_months: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    exporter: str = "SYN"

    def rows(self) -> pd.DataFrame:
        """The case as ``trade``-like rows: period, hs_code, partner, partner_kind, quantity_kg, value_usd."""
        t, n_l, n_p = self.quantity.shape
        mi = pd.MultiIndex.from_product([self.months.strftime("%Y-%m-01"), self.lines, self.partners],
                                        names=["period", "hs_code", "partner"])
        df = pd.DataFrame({"quantity_kg": self.quantity.reshape(-1), "value_usd": self.value.reshape(-1)},
                          index=mi).reset_index()
        df.insert(3, "partner_kind", "country")
        return df

    def panel(self) -> Panel:
        """The :class:`Panel` of the target lines (same result as ``Panel.from_rows(self.rows(), ...)``)."""
        li = {c: i for i, c in enumerate(self.lines)}
        ti = [li[c] for c in self.hs]
        q_tp = self.quantity[:, ti, :].sum(axis=1)
        v_tp = self.value[:, ti, :].sum(axis=1)

        def lines_frame(codes: Sequence[str]) -> pd.DataFrame | None:
            if not codes:
                return None
            return pd.DataFrame({c: self.quantity[:, li[c], :].sum(axis=1) for c in codes}, index=self.months)

        panel = Panel(
            quantity=pd.Series(q_tp.sum(axis=1), index=self.months),
            value=pd.Series(v_tp.sum(axis=1), index=self.months),
            by_partner=pd.DataFrame(q_tp, index=self.months, columns=list(self.partners)),
            control=lines_frame(self.control), other=lines_frame(self.other),
            exporter=self.exporter, hs=self.hs, control_hs=self.control, other_hs=self.other,
            partners=self.partners, partner_kind="country",
        )
        panel.warnings.extend(panel.coverage_warnings())
        return panel


def _u(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    return float(rng.uniform(lo_hi[0], lo_hi[1]))


def _i(rng: np.random.Generator, lo_hi: tuple[int, int]) -> int:
    return int(rng.integers(lo_hi[0], lo_hi[1] + 1))


def _demand_path(n: int, t0: int, onset: int, hold: int, halflife: float) -> np.ndarray:
    """Share of the full demand shock in each month (0 before ``t0``)."""
    p = np.zeros(n)
    for k in range(onset):
        if t0 + k < n:
            p[t0 + k] = (k + 1) / onset
    top = t0 + onset
    p[top:min(n, top + hold)] = 1.0
    rest = np.arange(top + hold, n)
    p[rest] = 0.5 ** ((rest - (top + hold) + 1) / halflife)
    return p


def _selective_cuts(rng: np.random.Generator, share: np.ndarray, depth: float) -> np.ndarray:
    """Cuts by partner that hit some partners (80-100 %) and spare the others, totalling about ``depth``.

    Partners are hit in random order until the hit ones carry the fall (at least one is spared); the
    spared ones lose what is left of ``depth`` (at most half the depth).
    """
    n_p = share.size
    order = rng.permutation(n_p)
    cut_hit = rng.uniform(0.8, 1.0, n_p)
    hit = np.zeros(n_p, bool)
    lost = 0.0
    for j in order[:-1]:
        hit[j] = True
        lost += share[j] * cut_hit[j]
        if lost >= depth:
            break
    rest = share[~hit].sum()
    spared = float(np.clip((depth - lost) / rest, 0.0, 0.5 * depth)) if rest > 0 else 0.0
    return np.where(hit, cut_hit, spared)


def _event_months(rng: np.random.Generator, kind: str, spec: SyntheticSpec) -> tuple[list[int], list[int]]:
    lo, hi = spec.margin, spec.n_months - 6
    if kind == "demand":
        return [], [int(rng.integers(lo, hi + 1))]
    if kind == "restriction":
        return [int(rng.integers(lo, hi + 1))], []
    if kind == "none":
        return [], []
    while True:
        a, b = (int(x) for x in rng.integers(lo, hi + 1, size=2))
        if abs(a - b) >= spec.min_gap:
            return [a], [b]


def generate(kind: str, *, rng: np.random.Generator | int | None = None,
             spec: SyntheticSpec = SyntheticSpec()) -> SyntheticCase:
    """One synthetic case of a kind.

    Parameters
    ----------
    kind : str
        ``demand``, ``restriction``, ``both`` or ``none``.
    rng : Generator or int, optional
        The random generator (or a seed for a new one).
    spec : SyntheticSpec
        The ranges drawn from.

    Returns
    -------
    SyntheticCase
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {KINDS}")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    n = spec.n_months
    months = pd.date_range(spec.start, periods=n, freq="MS")
    hs = tuple(f"T{i + 1}" for i in range(spec.n_target))
    ctl = tuple(f"C{i + 1}" for i in range(spec.n_control))
    oth = tuple(f"O{i + 1}" for i in range(spec.n_other))
    lines = hs + ctl + oth
    n_l = len(lines)
    n_p = _i(rng, spec.n_partners)
    partners = tuple(f"P{j + 1:02d}" for j in range(n_p))
    is_target = np.array([c in hs for c in lines])

    # ---- baseline: base x share x seasonal x trend x noise
    base = np.exp(rng.normal(np.log(1e6), 1.0, n_l))
    share = rng.dirichlet(np.full(n_p, 2.0))
    m = months.month.to_numpy()
    amp, phase = _u(rng, spec.seasonal_amp), rng.uniform(0, 2 * np.pi)
    common = amp * np.cos(2 * np.pi * m / 12 + phase) - _u(rng, spec.lny_dip) * (m == 2)
    if spec.moving_lny:  # the holiday on its real dates instead of the fixed February dip
        common = amp * np.cos(2 * np.pi * m / 12 + phase) + lunar_new_year_profile(
            months, rush=_u(rng, spec.lny_rush), lull=_u(rng, spec.lny_lull))
    scale = rng.uniform(0.5, 1.5, n_l)
    own = (rng.uniform(0, spec.line_seasonal, n_l)[None, :]
           * np.cos(2 * np.pi * m[:, None] / 12 + rng.uniform(0, 6.3, n_l)))
    seas = common[:, None] * scale[None, :] + own
    drift = rng.normal(0, spec.drift_sd, n_l)
    trend = np.cumsum(rng.normal(drift, spec.trend_sd, (n, n_l)), axis=0)
    sig = rng.uniform(*spec.noise, n_p)
    logq = (np.log(base)[None, :, None] + np.log(share)[None, None, :] + (seas + trend)[:, :, None]
            + rng.normal(0, 1, (n, n_l, n_p)) * sig[None, None, :])
    factor = np.ones((n, n_l, n_p))
    uv_base = np.exp(rng.normal(np.log(20.0), 1.0, n_l))
    uv_log = (np.log(uv_base)[None, :, None]
              + np.cumsum(rng.normal(0, spec.uv_trend_sd, (n, n_l)), axis=0)[:, :, None]
              + rng.normal(0, 1, (n, n_l, n_p)) * _u(rng, spec.uv_noise))

    restr, dem = _event_months(rng, kind, spec)
    params: dict = {"n_partners": n_p, "noise": sig.tolist()}

    # ---- demand shocks: every line and partner
    for t0 in dem:
        depth = _u(rng, spec.demand_depth)
        onset, hold = _i(rng, spec.demand_onset), _i(rng, spec.demand_hold)
        half = _u(rng, spec.demand_halflife)
        path = _demand_path(n, t0, onset, hold, half)
        d_lp = (depth * np.exp(rng.normal(0, spec.demand_line_sd, n_l))[:, None]
                * np.exp(rng.normal(0, spec.demand_partner_sd, (n_l, n_p))))
        d_lp = np.clip(d_lp, 0.0, 0.95)
        factor *= 1.0 - path[:, None, None] * d_lp[None, :, :]
        uv_log += np.log1p(_u(rng, spec.demand_uv) * path)[:, None, None]
        params.setdefault("demand", []).append({"month": t0, "depth": depth, "onset": onset, "hold": hold,
                                                "halflife": half})

    # ---- restrictions: target lines only
    for t0 in restr:
        depth = _u(rng, spec.restriction_depth)
        selective = bool(rng.uniform() < spec.selective_share) and n_p >= 2
        if selective:
            d_p = _selective_cuts(rng, share, depth)
        else:
            d_p = np.clip(depth * np.exp(rng.normal(0, 0.1, n_p)), 0.0, 0.99)
        front, fm = _u(rng, spec.front_size), _i(rng, spec.front_months)
        lag, back = _i(rng, spec.licence_lag), _u(rng, spec.licence_share)
        path = np.zeros(n)
        path[t0:] = 1.0
        path[t0 + lag:] = 1.0 - back
        f = 1.0 - path[:, None] * d_p[None, :]
        f[max(0, t0 - fm):t0, :] *= 1.0 + front
        factor[:, is_target, :] *= f[:, None, :]
        rise = _u(rng, spec.restriction_uv)
        uv_log[:, is_target, :] += (np.log1p(rise) * (path > 0))[:, None, None]
        params.setdefault("restriction", []).append({
            "month": t0, "depth": depth, "total_cut": float((share * d_p).sum()), "selective": selective,
            "front": front, "front_months": fm,
            "licence_lag": lag, "licence_share": back, "uv_rise": rise})

    q = np.exp(logq) * factor
    v = q * np.exp(uv_log)
    lab = months.strftime("%Y-%m")
    return SyntheticCase(kind=kind, months=months, quantity=q, value=v, lines=lines, partners=partners,
                         hs=hs, control=ctl, other=oth, restriction_months=[lab[t] for t in restr],
                         demand_months=[lab[t] for t in dem], params=params, exporter=spec.exporter)


def generate_many(n: int, kinds: Sequence[str] = ("demand", "restriction", "both"), *,
                  seed: int | None = 0, spec: SyntheticSpec = SyntheticSpec()) -> Iterator[SyntheticCase]:
    """``n`` cases of each kind from one seeded generator.

    Parameters
    ----------
    n : int
        Cases per kind.
    kinds : sequence of str
        Kinds to generate (interleaved: one of each, then the next, ...).
    seed : int, optional
        Seed of the :class:`numpy.random.Generator`.
    spec : SyntheticSpec
        The ranges drawn from.

    Yields
    ------
    SyntheticCase
    """
    rng = np.random.default_rng(seed)
    for _ in range(n):
        for k in kinds:
            yield generate(k, rng=rng, spec=spec)
