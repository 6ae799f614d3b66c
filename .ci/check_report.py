"""CI: check the report that the README's first command wrote from an installed wheel.

Usage: python .ci/check_report.py report.html   (with the Python of the venv the wheel is installed in)

Checks, each printing what it found:
* the file is a complete HTML page that loads nothing from the network (no script, stylesheet or image
  from http(s));
* every downloadable table has its own file name (a section built twice repeats its downloads), and its
  file is stored in the page (gzip-compressed, base64) and unpacks to CSV with the UTF-8 byte-order mark;
* every disruption scenario shipped in the installed package appears once, and only once, in the summary
  card "What would a disruption cost?" of its commodity (issue 12 item 1: the scenarios of the checkout's
  examples/scenarios and of site-packages were listed twice);
* the embedded plotly.js draws every trace type the figures use (the report embeds plotly.js's smaller
  "basic" bundle when it can, issue 12 item 5): the bundle's trace modules against each figure's traces;
* the appendix shows no raw float (seven or more decimals, or e-notation such as 1e-12) and no doubled
  prefix ("assumption; assumption"), outside the CSV downloads (issue 12 item 5).
Exits 1 with the failures listed.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
import sys
import tomllib
from collections import Counter
from importlib import resources
from pathlib import Path


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _trace_types(page: str) -> set[str]:
    """The trace types of every ``Plotly.newPlot(id, data, layout, config)`` call of the page."""
    dec = json.JSONDecoder()
    types: set[str] = set()
    for m in re.finditer(r"Plotly\.newPlot\(\s*", page):
        try:
            _id, end = dec.raw_decode(page, m.end())
            end = page.index(",", end) + 1
            while page[end].isspace():
                end += 1
            data, _ = dec.raw_decode(page, end)
        except (ValueError, IndexError):
            continue
        types |= {str(t.get("type", "scatter")) for t in data if isinstance(t, dict)}
    return types


def main(path: str) -> int:
    from critmin.commodities import get

    page = Path(path).read_text("utf-8")
    size_mb = len(page.encode("utf-8")) / 1e6
    failures: list[str] = []

    if not page.rstrip().endswith("</html>"):
        failures.append("the page is incomplete (no closing </html>)")
    remote = re.findall(r"<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)=[\"'](?:https?:)?//[^\"']*", page)
    failures += [f"loads from the network: {r[:120]}" for r in remote]

    downloads = Counter(re.findall(r'download="([^"]+)"', page))
    failures += [f"download {name!r} appears {n} times" for name, n in downloads.items() if n > 1]

    # every download's file is stored once in the page (gzip + base64) and unpacks to CSV with the BOM
    links = re.findall(r'<a class="csv" download="([^"]+)" href="#" data-csv="([^"]+)"', page)
    if len(links) != sum(downloads.values()):
        failures.append(f"{sum(downloads.values()) - len(links)} download links without a stored CSV file")
    store_m = re.search(r'<script type="application/json" id="critmin-csv">(.*?)</script>', page, re.S)
    store = json.loads(store_m.group(1)) if store_m else {}
    if links and not store_m:
        failures.append('no stored CSV files (<script id="critmin-csv">)')
    for name, key in links:
        try:
            raw = gzip.decompress(base64.b64decode(store[key]))
        except (KeyError, ValueError, OSError) as exc:
            failures.append(f"download {name!r}: its file does not unpack ({exc!r})")
            continue
        if not raw.startswith(b"\xef\xbb\xbf") or b"\n" not in raw:
            failures.append(f"download {name!r}: not a CSV with the UTF-8 byte-order mark")

    # the commodities in the report and each one's disruption summary card
    articles = dict(re.findall(r'<article class="commodity" id="c-([\w-]+)">(.*?)</article>', page, re.S))
    if not articles:
        failures.append("no commodity section (<article class=\"commodity\" id=\"c-...\">) found")
    cards = {}
    for cid, body in articles.items():
        m = re.search(r'data-fact="disruption"[^>]*>(.*?)</div>', body, re.S)
        if m is None:
            failures.append(f"{cid}: no summary card data-fact=\"disruption\" (did the layout change? "
                            "update .ci/check_report.py)")
        else:
            cards[cid] = _text(m.group(1))

    shipped = sorted((p for p in resources.files("critmin").joinpath("scenarios").iterdir()
                      if p.name.endswith(".toml")), key=lambda p: p.name)
    checked = 0
    for f in shipped:
        spec = tomllib.loads(f.read_text("utf-8"))
        name, cid = spec["name"], get(spec["commodity"]).id
        if cid not in cards:
            continue
        n = cards[cid].count(name)
        checked += 1
        if n != 1:
            failures.append(f"{cid}: scenario {name!r} ({f.name}) appears {n} times in its summary card")
    if not checked:
        failures.append("no shipped scenario belongs to a commodity of the report: nothing was checked")

    # the plotly.js bundle draws every trace type of the figures
    lib = re.search(r'<script type="text/javascript" id="plotlyjs">(.*?)</script>', page, re.S)
    bundle_types: set[str] = set()
    if lib is None:
        failures.append("no embedded plotly.js (<script id=\"plotlyjs\">)")
    else:
        bundle_types = set(re.findall(r'moduleType:"trace",name:"([a-z0-9]+)"', lib.group(1)))
        rest = page[:lib.start()] + page[lib.end():]
        used = _trace_types(rest)
        missing = used - bundle_types if bundle_types else set()
        failures += [f"the embedded plotly.js has no {t!r} trace module (a figure uses it)"
                     for t in sorted(missing)]
        if not used:
            failures.append("no Plotly.newPlot call with traces found (did the layout change?)")

    # the appendix: formatted numbers, no doubled prefixes
    app = page[page.find('id="appendix"'):] if 'id="appendix"' in page else ""
    app_text = _text(re.sub(r"<script.*?</script>", "", re.sub(r'href="data:[^"]*"', "", app), flags=re.S))
    for pat, what in ((r"\d\.\d{7,}", "a raw float"), (r"\b\d(?:\.\d+)?e[-+]\d+\b", "e-notation"),
                      (r"\b(\w+); \1:", "a doubled prefix")):
        m = re.search(pat, app_text)
        if m:
            failures.append(f"appendix shows {what}: ...{app_text[max(0, m.start() - 60):m.end() + 20]}...")

    print(f"{path}: {size_mb:.1f} MB, {len(articles)} commodities, {len(downloads)} downloadable tables "
          f"({len(store)} distinct CSV files stored), {checked} of {len(shipped)} shipped scenarios in the "
          f"report, each checked to appear once in its card; {len(bundle_types)} plotly.js trace modules "
          "embedded")
    for msg in failures:
        print(f"FAIL: {msg}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
