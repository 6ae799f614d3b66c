"""The monthly market model of docs/methods.md §4, vectorised over scenarios.

Index: scenario s (the vector axis), month t = 0..H-1, other supplier i (i != e), consumer region j
outside the exporter e. Quantities are per month [t/month]; prices as multiples of P0 (``x = ln P/P0``).

Each month, for all scenarios at once:

1. The cut: ``a_s(t)`` is the share of month t inside ``[t_s, t_s + d_s)`` (fractional start and
   duration are honoured); the exporter's exports outside are
   ``X_e(t) = X_e0 - (1 - lambda_s) c_s a_s(t) X_T`` with ``X_T`` its baseline exports to the targets.
2. Other suppliers: ``S_i(P, t) = Q_i0 min((P/P0)^eps_s, 1 + spare_i(t))``; ``spare_i`` starts at the
   immediately available share and ramps linearly to its maximum from ``lag_i`` to ``lag_i + ramp_i``
   months after the cut starts.
3. Demand: ``D_j(P, t) = D_j0 (P/P0)^eps_d(t)`` with
   ``eps_d(t) = eps_L + (eps_S - eps_L) exp(-(t - t_s)^+ / tau)``.
4. Stocks form a step supply curve. Each region offers up to ``min(stock, rate)`` per month at its
   hold level: ``disruption`` at P0 while a cut is on (stocks replace lost supply), ``price`` at its
   trigger multiple x P0 (a price ceiling, as buffer-stock rules work), ``shortage`` at the choke price
   once the market's unmet share would exceed its level. Within a level regions release pro rata to
   their caps. After the cut, regions refill up to their fill rate, only as far as the price stays at
   or below their ceiling.
5. Clearing outside e: ``sum_j D_j(P,t) + F(t) = sum_i S_i(P,t) + X_e(t) + R(P, t)``, found by sweeping
   the release levels (lowest first) and, between two levels, solving on
   ``x in [x_k, x_{k+1}]`` with a vectorised safeguarded Newton method (a Newton step on x, replaced by
   bisection of the bracket whenever it leaves it). Excess demand decreases in x and is non-negative
   at x = 0 (stocks are never released below P0), so ``P >= P0``. If excess demand is still positive
   at the choke price, ``P = P_max`` and purchases are rationed pro rata: region j first consumes its
   own release, then gets the same share of its remaining demand as every other region.
6. Outputs: price, consumption ``C_j(t)``, shortfall against pre-shock demand ``max(0, D_j0 - C_j)``,
   unmet demand at the price ``D_j(P, t) - C_j`` (rationing only), stocks, releases, refills, and the
   cost ``(P - P0) C_j + shortage cost x shortfall`` [USD].

Inelastic terms (zero unless a scenario has ``[[capacity]]`` or ``[[purchase]]`` entries): added supply
``A_s(t)`` and purchases ``B_k(t)`` enter step 5 as fixed quantities, see :mod:`critmin.market.additions`.

Changes from the reference specification (docs/methods.md §4), argued here:

* Releases are a step supply curve held at each region's level, not "release the full rate once
  triggered": releasing the full rate pushes the price below P0 and wastes stock, and an on/off
  trigger makes the peak price fall when a deeper cut fires it (a property test found this). With
  hold levels the price is non-decreasing in the cut's depth and length, month by month, and a stock
  of cut x duration at the release rate leaves no shortfall at all (disruption trigger, or price
  trigger at 1.0).
* Triggers act on the same month's market (no one-month lag a stock could have prevented).
* Under rationing a region's release serves its own consumers first (agencies release to domestic
  industry); in a clearing market this changes nothing.
* Refills are price-capped so buying back stock cannot set off a second price spike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from critmin.errors import ScenarioError
from critmin.market.additions import InelasticTerms, additions_inputs, check_additions
from critmin.market.draws import Draws, MarketOutput

__all__ = [
    "TRIGGER_NONE",
    "TRIGGER_DISRUPTION",
    "TRIGGER_PRICE",
    "TRIGGER_SHORTAGE",
    "MarketInputs",
    "Draws",
    "MarketOutput",
    "simulate_market",
    "calm_excess_demand",
    "solve_clearing",
    "REGION_METRICS",
]

TRIGGER_NONE, TRIGGER_DISRUPTION, TRIGGER_PRICE, TRIGGER_SHORTAGE = 0, 1, 2, 3
_TRIGGERS = {"disruption": TRIGGER_DISRUPTION, "price": TRIGGER_PRICE, "shortage": TRIGGER_SHORTAGE}

REGION_METRICS = ("shortfall_t", "shortfall_months", "unmet_t", "stock_end_t", "released_t",
                  "refilled_t", "cost_usd")
"""Per-scenario, per-region summary metrics (units in the names; months are counts)."""

FTOL_REL = 1e-12
"""Clearing tolerance on excess demand, relative to baseline demand outside the exporter [1]."""
XTOL = 4e-15
"""Bracket width at which the solver stops [ln units of P/P0]."""
MAX_ITER = 200


@dataclass(frozen=True)
class MarketInputs:
    """Everything the model needs that is the same in every run (arrays per supplier or region).

    Attributes
    ----------
    horizon : int
        Months H.
    suppliers : tuple of str
        Other suppliers i (the exporter excluded).
    supply_t : ndarray
        ``Q_i0`` [t/month].
    spare_max, spare_now : ndarray
        Maximum and immediately available extra output [share of Q_i0].
    ramp_lag, ramp_len : ndarray
        Months after the cut starts before new capacity starts, and months to reach the maximum.
    regions : tuple of str
        Consumer regions j outside the exporter.
    demand_t : ndarray
        ``D_j0`` [t/month].
    exports_t : float
        ``X_e0`` [t/month].
    target_exports_t : float
        ``X_T``: the exporter's baseline exports to the targeted regions [t/month].
    choke_multiple : float
        ``P_max / P0`` [1].
    p0 : float
        Base price [USD/t].
    shortage_cost : float
        Cost per tonne of shortfall [USD/t].
    stock0, release_cap, refill_cap : ndarray
        Initial stock [t], release and refill rate caps [t/month] per region.
    trigger, trigger_level : ndarray
        Trigger code (``TRIGGER_*``) and level (price multiple or unmet share) per region.
    refill_ceiling : ndarray
        Refill only while ``P/P0`` stays at or below this [1].
    shortfall_threshold : float
        A month counts as a month of shortfall when the shortfall exceeds this share of the region's
        baseline monthly demand [1].
    buyers : tuple of str
        Who buys for a state stockpile (region codes, or the exporter's ISO3), K of them.
    purchase_t : ndarray or None
        (H, K) what each buyer buys each month [t/month] (:func:`purchase_schedule`).
    capacity_names : tuple of str
        New-capacity projects (C of them), in the order of their random streams.
    capacity_t : ndarray or None
        (C,) nameplate output [t/month].
    capacity_start : ndarray or None
        (C,) planned first output [months from month 0], before the per-run delay.
    capacity_ramp : ndarray or None
        (C,) months to nameplate (linear) [months].
    """

    horizon: int
    suppliers: tuple[str, ...]
    supply_t: np.ndarray
    spare_max: np.ndarray
    spare_now: np.ndarray
    ramp_lag: np.ndarray
    ramp_len: np.ndarray
    regions: tuple[str, ...]
    demand_t: np.ndarray
    exports_t: float
    target_exports_t: float
    choke_multiple: float
    p0: float
    shortage_cost: float
    stock0: np.ndarray
    release_cap: np.ndarray
    trigger: np.ndarray
    trigger_level: np.ndarray
    refill_cap: np.ndarray
    refill_ceiling: np.ndarray
    shortfall_threshold: float = 0.01
    buyers: tuple[str, ...] = ()
    purchase_t: np.ndarray | None = None
    capacity_names: tuple[str, ...] = ()
    capacity_t: np.ndarray | None = None
    capacity_start: np.ndarray | None = None
    capacity_ramp: np.ndarray | None = None

    def __post_init__(self) -> None:
        check_additions(self)
        i_n, j_n = len(self.suppliers), len(self.regions)
        for name in ("supply_t", "spare_max", "spare_now", "ramp_lag", "ramp_len"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), float).reshape(i_n))
        for name in ("demand_t", "stock0", "release_cap", "trigger_level", "refill_cap",
                     "refill_ceiling"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), float).reshape(j_n))
        object.__setattr__(self, "trigger", np.asarray(self.trigger, np.int64).reshape(j_n))
        if self.horizon < 1:
            raise ValueError("horizon must be at least one month")
        if j_n == 0:
            raise ValueError("no consumer regions")
        if (self.supply_t < 0).any() or (self.demand_t < 0).any() or self.exports_t < 0:
            raise ValueError("supplies, demands and exports must be >= 0")
        if (self.spare_now > self.spare_max).any() or (self.spare_now < 0).any():
            raise ValueError("need 0 <= spare_now <= spare_max")
        if not self.choke_multiple > 1:
            raise ValueError("choke_multiple must exceed 1")
        if not 0 <= self.target_exports_t <= self.exports_t * (1 + 1e-12):
            raise ValueError("target exports must lie in [0, exports]")
        dtot, stot = float(self.demand_t.sum()), float(self.supply_t.sum()) + self.exports_t
        if abs(dtot - stot) > 1e-9 * max(dtot, stot, 1e-300):
            raise ValueError(f"baseline not balanced: demand {dtot!r} vs supply + exports {stot!r} "
                             "[t/month]")

    @property
    def has_capacity(self) -> bool:
        """True when the inputs carry new-capacity projects."""
        return len(self.capacity_names) > 0

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_spec(cls, spec, baseline) -> MarketInputs:
        """Monthly arrays from a scenario and its baseline.

        Parameters
        ----------
        spec : ScenarioSpec
        baseline : Baseline

        Raises
        ------
        ScenarioError
            When a stockpile or target names a region the baseline lacks.
        """
        m = spec.market
        others = baseline.other_suppliers
        codes = [s.country for s in others]
        unknown = sorted(set(m.suppliers) - set(codes))
        if unknown:
            raise ScenarioError(f"scenario {spec.path or spec.name}: [market.suppliers] {unknown} are not "
                                f"other suppliers in the baseline; they are: {codes}")

        def per(attr: str) -> np.ndarray:
            vals = []
            for c in codes:
                o = m.suppliers.get(c)
                v = getattr(o, attr) if o is not None else None
                vals.append(getattr(m, attr) if v is None else v)
            return np.asarray(vals, float)

        spare_max, spare_now = per("spare_capacity"), per("spare_capacity_immediate")
        if m.spare_capacity_from_data:
            q_out = sum(s.capacity_t_per_year for s in others)
            group = max(baseline.other_capacity_t_per_year() / q_out - 1.0, 0.0) if q_out > 0 else 0.0
            spare_max = np.asarray([m.suppliers[c].spare_capacity if c in m.suppliers and
                                    m.suppliers[c].spare_capacity is not None else group for c in codes],
                                   float)
        if (spare_now > spare_max).any():
            raise ScenarioError(f"scenario {spec.path or spec.name}: [market.suppliers] "
                                "spare_capacity_immediate exceeds spare_capacity for some supplier")
        regions = baseline.region_codes
        d_year = np.asarray([r.demand_t_per_year for r in baseline.regions], float)
        bad = sorted(set(spec.stockpiles) - set(regions))
        if bad:
            raise ScenarioError(f"scenario {spec.path or spec.name}: [stockpiles] {bad} are not regions; "
                                f"regions are {regions}")
        targets = regions if spec.disruption.targets == "all" else list(spec.disruption.targets)
        bad = sorted(set(targets) - set(regions))
        if bad:
            raise ScenarioError(f"scenario {spec.path or spec.name}: [disruption.targets] {bad} are not "
                                f"regions; regions are {regions}")
        j_n = len(regions)
        stock0, rel, trig, lvl = np.zeros(j_n), np.zeros(j_n), np.zeros(j_n, np.int64), np.zeros(j_n)
        refill, ceil = np.zeros(j_n), np.ones(j_n)
        ceilings = [(c, sp.refill_below_multiple) for c, sp in spec.stockpiles.items()
                    if sp.refill_t_per_month is not None or sp.refill_share_of_demand is not None]
        levels = [(c, sp.trigger_level) for c, sp in spec.stockpiles.items() if sp.trigger == "price"]
        clash = [(a, ca, b, lb) for a, ca in ceilings for b, lb in levels if ca > lb]
        if clash:
            a, ca, b, lb = clash[0]
            raise ScenarioError(f"scenario {spec.path or spec.name}: [stockpiles.{a}.refill_below_multiple] "
                                f"{ca:g} exceeds stockpiles.{b}.trigger_level {lb:g}: {b} would release "
                                f"stock while {a} buys it back; keep refill ceilings at or below price "
                                "triggers")
        for j, code in enumerate(regions):
            sp = spec.stockpiles.get(code)
            if sp is None:
                continue
            stock0[j] = sp.tonnes if sp.tonnes is not None else sp.days_of_cover * d_year[j] / 365.0
            rel[j] = (sp.release_t_per_month if sp.release_t_per_month is not None
                      else sp.release_share_of_demand * d_year[j] / 12.0)
            trig[j] = _TRIGGERS[sp.trigger]
            lvl[j] = sp.trigger_level if sp.trigger_level is not None else 0.0
            if sp.refill_t_per_month is not None:
                refill[j] = sp.refill_t_per_month
            elif sp.refill_share_of_demand is not None:
                refill[j] = sp.refill_share_of_demand * d_year[j] / 12.0
            ceil[j] = sp.refill_below_multiple
        if m.shortage_cost_usd_per_t is not None:
            cost = m.shortage_cost_usd_per_t
        else:
            mult = m.shortage_cost_multiple if m.shortage_cost_multiple is not None else m.choke_multiple
            cost = mult * baseline.p0_usd_per_t
        x_year = {r.code: r.exports_from_exporter_t_per_year for r in baseline.regions}
        exports = baseline.exporter_exports_t_per_year / 12.0
        target = min(sum(x_year[c] for c in targets) / 12.0, exports)
        extra = additions_inputs(spec, baseline, regions)
        return cls(
            horizon=spec.horizon_months, suppliers=tuple(codes),
            supply_t=np.asarray([s.capacity_t_per_year for s in others], float) / 12.0,
            spare_max=spare_max, spare_now=spare_now, ramp_lag=per("ramp_lag_months"),
            ramp_len=per("ramp_months"), regions=tuple(regions), demand_t=d_year / 12.0,
            exports_t=exports, target_exports_t=target, choke_multiple=m.choke_multiple,
            p0=baseline.p0_usd_per_t, shortage_cost=float(cost), stock0=stock0, release_cap=rel,
            trigger=trig, trigger_level=lvl, refill_cap=refill, refill_ceiling=ceil,
            shortfall_threshold=m.shortfall_month_threshold, **extra,
        )


# --------------------------------------------------------------------------- pieces
def _supplier_groups(inputs: MarketInputs) -> tuple[np.ndarray, np.ndarray]:
    """Suppliers with the same spare-capacity parameters share one capacity cap, so
    ``sum_i Q_i min(g, cap_i)`` is computed once per group with the group's total output (exact
    algebra; it only changes the order of additions).

    Returns
    -------
    q : ndarray
        (G,) output of each group [t/month].
    params : ndarray
        (G, 4) spare_now, spare_max, ramp_lag, ramp_len of each group.
    """
    keys: dict[tuple[float, float, float, float], float] = {}
    for i in range(len(inputs.suppliers)):
        k = (float(inputs.spare_now[i]), float(inputs.spare_max[i]), float(inputs.ramp_lag[i]),
             float(inputs.ramp_len[i]))
        keys[k] = keys.get(k, 0.0) + float(inputs.supply_t[i])
    return np.asarray(list(keys.values()), float), np.asarray(list(keys), float).reshape(-1, 4)


def _ramp(params: np.ndarray, since: np.ndarray) -> np.ndarray:
    """Capacity caps ``1 + spare(t)`` (G, n) for months since the cut started (-inf: no cut)."""
    caps = np.empty((params.shape[0], since.shape[0]))
    for i, (lo, hi, lag, ln) in enumerate(params):
        if hi == lo:
            caps[i] = 1.0 + lo
            continue
        frac = np.clip((since - lag) / ln, 0.0, 1.0) if ln > 0 else (since >= lag).astype(float)
        caps[i] = 1.0 + lo + (hi - lo) * frac
    return caps


def calm_excess_demand(inputs: MarketInputs) -> float:
    """Excess demand at P0 in a month with no cut, refill, new capacity or purchase [t/month], computed
    as :func:`simulate_market` computes it. At most ``FTOL_REL`` x demand (a balanced baseline) means
    such a month clears at P0 with nothing released, whatever came before it: a run simulated past the
    end of its purchases then adds nothing but months at P0 (:func:`critmin.stockpile.build.build_costs`).
    """
    q, groups = _supplier_groups(inputs)
    s = _supply(np.ones(1), _ramp(groups, np.array([-np.inf])), q)
    return float((float(inputs.demand_t.sum()) - s - inputs.exports_t)[0])


def _release_levels(inputs: MarketInputs, xmax: float) -> list[tuple[float, float, list[int]]]:
    """The stock-release supply curve: groups of regions by hold level, lowest first.

    A region offers up to ``min(stock, rate)`` at its hold level: ``disruption`` at P0 (x = 0; only
    while a cut is on), ``price`` at its trigger multiple (x = ln level, at most the choke), and
    ``shortage`` at the choke with an unmet share u = its level. Levels are points ``(x, u)`` on one
    scarcity axis: the price up to the choke, then the unmet share. Within a level, regions release
    pro rata to their caps. Clearing the market with this step supply makes the price a
    non-decreasing function of the lost supply, month by month.
    """
    groups: dict[tuple[float, float], list[int]] = {}
    for j in range(len(inputs.regions)):
        kind = int(inputs.trigger[j])
        if kind == TRIGGER_NONE or (inputs.stock0[j] <= 0 and inputs.refill_cap[j] <= 0):
            continue
        if kind == TRIGGER_DISRUPTION:
            key = (0.0, 0.0)
        elif kind == TRIGGER_PRICE:
            lvl = math.log(inputs.trigger_level[j])
            key = (lvl, 0.0) if lvl < xmax else (xmax, 0.0)
        else:
            key = (xmax, float(inputs.trigger_level[j]))
        groups.setdefault(key, []).append(j)
    return [(k[0], k[1], groups[k]) for k in sorted(groups)]


def _supply(g: np.ndarray, caps: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``sum_i q_i min(g, cap_i)`` (suppliers summed in order, for reproducibility)."""
    if q.shape[0] == 0:
        return np.zeros_like(g)
    s = q[0] * np.minimum(g, caps[0])
    for i in range(1, q.shape[0]):
        s += q[i] * np.minimum(g, caps[i])
    return s


def _supply_slope(g: np.ndarray, caps: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Supply and ``sum_i q_i [g < cap_i]`` (the suppliers still inside their capacity)."""
    if q.shape[0] == 0:
        z = np.zeros_like(g)
        return z, z.copy()
    s = q[0] * np.minimum(g, caps[0])
    k = np.where(g < caps[0], q[0], 0.0)
    for i in range(1, q.shape[0]):
        s += q[i] * np.minimum(g, caps[i])
        k += np.where(g < caps[i], q[i], 0.0)
    return s, k




def solve_clearing(
    ed: np.ndarray,
    es: np.ndarray,
    net: np.ndarray,
    caps: np.ndarray,
    q: np.ndarray,
    dtot: float,
    xmax: float,
    x0: np.ndarray | None = None,
    ftol: float | None = None,
    lo: np.ndarray | float = 0.0,
    hi: np.ndarray | float | None = None,
) -> np.ndarray:
    """Solve ``dtot e^{ed x} = sum_i q_i min(e^{es x}, cap_i) + net`` for x in [lo, hi], vectorised.

    Safeguarded Newton: a Newton step on x, replaced by the bracket's midpoint when it leaves the
    bracket; the bracket shrinks every iteration, so it converges like bisection in the worst case
    and quadratically near the root. Each element stops on its own (the active set is compressed).

    Parameters
    ----------
    ed, es : ndarray
        Demand (<= 0) and supply (>= 0) elasticities [1], per element.
    net : ndarray
        Fixed net supply (exports + releases - refills) [t/month].
    caps : ndarray
        (I, n) capacity caps ``1 + spare`` [1].
    q : ndarray
        (I,) supplier outputs [t/month].
    dtot : float
        Total baseline demand [t/month].
    xmax : float
        ``ln(P_max/P0)``.
    x0 : ndarray, optional
        Starting points (e.g. last month's solution).
    ftol : float, optional
        Stop when ``|Z| <= ftol`` [t/month]; default ``FTOL_REL * dtot``.
    lo, hi : float or ndarray, optional
        The bracket (default 0 and ``xmax``); Z(lo) >= 0 >= Z(hi) is expected.

    Returns
    -------
    ndarray
        ``x = ln(P/P0)``. Elements with no root in the bracket end at its nearer end (callers test
        ``Z(0)`` and ``Z(xmax)`` first).
    """
    n = net.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    ftol = FTOL_REL * dtot if ftol is None else ftol
    lo = np.broadcast_to(np.asarray(lo, float), (n,)).copy()
    hi = np.full(n, xmax) if hi is None else np.broadcast_to(np.asarray(hi, float), (n,)).copy()
    mid = 0.5 * (lo + hi)
    if x0 is None:
        x = mid
    else:
        x0 = np.asarray(x0, float)
        x = np.where((x0 > lo) & (x0 < hi), x0, mid)
    idx = np.arange(n)
    ed = np.asarray(ed, float)
    es = np.asarray(es, float)
    net = np.asarray(net, float)
    for _ in range(MAX_ITER):
        g = np.exp(es * x)
        d = dtot * np.exp(ed * x)
        s, k = _supply_slope(g, caps, q)
        z = d - s - net
        done = (np.abs(z) <= ftol) | ((hi - lo) <= XTOL)
        pos = z > 0
        lo = np.where(pos, x, lo)
        hi = np.where(pos, hi, x)
        dz = ed * d - es * g * k
        with np.errstate(divide="ignore", invalid="ignore"):
            xn = x - z / dz
        bad = ~((xn > lo) & (xn < hi))
        xn = np.where(bad, 0.5 * (lo + hi), xn)
        if done.any():
            out[idx[done]] = x[done]
            keep = ~done
            if not keep.any():
                return out
            idx, xn, lo, hi = idx[keep], xn[keep], lo[keep], hi[keep]
            ed, es, net, caps = ed[keep], es[keep], net[keep], caps[:, keep]
        x = xn
    out[idx] = x
    return out


# --------------------------------------------------------------------------- the model
def simulate_market(
    inputs: MarketInputs,
    draws: Draws,
    *,
    keep_paths: bool = False,
    price_bins: int = 0,
    sum_block: int | None = None,
    added_supply: np.ndarray | None = None,
    stock0: np.ndarray | None = None,
    purchases: np.ndarray | None = None,
) -> MarketOutput:
    """Run the monthly model for many scenarios at once.

    Parameters
    ----------
    inputs : MarketInputs
        Baseline and rules (the same in every run).
    draws : Draws
        Per-run parameters (n runs).
    keep_paths : bool
        Also return the full monthly paths (memory ~ n x H x J x 8 bytes x 6).
    price_bins : int
        If > 0, histogram ``ln(P/P0)`` per month in this many bins (for quantile bands that can be
        merged across blocks of runs).
    sum_block : int, optional
        Return the sums over runs per consecutive block of this many runs (leading axis), so that
        adding them in block order gives the same floating-point result however runs are chunked.
    added_supply : ndarray, optional
        (n, H) price-inelastic added supply per run and month [t/month] (new capacity,
        :func:`capacity_supply`); purchases come from ``inputs.purchase_t``.
    stock0 : ndarray, optional
        (J, n) each region's starting stock in each run [t], the stock a refill tops up to (default:
        ``inputs.stock0`` in every run). A region's stock must be positive in every run where
        ``inputs.stock0`` is, and zero in every run where it is zero (the release levels are those of
        ``inputs``): several stock sizes then run in one call, each run exactly as a call with its
        stock in ``inputs.stock0`` runs it (the stockpile planner's curves).
    purchases : ndarray, optional
        (H, K, n) what each buyer of ``inputs.buyers`` buys each month in each run [t/month], instead
        of ``inputs.purchase_t`` in every run (which must be given: it names the buyers). Each run
        equals the run of a call with its purchases in ``inputs.purchase_t`` (one buyer; with several,
        to the order their month's purchases are summed in): several purchase schedules run in one call
        (the stockpile planner's build costs, :func:`critmin.stockpile.build.build_costs`).

    Returns
    -------
    MarketOutput
        With added supply, the summary also holds ``added_supply_t`` (used) and ``idle_capacity_t``
        [t] per run, and the sums and paths ``added_supply_t``; with purchases, per run and buyer
        ``purchased_t`` [t] and ``purchase_cost_usd`` [USD], and the sums and paths ``purchased_t``.
    """
    n = len(draws)
    H, J = inputs.horizon, len(inputs.regions)
    q, groups = _supplier_groups(inputs)
    d0 = inputs.demand_t
    dtot = float(d0.sum())
    ftol = FTOL_REL * max(dtot, 1e-300)
    xmax = math.log(inputs.choke_multiple)
    x_e0 = inputs.exports_t
    start = np.where(draws.occurs, draws.start, np.inf)
    end = start + draws.duration
    lost_full = (1.0 - draws.leakage) * draws.cut * inputs.target_exports_t
    e_s, e_l, tau, es = draws.eps_short, draws.eps_long, draws.tau, draws.eps_supply
    if stock0 is None:
        s0 = inputs.stock0[:, None]
    else:
        s0 = np.asarray(stock0, float)
        if s0.shape != (J, n):
            raise ValueError(f"stock0 has shape {s0.shape}, expected ({J}, {n})")
        if not np.isfinite(s0).all() or ((s0 > 0) != (inputs.stock0[:, None] > 0)).any():
            raise ValueError("stock0 must be finite, positive where inputs.stock0 is and 0 where it is 0 [t]")
    stock = np.array(np.broadcast_to(s0, (J, n)))
    sf_tol = np.maximum(inputs.shortfall_threshold, 1e-9) * d0[:, None]

    peak = np.ones(n)
    mean_mult = np.zeros(n)
    choke_months = np.zeros(n)
    reg = {k: np.zeros((J, n)) for k in REGION_METRICS if k != "stock_end_t"}
    blocks = ([slice(b, min(b + sum_block, n)) for b in range(0, n, sum_block)] if sum_block
              else [slice(0, n)])
    nb = len(blocks)
    sums = {"price_multiple": np.zeros((nb, H)), "consumption_t": np.zeros((nb, H, J)),
            "shortfall_t": np.zeros((nb, H, J)), "stock_t": np.zeros((nb, H, J))}
    hist = np.zeros((H, price_bins + 2), np.int64) if price_bins > 0 else None
    paths = None
    if keep_paths:
        paths = {"price_multiple": np.empty((n, H)), "supply_other_t": np.empty((n, H)),
                 "exports_t": np.empty((n, H))}
        for k in ("consumption_t", "shortfall_t", "unmet_t", "stock_t", "release_t", "refill_t"):
            paths[k] = np.empty((n, H, J))
    has_refill = bool((inputs.refill_cap > 0).any())
    levels = _release_levels(inputs, xmax)
    on_cut = inputs.trigger == TRIGGER_DISRUPTION
    x_prev = np.zeros(n)
    terms = InelasticTerms(inputs, added_supply, n, nb, paths, purchases)  # new capacity and purchases
    # e^{eps_s x} at the fixed points of the sweep (levels, choke, refill ceilings) is the same every month
    g_at = {xv: np.exp(es * xv) for xv in {lv[0] for lv in levels} | {xmax} | {
        min(math.log(c), xmax) for c in inputs.refill_ceiling[inputs.refill_cap > 0]} if xv != 0.0}
    g_at[0.0] = np.ones(n)                                         # e^0 = 1 exactly

    for t in range(H):
        a = np.clip(np.minimum(t + 1.0, end) - np.maximum(float(t), start), 0.0, 1.0)
        X, net = terms.fixed_supply(t, a, lost_full, x_e0)        # exports; fixed net supply
        since = t - start
        ed = e_l + (e_s - e_l) * np.exp(-np.maximum(since, 0.0) / tau)
        caps = _ramp(groups, since)

        cache: dict[float, np.ndarray] = {}
        dem: dict[float, np.ndarray | float] = {0.0: dtot}

        def dfree(xv: float, _ed=ed, _d=dem) -> np.ndarray | float:
            """Demand ``D_tot e^{eps_d x}`` at a fixed point x (per month, cached) [t/month]."""
            if xv not in _d:
                _d[xv] = dtot * np.exp(_ed * xv)
            return _d[xv]

        def zfree(xv: float, _caps=caps, _X=net, _c=cache) -> np.ndarray:
            """Excess demand ``Z(x) = D_tot e^{eps_d x} - S(x) - net`` at a fixed point x [t/month]."""
            if xv not in _c:
                _c[xv] = dfree(xv) - _supply(g_at[xv], _caps, q) - _X
            return _c[xv]

        z0 = zfree(0.0)
        F = np.zeros((J, n))
        f_tot = np.zeros(n)
        if has_refill:
            over = t >= end
            want = np.where(over[None, :] & (inputs.refill_cap[:, None] > 0),
                            np.minimum(inputs.refill_cap[:, None],
                                       np.maximum(s0 - stock, 0.0)), 0.0)
            w_tot = want.sum(axis=0)
            if (w_tot > 0).any():
                room = np.full(n, np.inf)
                for j in range(J):
                    if inputs.refill_cap[j] > 0:
                        h = np.maximum(-zfree(min(math.log(inputs.refill_ceiling[j]), xmax)), 0.0)
                        room = np.where(want[j] > 0, np.minimum(room, h), room)
                ok = (w_tot > 0) & (room < w_tot)
                scale = np.where(w_tot > 0, 1.0, 0.0)
                scale[ok] = room[ok] / w_tot[ok]
                F = want * scale
                f_tot = w_tot * scale
        # clearing with stock releases as a step supply curve (see _release_levels)
        R = np.zeros((J, n))
        x = np.zeros(n)
        rationed = np.zeros(n, bool)
        cum = np.zeros(n)
        todo = z0 + f_tot > ftol                # elsewhere P = P0 and nothing is released
        solve = np.zeros(n, bool)
        s_lo = np.zeros(n)
        s_hi = np.full(n, xmax)
        prev = 0.0
        if levels and todo.any():
            cap = np.minimum(stock, inputs.release_cap[:, None])
            if on_cut.any():
                cap[on_cut] *= (a > 0)
            d_max = dfree(xmax)
            for xk, uk, members in levels:
                if not todo.any():
                    break
                G = cap[members].sum(axis=0)
                nk = zfree(xk) + f_tot - uk * d_max
                below = todo & (nk <= cum)
                at = todo & ~below & (nk <= cum + G)
                past = todo & ~below & ~at
                if below.any():
                    # a shortage level sits beyond the choke: reaching it means rationing already
                    rat = below if prev >= xmax else (
                        below & (zfree(xmax) + f_tot - cum > 0) if xk >= xmax else np.zeros(n, bool))
                    x[rat] = xmax
                    rationed |= rat
                    sol = below & ~rat
                    solve |= sol
                    s_lo[sol] = prev
                    s_hi[sol] = xk
                if at.any():
                    x[at] = xk
                    if xk >= xmax:
                        rationed |= at
                    frac = np.where(at, (nk - cum) / np.where(G > 0, G, 1.0), 0.0)
                    for m in members:
                        R[m] += cap[m] * frac
                for m in members:
                    R[m] = np.where(past, cap[m], R[m])
                cum = np.where(past, cum + G, cum)
                todo = past
                prev = xk
        if todo.any():
            if prev >= xmax:
                x[todo] = xmax
                rationed |= todo
            else:
                rat = todo & (zfree(xmax) + f_tot - cum > 0)
                x[rat] = xmax
                rationed |= rat
                rest = todo & ~rat
                solve |= rest
                s_lo[rest] = prev
        if solve.any():
            ii = np.flatnonzero(solve)
            x[ii] = solve_clearing(ed[ii], es[ii], (net + cum - f_tot)[ii], caps[:, ii], q, dtot, xmax,
                                   x0=x_prev[ii], ftol=ftol, lo=s_lo[ii], hi=s_hi[ii])
        mult = np.where(rationed, inputs.choke_multiple, np.exp(x))
        dj = d0[:, None] * np.exp(ed * x)[None, :]
        C = dj.copy()
        bought = np.ones(n)                     # share of this month's purchases bought
        if rationed.any():
            rr = np.flatnonzero(rationed)
            djr = dj[:, rr]
            Rr = R[:, rr]
            own = np.minimum(Rr, djr)
            M = djr - own
            excess_rel = (Rr - own).sum(axis=0)
            avail = (_supply(g_at[xmax][rr], caps[:, rr], q)
                     + net[rr] + excess_rel - f_tot[rr])
            if np.ndim(terms.b_t):              # purchases per run: as below, run by run
                b = terms.b_t[rr]
                buys = b > 0
                if buys.any():
                    short = np.where(buys, np.minimum(avail, 0.0), 0.0)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        bought[rr] = np.where(buys, np.clip((b + short) / b, 0.0, 1.0), 1.0)
                    avail = avail - short
            elif terms.b_t > 0:
                # purchases are served first; if even they exceed what is there, they take it all
                short = np.minimum(avail, 0.0)
                bought[rr] = np.clip((terms.b_t + short) / terms.b_t, 0.0, 1.0)
                avail = avail - short
            m_sum = M.sum(axis=0)
            ratio = np.clip(avail / np.where(m_sum > 0, m_sum, 1.0), 0.0, 1.0)
            C[:, rr] = own + M * ratio[None, :]
        sf = np.maximum(d0[:, None] - C, 0.0)
        unmet = dj - C
        stock = stock - R + F
        # ---- accumulate
        np.maximum(peak, mult, out=peak)
        mean_mult += mult
        choke_months += rationed
        reg["shortfall_t"] += sf
        reg["shortfall_months"] += sf > sf_tol
        reg["unmet_t"] += unmet
        reg["released_t"] += R
        reg["refilled_t"] += F
        reg["cost_usd"] += (mult - 1.0)[None, :] * inputs.p0 * C + sf * inputs.shortage_cost
        if terms.active:
            terms.account(t, x, rationed, z0 + f_tot, bought, mult * inputs.p0, blocks, paths)
        for b, sl in enumerate(blocks):
            sums["price_multiple"][b, t] = mult[sl].sum()
            sums["consumption_t"][b, t] = C[:, sl].sum(axis=1)
            sums["shortfall_t"][b, t] = sf[:, sl].sum(axis=1)
            sums["stock_t"][b, t] = stock[:, sl].sum(axis=1)
        if hist is not None:
            b = 1 + np.minimum((x * (price_bins / xmax)).astype(np.int64), price_bins - 1)
            b[x <= 0] = 0
            b[rationed] = price_bins + 1
            hist[t] = np.bincount(b, minlength=price_bins + 2)
        if paths is not None:
            paths["price_multiple"][:, t] = mult
            paths["supply_other_t"][:, t] = _supply(np.exp(es * x), caps, q)
            paths["exports_t"][:, t] = X
            paths["consumption_t"][:, t] = C.T
            paths["shortfall_t"][:, t] = sf.T
            paths["unmet_t"][:, t] = unmet.T
            paths["stock_t"][:, t] = stock.T
            paths["release_t"][:, t] = R.T
            paths["refill_t"][:, t] = F.T
        x_prev = x

    summary: dict[str, np.ndarray] = {
        "peak_price_multiple": peak,
        "mean_price_multiple": mean_mult / H,
        "months_at_choke": choke_months,
        "cost_usd_total": reg["cost_usd"].sum(axis=0),
    }
    for k in REGION_METRICS:
        summary[k] = (stock if k == "stock_end_t" else reg[k]).T.copy()
    terms.finish(summary, sums)
    if not sum_block:
        sums = {k: v[0] for k, v in sums.items()}
    return MarketOutput(summary=summary, price_hist=hist, sums=sums, paths=paths)
