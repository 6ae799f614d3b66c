"""How big should the stockpile be? Days of cover in tonnes and money, and the cost-optimal size.

The third workflow::

    python examples/how_big_a_stockpile.py                  # Japan, gallium, 20,000 runs per stock
    python examples/how_big_a_stockpile.py --runs 500       # quick

``critmin.cover`` turns an agency's rule (JOGMEC's 60 days) into tonnes and dollars at today's price;
``critmin.plan`` simulates the disruption scenario with stocks of several sizes and finds the size
where a further tonne costs more to hold than the shortage it avoids (with the 0/60/100/180-day
policies beside it). Same seed, same numbers.
"""

from __future__ import annotations

import argparse

import critmin


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="JPN")
    parser.add_argument("--material", default="gallium")
    parser.add_argument("--rule", default="jogmec-60", help="a rule of `critmin stockpile rules`")
    parser.add_argument("--runs", type=int, default=20_000, help="Monte Carlo runs per stock tried")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    cover = critmin.cover(args.region, args.material, rule=args.rule)
    print(cover.headline())
    print(f"  consumption {cover.consumption_t_per_year:,.1f} t/yr ({cover.consumption_kind}); "
          f"price {cover.price_usd_per_t:,.0f} USD/t")

    plan = critmin.plan(args.region, [args.material], runs=args.runs, seed=args.seed)
    print(plan.headline())
    table = plan.to_frame()
    for r in table.itertuples(index=False):
        print(f"  {r.policy:<10} {r.days:6.0f} days {r.stock_t:8.1f} t  expected annual cost "
              f"{r.expected_cost_usd / 1e6:6.2f} M USD  runs out in {r.p_stockout:.0%} of disruptions")
    return {"cover": cover, "plan": plan}


if __name__ == "__main__":
    main()
