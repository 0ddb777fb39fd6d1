"""`windows: N` on the data-quality monitors (issue 14, per-window series) end to end on DuckDB.

* regenerates the windows seeds (pandas oracle grouped by window, integration_tests/scripts/
  gen_windows.py) and checks they are the committed ones;
* `dbt build` of the windows selection: every window's observation equals the expected row to
  1e-9, matched by (case, column, segment, metric, window_start, window_end); the comparison is
  proven to fail on a value off by 1e-6 and on a row in the wrong window;
* fail_on: latest (default) lets the newest window decide; fail_on: any fails on earlier windows;
* details: empty windows, the partly covered first window, NULL timestamps;
* drift per window: KS against a fixed reference and against the previous window, PSI and JS
  against a fixed reference (quantile edges of the reference, the same for every window).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from dbt_project_runner import build_family

NEWEST = dt.datetime(2026, 1, 30)


@pytest.fixture(scope="module")
def windows_build(tmp_path_factory):
    # the label-joined cases (actual_windows_perf) read the late_labels family's inputs
    return build_family("windows", tmp_path_factory.mktemp("windows"),
                        extra_select=("+path:models/windows", "path:seeds/expected/expected_windows_perf.csv"),
                        exclude=("resource_type:test,path:models/late_labels/late_labels.yml",))


def _rows(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_generator_is_deterministic_and_committed(windows_build):
    assert windows_build["after"] == windows_build["before"]
    assert len(windows_build["after"]) == 5


def test_every_windows_node_passed(windows_build):
    run = windows_build["run"]
    assert run.results, run.output[-5000:]
    failed = run.failed_nodes()
    assert not failed, "\n".join(failed) + "\n" + run.output[-3000:]
    names = {r["unique_id"].split(".")[2] for r in run.results if r["unique_id"].startswith("test.")}
    assert {"windows_comparison_fails_on_a_wrong_value", "windows_comparison_fails_on_a_wrong_window",
            "windows_null_rate_fail_on_any_fails", "windows_volume_fail_on_any_fails",
            "windows_comparison_fails_on_a_wrong_previous_window_value"} <= names
    db = windows_build["db"]
    n_actual = _rows(db, "select count(*) from main.actual_windows")[0][0]
    n_expected = _rows(db, "select count(*) from main.expected_windows")[0][0]
    assert n_actual == n_expected > 200
    # every case has one overall row per window and metric, empty windows included
    per_case = dict(_rows(db, """select case_name, count(distinct window_start) from main.actual_windows
                                 group by case_name"""))
    assert per_case == {"null_rate_windows": 7, "value_range_windows": 7, "accepted_values_windows": 7,
                        "cardinality_windows": 7, "volume_windows": 5, "null_rate_two_day_windows": 3,
                        "ks_windows_fixed": 5, "ks_windows_previous": 5, "psi_windows_fixed": 5,
                        "ks_pvalue_windows_previous": 5, "wasserstein_windows_fixed": 5,
                        "js_windows_fixed": 5, "prediction_drift_windows": 5, "psi_windows_previous": 5,
                        "js_windows_previous": 5, "prediction_drift_windows_previous": 5,
                        "js_windows_notes": 7, "ks_windows_notes": 6}


def test_comparison_failures_are_real(windows_build):
    db = windows_build["db"]
    wrong = _rows(db, """select case_name, window_start, actual_value, expected_value
                         from main_dbt_test__audit.windows_comparison_fails_on_a_wrong_value
                         order by case_name""")
    assert [w[:2] for w in wrong] == [("null_rate_windows", NEWEST), ("psi_windows_fixed", dt.datetime(2026, 1, 27))]
    assert wrong[0][3] - wrong[0][2] == pytest.approx(1e-6, abs=1e-12)
    assert wrong[1][2:] == (None, 0.0)     # empty window: no value, and a value expected
    moved = _rows(db, "select count(*) from main_dbt_test__audit.windows_comparison_fails_on_a_wrong_window")
    assert moved[0][0] > 5


def test_fail_on_latest_and_any(windows_build):
    db = windows_build["db"]
    for name in ("windows_null_rate_fail_on_latest_passes", "windows_null_rate_fail_on_any_fails"):
        rows = _rows(db, f"""select window_start, status, is_deciding from main_dbt_test__audit.{name}
                             where segment_column is null order by window_start""")
        assert [r[1] for r in rows] == ["no_data", "no_data", "pass", "pass", "no_data", "fail", "pass"]
        # the series keeps every window's own status; only is_deciding differs
        deciding = [r[0] for r in rows if r[2]]
        assert deciding == ([NEWEST] if name.endswith("latest_passes") else [r[0] for r in rows])
    # the newest window decides and breaches 1% -> the test failed because of that window only
    newest = _rows(db, """select window_start, status from main_dbt_test__audit.windows_null_rate_newest_breach_fails
                          where is_deciding""")
    assert newest == [(NEWEST, "fail")]
    vol = _rows(db, """select window_start, status, is_deciding from main_dbt_test__audit.windows_volume_fail_on_any_fails
                       where metric = 'row_count' and segment_column is null order by window_start""")
    assert [(r[0].day, r[1]) for r in vol] == [(26, "pass"), (27, "pass"), (28, "fail"), (29, "pass"), (30, "pass")]
    assert all(r[2] for r in vol)


def test_details_say_what_the_numbers_do_not(windows_build):
    db = windows_build["db"]
    rows = _rows(db, """select case_name, metric, window_start, status, detail from main.actual_windows
                        where segment_column is null and case_name in ('null_rate_windows', 'volume_windows')""")
    assert rows and all(d.endswith("; 3 rows with a NULL event_ts excluded") for *_, d in rows)
    partly = sorted((c, m) for c, m, w, s, d in rows if "window only partly covered" in d)
    assert partly == [("null_rate_windows", "null_rate"), ("volume_windows", "row_count"),
                      ("volume_windows", "row_count_ratio")]
    assert all(w == dt.datetime(2026, 1, 26) and "first row at 2026-01-26 1" in d
               for c, m, w, s, d in rows if "partly covered" in d)
    empty = {w.day: d for c, m, w, s, d in rows if c == "null_rate_windows" and s == "no_data"}
    assert sorted(empty) == [24, 25, 28]
    assert empty[28].startswith("no rows in window [2026-01-28 00:00:00, 2026-01-29 00:00:00)")


def test_previous_window_drift_says_so(windows_build):
    db = windows_build["db"]
    rows = _rows(db, """select window_start, segment_value, status, detail from main.actual_windows
                        where case_name = 'ks_windows_previous' order by window_start""")
    assert all(d.endswith("reference: the previous window") for w, sv, s, d in rows if s in ("pass", "fail"))
    # 2026-01-27 has no rows; 2026-01-28 has rows but its previous window is empty
    assert {(w.day, s) for w, sv, s, d in rows if sv is None and w.day in (27, 28)} == {(27, "no_data"), (28, "no_data")}
    after_empty = [d for w, sv, s, d in rows if sv is None and w.day == 28]
    assert after_empty == ["no rows in the previous window"]
    empty = [d for w, sv, s, d in rows if sv is None and w.day == 27]
    assert empty == ["no rows in window [2026-01-27 00:00:00, 2026-01-28 00:00:00)"]


def test_previous_window_binned_drift_says_so(windows_build):
    """psi / js / prediction drift against the previous window: the same statuses and details as
    KS for an empty window, an empty previous window and a segment absent from it."""
    db = windows_build["db"]
    for case in ("psi_windows_previous", "js_windows_previous", "prediction_drift_windows_previous"):
        rows = _rows(db, f"""select window_start, column_name, segment_value, metric, status, detail, facts
                             from main.actual_windows where case_name = '{case}' order by window_start""")
        binned = [r for r in rows if r[3] in ("psi", "js_distance")]
        assert binned and all(d.endswith("reference: the previous window")
                              for w, c, sv, m, s, d, f in binned if s in ("pass", "fail"))
        assert all('"previous_window":true' in f.replace(" ", "") for *_, f in binned)
        after_empty = {d for w, c, sv, m, s, d, f in rows if sv is None and w.day == 28}
        assert after_empty == {"no rows in the previous window"}, (case, after_empty)
        west = {(w.day, s, d) for w, c, sv, m, s, d, f in rows if sv == "west"}
        assert west == {(30, "no_data", "no rows in the previous window for this segment")}, (case, west)


def test_drift_details_carry_the_window_notes(windows_build):
    """Drift with windows says what data quality says: rows with a NULL timestamp counted and
    excluded, and the partly covered first window (js against a fixed reference, ks against the
    previous window, whose scan reaches one window further back)."""
    db = windows_build["db"]
    rows = _rows(db, """select case_name, window_start, status, detail from main.actual_windows
                        where case_name in ('js_windows_notes', 'ks_windows_notes')""")
    assert len(rows) == 13
    assert all(d.endswith("; 3 rows with a NULL event_ts excluded") for *_, d in rows)
    partly = sorted((c, w.day) for c, w, s, d in rows if "window only partly covered" in d)
    assert partly == [("js_windows_notes", 26), ("ks_windows_notes", 26)]
    assert all("first row at 2026-01-26 1" in d for c, w, s, d in rows if "partly covered" in d)
    # values are unchanged by the rows with a NULL timestamp: they match pandas (equal_observations)


def test_performance_window_details_carry_the_window_notes(windows_build):
    """The label-joined windows say what data quality and drift say: rows with a NULL timestamp
    counted and excluded (perf_w_notes: perf_w_coverage's predictions plus 3 without a timestamp,
    same values: equal_observations), and the partly covered first window with data (01-26, data
    from 00:06:53; 01-25, the oldest window scanned, is empty and never flagged)."""
    db = windows_build["db"]
    rows = _rows(db, """select case_name, window_start, segment_value, status, detail from main.actual_windows_perf
                        where case_name in ('perf_w_notes', 'perf_w_coverage', 'perf_w_metrics')""")
    notes = [r for r in rows if r[0] == "perf_w_notes"]
    assert len(notes) == len([r for r in rows if r[0] == "perf_w_coverage"]) > 6
    assert all(d.endswith("; 3 rows with a NULL prediction_ts excluded") for *_, d in notes)
    assert not any("NULL prediction_ts" in d for c, *_, d in rows if c != "perf_w_notes")
    partly = {(c, w.day) for c, w, sv, s, d in rows if "window only partly covered" in d}
    assert partly == {("perf_w_notes", 26), ("perf_w_coverage", 26), ("perf_w_metrics", 26)}
    assert all("first row at 2026-01-26 00:06:53" in d for *_, d in rows if "partly covered" in d)
    assert {s for c, w, sv, s, d in notes if w.day == 25} == {"no_data"}


def test_freshness_series_counts_null_timestamps_like_the_other_monitors(tmp_path):
    """freshness with windows said nothing of the rows with a NULL timestamp (every other monitor
    with windows counts them in detail); the hours are those of the timed rows alone."""
    from dbt_project_runner import build_tiny_project, duckdb_rows

    root = tmp_path / "fresh_nulls"
    model = ("select * from (values (timestamp '2026-01-29 12:00:00'), (timestamp '2026-01-30 18:00:00'), "
             "(null), (null)) as t(ts)")
    schema = """models:
  - name: m
    data_tests:
      - ml_monitor.freshness:
          name: fresh_series
          arguments: {timestamp_column: ts, max_age: {period: day, count: 2}, window: {period: day, count: 1}, windows: 3}
"""
    # every window computed by the scan (no metric store read: this tiny project's first build
    # creates the history table on another thread while the test compiles)
    ok, by_name = build_tiny_project(root, {"m": model}, schema, "  ml_monitor_as_of: '2026-01-31 00:00:00'\n"
                                                                 "  ml_monitor_incremental: false\n")
    assert ok, {n: r.get("message") for n, r in by_name.items()}
    rows = duckdb_rows(root / "e.duckdb", "select window_end, value, detail from main_dbt_test__audit.fresh_series "
                                          "order by window_end")
    assert [(r[0].day, r[1]) for r in rows] == [(29, None), (30, 12.0), (31, 6.0)]
    assert all(d.endswith("; 2 rows with a NULL ts excluded") for *_, d in rows), rows


def test_rows_on_a_window_boundary(tmp_path):
    """A window is [start, end): rows stamped exactly at midnight (daily batches, DATE columns)
    belong to the window that starts then, never to the one that ends then. volume (one window,
    against the reference_periods before it, and windows: 2) and null_rate against pandas."""
    import pandas as pd

    from dbt_project_runner import build_tiny_project, duckdb_rows

    days = {"2026-01-27": 4, "2026-01-28": 5, "2026-01-29": 6, "2026-01-30": 7, "2026-01-31": 9}
    frame = pd.DataFrame([(pd.Timestamp(d), None if d == "2026-01-31" else 1.0)
                          for d, n in days.items() for _ in range(n)], columns=["ts", "x"])
    values = ", ".join(f"(timestamp '{t}', {'null' if pd.isna(x) else x})" for t, x in frame.itertuples(index=False))
    schema = """
models:
  - name: t
    data_tests:
      - ml_monitor.volume:
          name: b_volume
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, min_count: 1, reference_periods: 3, min_ratio: 0.1}
      - ml_monitor.volume:
          name: b_volume_windows
          arguments: {timestamp_column: ts, window: {period: day, count: 1}, min_count: 1, windows: 2}
      - ml_monitor.null_rate:
          name: b_null_rate
          arguments: {columns: [x], timestamp_column: ts, window: {period: day, count: 1}, max_null_rate: 0.5}
"""
    root = tmp_path / "boundary"
    build_tiny_project(root, {"t": f"select * from (values {values}) as v(ts, x)"}, schema,
                       project_vars="  ml_monitor_as_of: '2026-01-31'\n  ml_monitor_incremental: false\n")

    def in_window(start, end):
        return frame[(frame.ts >= pd.Timestamp(start)) & (frame.ts < pd.Timestamp(end))]

    def observed(test):
        return {(m, str(s)): (v, n) for m, s, v, n in duckdb_rows(
            root / "e.duckdb", f"select metric, window_start, value, sample_size from main_dbt_test__audit.{test}")}

    cur, ref = len(in_window("2026-01-30", "2026-01-31")), len(in_window("2026-01-27", "2026-01-30"))
    assert (cur, ref) == (7, 15)
    assert observed("b_volume") == {("row_count", "2026-01-30 00:00:00"): (cur, cur),
                                    ("row_count_ratio", "2026-01-30 00:00:00"): (pytest.approx(cur / (ref / 3), abs=1e-12), cur)}
    older = len(in_window("2026-01-29", "2026-01-30"))
    assert observed("b_volume_windows") == {("row_count", "2026-01-29 00:00:00"): (older, older),
                                            ("row_count", "2026-01-30 00:00:00"): (cur, cur)}
    w = in_window("2026-01-30", "2026-01-31")
    assert observed("b_null_rate") == {("null_rate", "2026-01-30 00:00:00"): (w.x.isna().mean(), len(w))}


def test_one_window_counts_null_timestamps_too(tmp_path):
    """With one window (the default `windows: 1`), rows with a NULL timestamp vanished from the
    scan without a word (a serving bug writing NULL times would empty the monitor silently). They
    are read, counted, excluded and said in detail like a series' (null_rate, volume, psi_drift,
    accepted_values); the values are those of the timed rows (pandas)."""
    import numpy as np
    import pandas as pd

    from dbt_project_runner import build_tiny_project, duckdb_rows

    rng = np.random.default_rng(3)
    ts = ["2026-01-30 0%d:00:00" % (i % 10) for i in range(40)] + [None] * 5 + ["2026-01-29 12:00:00"] * 6
    x = [None if i % 4 == 0 else float(v) for i, v in enumerate(rng.normal(size=len(ts)))]
    cat = ["a" if i % 3 else "b" for i in range(len(ts))]
    frame = pd.DataFrame({"ts": pd.to_datetime(ts), "x": x, "c": cat})
    values = ", ".join(f"({'null' if t is None else repr(t).join(['timestamp ', ''])}, {'null' if v is None else v}, '{c}')"
                       for t, v, c in zip(ts, x, cat))
    day = "window: {period: day, count: 1}, timestamp_column: ts"
    schema = f"""
models:
  - name: t
    data_tests:
      - ml_monitor.null_rate:
          name: one_null_rate
          arguments: {{columns: [x], max_null_rate: 1, {day}}}
      - ml_monitor.volume:
          name: one_volume
          arguments: {{min_count: 1, {day}}}
      - ml_monitor.accepted_values:
          name: one_accepted
          arguments: {{column_name: c, values: [a, b], {day}}}
      - ml_monitor.psi_drift:
          name: one_psi
          arguments: {{columns: [x], reference: ref('t'), reference_where: "ts < '2026-01-30'", threshold: 1000, {day}}}
      - ml_monitor.null_rate:
          name: one_null_rate_no_window
          arguments: {{columns: [x], max_null_rate: 1}}
"""
    models = {"t": f"select * from (values {values}) as v(ts, x, c)"}
    ok, by_name = build_tiny_project(root := tmp_path / "one_window_nulls", models, schema,
                                     "  ml_monitor_as_of: '2026-01-31 00:00:00'\n  ml_monitor_incremental: false\n")
    assert ok, {n: r.get("message") for n, r in by_name.items()}
    db = root / "e.duckdb"
    timed = frame[(frame.ts >= "2026-01-30") & (frame.ts < "2026-01-31")]
    for name in ("one_null_rate", "one_volume", "one_accepted", "one_psi"):
        rows = duckdb_rows(db, f"select metric, value, sample_size, detail, window_start from "
                               f"main_dbt_test__audit.{name} where segment_column is null")
        assert rows, name
        for metric, value, size, detail, start in rows:
            assert detail.endswith("; 5 rows with a NULL ts excluded"), (name, detail)
            assert start.day == 30, (name, start)
            if metric == "null_rate":
                assert size == len(timed) and value == pytest.approx(timed.x.isna().mean(), abs=1e-12)
            if metric == "row_count":
                assert value == len(timed)
    # without a window nothing is excluded for its timestamp
    (detail,) = duckdb_rows(db, "select detail from main_dbt_test__audit.one_null_rate_no_window where segment_column is null")[0]
    assert "NULL" not in detail


def test_one_window_of_label_joined_monitors_counts_null_timestamps(tmp_path):
    """performance, calibration and label_coverage with one window (the default `windows: 1`):
    predictions with a NULL timestamp were outside the window's range and vanished without a
    word. They are counted, excluded and said in detail, as with windows: N; the values are
    those of the window's timed predictions (scikit-learn, pandas)."""
    import numpy as np
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    from dbt_project_runner import build_tiny_project, duckdb_rows

    rng = np.random.default_rng(5)
    n = 60
    ts = ["2026-01-30 %02d:00:00" % (i % 24) for i in range(44)] + [None] * 7 + ["2026-01-29 12:00:00"] * 9
    score = rng.uniform(size=n).round(6)
    label = (rng.uniform(size=n) < score).astype(int)
    labelled = [i % 5 != 0 for i in range(n)]
    frame = pd.DataFrame({"id": range(n), "ts": pd.to_datetime(ts), "score": score, "label": label, "has": labelled})
    preds = ", ".join(f"({i}, {'null' if t is None else repr(t).join(['timestamp ', ''])}, {s})"
                      for i, t, s in zip(range(n), ts, score))
    labs = ", ".join(f"({i}, {y})" for i, y, h in zip(range(n), label, labelled) if h)
    common = ("labels: ref('l'), join_key: id, label_column: label, timestamp_column: ts, "
              "window: {period: day, count: 1}")
    schema = f"""
models:
  - name: p
    data_tests:
      - ml_monitor.performance:
          name: one_perf
          arguments: {{metric: roc_auc, score_column: score, min_value: 0, {common}}}
      - ml_monitor.calibration:
          name: one_calibration
          arguments: {{score_column: score, max_ece: 1, {common}}}
      - ml_monitor.label_coverage:
          name: one_coverage
          arguments: {{min_coverage: 0, {common}}}
"""
    models = {"p": f"select * from (values {preds}) as v(id, ts, score)",
              "l": f"select * from (values {labs}) as v(id, label)"}
    ok, by_name = build_tiny_project(root := tmp_path / "one_window_label_nulls", models, schema,
                                     "  ml_monitor_as_of: '2026-01-31 00:00:00'\n  ml_monitor_incremental: false\n")
    assert ok, {k: r.get("message") for k, r in by_name.items()}
    db = root / "e.duckdb"
    timed = frame[(frame.ts >= "2026-01-30") & (frame.ts < "2026-01-31")]
    joined = timed[timed.has]
    expected = {"roc_auc": roc_auc_score(joined.label, joined.score), "label_coverage": joined.shape[0] / timed.shape[0]}
    seen = set()
    for name in ("one_perf", "one_calibration", "one_coverage"):
        rows = duckdb_rows(db, f"select metric, value, detail, window_start, window_end from "
                               f"main_dbt_test__audit.{name} where segment_column is null")
        assert rows, name
        for metric, value, detail, start, end in rows:
            assert detail.endswith("; 7 rows with a NULL ts excluded"), (name, metric, detail)
            assert (start.day, end.day) == (30, 31), (name, start, end)
            if metric in expected:
                seen.add(metric)
                assert value == pytest.approx(expected[metric], abs=1e-9), (name, metric, value)
    assert seen == {"roc_auc", "label_coverage"}
