"""Is that drop a restriction? China's monthly exports tested against a demand slump.

The second workflow::

    python examples/is_it_a_restriction.py                 # graphite (HS 250410), December 2023
    python examples/is_it_a_restriction.py --hs 280530 --month 2020-08

``critmin.monitor`` weighs the evidence of one month (the fall against the seasonal baseline, front
running before it, the control lines, prices, destinations, licences, breadth) and gives one verdict;
``critmin.monitor.scan`` ranks restriction-like months across every monthly series in the warehouse.
"""

from __future__ import annotations

import argparse

import critmin


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exporter", default="CHN")
    parser.add_argument("--hs", default="250410", help="HS lines tested together, comma-separated")
    parser.add_argument("--month", default="2023-12", help="month to assess, YYYY-MM")
    parser.add_argument("--since", default="2023-01", help="first month of the scan")
    args = parser.parse_args(argv)

    res = critmin.monitor(args.exporter, args.hs.split(","), month=args.month)
    print(res.headline())
    print(f"  exports {res.quantity_kg / 1000:,.0f} t; year on year {res.yoy_change:+.1%}; "
          f"against the seasonal baseline {res.baseline_deviation:+.1%}")
    for s in res.signals.itertuples(index=False):
        score = "—" if s.score != s.score else f"{s.score:.2f}"
        print(f"  {s.name:<24} score {score:>5}  {s.note}")

    scan = critmin.monitor.scan(args.since)
    print(scan.headline())
    for r in scan.to_frame().head(5).itertuples(index=False):
        print(f"  {r.exporter} HS {r.hs} {r.month}: score {r.score:.2f}, y/y {r.yoy_change:+.1%}")
    return {"monitor": res, "scan": scan}


if __name__ == "__main__":
    main()
