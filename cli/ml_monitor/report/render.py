"""The report model rendered as one self-contained HTML page.

Everything that comes from the data is escaped: Jinja's autoescape for the HTML, and
`script_json()` for the JSON the page script reads (so `</script>`, `<!--` and U+2028/2029
in a category name cannot end or change the script element). A Content-Security-Policy
allows only the page's own inline scripts (by hash) and no network at all, so even a
missed escape could not run injected script or fetch anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2

from ml_monitor import __version__
from ml_monitor.formatting import one_line, printable

_PKG = "ml_monitor.report"


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    """A file of the package's assets/ or templates/ folder, as text."""
    return resources.files(_PKG).joinpath(name).read_text(encoding="utf-8")


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN / inf become null (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def script_json(value: Any) -> str:
    """JSON that is safe as the text of a <script> element (also inside HTML attributes)."""
    text = json.dumps(_clean(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
                .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


CLIP_CHARS = 200


def clip(text: Any, limit: int = CLIP_CHARS) -> str:
    """A name or segment value from the data as the page shows it: on one line, control
    characters, line separators and bidirectional overrides written as escapes (one_line: `em\\nea`,
    not two values run together, and no override reversing what follows), in at most `limit`
    characters (a value of 10,000 characters would fill the screen), the rest cut with an
    ellipsis; the page keeps the whole value in the element's title (shown on hover)."""
    text = one_line("" if text is None else str(text))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def page_data(model: dict[str, Any]) -> dict[str, Any]:
    """The part of the model the page script needs to draw the plots."""
    # names from the data are shown in legends, hovers and axis labels: one_line, as in the page
    # (the script cuts them to its own length)
    drift, calibration = [], []
    for t in model["tables"]:
        drift += [{"id": d["id"], "status": d["status"],
                   "bins": [{**b, "bin": one_line(b["bin"]) if isinstance(b.get("bin"), str) else b.get("bin")}
                            for b in d["bins"]]} for d in t["drift"] if d["bins"]]
        calibration += [{"id": k["id"], "curves": [{"name": one_line(str(c["name"])), "points": c["points"]}
                                                   for c in k["curves"]]}
                        for k in t["calibration"] if k["curves"]]
    plots = [{"id": p["id"], "metric": p["metric"], "x_label": p["x_label"], "by_window": p["by_window"],
              "traces": [{**tr, "name": one_line(str(tr["name"]))} for tr in p["traces"]]} for p in model["plots"]]
    return {"plots": plots, "drift": drift, "calibration": calibration}


def render_html(model: dict[str, Any]) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=False, lstrip_blocks=False)
    env.filters["clip"] = clip
    env.filters["visible"] = lambda text: printable(str(text))   # a detail or dbt message: controls escaped
    template = env.from_string(asset("templates/report.html"))
    plotly_js = asset("assets/plotly-basic.min.js")
    report_js = asset("assets/report.js")
    for name, js in (("plotly", plotly_js), ("report", report_js)):
        low = js.lower()
        if "</script" in low or "<!--" in low:  # would end the inline script early
            raise ValueError(f"the {name} script cannot be inlined: it contains </script or <!--")
    csp = ("default-src 'none'; script-src " + _sha256(plotly_js) + " " + _sha256(report_js)
           + "; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
           "connect-src 'none'; base-uri 'none'; form-action 'none'")
    return template.render(r=model, css=asset("assets/report.css"), plotly_js=plotly_js,
                           report_js=report_js, data_json=script_json(page_data(model)),
                           csp=csp, version=__version__)
