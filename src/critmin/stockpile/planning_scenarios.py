"""Which disruption scenario a material's stockpile is sized against, and the planning variant of it.

A planning scenario is an ordinary market scenario file (:mod:`critmin.market.spec`): its baseline
(every figure a warehouse row or a documented estimate, the region's consumption among them), its
market behaviour and its disruption, a *distribution* over the disruptions the stock should cover.
The planner changes three things, each shown in the assumptions:

1. ``disruption.probability`` is set to 1: the simulator gives the shortfall *given* a disruption; the
   annual probability is the planning parameter ``disruption_probability``;
2. the region's stock is set to each size tried, with the planner's release rule (trigger, release cap;
   no refill within the horizon: a stock is rebuilt before the next disruption);
3. the other regions' stocks stay as the file has them (they are part of the world the region plans in).

Where the files are: the folders in ``$CRITMIN_SCENARIOS`` (separated by ``os.pathsep``), then
``examples/scenarios`` of the working directory, then the package's own (``critmin/scenarios``), see
:func:`critmin.market.scenario_folders.scenario_dirs`. For a material the file named
in :data:`PLANNING_SCENARIOS` is used when present, else the first file (by name) whose ``commodity`` is
the material.
"""

from __future__ import annotations

from pathlib import Path

from critmin.errors import ScenarioError
from critmin.market.scenario_folders import scenario_dirs, scenario_files
from critmin.market.spec import ScenarioSpec, load_scenario

__all__ = ["PLANNING_SCENARIOS", "scenario_dirs", "scenario_files", "find_scenario", "planning_spec"]

PLANNING_SCENARIOS: dict[str, str] = {
    "rare-earths": "ree-supply-risk.toml",
    "gallium": "gallium-export-controls.toml",
    "germanium": "germanium-export-controls.toml",
    "tungsten": "tungsten-export-controls.toml",
    "cobalt": "cobalt-export-suspension.toml",
    "antimony": "antimony-export-controls.toml",
    "graphite": "graphite-export-controls.toml",
    "magnesium-metal": "magnesium-supply-cut.toml",
    "niobium": "niobium-supply-outage.toml",
    "tantalum": "tantalum-supply-disruption.toml",
    "nickel": "nickel-export-restriction.toml",
}
"""Material id -> the scenario file it is planned against by default (in ``examples/scenarios``): each
states a distribution over the material's disruptions (depth, length, leakage), not one event."""


def find_scenario(material: str) -> Path:
    """The planning scenario file of a material.

    Parameters
    ----------
    material : str
        Catalogue id (``rare-earths``).

    Returns
    -------
    Path

    Raises
    ------
    ScenarioError
        When no scenario file of the material is found (naming where it looked).
    """
    files = scenario_files()
    wanted = PLANNING_SCENARIOS.get(material)
    if wanted:
        for f in files:
            if f.name == wanted:
                return f
    for f in files:
        try:
            if _commodity_id(load_scenario(f).commodity) == material:
                return f
        except Exception:  # noqa: BLE001 - an invalid file is reported when it is used
            continue
    where = ", ".join(str(d) for d in scenario_dirs()) or "(no scenario folder found)"
    raise ScenarioError(f"no disruption scenario for {material}: looked in {where}; write one (see "
                        "examples/scenarios/) and pass it, or add its folder to CRITMIN_SCENARIOS")


def _commodity_id(name: str) -> str:
    from critmin.commodities import get as get_commodity

    try:
        return get_commodity(name).id
    except KeyError:
        return name


def planning_spec(spec: ScenarioSpec, region: str, stock_t: float, *, trigger: str = "disruption",
                  trigger_level: float | None = None, release_share_of_demand: float = 1.0) -> ScenarioSpec:
    """The planning variant of a scenario: a disruption for sure, and the region holding ``stock_t``.

    Parameters
    ----------
    spec : ScenarioSpec
        The material's scenario.
    region : str
        Region code (one of the scenario's regions, e.g. ``JPN``).
    stock_t : float
        The region's stock [t].
    trigger, trigger_level, release_share_of_demand
        The release rule (see :class:`critmin.market.spec.StockpileSpec`).

    Returns
    -------
    ScenarioSpec

    Raises
    ------
    ScenarioError
        When the region is not a region of the scenario.
    """
    region = region.upper()
    regions = [*spec.baseline.regions, "ROW"]
    if region not in regions:
        raise ScenarioError(f"scenario {spec.path or spec.name}: {region} is not one of its regions "
                            f"({', '.join(regions)}); add [baseline.regions.{region}] with its consumption "
                            "(data or a documented estimate)")
    d = spec.disruption.model_dump()
    d["probability"] = 1.0
    stocks = {k: v.model_dump(exclude_none=True) for k, v in spec.stockpiles.items()}
    mine = {"tonnes": float(stock_t), "release_share_of_demand": float(release_share_of_demand),
            "trigger": trigger, "note": "stockpile planner: the size tried"}
    if trigger_level is not None:
        mine["trigger_level"] = float(trigger_level)
    stocks[region] = mine
    sources = dict(spec.sources)
    sources[f"stockpiles.{region}"] = ("stockpile planner: the size tried, released by the planning rule "
                                       f"(trigger {trigger}, at most {release_share_of_demand:g} of monthly "
                                       "consumption a month, no refill)")
    sources["disruption.probability"] = ("stockpile planner: 1 (the shortfall given a disruption; the annual "
                                         "probability is the planning parameter disruption_probability)")
    return spec.with_overrides(disruption=d, stockpiles=stocks, sources=sources)
