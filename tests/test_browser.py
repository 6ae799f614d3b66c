"""One real-browser test: the report file and the running dashboard in headless Chromium (Playwright
driving the system's /usr/bin/chromium, never a downloaded browser), offline: every request that is not
the file itself, a data:/blob: URI or the local dashboard is blocked and fails the test. Screenshots go
to ``$CRITMIN_SCREENSHOTS`` (default: a temporary folder)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the "
                "browser test",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright (python) is not installed: pip install -e '.[dev]'")


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("CRITMIN_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    from critmin.warehouse import open_warehouse

    path = tmp_path_factory.mktemp("browser") / "w.duckdb"
    open_warehouse(path).close()
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


class Offline:
    """A page whose requests outside ``allowed`` are aborted and recorded, with console errors."""

    def __init__(self, browser, allowed: tuple[str, ...], viewport=(1280, 900)) -> None:
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                       service_workers="block")
        self.ctx.route("**/*", self._route(allowed))
        self.page = self.ctx.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on("response", lambda r: self.failed.append(f"{r.url} HTTP {r.status}")
                     if r.status >= 400 else None)

    def _route(self, allowed):
        def handle(route):
            url = route.request.url
            if url.startswith(allowed):
                route.continue_()
            else:
                self.blocked.append(url)
                route.abort()
        return handle

    def check(self) -> None:
        assert not self.blocked, f"requests left the machine: {self.blocked[:5]}"
        failed = [f for f in self.failed if "ERR_ABORTED" not in f or "_stcore/stream" not in f]
        assert not failed, failed[:5]
        bad = [e for e in self.errors if "Failed to load" in e or "net::" in e or "ERR_" in e]
        assert not bad, bad[:5]

    def close(self) -> None:
        self.ctx.close()


# --------------------------------------------------------------------------- report
@pytest.fixture(scope="module")
def report_file(db, tmp_path_factory) -> tuple[Path, int, dict[str, bytes]]:
    from critmin.report import build_report, write_report
    from critmin.warehouse import open_warehouse

    with open_warehouse(db) as wh:  # three commodities keep the test fast; all charts kinds appear
        rep = build_report(["rare-earths", "gallium", "cobalt"], warehouse=wh)
        path = write_report(tmp_path_factory.mktemp("report") / "report.html", rep)
    n_figures = (sum(len(s.figures) for c in rep.commodities for s in c.sections)
                 + sum(len(s.figures) for s in rep.overview_sections))
    # what each download must hold: Table.to_csv with the UTF-8 byte-order mark, byte for byte
    tabs = ([t for c in rep.commodities for s in c.sections for t in s.tables]
            + [t for s in rep.overview_sections for t in s.tables]
            + [rep.overview, rep.sources, rep.assumptions])
    return path, n_figures, {t.filename: t.to_csv(bom=True).encode("utf-8") for t in tabs}


def test_report_renders_offline(browser, report_file, shots):
    path, n_figures, csv_files = report_file
    o = Offline(browser, ("file:", "data:", "blob:"), viewport=(1280, 1000))
    try:
        o.page.goto(path.as_uri(), wait_until="load")
        o.page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {2 * n_figures}",
            timeout=30_000)  # plotly draws two main-svg layers per chart
        assert o.page.locator(".js-plotly-plot").count() == n_figures
        # each chart drew data: bars, areas or lines
        drawn = o.page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].filter(
            d => d.querySelector('.cartesianlayer g.trace path')).length""")
        assert drawn == n_figures
        assert o.page.locator("a.csv").count() > 10
        o.page.screenshot(path=str(shots / "report_01_cover_overview.png"))
        for i, (anchor, name) in enumerate((
                ("#c-rare-earths", "rare_earths_summary"),
                ("#rare-earths-shares", "rare_earths_shares"),
                ("#rare-earths-concentration", "rare_earths_hhi"),
                ("#rare-earths-world", "rare_earths_world_production"),
                ("#rare-earths-reserves", "rare_earths_reserves"),
                ("#rare-earths-reliance", "rare_earths_us_reliance"),
                ("#rare-earths-import_sources", "rare_earths_us_import_sources"),
                ("#rare-earths-dependence", "rare_earths_trade_dependence"),
                ("#rare-earths-monitor", "rare_earths_export_signals"),
                ("#gallium-monitor", "gallium_export_signals"),
                ("#rare-earths-scenarios", "rare_earths_disruption_scenarios"),
                ("#rare-earths-criticality", "rare_earths_criticality"),
                ("#overview-criticality_matrix", "criticality_matrix"),
                ("#overview-monitor_scan", "export_signal_scan"),
                ("#c-cobalt", "cobalt_summary"),
                ("#appendix", "appendix"),
        ), start=2):
            if not o.page.locator(anchor).count():  # a later analysis not in this version
                continue
            o.page.evaluate(f"document.querySelector('{anchor}').scrollIntoView()")
            o.page.evaluate("window.scrollBy(0, -50)")
            o.page.wait_for_timeout(150)
            o.page.screenshot(path=str(shots / f"report_{i:02d}_{name}.png"))
        # CSV downloads work without network: each link's file (stored gzip-compressed, unpacked by the
        # browser on click) is exactly the table's CSV, under the link's file name, on every click
        names = o.page.eval_on_selector_all("a.csv[download]", "els => els.map(a => a.download)")
        assert sorted(names) == sorted(csv_files)
        biggest = max(csv_files, key=lambda n: len(csv_files[n]))
        for name in ("rare-earths_producers_2025.csv", biggest, "rare-earths_producers_2025.csv",
                     "critmin_assumptions.csv" if "critmin_assumptions.csv" in csv_files else biggest):
            link = o.page.locator(f'a.csv[download="{name}"]')
            link.scroll_into_view_if_needed()
            with o.page.expect_download() as dl:
                link.click()
            assert dl.value.suggested_filename == name
            raw = Path(dl.value.path()).read_bytes()
            assert raw == csv_files[name], name
        text = csv_files["rare-earths_producers_2025.csv"].decode("utf-8")
        assert text.startswith("\ufeffcountry,name,quantity_t,share")  # a BOM: Excel reads UTF-8
        o.check()
    finally:
        o.close()


# --------------------------------------------------------------------------- dashboard
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard(db, tmp_path_factory):
    pytest.importorskip("streamlit", reason="the dashboard extra is not installed: pip install -e '.[dev]'")
    from critmin.dashboard import streamlit_command

    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    env = {**os.environ, "CRITMIN_DB": str(db), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with open(log, "w") as fh:
        proc = subprocess.Popen(streamlit_command(port, python=sys.executable), env=env,
                                stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


PAGES = [("", "home"), ("Supply", "supply"), ("Dependence", "dependence"), ("Monitor", "monitor"),
         ("Scenarios", "scenarios"), ("Stockpile", "stockpile"), ("Criticality", "criticality")]


def test_dashboard_pages_render_offline(browser, dashboard, shots):
    from critmin.report.sections import pending

    o = Offline(browser, (dashboard, "data:", "blob:"), viewport=(1400, 1800))
    try:
        # open the app once, then move between pages through the sidebar, as a user does (loading
        # /Page directly makes Streamlit probe /Page/_stcore/... before the root: local 404s)
        o.page.goto(dashboard, wait_until="domcontentloaded")
        for i, (path, name) in enumerate(PAGES, start=1):
            o.page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)
            if path:
                o.page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').click()
                o.page.wait_for_url(f"**/{path}", timeout=30_000)
            else:
                o.page.wait_for_selector('[data-testid="stSidebar"]', timeout=30_000)
            if name in ("supply", "dependence") or (name in ("monitor", "scenarios", "criticality")
                                                     and not pending(path)):
                o.page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
                n = 1 if name in ("criticality", "monitor") else 2
                o.page.wait_for_function(
                    f"document.querySelectorAll('.js-plotly-plot').length >= {n}", timeout=90_000)
            elif name == "home":
                o.page.wait_for_selector('[data-testid="stTable"]', timeout=30_000)
            elif pending(path):
                o.page.get_by_text("not yet available in this version").first.wait_for(
                    timeout=30_000)
            o.page.wait_for_timeout(1200)  # let the last charts and tables settle
            running = o.page.locator('[data-testid="stStatusWidget"]')
            if running.count():
                running.first.wait_for(state="hidden", timeout=30_000)
            assert not o.page.locator('[data-testid="stException"]').count(), name
            o.page.screenshot(path=str(shots / f"dashboard_{i:02d}_{name}.png"))
            if name == "monitor" and not pending(path):  # the export-signal scan, further down
                scan = o.page.get_by_text("Export-signal scan since").first
                scan.scroll_into_view_if_needed(timeout=30_000)
                o.page.wait_for_timeout(300)
                o.page.screenshot(path=str(shots / f"dashboard_{i:02d}_{name}_scan.png"))
        o.check()
    finally:
        o.close()
