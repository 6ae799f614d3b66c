"""What a section shows: :class:`SectionView` (a title, a lead sentence and blocks) and its
:class:`Block` (a figure, a table, a note, a list or a subheading), with :class:`FigureSpec`, a figure
on its way from a worker process (:mod:`critmin.report.workers`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import plotly.graph_objects as go

from critmin.report.tables import Table

__all__ = ["Block", "FigureSpec", "SectionView"]


class Block:
    """One element of a section: a figure, a table or a note.

    Attributes
    ----------
    kind : str
        ``figure``, ``table``, ``note``, ``list`` or ``subhead``.
    figure : plotly.graph_objects.Figure or None
        A figure that came from a worker process as its dict (:class:`FigureSpec`) is made a figure
        on first read.
    table : Table or None
    text : str
    collapsed : bool
        Show the table folded.
    items : list of str
    rendered : object or None
        What the page writes for the figure or table (:func:`critmin.report.render.page_piece`), made
        where the block was built. Reading ``figure`` or ``table`` drops it: the reader may change the
        object, and the page must then show the change.
    """

    def __init__(self, kind: str, figure: go.Figure | FigureSpec | None = None, table: Table | None = None,
                 text: str = "", collapsed: bool = False, items: list[str] | None = None) -> None:
        self.kind = kind
        self._figure = figure
        self._table = table
        self.text = text
        self.collapsed = collapsed
        self.items = [] if items is None else items
        self.rendered: object = None

    @property
    def figure(self) -> go.Figure | None:
        """The figure (see the class)."""
        self.rendered = None
        if isinstance(self._figure, FigureSpec):
            self._figure = self._figure.build()
        return self._figure

    @figure.setter
    def figure(self, value: go.Figure | FigureSpec | None) -> None:
        self.rendered = None
        self._figure = value

    @property
    def table(self) -> Table | None:
        """The table (see the class)."""
        self.rendered = None
        return self._table

    @table.setter
    def table(self, value: Table | None) -> None:
        self.rendered = None
        self._table = value

    def peek(self) -> go.Figure | FigureSpec | Table | None:
        """The figure (as it is held: a :class:`FigureSpec` stays one) or the table, keeping
        ``rendered``: for the page, which only reads it."""
        return self._figure if self.kind == "figure" else self._table

    def __repr__(self) -> str:
        return (f"Block(kind={self.kind!r}, figure={self._figure!r}, table={self._table!r}, "
                f"text={self.text!r}, collapsed={self.collapsed!r}, items={self.items!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Block):
            return NotImplemented
        return (self.kind, self.figure, self.table, self.text, self.collapsed, self.items) == \
            (other.kind, other.figure, other.table, other.text, other.collapsed, other.items)

    __hash__ = None  # type: ignore[assignment] - mutable, as the dataclass it was


@dataclass
class FigureSpec:
    """A figure as ``plotly.graph_objects.Figure.to_dict()`` gives it (how a worker process sends it),
    with the order of its keys, so that :meth:`build` gives back a figure the page writes byte for byte
    as the original (plotly rebuilds a layout in its own property order and puts each trace's type
    last)."""

    spec: dict
    keys: dict = field(default_factory=dict)

    @classmethod
    def of(cls, fig: go.Figure) -> FigureSpec:
        """The spec of ``fig``."""
        spec = fig.to_dict()
        return cls(spec, _keys(spec))

    def build(self) -> go.Figure:
        """The figure (plotly's validation off: it was validated when it was first built)."""
        fig = go.Figure(self.spec, _validate=False)
        _reorder(fig._layout, self.keys.get("layout", {}))
        for trace, like in zip(fig._data, self.keys.get("data", []), strict=False):
            _reorder(trace, like)
        return fig


def _keys(obj: object) -> object:
    """The keys of a nested structure of dicts and lists, in their order (leaves: None)."""
    if isinstance(obj, dict):
        return {k: _keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_keys(v) for v in obj]
    return None


def _reorder(target: dict, like: dict) -> None:
    """Put the keys of ``target`` (in place, nested dicts and lists of dicts too) in the order of
    ``like``'s; keys ``like`` lacks go last, in their order."""
    for k, v in like.items():
        t = target.get(k)
        if isinstance(t, dict) and isinstance(v, dict):
            _reorder(t, v)
        elif isinstance(t, list) and isinstance(v, list):
            for a, b in zip(t, v, strict=False):
                if isinstance(a, dict) and isinstance(b, dict):
                    _reorder(a, b)
    old = dict(target)
    target.clear()
    target.update((k, old[k]) for k in like if k in old)
    target.update((k, v) for k, v in old.items() if k not in like)


@dataclass
class SectionView:
    """A section ready to render."""

    id: str
    title: str
    lead: str = ""
    blocks: list[Block] = field(default_factory=list)

    @property
    def figures(self) -> list[go.Figure]:
        """The section's figures."""
        return [b.figure for b in self.blocks if b.kind == "figure" and b.figure is not None]

    @property
    def tables(self) -> list[Table]:
        """The section's tables."""
        return [b.table for b in self.blocks if b.kind == "table" and b.table is not None]
