"""Who supplies it? Producers of a commodity, their concentration over time, and an importer's suppliers.

The first of critmin's three workflows, in the Python API::

    python examples/who_supplies_it.py rare-earths --importer CHN --xlsx rare-earths.xlsx

Each job opens the user's warehouse read-only when no ``warehouse=`` is given (built from the
bundled dataset on first use; ``CRITMIN_DB`` points elsewhere). Every result prints a short summary
(``repr``), shows its main table in Jupyter, and gives it as a DataFrame with ``to_frame()`` (units
in ``df.attrs["units"]``).
"""

from __future__ import annotations

import argparse

import critmin


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commodity", nargs="?", default="rare-earths", help="commodity id or name")
    parser.add_argument("--importer", default="CHN", help="importer whose suppliers to show (ISO3)")
    parser.add_argument("--xlsx", help="also write the three tables to this Excel workbook")
    args = parser.parse_args(argv)

    # 1. producers in the latest year, from one edition
    res = critmin.supply(args.commodity)
    print(res.headline())
    producers = res.to_frame()
    for r in producers.head(5).itertuples(index=False):
        print(f"  {r.name:<22} {r.quantity:>12,.0f} {res.unit}  {r.share:6.1%}")
    print(f"  units: {producers.attrs['units']['quantity']} (quantity), shares as fractions")

    # 2. concentration over the years covered (each year from its latest edition)
    trend = critmin.supply.trend(args.commodity)
    years = trend.to_frame()
    with_hhi = years.dropna(subset=["hhi_points"])      # early years may give a world total only
    first, last = with_hhi.iloc[0], with_hhi.iloc[-1]
    print(f"{trend.headline()}: HHI {first.hhi_points:,.0f} points in {first.year}, "
          f"{last.hhi_points:,.0f} in {last.year}")

    # 3. the importer's suppliers, from bilateral trade
    dep = critmin.importer_dependence(args.commodity, args.importer)
    print(dep.headline())

    if args.xlsx:
        from critmin._export import write_workbook

        write_workbook(args.xlsx, {"producers": producers, "trend": years, "suppliers": dep.to_frame()})
        print(f"wrote {args.xlsx}")
    return {"supply": res, "trend": trend, "dependence": dep}


if __name__ == "__main__":
    main()
