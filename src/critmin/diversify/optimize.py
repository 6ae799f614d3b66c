"""Supplier-mix optimisation (docs/methods.md §7): the feasible mixes, three risk measures, their solvers and
the efficient frontier.

A mix ``x`` gives each candidate supplier's share of the importer's imports [1]. The feasible mixes of a
:class:`MixProblem` are

    ``sum_i x_i = 1``,  ``0 <= x_i <= u_i``,  ``premium(x) = sum_i r_i x_i <= B``

with ``u_i`` the most the supplier can ship (its exportable volume over the importer's imports, see
:mod:`critmin.diversify.inputs`), ``r_i`` its cost premium [1] and ``B`` the premium budget [1].

Risk measures (each has ``value(x)``, the number every output shows, and a solver):

* :class:`LinearRisk` — GeoPolRisk's import-risk term ``sum_i g_i x_i`` [1]: a linear programme solved by
  HiGHS (:func:`scipy.optimize.linprog`);
* :class:`HHIRisk` — the importer-side HHI ``sum_i x_i^2`` [1]: a strictly convex quadratic programme
  solved exactly from its KKT conditions (``x_i = clip(tau - mu r_i, 0, u_i)``, see
  :func:`critmin.diversify.hhi_mix.solve_hhi`), checked against brute force and scipy's
  ``trust-constr`` in the tests;
* :class:`ShortfallRisk` — the expected annual shortfall [t/yr] under per-supplier disruptions drawn
  from a scenario's distributions (:mod:`critmin.diversify.shortfall` explains the model): convex and
  piecewise linear, so the sample-average problem is an exact linear programme (the epigraph of the
  perspective of a piecewise-linear function: one row per disruption group and distinct sampled cut,
  a handful of variables), solved by HiGHS.

The linear programmes are solved in two stages: the least risk at the budget, then the cheapest mix
with that risk (a linear programme has many optimal mixes; the frontier shows the cheapest), so a
frontier point's premium is what its mix costs, which may be below the budget once risk stops falling.
Along the frontier the second stage is needed once only (:func:`efficient_frontier`).

The shortfall programme has one row per piece of psi and group (about groups x runs rows), of which only
a few bind at the optimum. It is solved by row generation (:func:`_solve_shortfall`): a programme with a
few pieces per group is solved (evenly spaced ones, and those around where the risk's previous solve
ended: a neighbouring budget's optimum lies near), then for each group the piece its solution violates
most (the largest ``A_k X_g - B_k Y_g`` over the pieces left out, above ``z_g``) is added with pieces
around it, and so on until no piece left out is violated (beyond ``_ROW_TOL``). The restricted
programme is a relaxation of the full one, so once its optimum satisfies every row it is an optimum of
the full programme: the same least risk, and the same mix where that is unique (where it is not, the
two may return different optimal mixes, as two solvers could). Both stages are solved this way. It
falls back to the full programme when ``_MAX_ROUNDS`` rounds of a stage do not settle it. On the
8-commodity report this makes the frontier about 9x faster (benchmarks/bench_diversify.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, sparse

from critmin.diversify.hhi_mix import TOL as _TOL
from critmin.diversify.hhi_mix import clean_shares as _clean
from critmin.diversify.hhi_mix import solve_hhi as _solve_hhi
from critmin.errors import CritminError

__all__ = [
    "InfeasibleBudgetError",
    "MixProblem",
    "LinearRisk",
    "HHIRisk",
    "ShortfallRisk",
    "MixSolution",
    "min_premium",
    "solve_mix",
    "budget_grid",
    "efficient_frontier",
]

_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
_ROW_GENERATION = True
"""Solve the shortfall programme by row generation (False: the full programme, every piece of every group;
the benchmark compares the two)."""
_START_PIECES = 12
"""Pieces per group every restricted shortfall programme starts with (evenly spaced over the sorted cuts)."""
_OFFSETS = (0, -1, 1, -2, 2, -3, 3, -5, 5, -8, 8, -12, 12, -18, 18, -27, 27, -40, 40)
"""Pieces added around the most violated one of a group (and around the last solve's), as offsets in the
sorted pieces: dense near it, sparser further out, so psi is well drawn near the optimum's kink."""
_MAX_ROUNDS = 40
"""Row-generation rounds (solves) per stage before falling back to the full programme."""
_ROW_TOL = 1e-12
"""A piece left out is added when it exceeds ``z_g`` by more than this [yr x share], times ``max(1, A_0)``."""


class InfeasibleBudgetError(CritminError, ValueError):
    """No mix meets the premium budget (the budget is below the cheapest feasible mix)."""


# --------------------------------------------------------------------------- the feasible set
@dataclass(frozen=True)
class MixProblem:
    """The candidates of a supplier mix and their limits.

    Parameters
    ----------
    suppliers : sequence of str
        Candidate suppliers (ISO3), in the order of the arrays.
    upper : array
        ``u_i``: the largest share each can take [1], in [0, 1]; they must sum to at least 1.
    premium : array
        ``r_i``: each supplier's cost premium over the reference price [1] (may be negative: cheaper
        than the reference).

    Raises
    ------
    ValueError
        On shapes that disagree, bounds outside [0, 1], non-finite premiums, or caps summing below 1
        (no mix exists).
    """

    suppliers: tuple[str, ...]
    upper: np.ndarray
    premium: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "suppliers", tuple(str(s) for s in self.suppliers))
        n = len(self.suppliers)
        for name in ("upper", "premium"):
            arr = np.asarray(getattr(self, name), float).reshape(-1)
            if arr.shape != (n,):
                raise ValueError(f"{name} has {arr.size} values for {n} suppliers")
            object.__setattr__(self, name, arr)
        if n == 0:
            raise ValueError("no candidate suppliers")
        if len(set(self.suppliers)) != n:
            raise ValueError("a supplier is listed twice")
        if not np.isfinite(self.premium).all():
            raise ValueError("every premium must be a finite number")
        if not ((self.upper >= 0) & (self.upper <= 1 + 1e-12)).all():
            raise ValueError("upper bounds must lie in [0, 1]")
        if self.upper.sum() < 1 - 1e-12:
            raise ValueError(f"the suppliers' caps sum to {self.upper.sum():.4f} < 1: no mix can "
                             "cover the imports")

    @property
    def n(self) -> int:
        """Number of candidates."""
        return len(self.suppliers)

    def premium_of(self, x) -> float:
        """``premium(x) = sum_i r_i x_i`` [1]."""
        return float(self.premium @ np.asarray(x, float))

    def is_feasible(self, x, budget: float = math.inf, tol: float = 1e-7) -> bool:
        """True when ``x`` is a mix within the caps and the budget (to ``tol``)."""
        x = np.asarray(x, float)
        return bool(abs(x.sum() - 1) <= tol and (x >= -tol).all() and (x <= self.upper + tol).all()
                    and self.premium_of(x) <= budget + tol)

    def mix(self, x, *, drop_below: float = 1e-9) -> dict[str, float]:
        """``{supplier: share}`` of the shares above ``drop_below``, largest first."""
        x = np.asarray(x, float)
        order = sorted(range(self.n), key=lambda i: (-x[i], self.suppliers[i]))
        return {self.suppliers[i]: float(x[i]) for i in order if x[i] > drop_below}


# --------------------------------------------------------------------------- risk measures
@dataclass(frozen=True)
class LinearRisk:
    """``risk(x) = sum_i w_i x_i``: GeoPolRisk's import-risk term with ``w_i = g_i`` [1].

    Parameters
    ----------
    weights : array
        ``w_i`` [unit of the risk per unit share], one per candidate.
    name, unit : str
        Label and unit of the risk.
    """

    weights: np.ndarray
    name: str = "geopolrisk"
    unit: str = "1"

    def __post_init__(self) -> None:
        w = np.asarray(self.weights, float).reshape(-1)
        if not np.isfinite(w).all():
            raise ValueError("every weight must be a finite number")
        object.__setattr__(self, "weights", w)

    def value(self, x) -> float:
        """The risk of mix ``x`` [unit]."""
        return float(self.weights @ np.asarray(x, float))


@dataclass(frozen=True)
class HHIRisk:
    """``risk(x) = sum_i x_i^2``: the HHI of the importer's supplier shares [1]."""

    name: str = "hhi"
    unit: str = "1"

    def value(self, x) -> float:
        """The HHI of mix ``x`` [1]."""
        x = np.asarray(x, float)
        return float(x @ x)


@dataclass(frozen=True)
class ShortfallRisk:
    """Expected annual shortfall of the importer under per-supplier disruptions [t/yr].

    ``risk(x) = M * sum_g pi_g * mean_s[ T_s * max(0, a_s * X_g - Y_{-g}) ]`` with ``X_g = sum_{i in g}
    x_i`` the share bought from disruption group g, ``Y_{-g} = sum_{k not in g} min(rho x_k, u_k - x_k)``
    what the other suppliers can add during the cut, ``a_s`` the share of the group's shipments stopped
    and ``T_s`` the length of the cut [yr] in run s. See :mod:`critmin.diversify.shortfall`.

    Parameters
    ----------
    groups : sequence of sequences of int
        Disjoint sets of candidate indices disrupted together (usually one supplier each; suppliers
        tied to an exporter join its group).
    probability : array
        ``pi_g``: annual probability of a disruption of each group [1/yr].
    lost_share : array
        ``a_s`` per run: cut x (1 - leakage) [1].
    cut_years : array
        ``T_s`` per run: months of the cut within the horizon / 12 [yr].
    scale_up : float
        ``rho``: how much more than it ships now each other supplier can deliver during a cut, as a
        share of its current shipments [1].
    upper : array
        ``u_k``: the caps of the problem [1] (no supplier ships beyond its cap).
    imports_t : float
        ``M``: the importer's annual imports [t/yr].

    Notes
    -----
    The object keeps private caches for the solver (the pieces, the programme's matrices for the last
    problem, and the pieces where the last solve ended, which seed the next one); they change how fast
    a solve is, not its least risk. Pickling drops them.
    """

    groups: tuple[tuple[int, ...], ...]
    probability: np.ndarray
    lost_share: np.ndarray
    cut_years: np.ndarray
    scale_up: float
    upper: np.ndarray
    imports_t: float
    name: str = "shortfall"
    unit: str = "t/yr"
    _member: np.ndarray = field(init=False, repr=False, compare=False)
    _state: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        groups = tuple(tuple(int(i) for i in g) for g in self.groups)
        object.__setattr__(self, "groups", groups)
        for name in ("probability", "lost_share", "cut_years", "upper"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), float).reshape(-1))
        n = self.upper.size
        flat = [i for g in groups for i in g]
        if len(flat) != len(set(flat)) or any(not 0 <= i < n for i in flat):
            raise ValueError("groups must be disjoint sets of candidate indices")
        if self.probability.shape != (len(groups),):
            raise ValueError(f"{self.probability.size} probabilities for {len(groups)} groups")
        if ((self.probability < 0) | (self.probability > 1)).any():
            raise ValueError("probabilities must lie in [0, 1]")
        if self.lost_share.shape != self.cut_years.shape or self.lost_share.size == 0:
            raise ValueError("lost_share and cut_years need one value per run (and at least one run)")
        if ((self.lost_share < 0) | (self.lost_share > 1)).any() or (self.cut_years < 0).any():
            raise ValueError("lost shares must lie in [0, 1] and cut lengths be >= 0")
        if not (self.scale_up >= 0 and self.imports_t > 0):
            raise ValueError("scale_up must be >= 0 and imports_t > 0")
        member = np.zeros((len(groups), n))
        for gi, g in enumerate(groups):
            member[gi, list(g)] = 1.0
        object.__setattr__(self, "_member", member)
        # the solver's caches: the pieces (computed once), the programme's matrices for the last problem
        # and the pieces the last solve ended on (they seed the next: neighbouring budgets, neighbouring
        # pieces)
        object.__setattr__(self, "_state", {})

    def pieces(self) -> tuple[np.ndarray, np.ndarray]:
        """The lines of ``psi(t) = mean_s T_s max(0, a_s - t) = max_k (A_k - B_k t)`` [yr], one per
        stretch between two sorted values of ``a_s`` (and ``A = B = 0`` beyond the largest): the
        expected cut per unit of exposure ``X`` when the others can add ``t X``. The epigraph of the
        perspective ``X psi(Y / X) = max_k (A_k X - B_k Y)`` makes the shortfall a linear programme
        with one row per piece and group and no variable per run."""
        order = np.argsort(self.lost_share, kind="stable")
        a = self.lost_share[order]
        w = self.cut_years[order] / a.size
        # A_k, B_k over the runs above the k-th sorted value (k = 0: all runs)
        tail_wa = np.concatenate([np.cumsum((w * a)[::-1])[::-1], [0.0]])
        tail_w = np.concatenate([np.cumsum(w[::-1])[::-1], [0.0]])
        # keep one line per distinct value of a (equal values give the same stretch)
        keep = np.concatenate([[True], np.diff(a) > 0, [True]])
        return tail_wa[keep], tail_w[keep]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_state"] = {}                 # caches of the solver: rebuilt on use
        return state

    def _lines(self) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`pieces`, computed once (read-only arrays)."""
        lines = self._state.get("lines")
        if lines is None:
            a_k, b_k = self.pieces()
            a_k.setflags(write=False)
            b_k.setflags(write=False)
            lines = self._state["lines"] = (a_k, b_k)
        return lines

    def extra_supply(self, x) -> np.ndarray:
        """``y_k = min(rho x_k, u_k - x_k)``: what each supplier can add during a cut [1]."""
        x = np.asarray(x, float)
        return np.maximum(np.minimum(self.scale_up * x, self.upper - x), 0.0)

    def by_group(self, x) -> np.ndarray:
        """Expected shortfall per disruption of each group [t] (not weighted by its probability)."""
        x = np.asarray(x, float)
        y = self.extra_supply(x)
        xg = self._member @ x
        yg = y.sum() - self._member @ y
        gap = np.maximum(self.lost_share[None, :] * xg[:, None] - yg[:, None], 0.0)
        return self.imports_t * (gap * self.cut_years[None, :]).mean(axis=1)

    def value(self, x) -> float:
        """Expected annual shortfall of mix ``x`` [t/yr]."""
        return float(self.probability @ self.by_group(x))


Risk = LinearRisk | HHIRisk | ShortfallRisk


# --------------------------------------------------------------------------- solutions
@dataclass(frozen=True)
class MixSolution:
    """The least-risk mix at one budget.

    Attributes
    ----------
    x : ndarray
        Shares [1], in the order of the problem's suppliers.
    risk : float
        ``risk.value(x)`` [unit of the risk].
    premium : float
        ``premium(x)`` [1] (at most the budget).
    budget : float
        The budget asked [1] (``inf``: none).
    """

    x: np.ndarray
    risk: float
    premium: float
    budget: float


def min_premium(problem: MixProblem) -> MixSolution:
    """The cheapest mix: fill the caps from the lowest premium up (exact for this linear programme).

    Ties in premium are filled in the order of the suppliers. The returned ``risk`` is NaN.
    """
    order = np.lexsort((np.arange(problem.n), problem.premium))
    x = np.zeros(problem.n)
    left = 1.0
    for i in order:
        take = min(problem.upper[i], left)
        x[i] = take
        left -= take
        if left <= 0:
            break
    return MixSolution(x, math.nan, problem.premium_of(x), problem.premium_of(x))


def _check_budget(problem: MixProblem, budget: float) -> None:
    lo = min_premium(problem).premium
    if budget < lo - _TOL:
        raise InfeasibleBudgetError(f"no mix costs a premium of at most {budget:+.4f}: the cheapest mix "
                               f"within the caps costs {lo:+.4f}")


def _linprog(c, a_ub, b_ub, a_eq, b_eq, bounds):
    res = optimize.linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                           method="highs", options=_HIGHS)
    if res.status != 0:
        raise CritminError(f"the LP solver (HiGHS) failed: {res.message}")
    return res


class _ShortfallLP:
    """The parts of the shortfall programme that do not depend on which pieces are in it.

    Variables: x (n), y (n), X (G), Y (G), z (G). Rows: ``y - rho x <= 0``, ``x + y <= u``; equalities
    ``sum x = 1``, ``X_g = sum_{i in g} x_i``, ``Y_g = sum_{k not in g} y_k``; and, per group and piece
    k, ``A_k X_g - B_k Y_g - z_g <= 0`` (:meth:`piece_rows`).
    """

    def __init__(self, problem: MixProblem, risk: ShortfallRisk) -> None:
        n = problem.n
        if risk.upper.shape != (n,):
            raise ValueError(f"the shortfall risk has {risk.upper.size} caps for {n} suppliers")
        g_n = len(risk.groups)
        self.n, self.g_n, self.nv = n, g_n, 2 * n + 3 * g_n
        self.a_k, self.b_k = risk._lines()
        eye = sparse.identity(n, format="csr")
        member = sparse.csr_matrix(risk._member)                           # (G, n)
        eye_g = sparse.identity(g_n, format="csr")
        zn_g = sparse.csr_matrix((n, 3 * g_n))
        r1 = sparse.hstack([-risk.scale_up * eye, eye, zn_g])             # y - rho x <= 0
        r2 = sparse.hstack([eye, eye, zn_g])                              # x + y <= u
        self.base = sparse.vstack([r1, r2], format="csr")
        self.base_rhs = np.concatenate([np.zeros(n), problem.upper])
        # X_g = sum_{i in g} x_i and Y_g = sum_{k not in g} y_k (equalities)
        gx = sparse.hstack([-member, sparse.csr_matrix((g_n, n)), eye_g, sparse.csr_matrix((g_n, 2 * g_n))])
        gy = sparse.hstack([sparse.csr_matrix((g_n, n)), -(sparse.csr_matrix(np.ones((g_n, n))) - member),
                            sparse.csr_matrix((g_n, g_n)), eye_g, sparse.csr_matrix((g_n, g_n))])
        self.eq = sparse.vstack([gx, gy], format="csr")
        w = risk.probability * risk.imports_t
        self.scale = float(w.max()) if w.size and w.max() > 0 else 1.0
        self.c = np.concatenate([np.zeros(2 * n + 2 * g_n), w / self.scale])
        self.bounds = [(0.0, float(u)) for u in problem.upper] + [(0.0, None)] * (self.nv - n)
        # what row generation adds: the premium per variable, the equalities with sum x = 1
        self.prem = np.concatenate([problem.premium, np.zeros(self.nv - n)])
        total = np.concatenate([np.ones(n), np.zeros(self.nv - n)])
        self.a_eq = sparse.vstack([sparse.csr_matrix(total[None, :]), self.eq], format="csr")
        self.b_eq = np.concatenate([[1.0], np.zeros(2 * g_n)])
        base = self.base.tocoo()
        self._base_coo = (base.row, base.col, base.data)
        self.upper, self.premium = problem.upper, problem.premium

    @classmethod
    def of(cls, problem: MixProblem, risk: ShortfallRisk) -> _ShortfallLP:
        """The parts for ``problem`` and ``risk``, built once per pair (kept with the risk)."""
        lp = risk._state.get("lp")
        if lp is None or not (np.array_equal(lp.upper, problem.upper)
                              and np.array_equal(lp.premium, problem.premium)):
            lp = risk._state["lp"] = cls(problem, risk)
        return lp

    def rows(self, extra: np.ndarray, group: np.ndarray, piece: np.ndarray) -> sparse.csr_matrix:
        """The inequality rows: the base rows, the dense rows ``extra`` (e, nv), then the pieces'."""
        r0, c0, d0 = self._base_coo
        nb, ne, m, n, g_n = self.base.shape[0], extra.shape[0], piece.size, self.n, self.g_n
        r1, c1 = np.nonzero(extra)
        rows = np.concatenate([r0, nb + r1, np.tile(nb + ne + np.arange(m), 3)])
        cols = np.concatenate([c0, c1, 2 * n + group, 2 * n + g_n + group, 2 * n + 2 * g_n + group])
        data = np.concatenate([d0, extra[r1, c1], self.a_k[piece], -self.b_k[piece], -np.ones(m)])
        return sparse.csr_matrix((data, (rows, cols)), shape=(nb + ne + m, self.nv))

    def piece_rows(self, group: np.ndarray, piece: np.ndarray) -> sparse.csr_matrix:
        """The rows ``A_k X_g - B_k Y_g - z_g <= 0`` of the pairs ``(group[j], piece[j])`` (rhs 0)."""
        m, n, g_n = piece.size, self.n, self.g_n
        data = np.concatenate([self.a_k[piece], -self.b_k[piece], -np.ones(m)])
        cols = np.concatenate([2 * n + group, 2 * n + g_n + group, 2 * n + 2 * g_n + group])
        return sparse.csr_matrix((data, (np.tile(np.arange(m), 3), cols)), shape=(m, self.nv))

    def violation(self, v: np.ndarray, work: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each group, the piece left out of ``work`` (a (G, K) mask) that solution ``v`` violates
        most, and by how much [yr x share] (``-inf`` when every piece is in)."""
        n, g_n = self.n, self.g_n
        xg, yg, z = v[2 * n:2 * n + g_n], v[2 * n + g_n:2 * n + 2 * g_n], v[2 * n + 2 * g_n:]
        vals = np.outer(xg, self.a_k) - np.outer(yg, self.b_k)            # (G, K)
        vals[work] = -np.inf
        k = vals.argmax(axis=1)
        return k, vals[np.arange(g_n), k] - z


def _lp_parts(problem: MixProblem, risk: LinearRisk | ShortfallRisk):
    """Objective, inequality and equality rows and bounds of the risk's linear programme (variables: x,
    then the risk's own). Returns ``(c, rows, rhs, eq_rows, eq_rhs, bounds, scale)``; ``c`` is divided
    by ``scale``. For a shortfall risk: every piece of every group (the full programme)."""
    n = problem.n
    if isinstance(risk, LinearRisk):
        if risk.weights.shape != (n,):
            raise ValueError(f"{risk.weights.size} weights for {n} suppliers")
        scale = float(np.abs(risk.weights).max()) or 1.0
        c = risk.weights / scale
        return (c, sparse.csr_matrix((0, n)), np.zeros(0), sparse.csr_matrix((0, n)), np.zeros(0),
                [(0.0, float(u)) for u in problem.upper], scale)
    lp = _ShortfallLP(problem, risk)
    k_n = lp.a_k.size
    # the perspective of psi: z_g >= A_k X_g - B_k Y_g for every piece k (group by group)
    rows_p = lp.piece_rows(np.repeat(np.arange(lp.g_n), k_n), np.tile(np.arange(k_n), lp.g_n))
    rows = sparse.vstack([lp.base, rows_p], format="csr")
    rhs = np.concatenate([lp.base_rhs, np.zeros(lp.g_n * k_n)])
    return lp.c, rows, rhs, lp.eq, np.zeros(2 * lp.g_n), lp.bounds, lp.scale


def _solve_lp(problem: MixProblem, risk: LinearRisk | ShortfallRisk, budget: float,
              cheapest: bool = True) -> np.ndarray:
    try:
        return _solve_lp_at(problem, risk, budget, cheapest)
    except CritminError:
        if not math.isfinite(budget):
            raise
        # HiGHS reads matrix values below 1e-9 as 0: with premiums that small, a budget at the cheapest
        # mix's premium can read as infeasible. Allow the feasibility tolerance on the budget row.
        return _solve_lp_at(problem, risk, budget + _TOL, cheapest)


def _solve_lp_at(problem: MixProblem, risk: LinearRisk | ShortfallRisk, budget: float,
                 cheapest: bool) -> np.ndarray:
    if isinstance(risk, ShortfallRisk) and _ROW_GENERATION:
        x = _solve_shortfall(problem, risk, budget, cheapest)
        if x is not None:
            return x
    c, rows, rhs, eq, eq_rhs, bounds, _scale = _lp_parts(problem, risk)
    nv = c.size
    prem = np.concatenate([problem.premium, np.zeros(nv - problem.n)])
    total = sparse.csr_matrix(np.concatenate([np.ones(problem.n), np.zeros(nv - problem.n)])[None, :])
    a_eq = sparse.vstack([total, eq], format="csr")
    b_eq = np.concatenate([[1.0], eq_rhs])
    if math.isfinite(budget):
        a_ub = sparse.vstack([rows, sparse.csr_matrix(prem[None, :])], format="csr")
        b_ub = np.concatenate([rhs, [budget]])
    else:
        a_ub, b_ub = rows, rhs
    if a_ub.shape[0] == 0:
        a_ub, b_ub = None, None
    first = _linprog(c, a_ub, b_ub, a_eq, b_eq, bounds)
    if not cheapest:
        return _clean(first.x[:problem.n], problem)
    # stage 2: the cheapest mix with (about) that least risk
    best = float(first.fun)
    cap = best + 1e-9 * max(abs(best), 1.0)
    a2 = sparse.vstack([a_ub, sparse.csr_matrix(c[None, :])], format="csr") if a_ub is not None \
        else sparse.csr_matrix(c[None, :])
    b2 = np.concatenate([b_ub if b_ub is not None else np.zeros(0), [cap]])
    try:
        second = _linprog(prem, a2, b2, a_eq, b_eq, bounds)
        x = second.x[:problem.n]
    except CritminError:  # stage 1 stands: its mix is optimal, only perhaps not the cheapest
        x = first.x[:problem.n]
    return _clean(x, problem)


def _start_pieces(k_n: int) -> np.ndarray:
    """Indices of the pieces every group starts with: ``_START_PIECES`` evenly spaced ones (the first,
    ``A_0 X - B_0 Y``, the mean cut with no extra supply, among them)."""
    return np.unique(np.linspace(0, k_n - 1, min(_START_PIECES, k_n)).round().astype(int))


def _generate(lp: _ShortfallLP, obj: np.ndarray, extra: np.ndarray, extra_rhs: np.ndarray,
              work: np.ndarray):
    """Solve ``min obj.v`` over the base rows, the dense rows ``extra`` and the pieces of ``work``,
    adding violated pieces to ``work`` (in place) until none is; ``None`` when ``_MAX_ROUNDS`` solves do
    not settle it."""
    tol = _ROW_TOL * max(1.0, float(lp.a_k[0]))
    for _ in range(_MAX_ROUNDS):
        gi, ki = np.nonzero(work)
        a_ub = lp.rows(extra, gi, ki)
        b_ub = np.concatenate([lp.base_rhs, extra_rhs, np.zeros(gi.size)])
        res = _linprog(obj, a_ub, b_ub, lp.a_eq, lp.b_eq, lp.bounds)
        k, over = lp.violation(res.x, work)
        bad = np.flatnonzero(over > tol)
        if bad.size == 0:
            return res
        # the most violated piece and pieces around it at widening steps: psi's kinks are dense (one per
        # run), so cuts at one piece only would close in on the optimum's kink a few pieces per round
        _add_around(work, bad, k[bad])
    return None


def _add_around(work: np.ndarray, groups: np.ndarray, pieces: np.ndarray) -> None:
    """Put ``pieces + _OFFSETS`` (clipped to the pieces there are) of ``groups`` in ``work``."""
    k_n = work.shape[1]
    for d in _OFFSETS:
        work[groups, np.clip(pieces + d, 0, k_n - 1)] = True


def _solve_shortfall(problem: MixProblem, risk: ShortfallRisk, budget: float,
                     cheapest: bool) -> np.ndarray | None:
    """The shortfall programme by row generation (see the module's docstring); ``None`` when it does not
    settle within ``_MAX_ROUNDS`` solves per stage (the caller then solves the full programme)."""
    lp = _ShortfallLP.of(problem, risk)
    k_n = lp.a_k.size
    work = np.zeros((lp.g_n, k_n), bool)
    work[:, _start_pieces(k_n)] = True
    hint = risk._state.get("hint")
    if hint is not None and hint.shape == (lp.g_n,):
        # the pieces the last solve of this risk ended on, and around them (a neighbouring budget's
        # optimum sits near): the programme stays small instead of collecting every budget's pieces
        _add_around(work, np.arange(lp.g_n), hint)
    if math.isfinite(budget):
        extra, extra_rhs = lp.prem[None, :], np.array([float(budget)])
    else:
        extra, extra_rhs = np.zeros((0, lp.nv)), np.zeros(0)
    first = _generate(lp, lp.c, extra, extra_rhs, work)
    x = last = None
    if first is not None and not cheapest:
        x, last = first.x[:problem.n], first
    elif first is not None:
        # stage 2: the cheapest mix with (about) that least risk, its pieces generated the same way
        best = float(first.fun)
        cap = best + 1e-9 * max(abs(best), 1.0)
        try:
            second = _generate(lp, lp.prem, np.vstack([extra, lp.c[None, :]]),
                               np.concatenate([extra_rhs, [cap]]), work)
        except CritminError:  # stage 1 stands: its mix is optimal, only perhaps not the cheapest
            second = first
        if second is not None:
            x, last = second.x[:problem.n], second
    if x is not None:
        risk._state["hint"] = lp.violation(last.x, np.zeros_like(work))[0]
    return None if x is None else _clean(x, problem)


# --------------------------------------------------------------------------- the frontier
def solve_mix(problem: MixProblem, risk: Risk, budget: float = math.inf, *,
              cheapest: bool = True) -> MixSolution:
    """The least-risk mix whose premium is at most ``budget`` (the cheapest one among ties).

    Parameters
    ----------
    problem : MixProblem
        Candidates, caps and premiums.
    risk : LinearRisk, HHIRisk or ShortfallRisk
        What to minimise.
    budget : float
        Largest premium [1]; ``inf`` for none.
    cheapest : bool
        Solve the second stage (the cheapest of the least-risk mixes). Not needed below the premium of
        the unconstrained optimum, where every least-risk mix spends the whole budget (see
        :func:`efficient_frontier`).

    Returns
    -------
    MixSolution

    Raises
    ------
    InfeasibleBudgetError
        When no mix within the caps is that cheap.
    CritminError
        When the solver fails.
    """
    _check_budget(problem, budget)
    if isinstance(risk, HHIRisk):
        x = _solve_hhi(problem, budget)
    elif isinstance(risk, (LinearRisk, ShortfallRisk)):
        x = _solve_lp(problem, risk, budget, cheapest=cheapest)
    else:
        raise TypeError(f"unknown risk measure {type(risk).__name__}")
    return MixSolution(x, risk.value(x), problem.premium_of(x), float(budget))


def budget_grid(low: float, high: float, *, points: int = 21,
                include: Iterable[float] = (0.0,)) -> list[float]:
    """Budgets from ``low`` to ``high`` [1]: ``points`` evenly spaced, plus ``include`` where inside.

    When ``low < 0 < high`` the grid puts ``points`` budgets on [0, high] and about a third as many on
    [low, 0], so round budgets (0, 0.05, 0.10, ... for ``high = 0.2``) are on the grid (unless one side
    is within round-off of 0, 1e-9 of the range: then ``points`` budgets span [low, high]).
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high < low:
        raise ValueError(f"need finite low <= high, got {low}, {high}")
    points = max(int(points), 2)
    # split at 0 only when both sides are more than round-off (a side of ~1e-17 would collapse to one
    # budget and leave the grid short of ``points``)
    if low < 0 < high and min(-low, high) > 1e-9 * (high - low):
        grid = list(np.linspace(0.0, high, points)) + list(
            np.linspace(low, 0.0, max(points // 3, 2) + 1)[:-1])
    else:
        grid = list(np.linspace(low, high, points))
    grid += [b for b in include if low - 1e-12 <= b <= high + 1e-12]
    out: list[float] = []
    for b in sorted(float(v) for v in grid):
        if not out or b - out[-1] > 1e-12:
            out.append(b)
    return out


def efficient_frontier(problem: MixProblem, risk: Risk, budgets: Sequence[float], *,
                       unconstrained: MixSolution | None = None) -> list[MixSolution]:
    """The least-risk mix at each budget (budgets below the cheapest mix are left out).

    The least risk V(B) is convex and non-increasing in the budget B (the problems are convex and their
    feasible sets grow with B). Let B* be the premium of the cheapest unconstrained optimum: from B* on
    that mix is the answer; below it every least-risk mix spends the whole budget (were one cheaper, V
    would be flat below B* and, being convex, could not fall after), so one solve per budget suffices.

    Parameters
    ----------
    problem, risk
        As :func:`solve_mix`.
    budgets : sequence of float
        Premium budgets [1].
    unconstrained : MixSolution, optional
        ``solve_mix(problem, risk)`` if already computed.

    Returns
    -------
    list of MixSolution
        In increasing budget; risk is non-increasing along it.
    """
    lo = min_premium(problem).premium
    free = unconstrained if unconstrained is not None else solve_mix(problem, risk)
    out = []
    for b in sorted(budgets):
        if b < lo - _TOL:
            continue
        if b >= free.premium - _TOL:
            out.append(MixSolution(free.x, free.risk, free.premium, float(b)))
        else:
            out.append(solve_mix(problem, risk, b, cheapest=False))
    return out
