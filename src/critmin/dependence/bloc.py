"""Blocs as importers: how much of a bloc's imports the members missing from the data would hold.

A bilateral file may lack some members of a bloc as reporters (the 2023 Comtrade file has 12 of the
27 EU member states; France is absent). Their share of the bloc's imports is estimated from another
split of the bloc by member, where one exists (each member's total imports of the same lines in
another dataset, or an exporter's shipments to each member), and is unknown otherwise.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["missing_share"]


def missing_share(values, members, missing) -> tuple[float, dict[str, float], int] | None:
    """The missing members' share of a bloc total split by member.

    Parameters
    ----------
    values : mapping or Series
        Member (ISO3) -> a figure of the same kind for each member (imports [kg or USD], or an
        exporter's shipments to it); members absent or NaN have no figure.
    members : iterable of str
        The bloc's members.
    missing : iterable of str
        The members missing from the data being completed.

    Returns
    -------
    (share, per_member, known) or None
        ``share`` [1]: the missing members' part of the sum over members with a figure;
        ``per_member``: each missing member's part [1] (only those with a figure); ``known``: how many
        members have a figure. None when no missing member, or no member at all, has a figure
        (the share is then unknown).

    Examples
    --------
    >>> missing_share({"DEU": 60.0, "FRA": 30.0, "ITA": 10.0}, ["DEU", "FRA", "ITA", "MLT"],
    ...               ["FRA", "MLT"])
    (0.3, {'FRA': 0.3}, 3)
    """
    v = pd.Series(values, dtype=float)
    mem = [str(m) for m in members]
    v = v[v.index.isin(mem)].dropna()
    v = v[v >= 0]
    total = float(v.sum())
    miss = [m for m in missing if m in v.index]
    if not miss or not total > 0 or math.isnan(total):
        return None
    per = {m: float(v[m]) / total for m in miss}
    return float(sum(per.values())), per, int(len(v))
