"""New capacity and purchases in the market model (issues 14 and 17): the capacity draws against their
stated distributions, the ramp, displacement of the exporter's exports, monotone shortfall in capacity,
purchases as extra demand (closed form, mass balance, price impact >= 0, monotone in tonnes), and the
vectorised model against the plain loop with both terms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from critmin.market.additions import capacity_supply, purchase_schedule
from critmin.market.engine import SAMPLING_BLOCK, ChunkTask, EnginePayload, draw_capacity, run_chunk
from critmin.market.model import (
    TRIGGER_DISRUPTION,
    TRIGGER_NONE,
    TRIGGER_PRICE,
    TRIGGER_SHORTAGE,
    Draws,
    MarketInputs,
    simulate_market,
)
from critmin.market.reference import reference_market
from critmin.market.spec import Choice, Triangular

Q = [30.0, 20.0, 5.0]
D = [50.0, 30.0, 15.0, 5.0]
X0 = 45.0


def _inputs(**kw) -> MarketInputs:
    J = len(kw.get("demand_t", D))
    base = dict(
        horizon=24, suppliers=("A", "B", "C"), supply_t=Q, spare_max=[0.0, 0.0, 0.0],
        spare_now=[0.0, 0.0, 0.0], ramp_lag=[0.0, 0.0, 0.0], ramp_len=[0.0, 0.0, 0.0],
        regions=("R1", "R2", "R3", "ROW"), demand_t=D, exports_t=X0, target_exports_t=X0,
        choke_multiple=50.0, p0=1000.0, shortage_cost=5e4, stock0=[0.0] * J, release_cap=[0.0] * J,
        trigger=[TRIGGER_NONE] * J, trigger_level=[0.0] * J, refill_cap=[0.0] * J,
        refill_ceiling=[1.0] * J,
    )
    base.update(kw)
    return MarketInputs(**base)


def _rich(choke: float = 6.0, **kw) -> MarketInputs:
    base = dict(
        spare_max=[0.5, 0.0, 2.0], spare_now=[0.05, 0.0, 0.0], ramp_lag=[3.0, 0.0, 6.0],
        ramp_len=[6.0, 0.0, 0.0], choke_multiple=choke, target_exports_t=36.0,
        stock0=[60.0, 0.0, 20.0, 5.0], release_cap=[15.0, 0.0, 4.0, 5.0],
        trigger=[TRIGGER_PRICE, TRIGGER_NONE, TRIGGER_DISRUPTION, TRIGGER_SHORTAGE],
        trigger_level=[1.5, 0.0, 0.0, 0.05], refill_cap=[3.0, 0.0, 1.0, 0.0],
        refill_ceiling=[1.2, 1.0, 1.1, 1.0])
    return _inputs(**{**base, **kw})


def _no_refill(**kw) -> MarketInputs:
    """The rich inputs without refills: the refill rule (the lowest ceiling of the regions still refilling
    caps every refill) can lower a later month's price when a region finishes refilling earlier, so
    prices are monotone in supply and demand shocks only without it."""
    return _rich(**{"refill_cap": [0.0, 0.0, 0.0, 0.0], **kw})


def _draws(n: int, seed: int) -> Draws:
    rng = np.random.default_rng(seed)
    return Draws(
        occurs=rng.random(n) < 0.85, start=rng.uniform(0, 8, n), duration=rng.uniform(0, 14, n),
        cut=rng.uniform(0, 1, n), leakage=rng.uniform(0, 0.3, n), eps_short=rng.uniform(-0.3, -0.02, n),
        eps_long=rng.uniform(-0.9, -0.2, n), tau=rng.uniform(2, 30, n), eps_supply=rng.uniform(0, 0.6, n))


def _balance(out) -> np.ndarray:
    """Per run and month: consumption + refills + purchases - (other supply + exports + added supply used
    + releases) [t/month]."""
    p = out.paths
    lhs = p["consumption_t"].sum(axis=2) + p["refill_t"].sum(axis=2)
    if "purchased_t" in p:
        lhs = lhs + p["purchased_t"].sum(axis=2)
    rhs = p["supply_other_t"] + p["exports_t"] + p["release_t"].sum(axis=2)
    if "added_supply_t" in p:
        rhs = rhs + p["added_supply_t"]
    return lhs - rhs


# --------------------------------------------------------------------------- capacity draws
def test_capacity_delays_and_cancellations_follow_their_stated_distributions():
    n = 40 * SAMPLING_BLOCK
    by_year = Choice(dist="choice", values=[0, 1, 2, 3], weights=[0.30, 0.35, 0.20, 0.15])
    tri = Triangular(dist="triangular", low=0.5, mode=1.0, high=4.0)
    delay, cancel = draw_capacity(((by_year, 0.1), (tri, 0.35)), seed=5, first=0, n=n)
    assert delay.shape == (n, 2) and cancel.shape == (n, 2)
    # probability of delay by year: each share within 4 binomial standard errors
    for v, w in zip([0, 1, 2, 3], [0.30, 0.35, 0.20, 0.15], strict=True):
        share = np.mean(delay[:, 0] == v)
        assert abs(share - w) < 4 * math.sqrt(w * (1 - w) / n), (v, share)
    assert set(np.unique(delay[:, 0])) == {0.0, 1.0, 2.0, 3.0}
    # triangular(0.5, 1, 4): mean (0.5 + 1 + 4) / 3, inside its support
    t = delay[:, 1]
    assert t.min() >= 0.5 and t.max() <= 4.0
    sd = math.sqrt((0.5**2 + 1 + 16 - 0.5 - 2 - 4) / 18)
    assert abs(t.mean() - 5.5 / 3) < 4 * sd / math.sqrt(n)
    for c, p in enumerate((0.1, 0.35)):
        assert abs(cancel[:, c].mean() - p) < 4 * math.sqrt(p * (1 - p) / n)
    # delay and cancellation are independent (separate rows of uniform numbers)
    assert abs(np.corrcoef(delay[:, 0], cancel[:, 0])[0, 1]) < 4 / math.sqrt(n)


def test_capacity_draws_depend_only_on_seed_and_run_and_never_shift_other_numbers():
    by_year = Choice(dist="choice", values=[0, 1, 2], weights=[1, 1, 1])
    whole = draw_capacity(((by_year, 0.2),), seed=3, first=0, n=3 * SAMPLING_BLOCK)
    parts = [draw_capacity(((by_year, 0.2),), seed=3, first=b * SAMPLING_BLOCK, n=SAMPLING_BLOCK)
             for b in range(3)]
    np.testing.assert_array_equal(whole[0], np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(whole[1], np.concatenate([p[1] for p in parts]))
    # a second project leaves the first one's numbers as they were
    two = draw_capacity(((by_year, 0.2), (0.5, 0.9)), seed=3, first=0, n=3 * SAMPLING_BLOCK)
    np.testing.assert_array_equal(two[0][:, 0], whole[0][:, 0])
    np.testing.assert_array_equal(two[1][:, 0], whole[1][:, 0])
    # and the disruption / market draws are the same with or without capacity
    params = {"disruption.occurs": 0.8, "disruption.start_month": 0.0, "disruption.duration_months": 6.0,
              "disruption.cut": Triangular(dist="triangular", low=0.1, mode=0.4, high=0.9),
              "disruption.leakage": 0.0, "market.demand_elasticity_short": -0.1,
              "market.demand_elasticity_long": -0.5, "market.substitution_months": 24.0,
              "market.supply_elasticity": 0.2}
    plain = _inputs()
    with_cap = _inputs(capacity_names=("p",), capacity_t=[5.0], capacity_start=[2.0], capacity_ramp=[3.0])
    task = ChunkTask(0, SAMPLING_BLOCK, SAMPLING_BLOCK)
    a = run_chunk(EnginePayload(plain, params, 3, price_bins=0), task)
    b = run_chunk(EnginePayload(with_cap, params, 3, price_bins=0, capacity=((by_year, 0.2),)), task)
    for f in ("occurs", "start", "duration", "cut", "eps_short"):
        np.testing.assert_array_equal(getattr(a.draws, f), getattr(b.draws, f))
    np.testing.assert_array_equal(b.capacity["delay_years"][:, 0],
                                  whole[0][SAMPLING_BLOCK:2 * SAMPLING_BLOCK, 0])
    assert b.output.summary["added_supply_t"].max() > 0 and "added_supply_t" not in a.output.summary


def test_capacity_ramp_is_the_monthly_mean_of_a_linear_ramp():
    C = np.array([12.0])
    # ramp over 4 months from month 1.5: F(tau) = tau^2 / 8 (tau <= 4), tau - 2 beyond
    out = capacity_supply(C, np.array([[1.5]]), np.array([4.0]), np.array([[True]]), 8)[0]
    expect = 12.0 * np.array([0.0, 0.03125, 0.25, 0.5, 0.75, 0.96875, 1.0, 1.0])
    np.testing.assert_allclose(out, expect, rtol=0, atol=1e-12)
    # total output over a long horizon: C x (H - start - r / 2)
    long = capacity_supply(C, np.array([[1.5]]), np.array([4.0]), np.array([[True]]), 100)[0]
    assert long.sum() == pytest.approx(12.0 * (100 - 1.5 - 2.0))
    # no ramp: the covered share of the first month, then the nameplate
    step = capacity_supply(C, np.array([[2.25], [-5.0]]), np.array([0.0]), np.array([[True], [True]]), 5)
    np.testing.assert_allclose(step[0], [0, 0, 9.0, 12.0, 12.0])
    np.testing.assert_allclose(step[1], [12.0] * 5)                  # already built
    # cancelled: nothing
    assert not capacity_supply(C, np.array([[0.0]]), np.array([2.0]), np.array([[False]]), 6).any()


def test_expected_capacity_output_matches_the_delay_and_cancellation_distribution():
    n = 20 * SAMPLING_BLOCK
    by_year = Choice(dist="choice", values=[0, 1, 2], weights=[0.5, 0.3, 0.2])
    delay, cancel = draw_capacity(((by_year, 0.25),), seed=9, first=0, n=n)
    start0, ramp, H = 3.0, 6.0, 48
    out = capacity_supply(np.array([10.0]), start0 + 12.0 * delay, np.array([ramp]), ~cancel, H)
    # expectation: sum over delays d of w_d x (1 - p) x the ramp of a project starting at start0 + 12 d
    expect = np.zeros(H)
    for d, w in zip([0, 1, 2], [0.5, 0.3, 0.2], strict=True):
        expect += w * 0.75 * capacity_supply(np.array([10.0]), np.array([[start0 + 12 * d]]),
                                             np.array([ramp]), np.array([[True]]), H)[0]
    se = 10.0 / math.sqrt(n)
    assert np.all(np.abs(out.mean(axis=0) - expect) < 5 * se)


# --------------------------------------------------------------------------- capacity in the market
def test_zero_added_supply_changes_nothing():
    inp, d = _rich(), _draws(120, 3)
    a = simulate_market(inp, d, keep_paths=True)
    b = simulate_market(inp, d, keep_paths=True, added_supply=np.zeros((120, inp.horizon)))
    for k in ("price_multiple", "consumption_t", "shortfall_t", "stock_t", "exports_t"):
        np.testing.assert_array_equal(a.paths[k], b.paths[k], err_msg=k)
    assert np.all(b.summary["added_supply_t"] == 0) and np.all(b.summary["idle_capacity_t"] == 0)


def test_new_capacity_displaces_exports_and_the_cut_falls_on_the_rest():
    # no spare, fixed elasticities: capacity A displaces A of the exports; a cut c removes c (X0 - A)
    inp = _inputs(horizon=3)
    A = 15.0
    d = Draws.fixed(1, start=1.0, duration=1.0, cut=0.6, eps_short=-0.2, eps_long=-0.2, eps_supply=0.0)
    out = simulate_market(inp, d, keep_paths=True, added_supply=np.full((1, 3), A))
    ex = out.paths["exports_t"][0]
    assert ex[0] == pytest.approx(X0 - A) and ex[2] == pytest.approx(X0 - A)
    assert ex[1] == pytest.approx((X0 - A) * (1 - 0.6))
    lost = 0.6 * (X0 - A)
    assert out.paths["price_multiple"][0, 1] == pytest.approx((1 - lost / sum(D)) ** (1 / -0.2), rel=1e-9)
    np.testing.assert_allclose(out.paths["price_multiple"][0, [0, 2]], 1.0)
    # capacity beyond the exporter's exports is idle at P0 (the price never falls below it)
    big = simulate_market(inp, Draws.fixed(1, occurs=False), keep_paths=True,
                          added_supply=np.full((1, 3), X0 + 10.0))
    np.testing.assert_allclose(big.paths["price_multiple"], 1.0)
    assert big.summary["idle_capacity_t"][0] == pytest.approx(30.0)
    assert big.summary["added_supply_t"][0] == pytest.approx(3 * X0)
    np.testing.assert_allclose(_balance(big), 0.0, atol=1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), a1=st.floats(0.0, 60.0), extra=st.floats(0.0, 40.0),
       ramp=st.floats(0.0, 12.0), start=st.floats(-6.0, 18.0))
def test_shortfall_and_price_never_rise_with_more_capacity(seed, a1, extra, ramp, start):
    inp, d = _no_refill(), _draws(40, seed)
    on = np.ones((40, 1), bool)
    s = np.full((40, 1), start)
    lo = capacity_supply(np.array([a1]), s, np.array([ramp]), on, inp.horizon)
    hi = capacity_supply(np.array([a1 + extra]), s, np.array([ramp]), on, inp.horizon)
    o1 = simulate_market(inp, d, keep_paths=True, added_supply=lo)
    o2 = simulate_market(inp, d, keep_paths=True, added_supply=hi)
    tol = 1e-7 * sum(D)
    assert np.all(o2.summary["shortfall_t"].sum(axis=1) <= o1.summary["shortfall_t"].sum(axis=1) + 24 * tol)
    assert np.all(o2.summary["peak_price_multiple"] <= o1.summary["peak_price_multiple"] * (1 + 1e-9))
    assert np.all(o2.paths["price_multiple"] <= o1.paths["price_multiple"] * (1 + 1e-9))
    np.testing.assert_allclose(_balance(o2), 0.0, atol=1e-8 * sum(D))


# --------------------------------------------------------------------------- purchases
def test_purchase_schedule_spreads_the_tonnes_over_its_months():
    s = purchase_schedule(90.0, 1.5, 3.0, 8)
    np.testing.assert_allclose(s, [0, 15.0, 30.0, 30.0, 15.0, 0, 0, 0])
    assert s.sum() == pytest.approx(90.0)
    assert purchase_schedule(90.0, 6.0, 6.0, 8).sum() == pytest.approx(30.0)     # cut by the horizon


def test_a_purchase_is_extra_demand_with_a_closed_form_price():
    # no spare capacity and no disruption: S = Q, so D0 (P/P0)^eps + b = D0 gives P/P0 = (1 - b/D0)^(1/eps)
    b = 8.0
    buy = np.zeros((6, 1))
    buy[1:4, 0] = b
    inp = _inputs(horizon=6, buyers=("R2",), purchase_t=buy)
    eps = np.array([-0.05, -0.2, -0.6])
    z = np.zeros(3)
    d = Draws(np.zeros(3, bool), z, z, z, z, eps, eps, np.full(3, 12.0), z)
    out = simulate_market(inp, d, keep_paths=True)
    p = out.paths["price_multiple"]
    expect = np.minimum((1 - b / sum(D)) ** (1 / eps), 50.0)
    np.testing.assert_allclose(p[:, 1], expect, rtol=1e-9)
    np.testing.assert_allclose(p[:, [0, 4, 5]], 1.0)
    np.testing.assert_allclose(out.summary["purchased_t"][:, 0], 3 * b)
    # the buyer pays the price it causes; never less than P0 x tonnes
    cost = out.summary["purchase_cost_usd"][:, 0]
    np.testing.assert_allclose(cost, 1000.0 * 3 * b * np.minimum(expect, 50.0), rtol=1e-9)
    assert np.all(cost >= 1000.0 * 3 * b)
    # every region is short by its demand response: D_j0 (1 - (P/P0)^eps) each month of buying
    sf = out.summary["shortfall_t"]
    frac = 1 - np.minimum(expect, 50.0) ** eps
    np.testing.assert_allclose(sf, 3 * frac[:, None] * np.array(D)[None, :], rtol=1e-7)
    np.testing.assert_allclose(_balance(out), 0.0, atol=1e-9)


def test_purchases_are_served_first_at_the_choke():
    # a purchase larger than what the market can spare at the choke: the others are rationed
    buy = np.zeros((2, 1))
    buy[0, 0] = 60.0
    inp = _inputs(horizon=2, buyers=("R1",), purchase_t=buy, choke_multiple=2.0)
    out = simulate_market(inp, Draws.fixed(1, occurs=False, eps_short=-0.1, eps_long=-0.1), keep_paths=True)
    assert out.paths["price_multiple"][0, 0] == 2.0 and out.summary["months_at_choke"][0] == 1
    assert out.summary["purchased_t"][0, 0] == pytest.approx(60.0)
    assert out.paths["consumption_t"][0, 0].sum() == pytest.approx(sum(D) - 60.0)
    np.testing.assert_allclose(_balance(out), 0.0, atol=1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), t1=st.floats(0.0, 150.0), extra=st.floats(0.0, 150.0),
       start=st.floats(0.0, 12.0), months=st.floats(0.5, 12.0))
@example(seed=1716, t1=13.0, extra=4.0, start=6.875, months=1.0)   # non-monotone with refills
def test_price_impact_is_non_negative_and_monotone_in_tonnes(seed, t1, extra, start, months):
    inp0 = _no_refill()
    H = inp0.horizon

    def with_buy(tonnes):
        arr = purchase_schedule(tonnes, start, months, H)[:, None]
        return _no_refill(buyers=("R1",), purchase_t=arr)

    d = _draws(40, seed)
    base = simulate_market(inp0, d, keep_paths=True)
    o1 = simulate_market(with_buy(t1), d, keep_paths=True)
    o2 = simulate_market(with_buy(t1 + extra), d, keep_paths=True)
    r = 1 + 1e-9
    assert np.all(o1.paths["price_multiple"] * r >= base.paths["price_multiple"])      # impact >= 0
    assert np.all(o2.paths["price_multiple"] * r >= o1.paths["price_multiple"])        # monotone
    tol = 24 * 1e-7 * sum(D)
    assert np.all(o2.summary["shortfall_t"].sum(axis=1) + tol >= o1.summary["shortfall_t"].sum(axis=1))
    assert np.all(o1.summary["shortfall_t"].sum(axis=1) + tol >= base.summary["shortfall_t"].sum(axis=1))
    for o in (o1, o2):
        np.testing.assert_allclose(_balance(o), 0.0, atol=1e-8 * sum(D))


# --------------------------------------------------------------------------- against the plain loop
@pytest.mark.parametrize("choke", [2.5, 20.0])
def test_vectorised_model_with_capacity_and_purchases_agrees_with_the_plain_loop(choke):
    H = 24
    buy = np.zeros((H, 2))
    buy[:, 0] = purchase_schedule(40.0, 2.0, 5.0, H)
    buy[:, 1] = purchase_schedule(25.0, 0.5, 2.5, H)
    inp = _rich(choke, buyers=("R2", "ROW"), purchase_t=buy)
    n = 120
    d = _draws(n, 21)
    rng = np.random.default_rng(4)
    added = capacity_supply(np.array([6.0, 20.0]), rng.uniform(-3, 20, (n, 2)), np.array([0.0, 5.0]),
                            rng.random((n, 2)) > 0.2, H)
    vec = simulate_market(inp, d, keep_paths=True, added_supply=added)
    ref = reference_market(inp, d, added_supply=added)
    scale = float(np.sum(D))
    np.testing.assert_allclose(vec.paths["price_multiple"], ref["paths"]["price_multiple"], rtol=1e-8)
    for k in ("consumption_t", "shortfall_t", "stock_t", "release_t", "refill_t", "supply_other_t",
              "exports_t", "added_supply_t", "purchased_t"):
        np.testing.assert_allclose(vec.paths[k], ref["paths"][k], rtol=0, atol=1e-8 * scale, err_msg=k)
    for k in ("added_supply_t", "idle_capacity_t"):
        np.testing.assert_allclose(vec.summary[k], ref["summary"][k], rtol=1e-8, atol=1e-8 * scale, err_msg=k)
    np.testing.assert_allclose(vec.summary["purchase_cost_usd"], ref["summary"]["purchase_cost_usd"],
                               rtol=1e-7)
    np.testing.assert_allclose(_balance(vec), 0.0, atol=1e-8 * scale)


def test_inputs_validate_the_new_arrays():
    with pytest.raises(ValueError, match="buyers given without purchase_t"):
        _inputs(buyers=("R1",))
    with pytest.raises(ValueError, match="purchases must be finite and >= 0"):
        _inputs(buyers=("R1",), purchase_t=np.full((24, 1), -1.0))
    with pytest.raises(ValueError, match="capacity_names given without capacity_t"):
        _inputs(capacity_names=("x",))
    with pytest.raises(ValueError, match="added_supply has shape"):
        simulate_market(_inputs(), Draws.fixed(2), added_supply=np.zeros((3, 24)))


@pytest.mark.parametrize("choke", [6.0, 1.6])   # 1.6: purchases meet the choke (rationed, partly bought)
def test_purchases_per_run_equal_one_call_per_schedule_bit_for_bit(choke):
    # the stockpile planner's build costs: each run with its own purchases (simulate_market's
    # `purchases`) gives exactly what a call with those purchases in inputs.purchase_t gives
    draws = _draws(48, 5)
    scheds = [purchase_schedule(t, s, m, 24)[:, None] for t, s, m in ((30.0, 0.0, 3.0), (600.0, 2.0, 2.5))]
    scheds += [np.zeros((24, 1)), purchase_schedule(400.0, 0.0, 24.0, 24)[:, None]]
    one = [simulate_market(_no_refill(choke=choke, buyers=("R2",), purchase_t=b), draws, sum_block=16)
           for b in scheds]
    inp = _no_refill(choke=choke, buyers=("R2",), purchase_t=scheds[0])
    stacked = simulate_market(inp, draws.take(np.tile(np.arange(48), 4)), sum_block=16,
                              purchases=np.repeat(np.stack(scheds, axis=2), 48, axis=2))
    for k, out in enumerate(one):
        for key, arr in out.summary.items():
            np.testing.assert_array_equal(stacked.summary[key][48 * k:48 * (k + 1)], arr, err_msg=key)
    bought = [o.summary["purchased_t"][:, 0] for o in one]
    assert bought[2].max() == 0 and bought[3].mean() > bought[0].mean() > 0
    if choke < 2:
        assert (bought[1] < 600.0 - 1e-9).any()            # some runs could not buy it all
    with pytest.raises(ValueError, match="numpy engine only"):      # the compiled engine has no sets
        run_chunk(EnginePayload(inputs=inp, params={}, seed=1, engine="numba"), ChunkTask(0, 0, 4),
                  purchases=np.stack(scheds, axis=2))


def test_purchases_per_run_are_checked():
    inp = _inputs(buyers=("R1",), purchase_t=np.zeros((24, 1)))
    with pytest.raises(ValueError, match="purchases have shape"):
        simulate_market(inp, Draws.fixed(2), purchases=np.zeros((24, 1, 3)))
    with pytest.raises(ValueError, match="finite and >= 0"):
        simulate_market(inp, Draws.fixed(2), purchases=np.full((24, 1, 2), -1.0))
    with pytest.raises(ValueError, match="name the buyers"):
        simulate_market(_inputs(), Draws.fixed(2), purchases=np.zeros((24, 1, 2)))
