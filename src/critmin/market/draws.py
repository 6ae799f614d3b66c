"""What goes into and comes out of one call of the market model, whichever engine runs it:
:class:`Draws` (the per-run parameters) and :class:`MarketOutput` (per-run summaries, monthly sums,
price histograms, paths). Both engines (:func:`critmin.market.model.simulate_market` and the compiled
:func:`critmin.market.fast.simulate_market_numba`) take and return these; :mod:`critmin.market.model`
re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

__all__ = ["Draws", "MarketOutput"]


@dataclass
class Draws:
    """Per-run parameters (one value per scenario in each array).

    Attributes
    ----------
    occurs : ndarray of bool
        The disruption happens in this run.
    start, duration : ndarray
        Start [months from month 0] and length [months] of the cut.
    cut, leakage : ndarray
        Share of exports to the targets stopped, and share of that which still arrives [1].
    eps_short, eps_long, tau, eps_supply : ndarray
        Demand elasticities [1], substitution time constant [months], supply elasticity [1].
    """

    occurs: np.ndarray
    start: np.ndarray
    duration: np.ndarray
    cut: np.ndarray
    leakage: np.ndarray
    eps_short: np.ndarray
    eps_long: np.ndarray
    tau: np.ndarray
    eps_supply: np.ndarray

    def __post_init__(self) -> None:
        n = len(np.asarray(self.occurs))
        for f in fields(self):
            dtype = bool if f.name == "occurs" else float
            arr = np.asarray(getattr(self, f.name), dtype)
            if arr.shape != (n,):
                raise ValueError(f"draw {f.name} has shape {arr.shape}, expected ({n},)")
            setattr(self, f.name, arr)

    def __len__(self) -> int:
        return int(self.occurs.shape[0])

    def take(self, idx) -> Draws:
        """The draws of a subset of runs (index array or slice)."""
        return Draws(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @classmethod
    def fixed(cls, n: int = 1, *, occurs: bool = True, start: float = 0.0, duration: float = 0.0,
              cut: float = 0.0, leakage: float = 0.0, eps_short: float = -0.1, eps_long: float = -0.1,
              tau: float = 12.0, eps_supply: float = 0.0) -> Draws:
        """``n`` identical runs (for tests and what-if calls)."""
        return cls(np.full(n, occurs), np.full(n, start), np.full(n, duration), np.full(n, cut),
                   np.full(n, leakage), np.full(n, eps_short), np.full(n, eps_long), np.full(n, tau),
                   np.full(n, eps_supply))

    @classmethod
    def concat(cls, parts: list[Draws]) -> Draws:
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})


@dataclass
class MarketOutput:
    """What one block of runs produced.

    Attributes
    ----------
    summary : dict of str to ndarray
        Per run: ``peak_price_multiple`` [1], ``mean_price_multiple`` [1], ``months_at_choke``
        [months], ``cost_usd_total`` [USD] (all regions); per run and region (shape (n, J)): the
        :data:`REGION_METRICS`.
    price_hist : ndarray or None
        (H, B + 2) counts per month: bin 0 holds ``P = P0`` exactly, bins 1..B split
        ``0 < ln(P/P0) < ln P_max`` evenly, bin B + 1 holds the choke price (rationing).
    sums : dict of str to ndarray
        Sums over runs, per month: ``price_multiple`` (H,), ``consumption_t``, ``shortfall_t``,
        ``stock_t`` (H, J) [t]; with ``sum_block``, one such sum per block of runs (leading axis).
    paths : dict of str to ndarray or None
        With ``keep_paths``: ``price_multiple`` (n, H) and per region (n, H, J): ``consumption_t``,
        ``shortfall_t``, ``unmet_t``, ``stock_t`` (end of month), ``release_t``, ``refill_t``;
        ``supply_other_t`` and ``exports_t`` (n, H) [t/month].
    """

    summary: dict[str, np.ndarray]
    price_hist: np.ndarray | None
    sums: dict[str, np.ndarray]
    paths: dict[str, np.ndarray] | None = field(default=None)
