"""The market model compiled with Numba (the optional ``[fast]`` extra): the same rules and the same
algorithm as :func:`critmin.market.model.simulate_market`, one scenario at a time.

Every rule of the NumPy engine is here, in the same order: the cut and the exporter's exports, the
capacity ramps of the supplier groups, the substitution of demand, price-capped refills, the stock-
release levels, the safeguarded solve of the clearing price started at last month's price, rationing at
the choke price, new capacity and purchases (:mod:`critmin.market.additions`). Results agree with the
NumPy engine to solver tolerance (the tests ask 1e-9 relative on every shipped scenario; measured
differences are about 1e-11: both solves stop within ``FTOL_REL`` of the clearing price, by different
steps; ``exp`` rounds differently in the last place; runs are added up in another order in the monthly
sums).

What makes it faster than the NumPy engine (which allocates dozens of arrays per month and evaluates
the clearing equation for every run at every step of the sweep):

* one pass per scenario, in registers: no temporaries; a run's per-region sums are kept in a small
  local array and written out once, at the end of the run;
* terms that do not change between months are computed once per scenario: ``exp(eps_s x)`` at each
  release level, at the choke and at each refill ceiling (those are 4 of the 13 ``exp`` per
  scenario-month of the NumPy engine), and ``exp(eps_d x)`` at those points while the demand
  elasticity has not moved (every month before the cut starts, every month of a run without a cut);
  regions whose refills share a price ceiling share those terms;
* ``exp(eps_d x)`` at the choke is computed only in months that need it, and the decay of the short-run
  elasticity, ``exp(-(t - start) / tau)``, is carried from month to month as a product by
  ``exp(-1 / tau)`` (two ``exp`` per run instead of one per month; the product drifts from the direct
  value by a few units in the last place over a horizon);
* the clearing price is solved with Halley's third-order steps where the NumPy engine takes Newton's,
  inside the same bracket and with the same stopping rule: the second derivative of the excess demand
  costs no ``exp`` (``eps_d^2 d - eps_s^2 g k``), and from last month's price a solve takes 2.4
  evaluations instead of 3.4 (each two ``exp``) on the benchmark's market;
* the demand term of the last step is reused for consumption;
* scenarios run in parallel (``prange`` over blocks of runs; each block keeps its own monthly sums,
  so the sums of a block do not depend on the threads).

This module imports Numba; :mod:`critmin.market.engine` imports it only when the Numba engine is used
(``critmin`` itself never does). Compiled code is cached on disk (Numba's ``cache=True``), so only the
first use after an install or an upgrade pays for compiling (tens of seconds).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange

from critmin.market.model import (
    FTOL_REL,
    MAX_ITER,
    REGION_METRICS,
    TRIGGER_DISRUPTION,
    XTOL,
    Draws,
    MarketInputs,
    MarketOutput,
    _release_levels,
    _supplier_groups,
)

__all__ = ["simulate_market_numba", "UNIT_RUNS", "set_threads", "threads"]

UNIT_RUNS = 1024
"""Runs per unit of parallel work when no ``sum_block`` is given [runs]."""

_PATH_J = ("consumption_t", "shortfall_t", "unmet_t", "stock_t", "release_t", "refill_t")
_PATH_1 = ("price_multiple", "supply_other_t", "exports_t")
_SUM_J = ("consumption_t", "shortfall_t", "stock_t")


def _supply(g, caps, q):
    """``sum_i q_i min(g, cap_i)`` (groups added in order, as the NumPy engine does)."""
    if q.shape[0] == 0:
        return 0.0
    s = q[0] * min(g, caps[0])
    for i in range(1, q.shape[0]):
        s += q[i] * min(g, caps[i])
    return s


def _newton(ed, es, net, caps, q, dtot, x0, ftol, lo, hi, max_iter, xtol):
    """One element of :func:`critmin.market.model.solve_clearing`, with Halley's steps for Newton's
    (the same bracket, safeguard and stopping rule); returns ``x`` and ``exp(ed x)`` (NaN when the
    iterations ran out and ``x`` was not evaluated).

    The step is ``x - 2 z z' / (2 z'^2 - z z'')`` with ``z' = eps_d d - eps_s g k`` and
    ``z'' = eps_d^2 d - eps_s^2 g k`` (``k`` the quantity of the groups below their caps; the
    supply curve's kinks at the caps are handled by the bracket, as in the NumPy engine).
    """
    mid = 0.5 * (lo + hi)
    x = x0 if (x0 > lo and x0 < hi) else mid
    G = q.shape[0]
    for _ in range(max_iter):
        g = math.exp(es * x)
        e = math.exp(ed * x)
        d = dtot * e
        s = 0.0
        k = 0.0
        if G > 0:
            s = q[0] * min(g, caps[0])
            k = q[0] if g < caps[0] else 0.0
            for i in range(1, G):
                s += q[i] * min(g, caps[i])
                k += q[i] if g < caps[i] else 0.0
        z = d - s - net
        done = abs(z) <= ftol or (hi - lo) <= xtol
        if z > 0:
            lo = x
        else:
            hi = x
        gk = es * g * k
        dz = ed * d - gk
        d2z = ed * ed * d - es * gk
        xn = x - 2.0 * z * dz / (2.0 * dz * dz - z * d2z)
        if not (xn > lo and xn < hi):
            xn = 0.5 * (lo + hi)
        if done:
            return x, e
        x = xn
    return x, math.nan


def _kernel(occurs, start, duration, cut, leakage, eps_short, eps_long, tau_arr, eps_supply,  # draws
            H, q, gp, d0, dtot, ftol, xmax, x_e0, target, choke, p0, shortage_cost,
            stock0, release_cap, refill_cap, x_ceil, ceil_of, sf_tol, on_cut, has_refill,
            lev_x, lev_u, lev_ptr, lev_mem,
            has_added, added, has_buy, buy, b_tot,
            unit, price_bins, keep_paths, max_iter, xtol,
            # outputs
            peak_o, mean_o, choke_o, reg_o, stock_end_o, used_o, idle_o, bought_o, bcost_o,
            sum_p, sum_j, sum_add, sum_buy, bins_o, path1, pathj, path_add, path_buy):
    n = occurs.shape[0]
    J = d0.shape[0]
    G = q.shape[0]
    L = lev_x.shape[0]
    K = buy.shape[1]
    n_units = (n + unit - 1) // unit
    inv_w = price_bins / xmax if price_bins > 0 else 0.0
    for u in prange(n_units):
        caps = np.empty(G)
        stock = np.empty(J)
        R = np.zeros(J)
        F = np.zeros(J)
        want = np.zeros(J)
        cap = np.zeros(J)
        dj = np.empty(J)
        C = np.empty(J)
        own = np.empty(J)
        M = np.empty(J)
        g_lev = np.empty(L)           # exp(es x_k): the same every month
        e_lev = np.empty(L)           # exp(ed x_k): the same while ed does not move
        s_lev = np.empty(L)           # supply at x_k while the caps do not move
        g_ceil = np.empty(J)
        e_ceil = np.empty(J)
        s_ceil = np.empty(J)
        acc = np.empty(6 * J)            # this run's per-region sums (6 per region), written at its end
        for s in range(u * unit, min((u + 1) * unit, n)):
            st = start[s] if occurs[s] else math.inf
            en = st + duration[s]
            lost_full = (1.0 - leakage[s]) * cut[s] * target
            e_s = eps_short[s]
            e_l = eps_long[s]
            tau = tau_arr[s]
            es = eps_supply[s]
            for j in range(J):
                stock[j] = stock0[j]
                for i in range(6):
                    acc[6 * j + i] = 0.0
            g_max = math.exp(es * xmax)
            for k in range(L):
                g_lev[k] = math.exp(es * lev_x[k])
            for j in range(J):
                if refill_cap[j] > 0 and ceil_of[j] == j:
                    g_ceil[j] = math.exp(es * x_ceil[j])
            ed_prev = math.nan
            e_max = math.nan
            decay = 1.0
            r_tau = math.nan                  # exp(-1 / tau): the decay of one month
            s_max = 0.0
            s_one = 0.0
            x_prev = 0.0
            pk = 1.0
            mm = 0.0
            chk = 0.0
            used_tot = 0.0
            idle_tot = 0.0
            for t in range(H):
                a = min(max(min(t + 1.0, en) - max(float(t), st), 0.0), 1.0)
                A = 0.0
                if has_added:
                    A = added[s, t]
                    disp = min(A, x_e0)
                    keep = 1.0 - disp / x_e0 if x_e0 > 0 else 0.0
                    X = x_e0 - disp - lost_full * a * keep
                    net = X + A
                else:
                    X = x_e0 - lost_full * a
                    net = X
                bt = 0.0
                if has_buy:
                    bt = b_tot[t]
                    net = net - bt
                since = t - st
                # before the cut exp(-0 / tau) = 1 exactly: no exp needed; after it, one exp for the
                # first month and one for the factor of a month, then a product per month
                if since > 0.0:
                    if r_tau == r_tau:
                        decay = decay * r_tau
                    else:
                        decay = math.exp(-since / tau)
                        r_tau = math.exp(-1.0 / tau)
                else:
                    decay = 1.0
                ed = e_l + (e_s - e_l) * decay
                ed_new = ed != ed_prev
                if ed_new:
                    ed_prev = ed
                    e_max = math.nan          # exp(ed xmax), computed where it is first needed
                    for k in range(L):
                        e_lev[k] = math.nan
                    for j in range(J):
                        e_ceil[j] = math.nan
                # capacity caps of the groups
                moved = t == 0
                for i in range(G):
                    lo_i = gp[i, 0]
                    hi_i = gp[i, 1]
                    if hi_i == lo_i:
                        c = 1.0 + lo_i
                    else:
                        ln = gp[i, 3]
                        if ln > 0:
                            frac = min(max((since - gp[i, 2]) / ln, 0.0), 1.0)
                        else:
                            frac = 1.0 if since >= gp[i, 2] else 0.0
                        c = 1.0 + lo_i + (hi_i - lo_i) * frac
                    if c != caps[i] or t == 0:
                        moved = True
                    caps[i] = c
                if moved:
                    s_one = _supply(1.0, caps, q)
                    s_max = _supply(g_max, caps, q)
                    for k in range(L):
                        s_lev[k] = _supply(g_lev[k], caps, q)
                    for j in range(J):
                        if refill_cap[j] > 0 and ceil_of[j] == j:
                            s_ceil[j] = _supply(g_ceil[j], caps, q)
                z0 = dtot - s_one - net
                # refills after the cut, price-capped
                f_tot = 0.0
                for j in range(J):
                    F[j] = 0.0
                if has_refill:
                    over = t >= en
                    w_tot = 0.0
                    for j in range(J):
                        if over and refill_cap[j] > 0:
                            want[j] = min(refill_cap[j], max(stock0[j] - stock[j], 0.0))
                        else:
                            want[j] = 0.0
                        w_tot += want[j]
                    if w_tot > 0:
                        room = math.inf
                        for j in range(J):
                            if refill_cap[j] > 0 and want[j] > 0:
                                c = ceil_of[j]        # regions with one ceiling share its terms
                                if math.isnan(e_ceil[c]):
                                    e_ceil[c] = math.exp(ed * x_ceil[c])
                                h = max(-(dtot * e_ceil[c] - s_ceil[c] - net), 0.0)
                                room = min(room, h)
                        scale = 1.0
                        if room < w_tot:
                            scale = room / w_tot
                        for j in range(J):
                            F[j] = want[j] * scale
                        f_tot = w_tot * scale
                # clearing with the stock releases as a step supply curve
                for j in range(J):
                    R[j] = 0.0
                x = 0.0
                ex = 1.0                       # exp(ed x)
                rationed = False
                cum = 0.0
                todo = z0 + f_tot > ftol
                solve = False
                s_lo = 0.0
                s_hi = xmax
                prev = 0.0
                if L > 0 and todo:
                    for j in range(J):
                        cap[j] = min(stock[j], release_cap[j])
                        if on_cut[j]:
                            cap[j] = cap[j] * (1.0 if a > 0 else 0.0)
                    for k in range(L):
                        if not todo:
                            break
                        xk = lev_x[k]
                        Gk = 0.0
                        for p in range(lev_ptr[k], lev_ptr[k + 1]):
                            Gk = Gk + cap[lev_mem[p]] if p > lev_ptr[k] else cap[lev_mem[p]]
                        if math.isnan(e_lev[k]):
                            e_lev[k] = math.exp(ed * xk)
                        nk = (dtot * e_lev[k] - s_lev[k] - net) + f_tot
                        if lev_u[k] != 0.0:       # (x - 0 d_max is x: no exp needed)
                            if e_max != e_max:
                                e_max = math.exp(ed * xmax)
                            nk = nk - lev_u[k] * (dtot * e_max)
                        if nk <= cum:
                            rat = False
                            if prev >= xmax:
                                rat = True
                            elif xk >= xmax:
                                if e_max != e_max:
                                    e_max = math.exp(ed * xmax)
                                rat = (dtot * e_max - s_max - net) + f_tot - cum > 0
                            if rat:
                                if e_max != e_max:
                                    e_max = math.exp(ed * xmax)
                                x = xmax
                                ex = e_max
                                rationed = True
                            else:
                                solve = True
                                s_lo = prev
                                s_hi = xk
                            todo = False
                        elif nk <= cum + Gk:
                            x = xk
                            ex = e_lev[k]
                            if xk >= xmax:
                                rationed = True
                            frac = (nk - cum) / (Gk if Gk > 0 else 1.0)
                            for p in range(lev_ptr[k], lev_ptr[k + 1]):
                                R[lev_mem[p]] += cap[lev_mem[p]] * frac
                            todo = False
                        else:
                            for p in range(lev_ptr[k], lev_ptr[k + 1]):
                                R[lev_mem[p]] = cap[lev_mem[p]]
                            cum = cum + Gk
                        prev = xk
                if todo:
                    if e_max != e_max:
                        e_max = math.exp(ed * xmax)
                    if prev >= xmax or (dtot * e_max - s_max - net) + f_tot - cum > 0:
                        x = xmax
                        ex = e_max
                        rationed = True
                    else:
                        solve = True
                        s_lo = prev
                if solve:
                    x, ex = _newton(ed, es, net + cum - f_tot, caps, q, dtot, x_prev, ftol, s_lo, s_hi,
                                    max_iter, xtol)
                    if math.isnan(ex):
                        ex = math.exp(ed * x)
                if rationed:
                    mult = choke
                elif x == 0.0:
                    mult = 1.0
                else:
                    mult = math.exp(x)
                for j in range(J):
                    dj[j] = d0[j] * ex
                    C[j] = dj[j]
                bought = 1.0
                if rationed:
                    excess_rel = 0.0
                    m_sum = 0.0
                    for j in range(J):
                        own[j] = min(R[j], dj[j])
                        M[j] = dj[j] - own[j]
                        if j == 0:
                            excess_rel = R[j] - own[j]
                            m_sum = M[j]
                        else:
                            excess_rel += R[j] - own[j]
                            m_sum += M[j]
                    avail = s_max + net + excess_rel - f_tot
                    if bt > 0:
                        short = min(avail, 0.0)
                        bought = min(max((bt + short) / bt, 0.0), 1.0)
                        avail = avail - short
                    ratio = min(max(avail / (m_sum if m_sum > 0 else 1.0), 0.0), 1.0)
                    for j in range(J):
                        C[j] = own[j] + M[j] * ratio
                # accumulate
                cost_m = (mult - 1.0) * p0
                for j in range(J):
                    sf = max(d0[j] - C[j], 0.0)
                    um = dj[j] - C[j]
                    stock[j] = stock[j] - R[j] + F[j]
                    acc[6 * j] += sf
                    acc[6 * j + 1] += 1.0 if sf > sf_tol[j] else 0.0
                    acc[6 * j + 2] += um
                    acc[6 * j + 3] += R[j]
                    acc[6 * j + 4] += F[j]
                    acc[6 * j + 5] += cost_m * C[j] + sf * shortage_cost
                    sum_j[u, t, 0, j] += C[j]
                    sum_j[u, t, 1, j] += sf
                    sum_j[u, t, 2, j] += stock[j]
                    if keep_paths:
                        pathj[0, s, t, j] = C[j]
                        pathj[1, s, t, j] = sf
                        pathj[2, s, t, j] = um
                        pathj[3, s, t, j] = stock[j]
                        pathj[4, s, t, j] = R[j]
                        pathj[5, s, t, j] = F[j]
                pk = max(pk, mult)
                mm += mult
                if rationed:
                    chk += 1.0
                sum_p[u, t] += mult
                if has_added:
                    idle = 0.0
                    if x <= 0 and not rationed:
                        idle = max(-(z0 + f_tot), 0.0)
                    idle = min(idle, A)
                    used = A - idle
                    used_tot += used
                    idle_tot += idle
                    sum_add[u, t] += used
                    if keep_paths:
                        path_add[s, t] = used
                if has_buy:
                    price = mult * p0
                    for k in range(K):
                        got = buy[t, k] * bought
                        bought_o[s, k] += got
                        bcost_o[s, k] += got * price
                        sum_buy[u, t, k] += got
                        if keep_paths:
                            path_buy[s, t, k] = got
                if price_bins > 0:
                    if rationed:
                        b = price_bins + 1
                    elif x <= 0:
                        b = 0
                    else:
                        b = 1 + min(int(x * inv_w), price_bins - 1)
                    bins_o[s, t] = b
                if keep_paths:
                    path1[0, s, t] = mult
                    path1[1, s, t] = _supply(math.exp(es * x), caps, q)
                    path1[2, s, t] = X
                x_prev = x
            peak_o[s] = pk
            mean_o[s] = mm / H
            choke_o[s] = chk
            for j in range(J):
                stock_end_o[s, j] = stock[j]
                for i in range(6):
                    reg_o[i, s, j] = acc[6 * j + i]
            used_o[s] = used_tot
            idle_o[s] = idle_tot


def _histogram(bins, out):
    """Counts per month of the bins of each run (``bins`` (n, H), ``out`` (H, B + 2))."""
    n, H = bins.shape
    for s in range(n):
        for t in range(H):
            out[t, bins[s, t]] += 1


_OPTS = {"cache": True, "error_model": "numpy", "nogil": True}
_supply_nb = njit(inline="always", **_OPTS)(_supply)
_newton_nb = njit(**_OPTS)(_newton)
_histogram_nb = njit(**_OPTS)(_histogram)
_COMPILED: dict[bool, object] = {}


def _compiled(parallel: bool):
    """The kernel, compiled for parallel (``prange`` over blocks of runs) or serial use."""
    fn = _COMPILED.get(parallel)
    if fn is None:
        glb = dict(_kernel.__globals__)
        glb.update(_supply=_supply_nb, _newton=_newton_nb, prange=prange if parallel else range)
        body = type(_kernel)(_kernel.__code__, glb, _kernel.__name__)
        # distinct names: Numba's disk cache is keyed by the function's name and signature
        body.__qualname__ = body.__name__ = "_kernel_parallel" if parallel else "_kernel_serial"
        fn = njit(parallel=parallel, **_OPTS)(body)
        _COMPILED[parallel] = fn
    return fn


class _Vec(list):
    """A Python list with ``shape`` (what the interpreted kernel indexes instead of a 1-D array)."""

    @property
    def shape(self) -> tuple[int]:
        return (len(self),)


class _ListArrays:
    """``np.empty`` and ``np.zeros`` returning :class:`_Vec` (the interpreted kernel's work arrays)."""

    @staticmethod
    def empty(n: int) -> _Vec:
        return _Vec([0.0] * n)

    zeros = empty


_N_INPUTS = _kernel.__code__.co_varnames.index("peak_o")


def _interpreted(*args) -> None:
    """The kernel run by the Python interpreter, not compiled: the compiled engine's algorithm
    (Halley's steps over the supplier groups, the hoisted terms) as a plain loop over scenarios, with
    its 1-D inputs and work arrays as Python lists (the benchmark's fair loop; about 100 times slower
    than the NumPy engine)."""
    glb = dict(_kernel.__globals__)
    glb.update(np=_ListArrays, prange=range)
    body = type(_kernel)(_kernel.__code__, glb, "_kernel_python")
    body(*(_Vec(a.tolist()) if i < _N_INPUTS and isinstance(a, np.ndarray) and a.ndim == 1 else a
           for i, a in enumerate(args)))


def threads() -> int:
    """Threads the parallel kernel uses (Numba's setting)."""
    return int(numba.get_num_threads())


def set_threads(n: int) -> None:
    """Set the threads of the parallel kernel (:func:`numba.set_num_threads`)."""
    numba.set_num_threads(int(n))


def simulate_market_numba(
    inputs: MarketInputs,
    draws: Draws,
    *,
    keep_paths: bool = False,
    price_bins: int = 0,
    sum_block: int | None = None,
    added_supply: np.ndarray | None = None,
    threads: int | None = None,
) -> MarketOutput:
    """:func:`critmin.market.model.simulate_market`, compiled; same parameters and output.

    Parameters
    ----------
    inputs, draws, keep_paths, price_bins, sum_block, added_supply
        As for :func:`~critmin.market.model.simulate_market`.
    threads : int, optional
        0: the same kernel interpreted by Python, not compiled (the benchmark's fair loop: the
        engine's algorithm in plain Python; slow); 1: the serial kernel (no thread pool: safe inside
        any worker process or thread); more: the
        parallel kernel on that many threads; None: the parallel kernel on Numba's current setting
        (all cores unless ``NUMBA_NUM_THREADS`` or :func:`set_threads` say otherwise).

    Returns
    -------
    MarketOutput
        As :func:`~critmin.market.model.simulate_market`; the per-region summaries are views of one
        (6, n, J) array.
    """
    n = len(draws)
    H, J = inputs.horizon, len(inputs.regions)
    q, gp = _supplier_groups(inputs)
    q = np.ascontiguousarray(q, float)
    gp = np.ascontiguousarray(gp, float).reshape(-1, 4)
    dtot = float(inputs.demand_t.sum())
    ftol = FTOL_REL * max(dtot, 1e-300)
    xmax = math.log(inputs.choke_multiple)
    levels = _release_levels(inputs, xmax)
    lev_x = np.asarray([lv[0] for lv in levels], float)
    lev_u = np.asarray([lv[1] for lv in levels], float)
    lev_ptr = np.zeros(len(levels) + 1, np.int64)
    lev_ptr[1:] = np.cumsum([len(lv[2]) for lv in levels])
    lev_mem = np.asarray([m for lv in levels for m in lv[2]], np.int64)
    x_ceil = np.asarray([min(math.log(c), xmax) for c in inputs.refill_ceiling], float)
    # regions whose refills share a price ceiling share its exp and supply terms: the first of them
    ceil_of = np.asarray([next(i for i in range(J) if inputs.refill_cap[i] > 0 and x_ceil[i] == x_ceil[j])
                          if inputs.refill_cap[j] > 0 else j for j in range(J)], np.int64)
    sf_tol = np.maximum(inputs.shortfall_threshold, 1e-9) * inputs.demand_t
    on_cut = np.ascontiguousarray(inputs.trigger == TRIGGER_DISRUPTION)
    if added_supply is not None:
        added = np.ascontiguousarray(added_supply, float)
        if added.shape != (n, H):
            raise ValueError(f"added_supply has shape {added.shape}, expected ({n}, {H})")
    else:
        added = np.zeros((0, H))
    has_buy = inputs.purchase_t is not None and len(inputs.buyers) > 0
    buy = np.ascontiguousarray(inputs.purchase_t, float) if has_buy else np.zeros((H, 0))
    b_tot = np.asarray([float(buy[t].sum()) for t in range(H)]) if has_buy else np.zeros(H)
    K = buy.shape[1]
    unit = int(sum_block) if sum_block else UNIT_RUNS
    n_units = max(1, -(-n // unit))

    peak, mean, chk = np.empty(n), np.empty(n), np.empty(n)
    reg = np.empty((6, n, J))
    stock_end, used, idle = np.empty((n, J)), np.empty(n), np.empty(n)
    bought, bcost = np.zeros((n, K)), np.zeros((n, K))
    sum_p, sum_j = np.zeros((n_units, H)), np.zeros((n_units, H, 3, J))
    sum_add, sum_buy = np.zeros((n_units, H)), np.zeros((n_units, H, K))
    bins = np.zeros((n, H) if price_bins > 0 else (0, H), np.int32)
    m = n if keep_paths else 0
    path1, pathj = np.zeros((3, m, H)), np.zeros((6, m, H, J))
    path_add = np.zeros((m if added_supply is not None else 0, H))
    path_buy = np.zeros((m, H, K))
    d = draws
    args = (np.ascontiguousarray(d.occurs), *(np.ascontiguousarray(getattr(d, f), float) for f in (
        "start", "duration", "cut", "leakage", "eps_short", "eps_long", "tau", "eps_supply")),
        H, q, gp, np.ascontiguousarray(inputs.demand_t), dtot, ftol, xmax, float(inputs.exports_t),
        float(inputs.target_exports_t), float(inputs.choke_multiple), float(inputs.p0),
        float(inputs.shortage_cost), inputs.stock0, inputs.release_cap, inputs.refill_cap, x_ceil, ceil_of,
        sf_tol, on_cut, bool((inputs.refill_cap > 0).any()), lev_x, lev_u, lev_ptr, lev_mem,
        added_supply is not None, added, has_buy, buy, b_tot, unit, int(price_bins), bool(keep_paths),
        MAX_ITER, XTOL, peak, mean, chk, reg, stock_end, used, idle, bought, bcost, sum_p, sum_j, sum_add,
        sum_buy, bins, path1, pathj, path_add, path_buy)
    if threads == 0:
        _interpreted(*args)
    elif threads == 1:
        _compiled(False)(*args)
    else:
        fn = _compiled(True)
        if threads is None:
            fn(*args)
        else:
            before = numba.get_num_threads()
            numba.set_num_threads(int(threads))
            try:
                fn(*args)
            finally:
                numba.set_num_threads(before)

    summary: dict[str, np.ndarray] = {
        "peak_price_multiple": peak, "mean_price_multiple": mean, "months_at_choke": chk,
        "cost_usd_total": _sum_regions(reg[5]),
    }
    for i, k in enumerate(("shortfall_t", "shortfall_months", "unmet_t", "released_t", "refilled_t",
                           "cost_usd")):
        summary[k] = reg[i]
    summary["stock_end_t"] = stock_end
    summary = {k: summary[k] for k in ("peak_price_multiple", "mean_price_multiple", "months_at_choke",
                                       "cost_usd_total", *REGION_METRICS)}
    sums = {"price_multiple": sum_p,
            **{k: np.ascontiguousarray(sum_j[:, :, i]) for i, k in enumerate(_SUM_J)}}
    if added_supply is not None:
        summary["added_supply_t"] = used
        summary["idle_capacity_t"] = idle
        sums["added_supply_t"] = sum_add
    if has_buy:
        summary["purchased_t"] = bought
        summary["purchase_cost_usd"] = bcost
        sums["purchased_t"] = sum_buy
    if not sum_block:
        sums = {k: v.sum(axis=0) for k, v in sums.items()}
    hist = None
    if price_bins > 0:
        hist = np.zeros((H, price_bins + 2), np.int64)
        _histogram_nb(bins, hist)
    paths = None
    if keep_paths:
        paths = {k: path1[i] for i, k in enumerate(_PATH_1)}
        paths.update({k: pathj[i] for i, k in enumerate(_PATH_J)})
        if added_supply is not None:
            paths["added_supply_t"] = path_add
        if has_buy:
            paths["purchased_t"] = path_buy
    return MarketOutput(summary=summary, price_hist=hist, sums=sums, paths=paths)


def _sum_regions(cost: np.ndarray) -> np.ndarray:
    """Per run, the sum over regions added in region order, as ``reg.sum(axis=0)`` does."""
    out = cost[:, 0].copy()
    for j in range(1, cost.shape[1]):
        out += cost[:, j]
    return out
