"""Rendering: the :class:`~critmin.report.Report` as one HTML page (jinja2 + plotly, plotly.js embedded
once) and HTML -> PDF through headless Chromium."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2
import plotly.graph_objects as go
from _plotly_utils.utils import convert_to_base64
from markupsafe import Markup
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs

from critmin.errors import CritminError
from critmin.report.charts import PLOTLY_CONFIG
from critmin.report.provenance import METHOD_SYMBOLS, md_inline, plain_urls

__all__ = ["render", "figure_html", "plotlyjs_for", "offline_js", "BASIC_TRACES", "html_to_pdf",
           "find_chromium", "ReportError", "CHROMIUM_FLAGS", "ChartScripts", "CsvStore", "table_html",
           "csv_bytes", "FigurePiece", "TablePiece", "figure_piece", "table_piece", "page_piece", "prerender"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"

#: Flags of every headless Chromium run: a throw-away profile and no network at all. The report is
#: self-contained, so every host name is mapped to "not found" (``--host-resolver-rules``): without
#: it Chromium's background services made about 24-64 DNS lookups per PDF despite
#: ``--disable-background-networking``. The other flags switch those services off.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--host-resolver-rules=MAP * ~NOTFOUND",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--disable-domain-reliability",
                  "--disable-client-side-phishing-detection", "--no-pings", "--disable-breakpad",
                  "--metrics-recording-only", "--no-default-browser-check",
                  "--disable-features=OptimizationHints,MediaRouter,DialMediaRouteProvider,Translate,"
                  "AutofillServerCommunication,CertificateTransparencyComponentUpdater")


class ReportError(CritminError):
    """The report could not be written (e.g. Chromium missing or failing for PDF)."""


#: The plotly.js "basic" bundle shipped with critmin (``templates/plotly-basic.min.js``, MIT, from the npm
#: package ``plotly.js-basic-dist-min``), the same plotly.js version as the plotly Python package embeds:
#: 1.2 MB against the full bundle's 4.8 MB. It holds the trace types below, every one the report draws.
BASIC_BUNDLE = _TEMPLATES / "plotly-basic.min.js"
BASIC_TRACES = frozenset({"scatter", "bar", "pie"})


#: Tables with more rows than this are folded (``<details>``) in the HTML report.
LONG_TABLE = 15


#: XML namespace names plotly.js needs to build SVG: identifiers, never fetched.
_XML_NAMESPACES = ("http://www.w3.org/",)
_URL = re.compile(r"https?://(?=[A-Za-z0-9])")


def offline_js(js: str) -> str:
    """plotly.js with no web address left in it but the XML namespace names it builds SVG with.

    plotly.js carries default remote addresses that the report never uses (``topojsonURL``, plotly's
    CDN folder ``cdn.plot.ly/un/`` behind an https scheme, for map traces, ``plotlyServerURL`` for
    "Edit in Chart Studio", the logo's link) and links in its messages. Their scheme is removed, so
    each is at most a path relative to the page: a report opened offline cannot reach the network
    through them even if a future chart type asked. The XML namespaces (``http://www.w3.org/2000/svg``
    ...) are names, kept as they are.

    Parameters
    ----------
    js : str
        The bundle's text.

    Returns
    -------
    str
    """
    out, pos = [], 0
    for m in _URL.finditer(js):
        if js.startswith(_XML_NAMESPACES, m.start()):
            continue
        out.append(js[pos:m.start()])
        pos = m.end()
    out.append(js[pos:])
    return "".join(out)


def plotlyjs_for(figures) -> tuple[str, str]:
    """The plotly.js to embed for these figures: ``("basic", js)`` when the basic bundle draws every
    trace type they use and is the version the plotly package embeds, else ``("full", js)`` (the
    plotly package's own bundle; nothing is left undrawn).

    Parameters
    ----------
    figures : iterable of plotly.graph_objects.Figure
    """
    return _plotlyjs_for_types({getattr(t, "type", None) or "scatter" for f in figures for t in f.data})


def _plotlyjs_for_types(types: set[str]) -> tuple[str, str]:
    """:func:`plotlyjs_for` from the trace types the figures use."""
    from plotly.offline import get_plotlyjs_version

    if types <= BASIC_TRACES and BASIC_BUNDLE.exists():
        js = BASIC_BUNDLE.read_text("utf-8")
        if js[:200].split("\n")[1].rstrip().endswith(f" v{get_plotlyjs_version()}"):
            return "basic", js  # shipped already without web addresses (scripts/vendor_plotly_basic.py)
    return "full", offline_js(get_plotlyjs())


def figure_html(fig: go.Figure, div_id: str) -> str:
    """A figure as an HTML ``<div>`` plus its ``Plotly.newPlot`` call (no plotly.js), as plotly's
    ``to_html`` writes it (the figure's template inline: a page of many charts uses
    :class:`ChartScripts`, which writes each template once)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config=PLOTLY_CONFIG, validate=False)


def _figure_parts(fig: go.Figure) -> tuple[dict, dict, object]:
    """``(data, layout without template, template)`` of a figure as plain structures ready for JSON:
    what ``fig.to_dict()`` gives (numeric arrays base64-encoded as plotly sends them to plotly.js),
    without deep-copying the template (plotly's default template is ~20 KB of JSON per figure)."""
    layout_props = fig.layout._props or {}
    template = layout_props.get("template")
    res = {"data": copy.deepcopy(fig._data),
           "layout": copy.deepcopy({k: v for k, v in layout_props.items() if k != "template"})}
    convert_to_base64(res)
    return res["data"], res["layout"], template


@dataclass(frozen=True)
class FigurePiece:
    """What the page writes for one figure, but its element id and its template's place in the page
    (:meth:`ChartScripts.place`): JSON of its data, of its layout without the template and of the
    template, its height and width (CSS), and the trace types it uses (:func:`plotlyjs_for`)."""

    data: str
    layout: str
    template: str | None
    height: str
    width: str
    types: frozenset[str]


def figure_piece(fig: go.Figure) -> FigurePiece:
    """The :class:`FigurePiece` of a figure (the figure's height and width as plotly's ``to_html``
    sizes them)."""
    data, layout, template = _figure_parts(fig)
    tlayout = (template or {}).get("layout", {}) if isinstance(template, dict) else {}
    height = layout.get("height", tlayout.get("height", "100%"))
    width = layout.get("width", tlayout.get("width", "100%"))
    return FigurePiece(
        data=to_json_plotly(data), layout=to_json_plotly(layout),
        template=to_json_plotly(template) if template is not None else None,
        height=f"{height}px" if isinstance(height, (int, float)) else height,
        width=f"{width}px" if isinstance(width, (int, float)) else width,
        types=frozenset(getattr(t, "type", None) or "scatter" for t in fig.data))


class ChartScripts:
    """The page's charts: each figure as a ``<div>`` and its ``Plotly.newPlot`` call, with the
    figures' layout templates and the plotly.js configuration written once for the page
    (:meth:`head_script`) instead of once per chart.

    A chart's template (plotly's default theme with critmin's colours, 18 KB of JSON) was 60 % of
    its script; every chart of the report shares it. Each distinct template is kept once, and
    ``critminLayout(layout, i)`` gives a chart a copy of template ``i`` before it is drawn: plotly.js
    receives the same figure as before, data and layout unchanged.
    """

    def __init__(self, config: dict | None = None) -> None:
        self.config = PLOTLY_CONFIG if config is None else config
        self._templates: dict[str, int] = {}

    def figure(self, fig: go.Figure, div_id: str) -> str:
        """One chart: its ``<div>`` (the figure's height, as plotly's ``to_html`` sizes it) and its
        ``Plotly.newPlot`` call.

        Parameters
        ----------
        fig : plotly.graph_objects.Figure
            The figure.
        div_id : str
            The chart's element id (unique in the page).
        """
        return self.place(figure_piece(fig), div_id)

    def place(self, piece: FigurePiece, div_id: str) -> str:
        """:meth:`figure` from the figure's :class:`FigurePiece`."""
        jlayout = piece.layout
        if piece.template is not None:
            index = self._templates.setdefault(piece.template, len(self._templates))
            jlayout = f"critminLayout({jlayout},{index})"
        return (f'<div style="height:{piece.height};width:{piece.width}"><div id="{div_id}" '
                f'class="plotly-graph-div" style="height:100%;width:100%"></div><script>Plotly.newPlot('
                f'"{div_id}",{piece.data},{jlayout},critminConfig)</script></div>')

    def head_script(self) -> str:
        """The script the charts need before the first one is drawn: the configuration, the templates
        and ``critminLayout`` (call after every :meth:`figure`)."""
        templates = ",".join(self._templates)  # in index order (dicts keep insertion order)
        config = dict(self.config)
        config.setdefault("responsive", True)
        if not config.get("showSendToCloud", False):
            config.pop("plotlyServerURL", None)
        return ("window.PlotlyConfig={MathJaxConfig:'local'};"
                f"var critminConfig={to_json_plotly(config)};var critminTemplates=[{templates}];"
                "function critminLayout(l,i){var t=critminTemplates[i];l.template=typeof structuredClone"
                "==='function'?structuredClone(t):JSON.parse(JSON.stringify(t));return l}")


def csv_bytes(table) -> bytes:
    """The bytes a table's CSV download holds: :meth:`Table.to_csv` with the UTF-8 byte-order mark,
    UTF-8 encoded (what the ``data:text/csv`` link of earlier versions held)."""
    return table.to_csv(bom=True).encode("utf-8")


@dataclass(frozen=True)
class TablePiece:
    """What the page writes for one table: its row count, its body (:func:`table_html`) and, for a
    download, the SHA-1 digest of its CSV file (:func:`csv_bytes`) and the file gzip-compressed and
    base64-encoded (:class:`CsvStore`)."""

    rows: int
    html: Markup
    csv_digest: bytes | None = None
    csv: str | None = None


def _packed(raw: bytes) -> str:
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


def table_piece(table, download: bool = True) -> TablePiece:
    """The :class:`TablePiece` of a table (``download``: with its CSV file)."""
    rows = table.rows()
    if not download:
        return TablePiece(len(rows), table_html(table, rows))
    raw = csv_bytes(table)
    return TablePiece(len(rows), table_html(table, rows), hashlib.sha1(raw).digest(), _packed(raw))


def page_piece(obj: object) -> FigurePiece | TablePiece | None:
    """The page's piece of a block's figure or table (:attr:`critmin.report.blocks.Block.rendered`):
    made where the block was built, so that a worker process renders its own part of the page."""
    if isinstance(obj, go.Figure):
        return figure_piece(obj)
    from critmin.report.tables import Table

    return table_piece(obj) if isinstance(obj, Table) else None


def prerender(part) -> None:
    """Give every figure and table block of a commodity's part its :func:`page_piece` (in place)."""
    for view in part.sections:
        for block in view.blocks:
            if block.kind in ("figure", "table"):
                block.rendered = page_piece(block.peek())


class CsvStore:
    """The CSV downloads of a page, each distinct file once, gzip-compressed and base64-encoded.

    A link ``<a class="csv" download="NAME" data-csv="KEY" href="#">`` names its file; the page's
    script decompresses the file on click (``DecompressionStream``) and downloads it as a Blob under
    the link's file name. Percent-encoded ``data:`` URIs took 2.4 MB of the 8-commodity report; the
    compressed files take about a tenth of that.
    """

    def __init__(self) -> None:
        self._keys: dict[bytes, str] = {}
        self._files: dict[str, str] = {}

    def add(self, table) -> str:
        """Store a table's CSV (:func:`csv_bytes`; a :class:`TablePiece` brings it made) and return its
        key (a file stored already returns the key it has)."""
        if isinstance(table, TablePiece):
            if table.csv_digest is None:
                raise ValueError("this table piece was made without its CSV file (download=False)")
            digest, raw, packed = table.csv_digest, None, table.csv
        else:
            raw = csv_bytes(table)
            digest, packed = hashlib.sha1(raw).digest(), None
        key = self._keys.get(digest)
        if key is None:
            key = self._keys[digest] = str(len(self._keys))
            self._files[key] = packed if packed is not None else _packed(raw)
        return key

    def __len__(self) -> int:
        return len(self._files)

    def json(self) -> str:
        """The stored files as JSON ``{key: base64 of the gzip file}`` (safe inside ``<script>``:
        base64 holds no ``<``)."""
        return json.dumps(self._files, separators=(",", ":"))

    @staticmethod
    def decode(text: str) -> bytes:
        """One stored file's bytes back from its base64 text (tests and checks)."""
        return gzip.decompress(base64.b64decode(text))


#: markupsafe's escaping (what jinja's autoescape applied to each cell), as one str.translate table.
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})


def _cell(value: object, nolink: bool = True) -> str:
    """One cell's text as jinja's ``{{ cell|nolink }}`` (``{{ cell }}`` without ``nolink``) wrote it: web
    addresses without their scheme, escaped unless it is markup already."""
    text = plain_urls(value) if nolink else value
    if hasattr(text, "__html__"):
        return str(text.__html__())
    return str(text).translate(_ESCAPE)


def table_html(table, rows: list[list[str]] | None = None) -> Markup:
    """A table's header row and body as compact HTML: text cells plain ``<td>``, number cells
    ``<td class="n">`` (right-aligned by report.css), web addresses without their scheme, and neither
    whitespace nor the optional end tags (``</td>``, ``</th>``, ``</tr>``: HTML closes each cell at the
    next one, so the page's tables are the same with 0.5 MB less).

    Parameters
    ----------
    table : critmin.report.tables.Table
    rows : list of list of str, optional
        ``table.rows()`` when the caller has them already (formatting every cell is the costly part).
    """
    heads = table.headers()
    kinds = ['' if kind == "text" else ' class="n"' for _h, kind in heads]
    out = ["<thead><tr>"]
    out += [f"<th{k}>{_cell(h, nolink=False)}" for (h, _kind), k in zip(heads, kinds, strict=True)]
    out.append("</thead><tbody>")
    tds = [f"<td{k}>" for k in kinds]
    for row in table.rows() if rows is None else rows:
        out.append("<tr>")
        out += [td + _cell(cell) for cell, td in zip(row, tds, strict=True)]
    out.append("</tbody>")
    return Markup("".join(out))


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md_inline
    env.filters["nolink"] = plain_urls
    return env


def render(report) -> str:
    """The report as HTML text.

    Parameters
    ----------
    report : critmin.report.Report
        From :func:`critmin.report.build_report`.
    """
    charts = ChartScripts()
    figures: dict[str, str] = {}
    types: set[str] = set()
    views = [("overview", s) for s in report.overview_sections]
    views += [(c.id, s) for c in report.commodities for s in c.sections]
    for prefix, s in views:
        for i, b in enumerate(s.blocks):
            if b.kind == "figure" and b.peek() is not None:
                piece = b.rendered if isinstance(b.rendered, FigurePiece) else figure_piece(b.figure)
                figures[f"{prefix}/{s.id}/{i}"] = charts.place(piece, f"fig-{prefix}-{s.id}-{i}")
                types |= piece.types
    tpl = _env().get_template("report.html")
    css = (_TEMPLATES / "report.css").read_text("utf-8")
    page_js = (_TEMPLATES / "report.js").read_text("utf-8")
    bundle, js = _plotlyjs_for_types(types)
    store = CsvStore()
    return tpl.render(report=report, figures=figures, css=css, plotlyjs=js, plotly_bundle=bundle,
                      chart_js=charts.head_script(), page_js=page_js, csv_key=store.add,
                      csv_store=store.json, table_piece=_template_piece,
                      long_table=LONG_TABLE, symbols=METHOD_SYMBOLS)


def _template_piece(table, download: bool, piece: object = None) -> TablePiece:
    """The template's piece of a table: the block's own when it brings one (with the CSV when it is
    downloaded), else :func:`table_piece`."""
    if isinstance(piece, TablePiece) and (piece.csv_digest is not None or not download):
        return piece
    return table_piece(table, download)


def find_chromium(chromium: str | None = None) -> str | None:
    """The Chromium executable: the argument, ``$CRITMIN_CHROMIUM``, ``/usr/bin/chromium`` or one on
    ``PATH``; None when there is none."""
    for cand in (chromium, os.environ.get("CRITMIN_CHROMIUM"), "/usr/bin/chromium"):
        if cand and Path(cand).exists():
            return cand
    for name in ("chromium", "chromium-browser", "google-chrome"):
        hit = shutil.which(name)
        if hit:
            return hit
    return None


def html_to_pdf(html: str, out: str | Path, *, chromium: str | None = None,
                timeout: float = 180.0) -> Path:
    """Print HTML to PDF with headless Chromium (offline; a throw-away profile).

    Parameters
    ----------
    html : str
        The page.
    out : str or Path
        The PDF to write.
    chromium : str, optional
        Executable (default :func:`find_chromium`).
    timeout : float
        Seconds before giving up [s].

    Raises
    ------
    ReportError
        When Chromium is missing, fails or writes no PDF.
    """
    exe = find_chromium(chromium)
    if exe is None:
        raise ReportError("PDF needs Chromium: install it (e.g. 'apt-get install chromium') or "
                          "pass its path; the HTML report needs nothing")
    from critmin._atomic import atomic_path, check_target

    out = check_target(Path(out).resolve())
    with tempfile.TemporaryDirectory(prefix="critmin-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        printed = Path(tmp) / "report.pdf"
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
               "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
               "--virtual-time-budget=30000", "--window-size=1200,1600",
               f"--print-to-pdf={printed}", page.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ReportError(f"Chromium failed to print the PDF: {exc}") from exc
        if proc.returncode != 0 or not printed.exists() or printed.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-3:]
            raise ReportError(f"Chromium did not write {out} (exit {proc.returncode}): "
                              + " | ".join(tail))
        with atomic_path(out) as target:
            shutil.copyfile(printed, target)
    return out
