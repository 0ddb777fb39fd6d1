"""End to end: a real dbt project on DuckDB (two `dbt build` runs, a category named
`<script>alert(1)</script>`), its history read back through dbt, the report written and opened
in real headless Chromium (Debian's `chromium`) driven over the DevTools protocol: no console
errors, plots drawn, failing checks listed, injected markup inert, no network.

The browser tests are skipped only when no chromium binary is installed (CI installs it:
`apt-get install -y chromium`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from ml_monitor.paths import package_root

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)
ARTIFACTS = Path(__file__).parent / "artifacts"
XSS = "<script>alert(1)</script>"

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install -y chromium); CI installs it",
)


# ---------------------------------------------------------------------------------------------
# a tiny DevTools-protocol client (websocket-client)


class Browser:
    def __init__(self, tmp: Path):
        import websocket  # websocket-client, a test dependency

        self.profile = tmp / "chromium-profile"
        self.profile.mkdir()
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-dev-shm-usage", "--remote-debugging-port=0",
             "--remote-allow-origins=*", f"--user-data-dir={self.profile}",
             "--window-size=1400,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not start (no DevToolsActivePort)")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        pages = []
        while not pages:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                    pages = [p for p in json.load(r) if p.get("type") == "page"]
            except OSError:
                if time.monotonic() > deadline:
                    self.close()
                    raise
            time.sleep(0.05)
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60,
                                              suppress_origin=True)
        self.timeout_error = websocket.WebSocketTimeoutException
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events:
                if e["method"] == method:
                    return e
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except self.timeout_error:
                break
            finally:
                self.ws.settimeout(60)
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(method)

    def js(self, expression: str, await_promise: bool = False):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=await_promise)
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def close(self):
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def open_report(path: Path, tmp: Path, screenshot: Path | None = None, probe: str | None = None) -> dict:
    """Open the report, draw every plot, and return what the page looked like (with `probe`, a JS
    expression returning JSON text evaluated on the drawn page, as page["probe"])."""
    b = Browser(tmp)
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            b.call(f"{domain}.enable")
        # runs before any script of the page: records a dialog or an injected script
        b.call("Page.addScriptToEvaluateOnNewDocument", source=(
            "window.__xss = [];"
            "window.alert = function (m) { window.__xss.push(String(m)); };"))
        b.call("Emulation.setDeviceMetricsOverride", width=1400, height=900,
               deviceScaleFactor=1, mobile=False)
        b.call("Page.navigate", url=path.resolve().as_uri())
        b.wait_event("Page.loadEventFired")
        deadline = time.monotonic() + 60
        while not b.js("!!(window.mlMonitorReport && window.mlMonitorReport.ready)"):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        b.js("window.mlMonitorReport && window.mlMonitorReport.renderAll()")
        while time.monotonic() < deadline:
            st = b.js("JSON.stringify(window.mlMonitorReport)")
            st = json.loads(st) if st else {}
            if st.get("errors") or st.get("rendered", 0) >= st.get("total", 0):
                break
            time.sleep(0.2)
        page = json.loads(b.js("""JSON.stringify({
            state: window.mlMonitorReport || null,
            xss: window.__xss,
            plotly: document.querySelectorAll('.js-plotly-plot').length,
            svgs: document.querySelectorAll('.js-plotly-plot svg.main-svg').length,
            points: document.querySelectorAll('.js-plotly-plot .scatterlayer .point').length,
            bars: document.querySelectorAll('.js-plotly-plot .barlayer .point').length,
            checks: Array.from(document.querySelectorAll('#failing article.check h3')).map(e => e.textContent),
            tiles: Object.fromEntries(Array.from(document.querySelectorAll('.tile')).map(t => [t.querySelector('.l').textContent, t.querySelector('.n').textContent])),
            text: document.body.innerText,
            scripts: Array.from(document.scripts).map(s => s.type + ':' + s.textContent.slice(0, 40)),
            gridCells: document.querySelectorAll('table.grid td.cell.st-fail').length,
            legendTexts: Array.from(document.querySelectorAll('.js-plotly-plot .legendtext')).map(e => e.textContent),
            tickTexts: Array.from(document.querySelectorAll('.js-plotly-plot .xtick text')).map(e => e.textContent),
            tables: Array.from(document.querySelectorAll('section[data-kind=table]')).map(s => s.dataset.table),
            extra_plots: document.querySelectorAll('div.plot[data-drift], div.plot[data-calibration]').length,
            rescoredNotes: Array.from(document.querySelectorAll('p.rescored')).map(e => e.textContent),
        })"""))
        if probe is not None:
            page["probe"] = json.loads(b.js(probe))
        if screenshot is not None:
            b.js("window.scrollTo(0, 0)")
            height = min(6000, int(b.js("document.documentElement.scrollHeight")))
            b.call("Emulation.setDeviceMetricsOverride", width=1400, height=height,
                   deviceScaleFactor=1, mobile=False)
            time.sleep(0.3)
            # lay every plot out again for the new window size before taking the picture
            b.js("Promise.all(Array.from(document.querySelectorAll('.js-plotly-plot'))"
                 ".map(d => Plotly.Plots.resize(d))).then(() => true)", await_promise=True)
            time.sleep(0.3)
            shot = b.call("Page.captureScreenshot", format="png")
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        # filters: only failing things, then only one monitor
        page["filter_fail"] = json.loads(b.js("""(() => {
            const s = document.getElementById('f-status'); s.value = 'fail';
            s.dispatchEvent(new Event('change'));
            const vis = sel => Array.from(document.querySelectorAll(sel)).filter(e => e.offsetParent !== null).length;
            const r = {plots: vis('[data-kind=plot]'), failPlots: vis('[data-kind=plot][data-status=fail]'),
                       checks: vis('[data-kind=check]')};
            s.value = ''; s.dispatchEvent(new Event('change'));
            r.allPlots = vis('[data-kind=plot]');
            const m = document.getElementById('f-monitor'); m.value = m.options[m.options.length - 1].value;
            m.dispatchEvent(new Event('change'));
            r.monitor = m.value;
            r.monitorPlots = Array.from(document.querySelectorAll('[data-kind=plot]'))
                .filter(e => e.offsetParent !== null).map(e => e.dataset.monitor);
            document.getElementById('f-reset').click();
            r.afterReset = vis('[data-kind=plot]');
            return JSON.stringify(r); })()"""))
        ev = b.events
        page["console_errors"] = [
            e["params"] for e in ev
            if (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
            or e["method"] == "Runtime.exceptionThrown"
            or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
        ]
        page["dialogs"] = [e["params"] for e in ev if e["method"] == "Page.javascriptDialogOpening"]
        page["requests"] = [e["params"]["request"]["url"] for e in ev
                            if e["method"] == "Network.requestWillBeSent"]
        return page
    finally:
        b.close()


def assert_clean(page: dict) -> None:
    # the monitor filter shows only that monitor's plots; reset shows them all again
    f = page["filter_fail"]
    assert f["monitorPlots"] and set(f["monitorPlots"]) == {f["monitor"]}
    assert f["afterReset"] == f["allPlots"] == page["state"]["total"] - page["extra_plots"]
    assert page["console_errors"] == []
    assert page["dialogs"] == []
    assert page["xss"] == []                  # alert() was never called
    assert page["state"]["errors"] == []
    assert page["state"]["total"] > 0
    assert page["state"]["rendered"] == page["state"]["total"]
    assert page["plotly"] == page["state"]["total"]
    assert page["svgs"] >= page["plotly"]
    # the page itself is the only thing loaded: no network, no CDN
    assert all(u.startswith(("file:", "data:", "blob:")) for u in page["requests"]), page["requests"]
    # only the page's three scripts: the data (JSON, not executed), plotly.js, the page script
    assert len(page["scripts"]) == 3
    assert page["scripts"][0].startswith("application/json:")


# ---------------------------------------------------------------------------------------------
# the real thing: a dbt project on DuckDB, two runs


DBT_PROJECT = """\
name: report_e2e
version: "1.0"
config-version: 2
profile: report_e2e
seed-paths: ["seeds"]
model-paths: ["models"]
on-run-end: ["{{ ml_monitor.record_observations(results) }}"]
seeds:
  report_e2e:
    predictions:
      +column_types: {score: double, category: varchar, region: varchar}
data_tests:
  +store_failures: true
"""

PROFILES = """\
report_e2e:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{db}"
      threads: 1
    empty:
      type: duckdb
      path: "{empty}"
      threads: 1
"""

SCHEMA = """\
seeds:
  - name: labels
  - name: predictions
    config:
      meta: {owner: "ml-team@example.com"}
    data_tests:
      - ml_monitor.calibration:
          arguments:
            labels: "{{ ref('labels') }}"
            join_key: id
            label_column: label
            score_column: score
            bins: 2
            max_ece: 0.95
            segment_by: [region]
    columns:
      - name: score
        data_tests:
          - ml_monitor.null_rate:
              arguments: {max_null_rate: 0.3, segment_by: [category]}
              config:
                meta: {owner: "alice@example.com", runbook: "https://wiki.example.com/runbooks/score"}
      - name: region
        data_tests:
          - ml_monitor.null_rate:
              arguments: {max_null_rate: 0.25}
              config:
                meta: {runbook: "javascript:alert(2)"}
      - name: category
        data_tests:
          - ml_monitor.null_rate:
              arguments: {max_null_rate: 0.5}
"""

RUN1 = f"""id,category,region,score
1,a,north,0.1
2,"{XSS}",north,0.2
3,b,south,0.3
4,a,south,0.4
5,b,,0.5
6,"{XSS}",north,0.6
"""
# run 2: the injected category loses its scores, region gets nulls (newly failing)
RUN2 = f"""id,category,region,score
1,a,north,0.1
2,"{XSS}",,
3,b,south,0.3
4,a,,0.4
5,b,,0.5
6,"{XSS}",north,
"""


def _dbt(args: list[str]) -> None:
    from dbt.cli.main import dbtRunner

    from ml_monitor.report.loader import release_duckdb

    try:
        res = dbtRunner().invoke([*args, "--quiet", "--log-level", "none"])
    finally:
        release_duckdb()  # leave no DuckDB file open in this process for other tests
    # `dbt build` is unsuccessful when a test fails: expected here; an error is not
    assert res.exception is None, res.exception
    for r in getattr(res.result, "results", None) or []:
        assert str(r.status) in ("success", "pass", "fail", "warn"), (r.node.unique_id, r.message)


@pytest.fixture(scope="module")
def dbt_project(tmp_path_factory):
    """The tiny project, built twice: run 1 passes everywhere, run 2 fails two checks."""
    root = tmp_path_factory.mktemp("report_project")
    (root / "seeds").mkdir()
    (root / "models").mkdir()
    (root / "dbt_project.yml").write_text(DBT_PROJECT)
    (root / "profiles.yml").write_text(PROFILES.format(db=root / "e2e.duckdb",
                                                      empty=root / "empty.duckdb"))
    (root / "packages.yml").write_text(f"packages:\n  - local: {package_root()}\n")
    (root / "models" / "schema.yml").write_text(SCHEMA)
    base = ["--profiles-dir", str(root), "--project-dir", str(root)]
    _dbt(["deps", *base])
    (root / "seeds" / "labels.csv").write_text("id,label\n1,0\n2,1\n3,0\n4,1\n5,1\n6,0\n")
    for data in (RUN1, RUN2):
        (root / "seeds" / "predictions.csv").write_text(data)
        _dbt(["build", *base])
        time.sleep(1.1)  # run_started_at has second precision: keep the two runs apart
    return root


def test_load_history_through_dbt(dbt_project):
    from ml_monitor.report.loader import load_history

    root = dbt_project
    h = load_history(root, profiles_dir=root, days=None)
    df = h.frame
    assert h.project == "report_e2e"
    assert df["invocation_id"].nunique() == 2
    assert df["test_unique_id"].nunique() == 4
    # 3 null_rate tests; score has overall + 3 categories: 6 rows per run
    assert len(df[df["monitor"] == "null_rate"]) == 2 * 6
    last = df[df["run_started_at"] == df["run_started_at"].max()]
    xss = last[last["segment_value"] == XSS].iloc[0]
    assert xss["status"] == "fail" and xss["value"] == 1.0 and xss["sample_size"] == 2
    region = last[last["column_name"] == "region"].iloc[0]
    assert region["value"] == pytest.approx(3 / 6) and region["threshold"] == 0.25
    assert df["run_started_at"].notna().all() and df["window_end"].isna().all()
    # owners and runbooks from the manifest: the test's meta, else the seed's
    by_col = {uid.split(".")[2]: m for uid, m in h.checks_meta.items()}
    score = next(m for k, m in by_col.items() if "predictions_score" in k)
    cat = next(m for k, m in by_col.items() if "predictions_category" in k)
    assert score["owner"] == "alice@example.com"
    assert score["runbook"] == "https://wiki.example.com/runbooks/score"
    assert cat["owner"] == "ml-team@example.com" and cat["runbook"] is None
    assert score["severity"] == "error"

    # the calibration test's reliability table, computed with its own arguments on run 2's
    # data: labelled rows with a score are ids 1, 3, 4, 5 (scores .1 .3 .4 .5, labels 0 0 1 1),
    # all in the first of 2 right-closed bins (0, 0.5]; region north holds id 1 only
    ((uid, rel),) = h.reliability.items()
    assert "calibration" in uid
    overall = [r for r in rel if r["segment_column"] is None]
    assert len(overall) == 1
    assert overall[0]["bin"] == 0 and overall[0]["n_rows"] == 4
    assert overall[0]["mean_score"] == pytest.approx((0.1 + 0.3 + 0.4 + 0.5) / 4, abs=1e-12)
    assert overall[0]["fraction_positive"] == pytest.approx(2 / 4, abs=1e-12)
    north = next(r for r in rel if r["segment_value"] == "north")
    assert north["mean_score"] == pytest.approx(0.1) and north["fraction_positive"] == 0.0
    # the same table travels in the calibration observation's facts, read back through dbt
    from ml_monitor.schema import parse_facts
    ece = last[(last["metric"] == "ece") & last["segment_column"].isna()].iloc[0]
    (b,) = parse_facts(ece["facts"])["reliability"]
    assert (b["bin"], b["n"]) == (0, 4) and (b["lower"], b["upper"]) == (0.0, 0.5)
    assert b["mean_score"] == pytest.approx((0.1 + 0.3 + 0.4 + 0.5) / 4, abs=1e-12)
    assert b["fraction_positive"] == pytest.approx(2 / 4, abs=1e-12)
    # null_rate has no facts of its own: only the lineage the history hook adds (issue #18)
    assert all(set(parse_facts(f)) == {"lineage"} for f in df[df["monitor"] == "null_rate"]["facts"])

    # --select keeps only the rows of the selected tests (dbt selection syntax)
    sel = load_history(root, profiles_dir=root, days=None,
                       select="ml_monitor_null_rate_predictions_region__0_25")
    assert set(sel.frame["column_name"]) == {"region"} and len(sel.frame) == 2
    # --days: a period that starts after the runs holds nothing
    old = load_history(root, profiles_dir=root, days=1, now=dt.datetime(2100, 1, 1))
    assert len(old.frame) == 0


def test_missing_history_table_is_a_clear_error(dbt_project, tmp_path):
    from ml_monitor.report import ReportError, build_report

    root = dbt_project
    with pytest.raises(ReportError, match="(?s)ml_monitor_observations does not exist yet.*"
                                          "run `dbt build`.*Table with name"):
        build_report(root, profiles_dir=root, target="empty", out=tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(ReportError, match="no dbt_project.yml"):
        build_report(tmp_path, out=tmp_path / "r.html")


@needs_chromium
def test_report_from_dbt_history_in_chromium(dbt_project, tmp_path):
    from ml_monitor.report import build_report

    root = dbt_project
    out = tmp_path / "report.html"
    result = build_report(root, profiles_dir=root, out=out, days=30)

    assert result.path == out.resolve() and out.is_file()
    assert result.runs == 2
    assert result.checks == 4
    # run 2: score fails for the injected category; region 3/6 null > 0.25; category passes
    assert result.failing == 2
    assert result.newly_failing == 2       # both passed in run 1
    assert result.resolved == 0
    assert result.size_bytes < 2_000_000

    html = out.read_text(encoding="utf-8")
    assert XSS not in html                                     # never raw in the file
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html     # escaped as text
    assert 'href="javascript:' not in html                    # unsafe runbook is text only

    shot = ARTIFACTS / "report.png"
    page = open_report(out, tmp_path, screenshot=shot)
    assert_clean(page)
    assert shot.is_file() and shot.stat().st_size > 10_000
    # the category name is shown as text: in the failing check's table and in a plot legend
    assert XSS in page["text"]
    assert f"category = {XSS}" in page["legendTexts"]
    names = page["checks"]
    assert len(names) == 2
    assert any("null_rate_predictions_score" in n for n in names)
    assert any("null_rate_predictions_region" in n for n in names)
    assert page["tiles"]["failing now"] == "2"
    assert page["tiles"]["newly failing"] == "2"
    assert page["tiles"]["checks run"] == "4"
    assert "alice@example.com" in page["text"]
    assert "https://wiki.example.com/runbooks/score" in page["text"]
    # one plot per (test, column, metric): 3 null_rate plots, ece and label_coverage of the
    # calibration test, each with points for both runs; and the reliability curves
    assert page["plotly"] == 6
    assert page["points"] >= 5 * 2
    assert page["tables"] == ["predictions"]
    assert page["gridCells"] >= 2
    assert page["filter_fail"]["plots"] == page["filter_fail"]["failPlots"] == 2
    assert page["filter_fail"]["allPlots"] == 5


@needs_chromium
def test_report_with_drift_and_performance_in_chromium(tmp_path):
    from ml_monitor.report import write_report
    from test_report import synthetic_history  # noqa: E402 (same folder)

    frame, meta, now = synthetic_history()
    out = tmp_path / "synthetic.html"
    result = write_report(frame, out, checks_meta=meta, now=now, days=30)
    shot = ARTIFACTS / "report_synthetic.png"
    page = open_report(out, tmp_path, screenshot=shot)
    assert_clean(page)
    assert result.failing == len(page["checks"]) >= 2
    # drift bins (bars, reference and current: the 3 bins of country's facts; amount's rows
    # have no facts, its detail is not parsed) and a calibration curve were drawn
    assert page["bars"] == 2 * 3
    assert XSS in page["tickTexts"]
    assert any("psi_drift" in n for n in page["checks"])


def test_estimated_performance_band_and_realized_in_chromium(tmp_path):
    from ml_monitor.report import write_report
    from test_report import NOW, cbpe_history  # noqa: E402 (same folder)

    out = tmp_path / "cbpe.html"
    write_report(cbpe_history(), out, now=NOW, days=30)
    page = open_report(out, tmp_path)
    assert page["console_errors"] == [] and page["state"]["errors"] == []
    assert page["state"]["total"] == page["state"]["rendered"] == 1
    # the estimate, its band and the realized series in one plot
    assert {"overall", "overall band", "overall realized"} <= set(page["legendTexts"])


@needs_chromium
def test_report_by_window_in_chromium(tmp_path):
    """A `windows: N` series with a window re-scored by late labels, drawn by window."""
    from ml_monitor.report import write_report
    from test_report import windowed_history  # noqa: E402 (same folder)

    frame = windowed_history()
    # the newest window breaches too, so the plot is among those that need attention (unfolded)
    newest = (frame["window_start"] == dt.datetime(2026, 1, 29)) & frame["segment_value"].isna()
    frame.loc[newest, ["value", "status", "test_status"]] = [0.55, "fail", "fail"]
    out = tmp_path / "windows.html"
    write_report(frame, out, now=dt.datetime(2026, 1, 30, 12), days=30)
    page = open_report(out, tmp_path, screenshot=ARTIFACTS / "report_windows.png")
    assert_clean(page)
    # the superseded value is drawn as its own faint marker trace, with the failing windows
    assert "superseded (re-scored)" in page["legendTexts"] and "failing" in page["legendTexts"]
    (note,) = page["rescoredNotes"]
    assert note.startswith("1 window re-scored by a later run")
    # x = window: the ticks are the windows' dates, not the two run times
    assert any("Jan 22" in t or "Jan 23" in t for t in page["tickTexts"]), page["tickTexts"]


@needs_chromium
def test_a_plot_of_one_x_value_shows_a_day_not_milliseconds(tmp_path):
    """Every run evaluated the same window (a fixed as_of, or a schedule that re-ran it): one x
    value. Plotly alone zooms to a second around it and labels ticks in milliseconds."""
    from ml_monitor.report import write_report
    from test_report import _row  # noqa: E402 (same folder)

    start, end = dt.datetime(2026, 1, 30), dt.datetime(2026, 1, 31)
    rows = [dict(_row(r, "null_rate_x", "null_rate", "x", "null_rate", 0.2, 0.05, "fail",
                      test_status="fail"), window_start=start, window_end=end) for r in range(2)]
    out = tmp_path / "one_x.html"
    write_report(pd.DataFrame(rows), out, now=dt.datetime(2026, 1, 31, 12), days=30)
    page = open_report(out, tmp_path)
    assert_clean(page)
    ticks = page["tickTexts"]
    assert any("Jan 30" in t for t in ticks), ticks
    assert not any(re.search(r"\d\d:\d\d:\d\d\.\d|\d\.\d{3}$", t) for t in ticks), ticks


# what Plotly drew in one plot: its traces (name, x, y, error bars) and the SVG elements
PLOT_PROBE = """(() => {
    const div = Array.from(document.querySelectorAll('[data-kind=plot]'))
        .find(c => c.querySelector('h4').textContent.endsWith('%s')).querySelector('div.plot');
    return JSON.stringify({
        traces: div.data.map(t => ({name: t.name === undefined ? null : t.name, x: t.x, y: t.y, fill: t.fill || null,
                                    error_y: t.error_y ? {array: t.error_y.array, arrayminus: t.error_y.arrayminus} : null,
                                    symbol: t.marker ? t.marker.symbol || null : null})),
        errorbars: div.querySelectorAll('.scatterlayer .errorbar').length,
        fills: Array.from(div.querySelectorAll('.scatterlayer path.js-fill')).filter(p => (p.getAttribute('d') || '').length > 0).length,
        rings: div.querySelectorAll('.scatterlayer .trace:last-child .point').length,
        note: (div.parentElement.querySelector('p.anomaly-note') || {}).textContent || null,
        card: div.parentElement.querySelector('p.muted.small').textContent,
        triggers: Array.from(document.querySelectorAll('#triggers [data-trigger]')).map(e => [e.dataset.trigger, e.dataset.state]),
        triggerWindows: Array.from(document.querySelectorAll('#triggers .trigger-windows tbody tr')).map(e => e.cells[0].textContent),
        triggerText: (document.getElementById('triggers') || {}).innerText || null});
})()"""


@needs_chromium
def test_anomaly_expected_band_in_chromium(tmp_path):
    """The plot of a metric with `<metric>_anomaly` rows draws, per tested window, the expected value
    with its range (error bars, and the band between consecutive tested windows) and rings the
    anomalous window; the numbers drawn are the anomaly rows' facts (the lower bound of a rate
    clipped to 0 by the SQL)."""
    from ml_monitor.report import write_report
    from test_report import XSS as _XSS, anomaly_history, trigger_rows  # noqa: E402 (same folder)

    frame = anomaly_history()
    exp = frame.attrs["expected"]
    out = tmp_path / "anomaly.html"
    now = dt.datetime(2026, 1, 30, 12)
    # with the retraining triggers of the state file (as api.list_triggers returns them)
    write_report(frame, out, now=now, days=30, triggers=trigger_rows(now))
    page = open_report(out, tmp_path, screenshot=ARTIFACTS / "report_anomaly.png",
                       probe=PLOT_PROBE % "income · null_rate")
    assert_clean(page)
    probe = page["probe"]
    traces = {t["name"]: t for t in probe["traces"]}
    tested = ["2026-01-27 00:00:00", "2026-01-28 00:00:00", "2026-01-29 00:00:00"]
    for name, seg in (("overall", None), ("region = emea", "emea")):
        bars = traces[f"{name} expected"]
        assert bars["x"] == tested and bars["symbol"] == "line-ew-open"
        e = [exp[(seg, d)][0] for d in (27, 28, 29)]
        assert bars["y"] == pytest.approx(e, abs=1e-15)
        # error bars reach exactly the expected range [lower, upper] of each tested window
        assert [y + u for y, u in zip(bars["y"], bars["error_y"]["array"])] == \
            pytest.approx([exp[(seg, d)][2] for d in (27, 28, 29)], abs=1e-12)
        assert [y - d for y, d in zip(bars["y"], bars["error_y"]["arrayminus"])] == \
            pytest.approx([exp[(seg, d)][1] for d in (27, 28, 29)], abs=1e-12)
        band = traces[f"{name} expected range"]          # the filled upper edge of the band
        assert band["fill"] == "tonexty" and band["x"][-3:] == tested and band["y"][:-3] == [None] * 7
        assert band["y"][-3:] == pytest.approx([exp[(seg, d)][2] for d in (27, 28, 29)], abs=1e-15)
        # the band's lower edge is the unnamed trace drawn just before its filled upper edge
        lower_edge = probe["traces"][probe["traces"].index(band) - 1]
        assert lower_edge["name"] is None and lower_edge["y"][:-3] == [None] * 7
        assert lower_edge["y"][-3:] == pytest.approx([exp[(seg, d)][1] for d in (27, 28, 29)], abs=1e-15)
    # the overall rate's band: its lower edge is 0 where e - 3 sd was negative (clipped by the SQL)
    overall_lower = probe["traces"][probe["traces"].index(traces["overall expected range"]) - 1]
    assert overall_lower["y"][-3:-1] == [0.0, 0.0]
    # the anomalous window is ringed: Jan 29, overall, at its value 0.2
    ring = traces["anomalous window"]
    assert ring["x"] == ["2026-01-29 00:00:00"] and ring["y"] == [0.2] and ring["symbol"] == "circle-open"
    assert "anomalous window" in page["legendTexts"] and "overall expected range" in page["legendTexts"]
    # drawn in the SVG: one error bar per tested window and segment, the two bands' fills, one ring
    assert probe["errorbars"] == 2 * 3
    assert probe["fills"] >= 2
    assert probe["rings"] == 1
    assert "1 anomalous window" in probe["card"] and probe["note"].startswith("Anomaly rule")
    # the triggers section: the firing one with its two evidence windows, the one resolved in the
    # period; the data in it is text (the description holds markup; assert_clean: no script ran)
    assert probe["triggers"] == [["feature_drift", "firing"], ["auc_drop", "resolved"]]
    assert probe["triggerWindows"] == ["2026-01-30 00:00:00 → 2026-01-31 00:00:00 UTC",
                                       "2026-01-29 00:00:00 → 2026-01-30 00:00:00 UTC"]
    assert f"features drift {_XSS}" in probe["triggerText"] and "firing since" in probe["triggerText"]
