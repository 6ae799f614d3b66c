"""Vendor plotly.js's "basic" bundle into the report templates, without web addresses.

    npm pack plotly.js-basic-dist-min@4.1.1          # on a machine with network access, once
    tar -xzf plotly.js-basic-dist-min-4.1.1.tgz
    python scripts/vendor_plotly_basic.py package/plotly-basic.min.js

The version must be the plotly.js version the plotly Python package embeds
(``plotly.offline.get_plotlyjs_version()``): the report falls back to the full bundle otherwise. The copy
goes through :func:`critmin.report.render.offline_js`, which removes the scheme of every web address but
the XML namespace names (the defaults ``topojsonURL`` and ``plotlyServerURL``, links in messages), so the
shipped file names nothing on the network. The MIT licence stays beside it
(``plotly-basic.LICENSE.txt``). Run by hand; never at build or run time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from critmin.report.render import BASIC_BUNDLE, offline_js


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    src = Path(argv[0])
    text = offline_js(src.read_text("utf-8"))
    BASIC_BUNDLE.write_text(text, "utf-8")
    print(f"wrote {BASIC_BUNDLE} ({len(text.encode()) / 1e6:.2f} MB) from {src}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
