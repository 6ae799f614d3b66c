"""Rendering: the :class:`~critmin.report.Report` as one HTML page (jinja2 + plotly, plotly.js embedded
once) and HTML -> PDF through headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import jinja2
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from critmin.errors import CritminError
from critmin.report.charts import PLOTLY_CONFIG
from critmin.report.provenance import METHOD_SYMBOLS, md_inline, plain_urls

__all__ = ["render", "figure_html", "plotlyjs_for", "offline_js", "BASIC_TRACES", "html_to_pdf",
           "find_chromium", "ReportError", "CHROMIUM_FLAGS"]

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

    plotly.js carries default remote addresses that the report never uses (``topojsonURL``
    ``https://cdn.plot.ly/un/`` for map traces, ``plotlyServerURL`` for "Edit in Chart Studio", the
    logo's link) and links in its messages. Their scheme is removed, so each is at most a path relative
    to the page: a report opened offline cannot reach the network through them even if a future chart
    type asked. The XML namespaces (``http://www.w3.org/2000/svg`` ...) are names, kept as they are.

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
    from plotly.offline import get_plotlyjs_version

    types = {getattr(t, "type", None) or "scatter" for f in figures for t in f.data}
    if types <= BASIC_TRACES and BASIC_BUNDLE.exists():
        js = BASIC_BUNDLE.read_text("utf-8")
        if js[:200].split("\n")[1].rstrip().endswith(f" v{get_plotlyjs_version()}"):
            return "basic", js  # shipped already without web addresses (scripts/vendor_plotly_basic.py)
    return "full", offline_js(get_plotlyjs())


def figure_html(fig: go.Figure, div_id: str) -> str:
    """A figure as an HTML ``<div>`` plus its ``Plotly.newPlot`` call (no plotly.js)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config=PLOTLY_CONFIG, validate=False)


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
    figures: dict[str, str] = {}
    figs: list[go.Figure] = []
    for s in report.overview_sections:
        for i, b in enumerate(s.blocks):
            if b.kind == "figure" and b.figure is not None:
                figures[f"overview/{s.id}/{i}"] = figure_html(b.figure, f"fig-overview-{s.id}-{i}")
                figs.append(b.figure)
    for c in report.commodities:
        for s in c.sections:
            for i, b in enumerate(s.blocks):
                if b.kind == "figure" and b.figure is not None:
                    figures[f"{c.id}/{s.id}/{i}"] = figure_html(b.figure, f"fig-{c.id}-{s.id}-{i}")
                    figs.append(b.figure)
    tpl = _env().get_template("report.html")
    css = (_TEMPLATES / "report.css").read_text("utf-8")
    bundle, js = plotlyjs_for(figs)
    return tpl.render(report=report, figures=figures, css=css, plotlyjs=js, plotly_bundle=bundle,
                      long_table=LONG_TABLE, symbols=METHOD_SYMBOLS)


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
