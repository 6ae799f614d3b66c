"""How exposed are we? Jobs over the warehouse: U.S. net import reliance (as USGS reports it and
recomputed from the salient series) and the U.S. import sources.

Each year's figure is taken from the most recently published MCS edition that gives it (an edition
reports five years; later editions revise the earlier ones)."""

from __future__ import annotations

import pandas as pd

from critmin.commodities import get as get_commodity
from critmin.metrics.dependence import nir_table
from critmin.warehouse import Warehouse

__all__ = ["us_net_import_reliance", "us_import_sources"]


def us_net_import_reliance(commodity: str, *, warehouse: Warehouse) -> pd.DataFrame:
    """U.S. net import reliance per year and published series, latest edition first.

    Parameters
    ----------
    commodity : str
        Catalogue id, name or USGS code.
    warehouse : Warehouse
        Where the data live.

    Returns
    -------
    DataFrame
        The columns of :func:`critmin.metrics.dependence.nir_table` (``nir_reported`` and
        ``nir_computed`` as fractions [1]) plus ``edition_date``; one row per year and published
        series, from the latest MCS edition giving that year.
    """
    com = get_commodity(commodity)
    sal = warehouse.table("salient", commodity=com.id, country="USA", source="usgs-mcs")
    table = nir_table(sal, com.id)
    if table.empty:
        return table
    dates = sal.drop_duplicates("edition").set_index("edition")["edition_date"]
    table["edition_date"] = table["edition"].map(dates)
    # one series label per edition: key the series by its order within the edition's year
    table["series"] = table.groupby(["edition", "year"]).cumcount()
    table = table.sort_values(["year", "series", "edition_date"])
    latest = table.groupby(["year", "series"], as_index=False).tail(1)
    return latest.drop(columns="series").sort_values(["year", "nir_detail"], na_position="last",
                                                     ignore_index=True)


def us_import_sources(commodity: str, *, warehouse: Warehouse) -> pd.DataFrame:
    """U.S. import sources (shares of imports [1]) as the latest MCS edition gives them."""
    com = get_commodity(commodity)
    df = warehouse.table("import_sources", latest=True, commodity=com.id, importer="USA")
    return df.sort_values(["detail", "share"], ascending=[True, False], ignore_index=True)
