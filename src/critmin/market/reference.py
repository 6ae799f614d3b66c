"""A plain per-scenario Python loop of the market model, for checks and the benchmark.

Same rules as :func:`critmin.market.model.simulate_market` (see its module docstring), written
independently with scalars and the :mod:`math` module: one scenario at a time, one month at a time,
and the clearing price found by plain bisection on ``ln(P/P0)`` instead of safeguarded Newton. The
vectorised model must agree with it to solver tolerance.
"""

from __future__ import annotations

import math

import numpy as np

from critmin.market.model import (
    FTOL_REL,
    REGION_METRICS,
    TRIGGER_DISRUPTION,
    TRIGGER_NONE,
    TRIGGER_PRICE,
    Draws,
    MarketInputs,
)

__all__ = ["reference_market", "reference_run"]


def _caps(inp: MarketInputs, since: float) -> list[float]:
    caps = []
    for i in range(len(inp.suppliers)):
        lo, hi = float(inp.spare_now[i]), float(inp.spare_max[i])
        lag, ln = float(inp.ramp_lag[i]), float(inp.ramp_len[i])
        if since == -math.inf or hi == lo:
            frac = 0.0
        elif ln > 0:
            frac = min(max((since - lag) / ln, 0.0), 1.0)
        else:
            frac = 1.0 if since >= lag else 0.0
        caps.append(1.0 + lo + (hi - lo) * frac)
    return caps


def _z(x: float, ed: float, es: float, net: float, caps: list[float], q: list[float], dtot: float) -> float:
    g = math.exp(es * x)
    s = 0.0
    for qi, ci in zip(q, caps, strict=True):
        s += qi * min(g, ci)
    return dtot * math.exp(ed * x) - s - net


def _supply(x: float, es: float, caps: list[float], q: list[float]) -> float:
    g = math.exp(es * x)
    return sum(qi * min(g, ci) for qi, ci in zip(q, caps, strict=True))


def reference_run(inp: MarketInputs, d: dict, added=None) -> dict:
    """One scenario, month by month.

    Parameters
    ----------
    inp : MarketInputs
    d : dict
        The run's parameters: occurs, start, duration, cut, leakage, eps_short, eps_long, tau,
        eps_supply.
    added : sequence of float, optional
        Added supply of new capacity in each month [t/month] (purchases come from ``inp``).

    Returns
    -------
    dict
        Paths (lists per month) and summaries, with the keys of
        :class:`~critmin.market.model.MarketOutput` ``summary`` and ``paths``.
    """
    H, J = inp.horizon, len(inp.regions)
    q = [float(v) for v in inp.supply_t]
    d0 = [float(v) for v in inp.demand_t]
    dtot = float(np.sum(inp.demand_t))
    ftol = FTOL_REL * max(dtot, 1e-300)
    xmax = math.log(inp.choke_multiple)
    start = float(d["start"]) if d["occurs"] else math.inf
    end = start + float(d["duration"])
    lost_full = (1.0 - d["leakage"]) * d["cut"] * inp.target_exports_t
    stock = [float(v) for v in inp.stock0]
    paths = {k: [] for k in ("price_multiple", "supply_other_t", "exports_t", "consumption_t",
                             "shortfall_t", "unmet_t", "stock_t", "release_t", "refill_t")}
    peak, mean_mult, choke_months = 1.0, 0.0, 0
    acc = {k: [0.0] * J for k in REGION_METRICS if k != "stock_end_t"}
    K = len(inp.buyers) if inp.purchase_t is not None else 0
    used_tot, idle_tot, bought_tot, cost_tot = 0.0, 0.0, [0.0] * K, [0.0] * K
    for k in ("added_supply_t", "purchased_t"):
        paths[k] = []
    for t in range(H):
        a = min(max(min(t + 1.0, end) - max(float(t), start), 0.0), 1.0)
        A = float(added[t]) if added is not None else 0.0
        b = [float(inp.purchase_t[t, k]) for k in range(K)]
        disp = min(A, inp.exports_t)                          # exports displaced by new capacity
        keep = 1.0 - disp / inp.exports_t if inp.exports_t > 0 else 0.0
        exports = inp.exports_t - disp - lost_full * a * keep
        X = exports + A - sum(b)                              # fixed net supply
        since = t - start
        ed = d["eps_long"] + (d["eps_short"] - d["eps_long"]) * math.exp(-max(since, 0.0) / d["tau"])
        es = d["eps_supply"]
        caps = _caps(inp, since)

        def zf(x, _ed=ed, _es=es, _X=X, _caps=caps):
            return _z(x, _ed, _es, _X, _caps, q, dtot)

        # refills (after the cut, price-capped)
        want = [0.0] * J
        for j in range(J):
            if t >= end and inp.refill_cap[j] > 0:
                want[j] = min(float(inp.refill_cap[j]), max(float(inp.stock0[j]) - stock[j], 0.0))
        w_tot = sum(want)
        F = [0.0] * J
        f_tot = 0.0
        if w_tot > 0:
            room = math.inf
            for j in range(J):
                if inp.refill_cap[j] > 0 and want[j] > 0:
                    room = min(room, max(-zf(min(math.log(inp.refill_ceiling[j]), xmax)), 0.0))
            scale = room / w_tot if room < w_tot else 1.0
            F = [w * scale for w in want]
            f_tot = w_tot * scale
        # releases: each region offers min(stock, rate) at its hold level (x, u), lowest level first
        offers = []
        for j in range(J):
            kind = int(inp.trigger[j])
            if kind == TRIGGER_NONE or (inp.stock0[j] <= 0 and inp.refill_cap[j] <= 0):
                continue
            cap = min(stock[j], float(inp.release_cap[j]))
            if kind == TRIGGER_DISRUPTION:
                level = (0.0, 0.0)
                cap = cap if a > 0 else 0.0
            elif kind == TRIGGER_PRICE:
                level = (min(math.log(inp.trigger_level[j]), xmax), 0.0)
            else:
                level = (xmax, float(inp.trigger_level[j]))
            offers.append((level, j, cap))
        R = [0.0] * J
        cum = 0.0
        rationed = False
        d_max = dtot * math.exp(ed * xmax)
        lo, hi, need_solve = 0.0, xmax, False
        if zf(0.0) + f_tot <= ftol:
            x = 0.0
        else:
            prev = 0.0
            done = False
            for level in sorted({o[0] for o in offers}):
                xk, uk = level
                members = [(j, c) for (lv, j, c) in offers if lv == level]
                G = sum(c for _, c in members)
                nk = zf(xk) + f_tot - uk * d_max
                if nk <= cum:
                    if prev >= xmax or (xk >= xmax and zf(xmax) + f_tot - cum > 0):
                        x, rationed = xmax, True
                    else:
                        lo, hi, need_solve = prev, xk, True
                    done = True
                    break
                if nk <= cum + G:
                    x = xk
                    rationed = xk >= xmax
                    for j, c in members:
                        R[j] = c * (nk - cum) / G
                    done = True
                    break
                for j, c in members:
                    R[j] = c
                cum += G
                prev = xk
            if not done:
                if prev >= xmax or zf(xmax) + f_tot - cum > 0:
                    x, rationed = xmax, True
                else:
                    lo, hi, need_solve = prev, xmax, True
            if need_solve:
                net = X + cum - f_tot
                for _ in range(400):
                    x = 0.5 * (lo + hi)
                    z = _z(x, ed, es, net, caps, q, dtot)
                    if abs(z) <= ftol or hi - lo <= 4e-15:
                        break
                    if z > 0:
                        lo = x
                    else:
                        hi = x
        mult = inp.choke_multiple if rationed else math.exp(x)
        dj = [d0[j] * math.exp(ed * x) for j in range(J)]
        C = list(dj)
        share = 1.0
        if rationed:
            own = [min(R[j], dj[j]) for j in range(J)]
            M = [dj[j] - own[j] for j in range(J)]
            avail = _supply(xmax, es, caps, q) + X + sum(R[j] - own[j] for j in range(J)) - f_tot
            if sum(b) > 0 and avail < 0:          # purchases first; they take all there is
                share = max((sum(b) + avail) / sum(b), 0.0)
                avail = 0.0
            m_sum = sum(M)
            ratio = min(max(avail / m_sum, 0.0), 1.0) if m_sum > 0 else 0.0
            C = [own[j] + M[j] * ratio for j in range(J)]
        idle = 0.0
        if not rationed and x <= 0:
            idle = min(max(-(zf(0.0) + f_tot), 0.0), A)
        used_tot += A - idle
        idle_tot += idle
        for k in range(K):
            bought_tot[k] += b[k] * share
            cost_tot[k] += b[k] * share * mult * inp.p0
        paths["added_supply_t"].append(A - idle)
        paths["purchased_t"].append([b[k] * share for k in range(K)])
        sf = [max(d0[j] - C[j], 0.0) for j in range(J)]
        unmet = [dj[j] - C[j] for j in range(J)]
        stock = [stock[j] - R[j] + F[j] for j in range(J)]
        peak = max(peak, mult)
        mean_mult += mult
        choke_months += int(rationed)
        for j in range(J):
            acc["shortfall_t"][j] += sf[j]
            acc["shortfall_months"][j] += 1.0 if sf[j] > max(inp.shortfall_threshold, 1e-9) * d0[j] else 0.0
            acc["unmet_t"][j] += unmet[j]
            acc["released_t"][j] += R[j]
            acc["refilled_t"][j] += F[j]
            acc["cost_usd"][j] += (mult - 1.0) * inp.p0 * C[j] + sf[j] * inp.shortage_cost
        paths["price_multiple"].append(mult)
        paths["supply_other_t"].append(_supply(x, es, caps, q))
        paths["exports_t"].append(exports)
        paths["consumption_t"].append(C)
        paths["shortfall_t"].append(sf)
        paths["unmet_t"].append(unmet)
        paths["stock_t"].append(list(stock))
        paths["release_t"].append(R)
        paths["refill_t"].append(F)
    summary = {"peak_price_multiple": peak, "mean_price_multiple": mean_mult / H,
               "months_at_choke": float(choke_months), "cost_usd_total": sum(acc["cost_usd"])}
    for k in REGION_METRICS:
        summary[k] = list(stock) if k == "stock_end_t" else acc[k]
    summary.update(added_supply_t=used_tot, idle_capacity_t=idle_tot, purchased_t=bought_tot,
                   purchase_cost_usd=cost_tot)
    return {"summary": summary, "paths": paths}


def reference_market(inp: MarketInputs, draws: Draws, added_supply=None) -> dict:
    """Run :func:`reference_run` for every scenario and stack the results as arrays.

    Parameters
    ----------
    inp : MarketInputs
    draws : Draws
    added_supply : ndarray, optional
        (n, H) added supply per run and month [t/month].

    Returns
    -------
    dict
        ``{"summary": {...}, "paths": {...}}`` shaped like
        :class:`~critmin.market.model.MarketOutput` (per-run arrays; per-region arrays (n, J)).
    """
    runs = []
    for s in range(len(draws)):
        d = {"occurs": bool(draws.occurs[s]), "start": float(draws.start[s]),
             "duration": float(draws.duration[s]), "cut": float(draws.cut[s]),
             "leakage": float(draws.leakage[s]), "eps_short": float(draws.eps_short[s]),
             "eps_long": float(draws.eps_long[s]), "tau": float(draws.tau[s]),
             "eps_supply": float(draws.eps_supply[s])}
        runs.append(reference_run(inp, d, None if added_supply is None else added_supply[s]))
    summary = {k: np.asarray([r["summary"][k] for r in runs], float) for k in runs[0]["summary"]}
    paths = {k: np.asarray([r["paths"][k] for r in runs], float) for k in runs[0]["paths"]}
    return {"summary": summary, "paths": paths}
