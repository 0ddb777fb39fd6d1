"""Unit tests of the report: shaping of history rows, facts reading, escaping, rendering.

No dbt here: history rows are built in a DataFrame (`synthetic_history`), the way the
history table holds them, with drift, performance and calibration monitors.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html as html_lib
import json
import re

import pandas as pd
import pytest

from ml_monitor.report import write_report
from ml_monitor.report.loader import (
    checks_meta_from_manifest, frame_from_rows, history_sql, HISTORY_COLUMNS,
)
from ml_monitor.report.render import render_html, script_json
from ml_monitor.report.shaping import (
    facts_bins, facts_reliability, fmt_number, normalize, run_state, safe_url, shape_report,
)

XSS = "<script>alert(1)</script>"
NOW = dt.datetime(2026, 1, 31, 12, 0, 0)
RUNS = [NOW - dt.timedelta(days=4 - i, hours=1) for i in range(5)]   # 5 daily runs


def _row(run: int, test: str, monitor: str, column, metric, value, threshold, status,
         segment=(None, None), table="predictions", detail=None, n=1000, severity="error",
         test_status=None, baseline=None, window=True, facts=None):
    t = RUNS[run]
    return {
        "monitor": monitor, "column_name": column, "segment_column": segment[0],
        "segment_value": segment[1], "metric": metric, "value": value, "threshold": threshold,
        "baseline_value": baseline, "sample_size": n,
        "window_start": (t - dt.timedelta(days=1)) if window else None,
        "window_end": t if window else None,
        "status": status, "detail": detail, "facts": facts,
        "test_unique_id": f"test.proj.{test}.abc",
        "test_name": test, "model_name": table, "severity": severity,
        "test_status": test_status, "invocation_id": f"inv-{run}", "run_started_at": t,
        "observation_id": None,
    }


def synthetic_history():
    """5 runs of two tables with data-quality, drift, performance and calibration checks."""
    rows = []
    for r in range(5):
        # null rate of income rises; failing from run 2 on (3 runs); south fails from run 3
        overall = [0.01, 0.02, 0.08, 0.12, 0.15][r]
        st = "fail" if overall > 0.05 else "pass"
        ts = "fail" if r >= 2 else "pass"
        rows.append(_row(r, "null_rate_income", "null_rate", "income", "null_rate", overall, 0.05,
                         st, detail=f"{overall} null", test_status=ts))
        for seg, vals in (("north", [0.0, 0.01, 0.02, 0.03, 0.02]),
                          ("south", [0.02, 0.03, 0.04, 0.2, 0.3]),
                          (XSS, [0.0, 0.0, 0.3, 0.01, 0.01])):
            v = vals[r]
            rows.append(_row(r, "null_rate_income", "null_rate", "income", "null_rate", v, 0.05,
                             "fail" if v > 0.05 else "pass", segment=("region", seg),
                             test_status=ts))
        # a table-level freshness check without windows: always passing
        rows.append(_row(r, "freshness_predictions", "freshness", None, "age_hours", 2.0 + r,
                         24.0, "pass", window=False, test_status="pass"))
        # drift of a categorical column: fails in the last run only (newly failing)
        psi = [0.01, 0.02, 0.01, 0.05, 0.42][r]
        # facts as the macros write them (Spark spells 1.0E-4 where DuckDB writes 0.0001)
        bins = ('{"reference":{"baseline":null,"relation":null,"where":"s = \'ref\'"},'
                '"current_rows":1000,"bins":['
                '{"bin":"DE","index":1,"reference_n":50,"current_n":200,"reference":0.5,"current":0.2},'
                '{"bin":"FR","index":2,"reference_n":50,"current_n":500,"reference":0.5,"current":0.5},'
                '{"bin":' + json.dumps(XSS) + ',"index":0,"reference_n":0,"current_n":300,'
                '"reference":1.0E-4,"current":0.3}]}')
        rows.append(_row(r, "psi_drift_country", "psi_drift", "country", "psi", psi, 0.2,
                         "fail" if psi > 0.2 else "pass", facts=bins,
                         detail="psi 0.42 above 0.2; largest shift in bin 'DE': 50.00% -> 20.00%",
                         test_status="fail" if psi > 0.2 else "pass"))
        # drift of a numeric column recorded before facts existed: no bins
        rows.append(_row(r, "psi_drift_amount", "psi_drift", "amount", "psi", 0.05, 0.2, "pass",
                         detail="psi 0.05 within 0.2; largest shift in bin (10.5, 20.1]: "
                                "10.0% -> 15.0%",
                         test_status="pass"))
        rows.append(_row(r, "ks_drift_amount", "ks_drift", "amount", "ks", 0.02, 0.1, "pass",
                         test_status="pass"))
        # performance by segment: app degrades in runs 3 and 4 (severity warn)
        for seg, vals in ((None, [0.90, 0.90, 0.89, 0.85, 0.84]), ("web", [0.9] * 5),
                          ("app", [0.9, 0.9, 0.88, 0.70, 0.65])):
            v = vals[r]
            rows.append(_row(r, "performance_auc", "performance", "score", "roc_auc", v, 0.8,
                             "fail" if v < 0.8 else "pass", table="scores", severity="warn",
                             segment=(None, None) if seg is None else ("channel", seg),
                             test_status="warn" if r >= 3 else "pass"))
        # label coverage failed in run 3, passes again in run 4: resolved
        cov = [0.9, 0.9, 0.9, 0.4, 0.9][r]
        rows.append(_row(r, "label_coverage_scores", "label_coverage", None, "label_coverage",
                         cov, 0.5, "fail" if cov < 0.5 else "pass", table="scores",
                         test_status="fail" if cov < 0.5 else "pass"))
        # calibration with its reliability table in the facts (PostgreSQL spells 1e-05)
        rel = ('{"rows":1000,"labelled":1000,"used":1000,"reliability":['
               '{"bin":0,"lower":0.0,"upper":0.5,"n":400,"mean_score":0.2,"fraction_positive":0.25},'
               '{"bin":1,"lower":0.5,"upper":1.0,"n":600,"mean_score":0.7,"fraction_positive":1e-05}]}')
        rows.append(_row(r, "calibration_score", "calibration", "score", "ece", 0.05, 0.1,
                         "pass", table="scores", facts=rel, detail="ece 0.05 on 1000 labelled rows",
                         test_status="pass"))
        # volume with an empty window: no_data, dbt fails the test (fail_on_no_data)
        rows.append(_row(r, "volume_scores", "volume", None, "row_count", None, 100, "no_data",
                         table="scores", n=0, detail="no rows in window",
                         test_status="fail" if r == 4 else "pass") if r == 4 else
                    _row(r, "volume_scores", "volume", None, "row_count", 500, 100, "pass",
                         table="scores", test_status="pass"))
    frame = pd.DataFrame(rows)
    meta = _every_test({
        "test.proj.null_rate_income.abc": {"owner": "alice@example.com",
                                           "runbook": "https://wiki.example.com/income"},
        "test.proj.psi_drift_country.abc": {"owner": "bob", "runbook": "javascript:alert(2)"},
    }, frame)
    return frame, meta, NOW


def _every_test(meta, frame):
    """`meta` with every test of `frame`: the project's manifest has them all (a unique_id it
    lacks is a removed test, left out of the report)."""
    return {**{uid: {} for uid in frame["test_unique_id"].unique()}, **meta}


@pytest.fixture(scope="module")
def model():
    frame, meta, now = synthetic_history()
    return shape_report(frame, meta, now=now, days=30)


def _check(model, name):
    return next(c for c in model["checks"] if c["name"] == name)


# ---------------------------------------------------------------------------------------------
# checks and summary


def test_summary_counts(model):
    s = model["summary"]
    assert s["checks"] == 9
    assert s["runs"] == 5
    # null_rate_income, psi_drift_country, performance_auc (warn), volume_scores (no_data + dbt fail)
    assert s["failing"] == 4
    assert s["failing_warn"] == 1 and s["failing_error"] == 3
    assert s["newly_failing"] == 2          # psi_drift_country and volume_scores
    assert s["resolved"] == 1               # label_coverage_scores
    assert s["observations"] == 5 * 14
    assert s["last_run"] == "2026-01-31 11:00 UTC"
    assert s["oldest_failure"] == "2026-01-29 11:00:00"


def test_failing_since_and_streak(model):
    c = _check(model, "null_rate_income")
    assert c["state"] == "fail" and c["previous_state"] == "fail"
    assert not c["newly_failing"] and not c["resolved"]
    assert c["failing_runs"] == 3
    assert c["failing_since"] == "2026-01-29 11:00 UTC"
    assert c["last_pass"] == "2026-01-28 11:00 UTC"
    assert c["owner"] == "alice@example.com"
    assert c["runbook_url"] == "https://wiki.example.com/income"
    # failing observations of the latest run: overall and south (0.3), with their own streaks
    obs = {o["segment"]: o for o in c["failing_observations"]}
    assert set(obs) == {"overall", "region = south"}
    assert obs["region = south"]["failing_runs"] == 2
    assert obs["region = south"]["failing_since"] == "2026-01-30 11:00 UTC"
    assert obs["overall"]["failing_runs"] == 3
    assert obs["overall"]["value_text"] == "0.15"


def test_an_earlier_definition_of_a_test_is_not_a_second_check():
    # dbt gives a test a new unique_id when its arguments change: the old definition's rows stay
    # in the history under the same name; with the manifest, only the current one is shown
    frame, meta, now = synthetic_history()
    old = frame[(frame.test_name == "null_rate_income") & (frame.invocation_id.isin(["inv-0", "inv-1"]))].copy()
    old["test_unique_id"] = "test.proj.null_rate_income.old"
    old["value"] = 0.9
    gone = _row(0, "removed_test", "null_rate", "x", "null_rate", 0.5, 0.1, "fail", test_status="fail")
    both = pd.concat([frame, old, pd.DataFrame([gone])], ignore_index=True)
    plain = shape_report(frame, meta, now=now, days=30)
    shaped = shape_report(both, meta, now=now, days=30)
    names = [c["name"] for c in shaped["checks"]]
    assert names.count("null_rate_income") == 1
    assert len(shaped["checks"]) == len(plain["checks"])
    assert shaped["summary"]["superseded"] == ["null_rate_income"]
    # a test the project no longer has: not a check failing now (ml-monitor run resolved its alert)
    assert "removed_test" not in names and shaped["summary"]["removed"] == ["removed_test"]
    assert shaped["summary"]["failing"] == plain["summary"]["failing"]
    assert "removed_test not shown (no longer in the project)" in render_html(shaped)
    (plot,) = [p for p in shaped["plots"] if p["test_name"] == "null_rate_income"]
    overall = next(t for t in plot["traces"] if t["overall"])
    assert overall["y"] == [0.01, 0.02, 0.08, 0.12, 0.15] and 0.9 not in overall["superseded"]["y"]
    assert "earlier definitions of null_rate_income not shown" in render_html(shaped)
    # without a manifest nothing can be told apart: both definitions are shown
    unknown = shape_report(both, {}, now=now, days=30)
    assert [c["name"] for c in unknown["checks"]].count("null_rate_income") == 2
    assert unknown["summary"]["superseded"] == []


def test_an_earlier_definition_named_after_its_arguments_is_not_a_check_failing_now():
    """dbt's default test name spells the arguments (`..._income__0_01` -> `..._income__0_05`):
    the old definition, gone from the manifest, had another name and was shown as a second
    check, failing now, for 30 days after its threshold was raised to quiet it."""
    frame, meta, now = synthetic_history()
    old = frame[frame.test_name == "null_rate_income"].copy()
    old["test_unique_id"] = "test.proj.ml_monitor_null_rate_predictions_income__0_01.old"
    old["test_name"] = "ml_monitor_null_rate_predictions_income__0_01"
    old["value"], old["status"], old["test_status"] = 0.9, "fail", "fail"
    other = old.copy()                                 # a removed test of another column
    other["test_unique_id"], other["test_name"], other["column_name"] = "test.proj.gone.x", "gone_x", "x"
    plain = shape_report(frame, meta, now=now, days=30)
    shaped = shape_report(pd.concat([frame, old, other], ignore_index=True), meta, now=now, days=30)
    names = [c["name"] for c in shaped["checks"]]
    assert "ml_monitor_null_rate_predictions_income__0_01" not in names and "gone_x" not in names
    assert len(names) == len(plain["checks"])
    assert shaped["summary"]["failing"] == plain["summary"]["failing"]
    assert shaped["summary"]["superseded"] == ["ml_monitor_null_rate_predictions_income__0_01"]
    assert shaped["summary"]["removed"] == ["gone_x"]
    # rows recorded without a unique_id cannot be looked up in the manifest: they stay
    unnamed = other.copy()
    unnamed["test_unique_id"], unnamed["test_name"] = None, "unnamed_x"
    kept = shape_report(pd.concat([frame, unnamed], ignore_index=True), meta, now=now, days=30)
    assert "unnamed_x" in [c["name"] for c in kept["checks"]] and kept["summary"]["removed"] == []


def test_newly_failing_resolved_and_no_data(model):
    psi = _check(model, "psi_drift_country")
    assert psi["newly_failing"] and psi["failing_runs"] == 1
    assert psi["runbook_url"] is None and psi["runbook"] == "javascript:alert(2)"
    cov = _check(model, "label_coverage_scores")
    assert cov["resolved"] and cov["state"] == "pass" and cov["previous_state"] == "fail"
    vol = _check(model, "volume_scores")
    # every observation no_data, but dbt failed the test: failing, listing the no_data row
    assert vol["state"] == "fail" and vol["newly_failing"]
    assert [o["status"] for o in vol["failing_observations"]] == ["no_data"]
    perf = _check(model, "performance_auc")
    assert perf["severity"] == "warn" and perf["failing_runs"] == 2
    assert {o["segment"] for o in perf["failing_observations"]} == {"channel = app"}
    # failing first, errors before warnings
    states = [c["state"] for c in model["checks"]]
    assert states[:4] == ["fail"] * 4
    assert model["checks"][3]["severity"] == "warn"


def test_run_state():
    assert run_state(["pass", "fail"], "fail") == "fail"
    assert run_state(["pass", "no_data"], "fail") == "fail"      # fail_on_no_data
    assert run_state(["pass", "no_data"], "pass") == "pass"
    assert run_state(["no_data", "no_data"], None) == "no_data"
    assert run_state(["skipped"], "pass") == "skipped"
    assert run_state(["skipped", "no_data"], "pass") == "no_data"
    assert run_state(["pass"], "warn") == "fail"
    assert run_state([], None) == "pass"


# ---------------------------------------------------------------------------------------------
# plots, grids, drift, calibration


def test_plot_series(model):
    p = next(p for p in model["plots"] if p["monitor"] == "null_rate")
    assert p["title"] == "null_rate · income · null_rate"
    assert p["status"] == "fail"
    assert p["x_label"] == "window" and p["by_window"] and p["windows"] == 5
    names = [t["name"] for t in p["traces"]]
    # overall first, then failing segments, then the rest by name
    assert names == ["overall", "region = south", f"region = {XSS}", "region = north"]
    south = p["traces"][1]
    assert south["y"] == [0.02, 0.03, 0.04, 0.2, 0.3]
    assert south["threshold"] == [0.05] * 5
    assert south["status"] == ["pass", "pass", "pass", "fail", "fail"]
    assert south["x"][0] == "2026-01-26 11:00:00"          # the window's start
    assert south["window"][0] == "[2026-01-26 11:00:00, 2026-01-27 11:00:00)"
    assert p["failing_windows"] == 3 and p["rescored_windows"] == 0   # runs 2, 3, 4
    assert p["failing_segments"] == ["overall", "region = south"]
    # a monitor without windows is placed at the run time
    fresh = next(p for p in model["plots"] if p["monitor"] == "freshness")
    assert fresh["x_label"] == "run time" and fresh["column"] is None
    assert fresh["title"] == "freshness · (table) · age_hours"
    # every (check, column, metric) has one plot; failing plots first within a table
    assert len(model["plots"]) == 9
    pred = [p["status"] for p in model["plots"] if p["table"] == "predictions"]
    assert pred[:2] == ["fail", "fail"] and set(pred[2:]) == {"pass"}


def test_plot_same_window_in_every_run_is_one_point_with_superseded_values():
    """A fixed as_of: every run evaluates the same window; the plot is by window (one point, the
    latest evaluation, as in ml_monitor_metrics) and the earlier values are superseded points."""
    frame, meta, now = synthetic_history()
    frame["window_start"], frame["window_end"] = RUNS[0], RUNS[-1]
    frame.loc[frame["monitor"] == "freshness", ["window_start", "window_end"]] = None
    m = shape_report(frame, meta, now=now)
    assert {p["x_label"] for p in m["plots"] if p["monitor"] != "freshness"} == {"window"}
    p = next(p for p in m["plots"] if p["monitor"] == "null_rate")
    south = next(t for t in p["traces"] if t["name"] == "region = south")
    assert south["y"] == [0.3] and south["status"] == ["fail"]
    assert south["rescored_from"] == [0.2]
    assert south["superseded"]["y"] == [0.02, 0.03, 0.04, 0.2]
    assert p["rescored_windows"] == 1
    # evaluated again with the same value: not a re-score, nothing superseded
    ks = next(p for p in m["plots"] if p["monitor"] == "ks_drift")
    assert ks["traces"][0]["superseded"]["y"] == [] and ks["rescored_windows"] == 0
    assert ks["traces"][0]["rescored_from"] == [None]


# ---------------------------------------------------------------------------------------------
# series by window: `windows: N`, incremental runs, late labels re-scoring a past window

DAY = dt.timedelta(days=1)
AS_OF_1 = dt.datetime(2026, 1, 29)      # run 1: a backfill of 7 daily windows, Jan 22 .. Jan 28
AS_OF_2 = dt.datetime(2026, 1, 30)      # run 2: the new day Jan 29 and Jan 27, re-scored


def windowed_history() -> pd.DataFrame:
    """Two runs of a `performance` test with `windows: 7`, `fail_on: latest` (the default), as
    the hook writes them: run 1 evaluates 7 windows (Jan 23 breached, the newest passes);
    run 2, incremental, evaluates the new window Jan 29 and Jan 27, whose late labels changed
    the overall AUC from 0.81 to 0.66 (now failing) and emea's from 0.9 to 0.88."""
    auc1 = {22: 0.86, 23: 0.62, 24: 0.85, 25: 0.84, 26: 0.83, 27: 0.81, 28: 0.82}
    rows = []

    def row(run, as_of, day, seg, value):
        start = dt.datetime(2026, 1, day)
        return {"monitor": "performance", "column_name": "score",
                "segment_column": None if seg is None else "region", "segment_value": seg,
                "metric": "roc_auc", "value": value, "threshold": 0.7, "baseline_value": None,
                "sample_size": 100, "window_start": start, "window_end": start + DAY,
                "status": "fail" if value < 0.7 else "pass",
                "detail": f"roc_auc {value} on 100 labelled rows", "facts": None,
                "test_unique_id": "test.proj.perf_auc.abc", "test_name": "perf_auc",
                "model_name": "predictions", "severity": "error", "test_status": "pass",
                "invocation_id": f"inv-{run}", "run_started_at": as_of + dt.timedelta(hours=6),
                "observation_id": None, "as_of": as_of}

    for day, v in auc1.items():
        rows += [row(1, AS_OF_1, day, None, v), row(1, AS_OF_1, day, "emea", 0.9)]
    rows += [row(2, AS_OF_2, 27, None, 0.66), row(2, AS_OF_2, 27, "emea", 0.88),
             row(2, AS_OF_2, 29, None, 0.8), row(2, AS_OF_2, 29, "emea", 0.9)]
    return pd.DataFrame(rows)


def test_latest_evaluations_follow_the_metric_store_rule():
    from ml_monitor.report.shaping import latest_evaluations

    ev = latest_evaluations(normalize(windowed_history()))
    cur = ev[ev["is_current"]]
    # one row per (segment, window): 8 windows x 2 segments; Jan 27 from run 2
    assert len(cur) == 16
    assert not cur.duplicated(["segment_value", "window_start"]).any()
    j27 = cur[cur["window_start"] == pd.Timestamp("2026-01-27")].set_index("segment_value",
                                                                             drop=False)
    assert set(j27["invocation_id"]) == {"inv-2"}
    overall = j27[j27["segment_column"].isna()].iloc[0]
    assert overall["value"] == 0.66 and overall["previous_value"] == 0.81
    assert overall["is_rescored"] and overall["evaluations"] == 2
    # a window evaluated once is not re-scored
    assert not cur[cur["window_start"] == pd.Timestamp("2026-01-29")]["is_rescored"].any()
    # the superseded rows: run 1's Jan 27
    old = ev[~ev["is_current"]]
    assert set(old["window_start"]) == {pd.Timestamp("2026-01-27")} and len(old) == 2


def test_plot_by_window_with_failing_and_rescored_windows():
    m = shape_report(windowed_history(), now=dt.datetime(2026, 1, 30, 12), days=30)
    (p,) = m["plots"]
    assert p["x_label"] == "window" and p["by_window"] and p["windows"] == 8
    overall, emea = p["traces"]
    assert overall["name"] == "overall" and emea["name"] == "region = emea"
    # x = the window's start, one point per window, the latest evaluation of each
    assert overall["x"] == [f"2026-01-{d} 00:00:00" for d in range(22, 30)]
    assert overall["y"] == [0.86, 0.62, 0.85, 0.84, 0.83, 0.66, 0.82, 0.8]
    assert overall["status"] == ["pass", "fail", "pass", "pass", "pass", "fail", "pass", "pass"]
    assert overall["window"][-1] == "[2026-01-29 00:00:00, 2026-01-30 00:00:00)"
    # failing windows marked: Jan 23 (run 1) and Jan 27 (re-scored in run 2)
    assert p["failing_windows"] == 2
    # the re-scored window: its superseded value and the value it was re-scored from
    assert overall["rescored_from"] == [None] * 5 + [0.81, None, None]
    assert overall["superseded"]["x"] == ["2026-01-27 00:00:00"]
    assert overall["superseded"]["y"] == [0.81]
    assert overall["superseded"]["status"] == ["pass"]
    assert overall["superseded"]["replaced_by"] == [0.66]
    assert emea["superseded"]["y"] == [0.9] and emea["rescored_from"][5] == 0.9
    assert p["rescored_windows"] == 1
    # the newest window decides (fail_on: latest): the plot and the check pass, although
    # two earlier windows of the series failed
    assert p["status"] == "pass" and overall["latest_status"] == "pass"
    (check,) = m["checks"]
    assert check["state"] == "pass" and m["summary"]["failing"] == 0
    # the status grid shows the newest window of the latest run (not the re-scored Jan 27)
    (row,) = m["tables"][0]["grid"]["rows"]
    assert row["cells"][0]["status"] == "pass" and row["cells"][0]["text"] == "2 ok"
    html = render_html(m)
    assert "1 window re-scored by a later run" in html and "2 failing windows" in html
    assert "by window (8, x = window start)" in html


def test_windowed_check_fails_on_its_newest_window_or_dbt_status():
    frame = windowed_history()
    # the newest window breaches: the check fails, listing that window's rows only
    newest = (frame["invocation_id"] == "inv-2") & (frame["window_start"] == pd.Timestamp(
        "2026-01-29")) & frame["segment_value"].isna()
    frame.loc[newest, ["value", "status"]] = [0.5, "fail"]
    m = shape_report(frame, now=dt.datetime(2026, 1, 30, 12), days=30)
    (check,) = m["checks"]
    assert check["state"] == "fail"
    assert [o["window"] for o in check["failing_observations"]] == [
        "2026-01-29 00:00:00 → 2026-01-30 00:00:00 UTC"]
    # fail_on: any — dbt failed the test for an earlier window: the failing rows are listed
    frame = windowed_history()
    frame.loc[frame["invocation_id"] == "inv-2", "test_status"] = "fail"
    (check,) = shape_report(frame, now=dt.datetime(2026, 1, 30, 12), days=30)["checks"]
    assert check["state"] == "fail"
    assert [o["window"] for o in check["failing_observations"]] == [
        "2026-01-27 00:00:00 → 2026-01-28 00:00:00 UTC"]


def test_a_backfill_of_an_earlier_day_is_not_the_checks_latest_state():
    """Run 2 (as_of Jan 30) fails on its newest window, Jan 29. The missed day is then run late: a
    run started after run 2 with as_of Jan 29 (newest window Jan 28, passing). The check's state
    is that of the latest time evaluated, not of the run that started last: it fails now (it
    showed as resolved), and the grid shows Jan 29."""
    frame = windowed_history()
    newest = (frame["invocation_id"] == "inv-2") & (frame["window_start"] == pd.Timestamp(
        "2026-01-29")) & frame["segment_value"].isna()
    frame.loc[newest, ["value", "status"]] = [0.5, "fail"]
    backfill = frame[(frame["invocation_id"] == "inv-1") & (frame["window_start"] == pd.Timestamp(
        "2026-01-28"))].copy()
    backfill["invocation_id"] = "inv-3"
    backfill["as_of"] = AS_OF_2 - DAY
    backfill["run_started_at"] = AS_OF_2 + dt.timedelta(hours=8)     # after run 2
    m = shape_report(pd.concat([frame, backfill], ignore_index=True), now=dt.datetime(2026, 1, 30, 12), days=30)
    (check,) = m["checks"]
    assert check["state"] == "fail" and not check["resolved"]
    assert m["summary"]["failing"] == 1 and m["summary"]["resolved"] == 0
    assert [o["window"] for o in check["failing_observations"]] == [
        "2026-01-29 00:00:00 → 2026-01-30 00:00:00 UTC"]


def test_status_grid(model):
    t = next(t for t in model["tables"] if t["name"] == "predictions")
    grid = t["grid"]
    assert grid["monitors"] == ["null_rate", "freshness", "psi_drift", "ks_drift"]
    labels = [r["label"] for r in grid["rows"]]
    # the table-level row first; segments only where they are not all passing
    assert labels == ["(table)", "amount", "country", "income", "region = south"]
    income = grid["rows"][3]
    cell = income["cells"][0]
    assert cell["status"] == "fail" and cell["text"] == "2/4 fail"
    assert "null_rate [region = south]: 0.3 (threshold 0.05) fail" in cell["title"]
    assert cell["plot"] is not None
    assert income["cells"][grid["monitors"].index("psi_drift")] is None
    south = grid["rows"][4]
    assert south["level"] == 1
    assert south["cells"][0]["text"] == "0.3"
    assert t["state"] == "fail" and t["n_failing"] == 2 and t["n_checks"] == 5


def test_drift_panels_worst_first(model):
    t = next(t for t in model["tables"] if t["name"] == "predictions")
    d = t["drift"]
    assert [x["column"] for x in d] == ["country", "amount"]
    assert d[0]["bins_source"] == "facts" and d[0]["status"] == "fail"
    # every bin, in the facts' order, shares exactly as written (1.0E-4 read as 0.0001)
    assert [b["bin"] for b in d[0]["bins"]] == ["DE", "FR", XSS]
    assert d[0]["bins"][2] == {"bin": XSS, "reference": 0.0001, "current": 0.3,
                               "reference_n": 0, "current_n": 300}
    # amount: psi 0.05 / 0.2 = 0.25 is closer to its threshold than ks 0.02 / 0.1 = 0.2; its row
    # has no facts (recorded before they existed) and the detail is never parsed for bins
    assert d[1]["monitor"] == "psi_drift" and d[1]["bins_source"] is None and d[1]["bins"] == []
    assert d[0]["detail"] == "psi 0.42 above 0.2; largest shift in bin 'DE': 50.00% -> 20.00%"


def test_drift_panel_shows_the_failing_segment_when_only_a_segment_drifts():
    """The overall row passes (the drifting segment is a small share of the table): the panel
    draws the segment that fails, names it, and on the same status prefers the overall row."""
    bins = ('{"bins":[{"bin":"A","index":1,"reference_n":5,"current_n":9,"reference":0.5,'
            '"current":0.9},{"bin":"B","index":2,"reference_n":5,"current_n":1,"reference":0.5,'
            '"current":0.1}]}')
    rows = []
    for r in range(2):
        rows += [_row(r, "psi_drift_x", "psi_drift", "x", "psi", 0.05, 0.2, "pass", facts=bins),
                 _row(r, "psi_drift_x", "psi_drift", "x", "psi", 0.01, 0.2, "pass",
                      segment=("region", "eu"), facts=bins),
                 _row(r, "psi_drift_x", "psi_drift", "x", "psi", 0.9, 0.2,
                      "fail" if r else "pass", segment=("region", "apac"), facts=bins),
                 _row(r, "psi_drift_y", "psi_drift", "y", "psi", 0.01, 0.2, "pass", facts=bins),
                 _row(r, "psi_drift_y", "psi_drift", "y", "psi", 0.15, 0.2, "pass",
                      segment=("region", "apac"), facts=bins)]
    m = shape_report(pd.DataFrame(rows), {}, now=NOW, days=30)
    (t,) = m["tables"]
    x, y = t["drift"]
    assert (x["column"], x["segment"], x["status"], x["value_text"]) == ("x", "region = apac", "fail", "0.9")
    assert (y["column"], y["segment"], y["status"]) == ("y", "overall", "pass")
    html = render_html(m)
    assert "x · region = apac · psi 0.9" in html and "y · psi 0.01" in html


def test_calibration_panel(model):
    t = next(t for t in model["tables"] if t["name"] == "scores")
    (k,) = t["calibration"]
    assert k["segment"] == "overall" and k["value_text"] == "0.05"
    assert k["source"] == "facts"
    assert [p["predicted"] for p in k["points"]] == [0.2, 0.7]
    assert [p["observed"] for p in k["points"]] == [0.25, 1e-05]
    assert [p["bin"] for p in k["points"]] == ["(0, 0.5]", "(0.5, 1]"]
    assert [p["count"] for p in k["points"]] == [400, 600]


def test_calibration_from_reliability_table():
    # history rows recorded before facts existed: the loader's reliability table is used
    frame, meta, now = synthetic_history()
    frame["facts"] = None
    uid = "test.proj.calibration_score.abc"
    rows = [{"segment_column": None, "segment_value": None, "bin": b, "bin_lower": b / 10,
             "bin_upper": (b + 1) / 10, "n_rows": 10.0 * (b + 1), "mean_score": b / 10 + 0.05,
             "fraction_positive": b / 10 + 0.02} for b in (3, 0, 1)]
    rows.append({**rows[0], "segment_column": "channel", "segment_value": "web"})
    m = shape_report(frame, meta, now=now, reliability={uid: rows})
    (k,) = next(t for t in m["tables"] if t["name"] == "scores")["calibration"]
    assert k["source"] == "table"
    # only the segments with an observation in the latest run get a curve: here overall
    assert [c["name"] for c in k["curves"]] == ["overall"]
    pts = k["curves"][0]["points"]
    assert [p["bin"] for p in pts] == ["(0, 0.1]", "(0.1, 0.2]", "(0.3, 0.4]"]
    assert [p["observed"] for p in pts] == pytest.approx([0.02, 0.12, 0.32])
    assert [p["count"] for p in pts] == [10, 20, 40]


def test_facts_readers():
    facts = '{"bins":[{"bin":"(-inf, 1.5]","index":1,"reference":0.1,"current":2.5E-1,"reference_n":10,"current_n":25}]}'
    assert facts_bins(facts) == [{"bin": "(-inf, 1.5]", "reference": 0.1, "current": 0.25,
                                  "reference_n": 10, "current_n": 25}]
    # absent, null, NaN (pandas), not JSON, not an object, no bins: nothing
    for bad in (None, float("nan"), "{not json", "[1, 2]", '{"rows": 3}'):
        assert facts_bins(bad) == [] and facts_reliability(bad) == []
    rel = '{"reliability":[{"bin":3,"lower":0.3,"upper":0.4,"n":7,"mean_score":0.35,"fraction_positive":null}]}'
    assert facts_reliability(rel) == [{"bin": "(0.3, 0.4]", "predicted": 0.35, "observed": None,
                                       "count": 7}]


# ---------------------------------------------------------------------------------------------
# input hygiene


def test_normalize_dedupes_and_fills():
    frame, _, _ = synthetic_history()
    dup = pd.concat([frame, frame.iloc[:3]], ignore_index=True)
    dup = dup.drop(columns=["observation_id", "severity"])
    dup.loc[0, "status"] = " PASS "
    df = normalize(dup)
    assert len(df) == len(frame)
    assert set(df.columns) >= set(HISTORY_COLUMNS)
    assert df["status"].iloc[0] == "pass"
    assert df["severity"].isna().all()
    # a row without a run time cannot be placed: dropped
    frame.loc[0, "run_started_at"] = None
    assert len(normalize(frame)) == len(synthetic_history()[0]) - 1


def test_non_finite_values_render():
    frame, meta, now = synthetic_history()
    frame.loc[0, "value"] = float("inf")
    frame.loc[1, "value"] = float("nan")
    m = shape_report(frame, meta, now=now)
    p = next(p for p in m["plots"] if p["monitor"] == "null_rate")
    assert p["traces"][0]["y"][0] is None
    html = render_html(m)                       # no NaN/Infinity in the JSON
    data = re.search(r'id="report-data">(.*?)</script>', html, re.S).group(1)
    json.loads(data)
    assert fmt_number(float("inf")) == "∞" and fmt_number(None) == "–"
    assert fmt_number(1234567.0) == "1,234,567" and fmt_number(0.123456) == "0.1235"


def test_safe_url():
    assert safe_url("https://x.example/run?a=1") == "https://x.example/run?a=1"
    assert safe_url("mailto:oncall@example.com") == "mailto:oncall@example.com"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" JAVASCRIPT:alert(1)") is None
    assert safe_url("data:text/html,<script>") is None
    assert safe_url("wiki/page") is None and safe_url(None) is None


def test_script_json_cannot_break_out():
    value = {"a": "</script><script>alert(1)</script>", "b": "<!-- x", "c": "\u2028\u2029&"}
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == value
    assert script_json({"x": float("nan")}) == '{"x":null}'


def test_render_escapes_everything_and_pins_scripts(model):
    html = render_html(model)
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert '<a href="https://wiki.example.com/income"' in html
    # no network: nothing is loaded from elsewhere
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html)
    # the CSP allows exactly the two inline scripts, by hash
    csp = html_lib.unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 2
    for s in scripts:
        h = base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
        assert f"'sha256-{h}'" in csp
    assert "connect-src 'none'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    # every failing check is listed with its owner
    for c in model["failing"]:
        assert f'id="{c["id"]}"' in html
    assert "alice@example.com" in html


def test_empty_history(tmp_path):
    frame = pd.DataFrame(columns=list(HISTORY_COLUMNS))
    res = write_report(frame, tmp_path / "sub" / "empty.html", now=NOW, days=7)
    html = res.path.read_text(encoding="utf-8")
    assert res.checks == 0 and res.runs == 0 and res.failing == 0
    assert "No observations" in html and "from the last 7 days" in html
    assert res.size_bytes == len(html.encode("utf-8"))


def test_write_report_result(tmp_path):
    frame, meta, now = synthetic_history()
    res = write_report(frame, tmp_path / "r.html", checks_meta=meta, now=now, days=30,
                       title="Fraud model")
    assert (res.checks, res.failing, res.newly_failing, res.resolved, res.runs) == (9, 4, 2, 1, 5)
    html = res.path.read_text(encoding="utf-8")
    assert "<title>Fraud model</title>" in html
    assert 1_000_000 < res.size_bytes < 1_600_000
    assert not list(tmp_path.glob(".ml_monitor_report.*"))    # no temp file left behind


def test_write_report_redacts_the_history_with_the_configured_secrets(tmp_path):
    """`ml-monitor report` passes the configuration's redact: a secret that is a segment value or
    part of a test id is gone from the page, and nothing else changes (test ids are redacted alike
    in the history and in the metadata's keys: the owner still shows; no segment becomes a NaN)."""
    from ml_monitor.config import Config

    frame, meta, now = synthetic_history()
    plain = write_report(frame, tmp_path / "plain.html", checks_meta=meta, now=now, days=30)
    redact = Config(project_dir=tmp_path, secrets={"south", "null_rate_income"}).redact
    res = write_report(frame, tmp_path / "r.html", checks_meta=meta, now=now, days=30, redact=redact)
    html = res.path.read_text(encoding="utf-8")
    assert "south" in plain.path.read_text(encoding="utf-8") and "south" not in html
    assert "null_rate_income" not in html and "***" in html and "alice@example.com" in html
    assert [getattr(res, k) for k in ("checks", "failing", "newly_failing", "resolved", "runs", "observations")] == \
        [getattr(plain, k) for k in ("checks", "failing", "newly_failing", "resolved", "runs", "observations")]
    assert "south" in set(frame["segment_value"])                    # the caller's frame is left as it was


def test_report_file_gets_the_mode_of_a_plain_write(tmp_path):
    """The report is a page to share: written through a temporary file (mkstemp: 0600), it gets
    the mode a plain write gives under the umask, or keeps the mode of the report it replaces."""
    import os
    import stat

    frame, meta, now = synthetic_history()
    old = os.umask(0o022)
    try:
        res = write_report(frame, tmp_path / "r.html", checks_meta=meta, now=now, days=30)
        assert stat.S_IMODE(res.path.stat().st_mode) == 0o644
        os.chmod(res.path, 0o640)
        res = write_report(frame, tmp_path / "r.html", checks_meta=meta, now=now, days=30)
        assert stat.S_IMODE(res.path.stat().st_mode) == 0o640
        os.umask(0o077)
        res = write_report(frame, tmp_path / "s.html", checks_meta=meta, now=now, days=30)
        assert stat.S_IMODE(res.path.stat().st_mode) == 0o600
    finally:
        os.umask(old)


# ---------------------------------------------------------------------------------------------
# loader pieces that need no dbt


def test_frame_from_rows_keeps_text_exactly():
    cols = list(HISTORY_COLUMNS)
    row = {c: None for c in cols}
    row.update(monitor="vnull_rate", segment_value="vnull", segment_column="v",
               column_name="v007", value=0.25, sample_size="v12",
               run_started_at="v2026-01-31 10:00:00", window_end="v2026-01-31 00:00:00.000000",
               detail="vtrue")
    df = frame_from_rows(cols, [[row[c] for c in cols]])
    r = df.iloc[0]
    assert r["monitor"] == "null_rate"
    assert r["segment_value"] == "null" and r["segment_column"] == ""
    assert r["column_name"] == "007" and r["detail"] == "true"
    assert r["value"] == 0.25 and r["sample_size"] == 12
    assert r["run_started_at"] == pd.Timestamp("2026-01-31 10:00:00")
    assert r["window_end"] == pd.Timestamp("2026-01-31")
    assert pd.isna(r["window_start"]) and r["test_name"] is None


def test_history_sql():
    sql = history_sql(dt.datetime(2026, 1, 1, 12, 30, 5, 123))
    assert "ref('ml_monitor', 'ml_monitor_observations')" in sql and "from {{ mm_rel }}" in sql
    # a column the table does not have (an older history table without facts) is read as null
    assert "{% if 'facts' in mm_have %}" in sql and "{% else %}null{% endif %} as facts" in sql
    assert "run_started_at >= cast('2026-01-01 12:30:05' as {{ ml_monitor.type_timestamp() }})" in sql
    assert sql.count(" as ") >= len(HISTORY_COLUMNS)
    assert "where" not in history_sql(None)
    # another source with the history's columns (the triggers read the metric store so)
    from ml_monitor.triggers.store import store_sql
    store = store_sql(["test.p.b", "test.p.a'x"])
    assert "from {{ mm_rel }}" not in store
    assert store.endswith(" from (select * from ({{ ml_monitor.metric_store_sql(mm_rel) }}) as mm_store_all "
                          "where test_unique_id in ('test.p.a''x', 'test.p.b')) as mm_store")
    assert store.startswith(history_sql(None).split(" from {{ mm_rel }}")[0])


def test_checks_meta_from_manifest_json():
    manifest = {"nodes": {
        "model.p.m": {"resource_type": "model", "config": {"meta": {"owner": ["a", "b"],
                                                                    "runbook": "https://r/m"}}},
        "test.p.t1": {"resource_type": "test", "attached_node": "model.p.m",
                      "config": {"severity": "WARN", "meta": {"owner": "c"}}, "tags": ["x"]},
        "test.p.t2": {"resource_type": "test", "depends_on": {"nodes": ["model.p.m"]},
                      "meta": {"runbook_url": "https://r/t2"}, "config": {}},
    }}
    meta = checks_meta_from_manifest(manifest)
    assert meta["test.p.t1"] == {"owner": "c", "runbook": "https://r/m", "severity": "warn",
                                 "tags": ["x"], "description": None}
    assert meta["test.p.t2"]["owner"] == "a, b"
    assert meta["test.p.t2"]["runbook"] == "https://r/t2"
    assert "model.p.m" not in meta
    assert checks_meta_from_manifest(None) == {}


def test_reliability_sql_from_test_kwargs():
    from ml_monitor.report.loader import jinja_literal, reliability_sql

    assert jinja_literal("ref('labels')") == "ref('labels')"
    assert jinja_literal("{{ ref('labels') }}") == "(ref('labels'))"
    assert jinja_literal("it's") == '"it\'s"'
    assert jinja_literal({"period": "day", "count": 7}) == "{'period': 'day', 'count': 7}"
    assert jinja_literal([True, None, 1.5]) == "[true, none, 1.5]"
    with pytest.raises(ValueError):
        jinja_literal("a {{ b }} c")
    kwargs = {"model": "{{ get_where_subquery(ref('preds')) }}", "labels": "ref('labels')",
              "join_key": "id", "label_column": "label", "bins": 10, "max_ece": 0.1,
              "label_delay": {"period": "day", "count": 7}, "segment_by": ["region"]}
    sql = reliability_sql(kwargs, column_name="score")
    assert ("{{ ml_monitor.reliability_table(ref('preds'), labels=ref('labels'), join_key='id', "
            "label_column='label', bins=10, label_delay={'period': 'day', 'count': 7}, "
            "segment_by=['region'], score_column='score') }}") in sql
    assert "max_ece" not in sql                  # not an argument of the reliability table
    with pytest.raises(ValueError):
        reliability_sql({"labels": "ref('labels')"})


def cbpe_history() -> pd.DataFrame:
    """5 runs of an estimated_performance check: estimate with its band in facts; the realized
    ROC AUC of the first two windows (their labels arrived)."""
    rows = []
    for r in range(5):
        est, lo, hi = 0.8 - 0.02 * r, 0.7 - 0.02 * r, 0.9 - 0.02 * r
        facts = json.dumps({"estimate": est, "lower": lo, "upper": hi, "sampling_error": 0.033})
        rows.append(_row(r, "cbpe_auc", "estimated_performance", "score", "roc_auc", est, 0.6, "pass",
                         facts=facts, baseline=0.85))
        if r < 2:   # labels arrived for the first two windows only
            rows.append(_row(r, "cbpe_auc", "estimated_performance", "score", "realized_roc_auc",
                             0.79 - 0.01 * r, None, "pass", n=700))
    return pd.DataFrame(rows)


def test_estimated_performance_plot_carries_band_and_realized():
    """A CBPE series: each estimate's band (from facts) drawn around it, and the realized metric
    of the windows whose labels arrived folded into the same plot (no plot of its own)."""
    model = shape_report(cbpe_history(), now=NOW, days=30)
    plots = [p for p in model["plots"] if p["monitor"] == "estimated_performance"]
    assert [p["metric"] for p in plots] == ["roc_auc"]
    (t,) = plots[0]["traces"]
    assert t["band"]["lower"] == pytest.approx([0.7, 0.68, 0.66, 0.64, 0.62])
    assert t["band"]["upper"] == pytest.approx([0.9, 0.88, 0.86, 0.84, 0.82])
    assert t["realized"]["y"] == pytest.approx([0.79, 0.78]) and t["realized"]["n"] == [700, 700]
    assert t["realized"]["x"] == t["x"][:2]
    html = render_html(model)
    assert "realized" in html and '"band"' in html


# ---------------------------------------------------------------------------------------------
# anomaly: the expected range of each tested window on the plot of the metric it tests

ANOMALY_RUNS = [dt.datetime(2026, 1, d) for d in (28, 29, 30)]     # as_of of three daily runs


def anomaly_history() -> pd.DataFrame:
    """Three daily runs of a null_rate test with `anomaly: {sensitivity: 3, training_windows: 7}`
    and no fixed threshold, as the hook writes them: each run evaluates its 8 newest daily windows
    and appends one `null_rate_anomaly` row per segment for the newest (tested) window. The rate is
    about 1 %: expected - 3 sd is negative, so the SQL writes the band's lower bound as 0 (a rate's
    domain). The last run's window (Jan 29) jumps to 20 % overall: anomalous; emea stays normal."""
    rates = {None: {d: 0.001 + 0.006 * ((d * 7) % 3) for d in range(18, 30)},
             "emea": {d: 0.02 + 0.001 * (d % 2) for d in range(18, 30)}}
    rates[None][29] = 0.2
    rows = []

    def row(run, seg, day, metric, value, threshold, baseline, status, facts=None, detail=None):
        start = dt.datetime(2026, 1, day)
        return {"monitor": "null_rate", "column_name": "income",
                "segment_column": None if seg is None else "region", "segment_value": seg,
                "metric": metric, "value": value, "threshold": threshold, "baseline_value": baseline,
                "sample_size": 500, "window_start": start, "window_end": start + DAY,
                "status": status, "detail": detail, "facts": facts,
                "test_unique_id": "test.proj.income_nulls.abc", "test_name": "income_nulls",
                "model_name": "predictions", "severity": "error",
                "test_status": "fail" if status == "fail" else "pass",
                "invocation_id": f"inv-{run}", "run_started_at": ANOMALY_RUNS[run] + dt.timedelta(hours=6),
                "observation_id": None}

    expected = {}
    for run, as_of in enumerate(ANOMALY_RUNS):
        tested = as_of.day - 1
        for seg, series in rates.items():
            for day in range(tested - 7, tested + 1):
                rows.append(row(run, seg, day, "null_rate", series[day], None, None, "pass"))
            train = pd.Series([series[d] for d in range(tested - 7, tested)])
            e, sd, v = float(train.mean()), float(train.std()), series[tested]
            lower, upper = max(0.0, e - 3 * sd), e + 3 * sd
            status = "fail" if v > upper else "pass"
            facts = json.dumps({"anomaly": {"method": "zscore", "sensitivity": 3, "training_windows": 7},
                                "observed": v, "expected": e, "spread": sd, "lower": lower, "upper": upper,
                                "training": 7, "missing": 0, "excluded": 0, "season": None})
            rows.append(row(run, seg, tested, "null_rate_anomaly", (v - e) / sd, 3.0, e, status, facts,
                            f"value {v} {'outside' if status == 'fail' else 'inside'} expected range "
                            f"[{lower:.4g}, {upper:.4g}] from 7 training windows"))
            expected[(seg, tested)] = (e, lower, upper, e - 3 * sd, status)
    frame = pd.DataFrame(rows)
    frame.attrs["expected"] = expected
    return frame


def test_anomaly_band_on_the_plot_of_the_metric():
    frame = anomaly_history()
    exp = frame.attrs["expected"]
    m = shape_report(frame, now=dt.datetime(2026, 1, 30, 12), days=30)
    plots = {p["metric"]: p for p in m["plots"]}
    assert set(plots) == {"null_rate", "null_rate_anomaly"}     # the score keeps its own plot
    p = plots["null_rate"]
    assert p["by_window"] and p["windows"] == 10
    # the newest tested window is anomalous: the plot needs attention although no fixed threshold failed
    assert p["anomalous_windows"] == 1 and p["status"] == "fail"
    assert p["failing_windows"] == 0
    overall, emea = p["traces"]
    assert (overall["name"], emea["name"]) == ("overall", "region = emea")
    tested = ["2026-01-27 00:00:00", "2026-01-28 00:00:00", "2026-01-29 00:00:00"]
    for t, seg in ((overall, None), (emea, "emea")):
        a = t["anomaly"]
        assert a["x"] == tested
        assert a["expected"] == pytest.approx([exp[(seg, d)][0] for d in (27, 28, 29)], abs=1e-15)
        assert a["lower"] == pytest.approx([exp[(seg, d)][1] for d in (27, 28, 29)], abs=1e-15)
        assert a["upper"] == pytest.approx([exp[(seg, d)][2] for d in (27, 28, 29)], abs=1e-15)
        assert a["status"] == [exp[(seg, d)][4] for d in (27, 28, 29)]
        # the band is aligned with the trace's x: null where a window was not tested
        assert t["x"][-3:] == tested and t["band"]["label"] == "expected range"
        assert t["band"]["lower"][:-3] == [None] * 7 and t["band"]["upper"][:-3] == [None] * 7
        assert t["band"]["lower"][-3:] == a["lower"] and t["band"]["upper"][-3:] == a["upper"]
    # the rate's band reached below 0 before the SQL clipped it to the domain [0, 1]
    assert all(exp[(None, d)][3] < 0 for d in (27, 28)) and overall["anomaly"]["lower"][:2] == [0.0, 0.0]
    assert overall["anomaly"]["status"] == ["pass", "pass", "fail"] and emea["anomaly"]["status"][-1] == "pass"
    assert overall["anomaly"]["y"] == [overall["y"][-3], overall["y"][-2], 0.2]
    assert "outside expected range" in overall["anomaly"]["detail"][-1]
    # the check fails on its anomaly row; the card says so
    (check,) = m["checks"]
    assert check["state"] == "fail"
    assert [o["metric"] for o in check["failing_observations"]] == ["null_rate_anomaly"]
    html = render_html(m)
    assert "1 anomalous window" in html and "expected range" in html


def test_anomaly_band_only_where_the_band_was_judged():
    """A tested window with too little history (skipped) has no band; a plot without anomaly rows
    is unchanged (no `anomaly`, no band)."""
    frame = anomaly_history()
    first = (frame["metric"] == "null_rate_anomaly") & (frame["invocation_id"] == "inv-0")
    frame.loc[first, ["status", "value", "baseline_value"]] = ["skipped", None, None]
    p = next(p for p in shape_report(frame, now=dt.datetime(2026, 1, 30, 12), days=30)["plots"]
             if p["metric"] == "null_rate")
    a = p["traces"][0]["anomaly"]
    assert a["status"][0] == "skipped" and a["expected"][0] is None and a["lower"][0] is None
    assert p["traces"][0]["band"]["lower"][-3] is None and p["traces"][0]["band"]["lower"][-2] == 0.0
    plain = windowed_history()
    for t in shape_report(plain, now=dt.datetime(2026, 1, 30, 12), days=30)["plots"][0]["traces"]:
        assert "anomaly" not in t and "band" not in t


# ---------------------------------------------------------------------------------------------
# retraining triggers: the rows `ml-monitor triggers list` shows (api.list_triggers)


def trigger_rows(now: dt.datetime = NOW) -> list[dict]:
    """What api.list_triggers returns: one firing trigger with its evidence, one resolved in the
    period, one resolved long ago, one clear that never fired, one never evaluated."""
    def at(hours):
        return (now - dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def row(name, state, **kw):
        base = {"name": name, "fingerprint": "f" + name, "state": state, "first_fired": None,
                "last_evaluated": at(1), "resolved_at": None, "fired_count": 0, "channels": [],
                "reason": None, "event": None, "deliveries": {"pending": 0, "failed": 0, "delivered": 0},
                "configured": True, "description": None, "kind": "count", "routes_to": []}
        return {**base, **kw}

    evidence = {"trigger": "feature_drift", "holds": True,
                "reason": "at least 2 series with status fail in each of the latest 2 windows",
                "windows": [{"window_start": "2026-01-30T00:00:00", "window_end": "2026-01-31T00:00:00",
                             "matching_series": 3, "held": True, "summary": "3 series with status fail (needs 2)"},
                            {"window_start": "2026-01-29T00:00:00", "window_end": "2026-01-30T00:00:00",
                             "matching_series": 2, "held": True, "summary": "2 series with status fail (needs 2)"}],
                "observations": [{"test_name": "psi_drift_age", "monitor": "psi_drift", "column_name": "age",
                                  "segment_column": "region", "segment_value": XSS, "metric": "psi",
                                  "value": 0.4705, "threshold": 0.2, "status": "fail",
                                  "window_start": "2026-01-30T00:00:00", "window_end": "2026-01-31T00:00:00",
                                  "detail": "psi 0.4705 above 0.2"}] * 10,
                "observation_count": 14}
    return [
        row("feature_drift", "firing", first_fired=at(30), fired_count=2, channels=["retrain", "console"],
            reason=evidence["reason"], description=f"features drift {XSS}",
            event={"owner": "@ml-team", "evidence": evidence}, deliveries={"pending": 1, "failed": 0, "delivered": 3}),
        row("auc_drop", "clear", first_fired=at(50), resolved_at=at(5), fired_count=1, channels=["retrain"],
            reason="not at least 1 series with status fail in the latest window",
            event={"owner": None, "evidence": {**evidence, "resolved_reason": "not at least 1 series with status "
                                                                              "fail in the latest window (found 0)"}}),
        row("old_one", "clear", first_fired=at(24 * 60), resolved_at=at(24 * 40), fired_count=1,
            event={"evidence": {"resolved_reason": "cleared"}}),
        row("quiet", "clear", reason="not at least 3 series ..."),
        row("new_rule", "unknown", reason="never evaluated", last_evaluated=None),
    ]


def test_triggers_shaped_for_the_report():
    from ml_monitor.report.triggers import shape_triggers

    t = shape_triggers(trigger_rows(), period_start=NOW - dt.timedelta(days=30))
    assert t["total"] == 5 and t["clear"] == 2 and t["unknown"] == 1 and t["error"] is None
    (firing,) = t["open"]
    assert firing["name"] == "feature_drift" and firing["fired"] == "2026-01-30 06:00 UTC"
    assert firing["fired_count"] == 2 and firing["owner"] == "@ml-team" and firing["pending"] == 1
    assert [w["window"] for w in firing["windows"]] == ["2026-01-30 00:00:00 → 2026-01-31 00:00:00 UTC",
                                                      "2026-01-29 00:00:00 → 2026-01-30 00:00:00 UTC"]
    assert [w["matching"] for w in firing["windows"]] == [3, 2] and all(w["held"] for w in firing["windows"])
    assert len(firing["observations"]) == 8 and firing["observation_count"] == 14
    o = firing["observations"][0]
    assert (o["test"], o["segment"], o["value_text"], o["threshold_text"]) == \
        ("psi_drift_age", f"region = {XSS}", "0.4705", "0.2")
    # resolved in the period (the one of 40 days ago is not), with why it cleared
    (resolved,) = t["resolved"]
    assert resolved["name"] == "auc_drop" and resolved["resolved"] == "2026-01-31 07:00 UTC"
    assert resolved["resolved_reason"].endswith("(found 0)")
    assert shape_triggers(trigger_rows(), period_start=None)["resolved"][-1]["name"] == "old_one"
    # nothing configured and nothing in the state: no section; an error: a section that says so
    assert shape_triggers([]) is None and shape_triggers(None) is None
    assert shape_triggers(None, error="bad yaml")["error"] == "bad yaml"


def test_triggers_section_rendered_and_escaped(tmp_path):
    model = shape_report(synthetic_history()[0], now=NOW, days=30, triggers=trigger_rows())
    html = render_html(model)
    assert 'id="triggers"' in html and "1 firing" in html
    assert 'data-trigger="feature_drift" data-state="firing"' in html
    assert "2026-01-29 00:00:00 → 2026-01-30 00:00:00 UTC" in html and "3 series with status fail (needs 2)" in html
    assert "… 6 more observations in the evidence" in html
    assert 'data-trigger="auc_drop" data-state="resolved"' in html and "old_one" not in html
    assert XSS not in html and html_lib.escape(XSS, quote=False) in html
    # without triggers the section is absent; an unreadable configuration is said in the page
    assert 'id="triggers"' not in render_html(shape_report(synthetic_history()[0], now=NOW, days=30))
    broken = render_html(shape_report(synthetic_history()[0], now=NOW, days=30, triggers_error="invalid YAML"))
    assert "The triggers could not be read: invalid YAML" in broken


def test_plain_dbt_tests_and_errored_tests_are_checks_without_an_empty_plot():
    """The history's outcome rows (macros/history/record_observations.sql): a plain `not_null`
    (metric failing_rows, no window) is a check with its plot by run time; a test that errored
    (metric test_error, no value, dbt's message in detail) is a failing check with its message
    and no empty plot."""
    frame, meta, now = synthetic_history()
    extra = []
    for r in range(5):
        extra.append(_row(r, "not_null_predictions_id", "not_null", "id", "failing_rows", [0, 0, 0, 3, 2][r], None,
                          "fail" if r >= 3 else "pass", n=None, window=False, test_status="fail" if r >= 3 else "pass",
                          detail=f"{[0, 0, 0, 3, 2][r]} failing rows"))
    extra.append(_row(4, "broken_monitor", "null_rate", None, "test_error", None, None, "fail", n=None, window=False,
                      test_status="error", detail="test error: Compilation Error in test broken_monitor: argument 'columns'"))
    both = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
    shaped = shape_report(both, _every_test(meta, both), now=now, days=30)
    nn = _check(shaped, "not_null_predictions_id")
    assert nn["state"] == "fail" and nn["failing_runs"] == 2
    assert [o["value_text"] for o in nn["failing_observations"]] == ["2"]
    broken = _check(shaped, "broken_monitor")
    assert broken["state"] == "fail" and broken["newly_failing"]
    assert "argument 'columns'" in broken["failing_observations"][0]["detail"]
    plotted = {(p["test_name"], p["metric"]) for p in shaped["plots"]}
    assert ("not_null_predictions_id", "failing_rows") in plotted
    assert not any(metric == "test_error" for _, metric in plotted)


def test_a_check_whose_latest_run_errored_shows_as_erroring_everywhere():
    """A check that passed, then errored (outcome row: metric test_error, no value): listed under
    failing checks, and so are its plot (not folded under "passing metrics", pill `error`, dbt's
    message) and its grid cell (`error`, the message on hover), not `pass` and `–`."""
    frame, meta, now = synthetic_history()
    extra = [_row(r, "ctl_x_null_rate", "null_rate", "x", "null_rate", 0.0, 0.5, "pass", table="ctl",
                  window=False, test_status="pass") for r in range(4)]
    extra.append(_row(4, "ctl_x_null_rate", "null_rate", "x", "test_error", None, None, "fail", table="ctl", n=None,
                      window=False, test_status="error",
                      detail="test error: Runtime Error in test ctl_x_null_rate: Binder Error: column x not found"))
    both = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
    shaped = shape_report(both, _every_test(meta, both), now=now, days=30)
    assert _check(shaped, "ctl_x_null_rate")["state"] == "fail"
    (plot,) = [p for p in shaped["plots"] if p["test_name"] == "ctl_x_null_rate"]
    assert plot["status"] == "fail" and "Binder Error: column x not found" in plot["errored"]
    assert plot["traces"][0]["latest_status"] == "pass"            # the points are the earlier values
    ctl = next(t for t in shaped["tables"] if t["name"] == "ctl")
    (row,) = ctl["grid"]["rows"]
    cell = row["cells"][ctl["grid"]["monitors"].index("null_rate")]
    assert (cell["status"], cell["text"]) == ("fail", "error") and "Binder Error" in cell["title"]
    assert cell["plot"] == plot["id"]
    # rendered: the card is among those needing attention, not folded under "1 passing metric"
    page = render_html(shaped)
    section = page[page.index(f'id="{ctl["id"]}-h"'):]
    section = section[:section.index("</section>")]
    assert "passing metric" not in section
    card = section[section.index(f'id="{plot["id"]}-card"'):]
    assert re.match(r'[^>]*>\s*<h4><span class="pill st-fail">error</span>', card)
    assert "The latest run of this test errored: test error: Runtime Error" in card
    assert f'data-status="fail"' in card.split(">")[0] and ">error</a>" in section


def _many_runs_history(runs: int, segments: int) -> pd.DataFrame:
    """One daily null_rate check with `segments` segments and 5 windows, evaluated again by each
    of `runs` runs with another value (late data): the earlier evaluations are superseded."""
    rows = []
    for r in range(runs):
        run_at = dt.datetime(2026, 1, 1) + dt.timedelta(hours=r)
        for w in range(5):
            start = dt.datetime(2025, 12, 27) + dt.timedelta(days=w)
            for s in [None, *range(segments)]:
                value = 0.01 * (r + 1) + 0.001 * w + (0.0001 * s if s is not None else 0)
                rows.append({
                    "monitor": "null_rate", "column_name": "income",
                    "segment_column": None if s is None else "store",
                    "segment_value": None if s is None else f"s{s:03d}", "metric": "null_rate",
                    "value": value, "threshold": 0.05, "baseline_value": None, "sample_size": 100,
                    "window_start": start, "window_end": start + dt.timedelta(days=1),
                    "status": "fail" if value > 0.05 else "pass", "detail": None, "facts": None,
                    "test_unique_id": "test.proj.nr.abc", "test_name": "nr", "model_name": "t",
                    "severity": "error", "test_status": None, "invocation_id": f"inv-{r}",
                    "run_started_at": run_at, "observation_id": None, "as_of": run_at})
    return pd.DataFrame(rows)


def test_plot_shaping_does_not_filter_the_frame_per_row_or_per_hidden_segment(monkeypatch):
    """A big project's report (5 models x 18 checks, 40-200 segments, 30 daily windows, 10 runs:
    360k history rows) spent 176 s in shaping its plots: every superseded row searched its
    window's current value with a DataFrame filter, and every segment was shaped into a trace
    though only MAX_TRACES are drawn. The number of DataFrame selections must not grow with the
    rows or the hidden segments, and the plot is the same."""
    from ml_monitor.report import shaping

    counted = {"n": 0}
    getitem = pd.DataFrame.__getitem__

    def counting(self, key):
        counted["n"] += 1
        return getitem(self, key)

    def selections(frame: pd.DataFrame) -> tuple[int, dict]:
        df = normalize(frame)
        monkeypatch.setattr(pd.DataFrame, "__getitem__", counting)
        counted["n"] = 0
        plots = shaping._shape_plots(df, {}, {})
        monkeypatch.setattr(pd.DataFrame, "__getitem__", getitem)
        return counted["n"], plots[0]

    small, p_small = selections(_many_runs_history(runs=2, segments=20))
    more_runs, p_runs = selections(_many_runs_history(runs=6, segments=20))
    more_segments, p_segments = selections(_many_runs_history(runs=2, segments=60))
    assert more_runs == small and more_segments == small
    # the shaped plot: overall first, MAX_TRACES lines, every earlier value superseded
    assert len(p_runs["traces"]) == shaping.MAX_TRACES and p_runs["traces"][0]["overall"]
    assert p_segments["hidden_segments"] == 61 - shaping.MAX_TRACES
    overall = p_runs["traces"][0]
    assert overall["y"] == pytest.approx([0.06 + 0.001 * w for w in range(5)])
    assert len(overall["superseded"]["y"]) == 5 * 5
    assert overall["superseded"]["replaced_by"][:5] == pytest.approx([0.06] * 5)
    assert p_runs["rescored_windows"] == 5
    # failing segments are listed whether drawn or hidden (values > 0.05 from run 5 on)
    assert len(p_runs["failing_segments"]) == 21
