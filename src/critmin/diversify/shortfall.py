"""The shortfall risk of a supplier mix: per-supplier disruptions drawn from the commodity's scenario.

Why not re-simulate the market model on each candidate mix
----------------------------------------------------------
docs/methods.md §7 suggests re-simulating the market model (:mod:`critmin.market.model`) on candidate mixes
with common random numbers, as the stockpile planner does. That model cannot express a mix: it clears
one price for the whole market outside the restricting exporter and, above the choke price, rations
every region pro rata, so a region's shortfall depends on its demand, its stock and the market, not on
whom it buys from. A region's purchases from the exporter (``share_from_exporter``) enter only the size
of a *targeted* cut, and the loss is then spread over every region through the common price. Re-simulating
would show an objective flat in the mix (exactly flat for the commodity scenarios, whose cuts target
all importers). It also has one disrupting exporter per scenario, where the mix question needs every
supplier disrupted with its own probability.

The proxy used instead (documented, every input an assumption in the output)
---------------------------------------------------------------------------
The opposite view of the market: supply runs through contracts, so a cut of supplier i reaches the
importer through what it buys from i. For a disruption of group g (a supplier, or an exporter with the
suppliers whose output it processes) in run s:

* the importer loses ``a_s X_g`` of its imports for ``T_s`` years, with ``a_s = cut x (1 - leakage)``
  and the cut's length ``T_s`` drawn from the **commodity's scenario file** (the same distributions
  and the same draws as ``critmin simulate`` of that file with the same seed: common random numbers,
  so every mix and budget is scored on the same runs);
* its other suppliers fill part of the gap: each can ship ``rho`` more than it ships now, within its
  cap (``y_k = min(rho x_k, u_k - x_k)``); ``rho`` defaults to the scenario's
  ``market.spare_capacity_immediate`` (what other producers can add at once; capacity that ramps up a
  year or more later is not counted);
* the shortfall is ``M T_s max(0, a_s X_g - sum_{k not in g} y_k)`` [t], M the annual imports [t/yr].

The expected annual shortfall weighs each group's mean over the runs by its annual probability
``pi_g``: the scenario exporter's is the stockpile planner's annual disruption probability, every other
supplier's is scaled by its GeoPolRisk governance factor, ``pi_i = pi_e g_i / g_e`` (GeoPolRisk reads g
as the likelihood of a politically driven disruption). Events are taken one at a time (two suppliers
disrupted in the same year are a second-order term).

The shortfall is convex in the mix (a maximum of affine functions, ``y_k`` concave), so minimising its
sample average under linear constraints is an exact linear programme
(:class:`critmin.diversify.optimize.ShortfallRisk`). Unlike GeoPolRisk's linear term, it rewards
keeping several suppliers active: they are the ones that can step up during a cut.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from critmin.errors import DataError

__all__ = ["DisruptionSample", "disruption_sample", "disruption_groups"]


@dataclass(frozen=True)
class DisruptionSample:
    """The runs a shortfall risk is scored on (one disruption per run, given that it happens).

    Attributes
    ----------
    lost_share : ndarray
        ``a_s = cut x (1 - leakage)`` [1].
    cut_years : ndarray
        ``T_s``: months of the cut within the scenario's horizon / 12 [yr].
    runs, seed : int
        Number of runs and root seed of the draws.
    scenario : str
        The scenario file (or name) the distributions come from.
    """

    lost_share: np.ndarray
    cut_years: np.ndarray
    runs: int
    seed: int
    scenario: str

    def summary(self) -> dict[str, float]:
        """Mean and 5th/95th percentiles of the lost share [1] and cut length [months]."""
        months = self.cut_years * 12.0
        return {"lost_share_mean": float(self.lost_share.mean()),
                "lost_share_p05": float(np.quantile(self.lost_share, 0.05)),
                "lost_share_p95": float(np.quantile(self.lost_share, 0.95)),
                "cut_months_mean": float(months.mean()),
                "cut_months_p05": float(np.quantile(months, 0.05)),
                "cut_months_p95": float(np.quantile(months, 0.95))}


def disruption_sample(spec, *, runs: int, seed: int) -> DisruptionSample:
    """Draw the cuts of a scenario, given a disruption (its probability set to 1).

    Parameters
    ----------
    spec : critmin.market.spec.ScenarioSpec
        The commodity's scenario.
    runs : int
        Number of runs (>= 1).
    seed : int
        Root seed (>= 0); run k gets the draws run k of ``critmin simulate`` with that seed has.

    Returns
    -------
    DisruptionSample
    """
    from critmin.market.engine import draw_runs

    if runs < 1:
        raise ValueError("runs must be >= 1")
    params = dict(spec.random_params())
    params["disruption.occurs"] = 1.0
    d = draw_runs(params, int(seed), 0, int(runs))
    horizon = float(spec.horizon_months)
    start = np.clip(d.start, 0.0, horizon)
    months = np.clip(np.minimum(start + d.duration, horizon) - start, 0.0, None)
    lost = np.clip(d.cut * (1.0 - d.leakage), 0.0, 1.0)
    return DisruptionSample(lost, months / 12.0, int(runs), int(seed), str(spec.path or spec.name))


def disruption_groups(
    suppliers: Sequence[str],
    g: Mapping[str, float],
    *,
    exporter: str,
    exporter_probability: float,
    tied: Sequence[str] = (),
) -> tuple[list[tuple[int, ...]], np.ndarray, list[str]]:
    """Which candidates are disrupted together, and each group's annual probability.

    Parameters
    ----------
    suppliers : sequence of str
        Candidates (ISO3), in the problem's order.
    g : mapping of ISO3 to float
        GeoPolRisk governance factor of each candidate and of the exporter [1].
    exporter : str
        The scenario's restricting exporter (ISO3).
    exporter_probability : float
        Its annual disruption probability ``pi_e`` [1/yr].
    tied : sequence of str
        Suppliers whose output the exporter processes (the scenario's ``tied_to_exporter``): disrupted
        with it.

    Returns
    -------
    groups : list of tuple of int
        Candidate indices per group.
    probability : ndarray
        ``pi_g = min(1, pi_e g_lead / g_e)`` [1/yr], the lead being the exporter in its group, else the
        supplier.
    labels : list of str
        ``CHN+MMR``-style label per group.

    Raises
    ------
    DataError
        When the exporter or a candidate has no governance factor, or the exporter's is 0.
    """
    ge = g.get(exporter, math.nan)
    if not (ge == ge) or ge <= 0:
        raise DataError(f"no positive GeoPolRisk g for the scenario exporter {exporter}: the other "
                        "suppliers' disruption probabilities are scaled from it")
    idx = {s: i for i, s in enumerate(suppliers)}
    # the tie matters only when the exporter is a candidate (not when it is the importer itself)
    tied_in = [t for t in tied if t in idx and t != exporter] if exporter in idx else []
    groups: list[tuple[int, ...]] = []
    probs: list[float] = []
    labels: list[str] = []
    if exporter in idx:
        groups.append((idx[exporter], *(idx[t] for t in tied_in)))
        probs.append(min(1.0, float(exporter_probability)))
        labels.append("+".join([exporter, *tied_in]))
    for s in suppliers:
        if s == exporter or s in tied_in:
            continue
        gi = g.get(s, math.nan)
        if not (gi == gi):
            raise DataError(f"no GeoPolRisk g for candidate {s}: its disruption probability is unknown")
        groups.append((idx[s],))
        probs.append(min(1.0, float(exporter_probability) * float(gi) / float(ge)))
        labels.append(s)
    return groups, np.asarray(probs, float), labels
