"""`ml-monitor demo` end to end (real dbt on DuckDB) and its seeded data generator.

The end-to-end fixture runs the whole demo (dbt build, alerts, HTML report) twice in one
directory (run_demo with a wide console, then the CLI in an 80-column terminal), so re-running
and both table layouts are covered; ~45-50 s on a quiet machine, ~70 s at load 6 on 2 cores.
Everything else is fast."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from rich.console import Console

from ml_monitor.cli import main
from ml_monitor.demo import run_demo
from ml_monitor.demo import data as demo_data
from ml_monitor.demo.project import DUCKDB_FILE, MARKER, REPORT_FILE

SEED = 7
LATEST_START = pd.Timestamp(demo_data.AS_OF - dt.timedelta(days=1))
AS_OF = pd.Timestamp(demo_data.AS_OF)
# performance: predictions of [AS_OF - 14d, AS_OF - 7d) (window 7 days, label delay 7 days)
PERFORMANCE_START = AS_OF - pd.Timedelta(days=14)
PERFORMANCE_END = AS_OF - pd.Timedelta(days=7)

# The injected problems, as (test, column, segment_column, segment_value) of the observations
# that must fail. Every other observation of the run must pass.
EXPECTED_FAILING_DQ = {
    ("predictions_income_null_rate", "income", None, None),
    ("predictions_age_range", "age", None, None),
    ("predictions_age_range", "age", "channel", "partner"),
    ("predictions_avg_basket_range", "avg_basket", None, None),
    ("predictions_categories_vs_training", "device", None, None),
    # the same jump of income's null rate, caught with no threshold (anomaly, metric null_rate_anomaly)
    ("predictions_income_null_rate_anomaly", "income", None, None),
}
EXPECTED_FAILING_DRIFT = {
    # the shifted feature, by all three statistics; the stable features of the same tests pass
    ("predictions_numeric_drift_psi", "days_since_last_login", None, None),
    ("predictions_numeric_drift_ks", "days_since_last_login", None, None),
    ("predictions_days_since_last_login_drift_js", "days_since_last_login", None, None),
    # the new category 'smart_tv'; plan, channel and customer_tier of the same test pass
    ("predictions_categorical_drift_psi", "device", None, None),
    # the model's output moved with its input: score PSI and positive rate
    ("predictions_score_drift", "score", None, None),
    ("predictions_score_drift", "predicted_label", None, None),
}
EXPECTED_FAILING_PERFORMANCE = {
    # only region apac degrades: every other segment (and customer_tier) passes
    ("churn_roc_auc_by_segment", "score", "region", "apac"),
    ("churn_accuracy_by_segment", "predicted_label", "region", "apac"),
    ("churn_calibration_by_region", "score", "region", "apac"),
}
EXPECTED_FAILING_PRODUCTION = {
    # income logged in thousands by channel 'partner' (training-serving skew); plan and the
    # other channels agree with the offline recomputation
    ("predictions_feature_skew", "income", None, None),
    ("predictions_feature_skew", "income", "channel", "partner"),
    # the canary version is ~4x slower: its p95 only; churn-v7 and the overall row pass
    ("churn_service_slo", "latency_ms", "model_version", "churn-v8"),
    # ~10% of the training snapshot's income values were known only after the prediction
    ("training_features_point_in_time", "income_updated_at", None, None),
    # ... and the same rows differ from the income history's value valid at the prediction
    ("training_features_point_in_time", "income", None, None),
}
EXPECTED_FAILING_ESTIMATED = {
    # CBPE before the labels: apac's scores lose confidence over the last 3 days, its estimated
    # ROC AUC and accuracy fall below 0.7; the other regions and the overall rows pass
    ("churn_estimated_roc_auc_daily", "score", "region", "apac"),
}
ESTIMATED_TESTS = {t for t, *_ in EXPECTED_FAILING_ESTIMATED}
LOW_CONFIDENCE_START = AS_OF - pd.Timedelta(days=demo_data.INJECTED["low_confidence_days"])
NO_WINDOW_TESTS = {"training_features_point_in_time"}
EXPECTED_FAILING = (EXPECTED_FAILING_DQ | EXPECTED_FAILING_DRIFT | EXPECTED_FAILING_PERFORMANCE
                    | EXPECTED_FAILING_PRODUCTION | EXPECTED_FAILING_ESTIMATED)
EXPECTED_FAILING_TESTS = {t for t, *_ in EXPECTED_FAILING}
PERFORMANCE_TESTS = {t for t, *_ in EXPECTED_FAILING_PERFORMANCE}
# tests that must run and pass (a typo in the YAML would otherwise go unnoticed)
EXPECTED_PASSING_TESTS = {"churn_label_coverage", "predictions_volume_last_day", "predictions_freshness",
                          "predictions_schema_contract", "labels_freshness", "predictions_plan_accepted",
                          "churn_label_coverage_daily", "churn_roc_auc_daily_by_region"}
# tests with windows (a series of daily windows): the newest window is the single window of the others
SERIES_TESTS = {"predictions_numeric_drift_psi", "churn_label_coverage_daily", "churn_roc_auc_daily_by_region"}


# ---------------------------------------------------------------- generator (fast)

@pytest.fixture(scope="module")
def data() -> demo_data.DemoData:
    return demo_data.generate(SEED)


def test_generator_is_deterministic(data):
    again = demo_data.generate(SEED)
    pd.testing.assert_frame_equal(data.predictions, again.predictions)
    pd.testing.assert_frame_equal(data.training_set, again.training_set)
    pd.testing.assert_frame_equal(data.labels, again.labels)
    other = demo_data.generate(SEED + 1)
    assert not other.predictions["score"].equals(data.predictions["score"])


def test_generator_shapes_and_injected_problems(data):
    p, t, lb = data.predictions, data.training_set, data.labels
    assert 20_000 <= len(p) <= 50_000 and len(t) == demo_data.TRAINING_ROWS
    assert list(p.columns) == demo_data.PREDICTION_COLUMNS
    assert p["id"].is_unique and p["prediction_ts"].is_monotonic_increasing
    assert p["prediction_ts"].min() >= AS_OF - pd.Timedelta(days=14) and p["prediction_ts"].max() < AS_OF
    assert p["score"].between(0, 1).all() and (p["predicted_label"] == (p["score"] >= 0.5)).all()
    latest = p["prediction_ts"] >= LATEST_START
    old = ~latest

    # rising nulls: ~1% before, ~30% in the latest window; the training set stays ~1%
    assert 0.005 < p.loc[old, "income"].isna().mean() < 0.015
    assert 0.27 < p.loc[latest, "income"].isna().mean() < 0.33
    assert t["income"].isna().mean() < 0.015
    # garbage ages only in channel 'partner' of the latest window
    bad_age = (p["age"] < 18) | (p["age"] > 100)
    assert bad_age.sum() > 20
    assert set(p.loc[bad_age, "channel"]) == {"partner"} and latest[bad_age].all()
    assert ((p.loc[bad_age, "age"] < 0) | (p.loc[bad_age, "age"] > 120)).all()
    assert t["age"].between(18, 100).all()
    # NaN / +inf / -inf in avg_basket, only in the latest window
    basket = p["avg_basket"].to_numpy()
    assert np.isnan(basket).sum() == 6 and np.isposinf(basket).sum() == 4 and np.isneginf(basket).sum() == 2
    assert latest[~np.isfinite(basket)].all()
    # the new category only in the latest window and never in training
    assert set(p.loc[p["device"] == "smart_tv", "prediction_ts"]) and latest[p["device"] == "smart_tv"].all()
    assert "smart_tv" not in set(t["device"])
    assert set(p.loc[old, "device"]) == set(t["device"]) == {"ios", "android", "web"}
    # days_since_last_login: mean up by ~one training sd in the latest window only
    sd = t["days_since_last_login"].std()
    shift = p.loc[latest, "days_since_last_login"].mean() - t["days_since_last_login"].mean()
    assert 0.8 * sd < shift < 1.2 * sd
    assert abs(p.loc[old, "days_since_last_login"].mean() - t["days_since_last_login"].mean()) < 0.05 * sd
    # apac's scores lose confidence over the last 3 days (log-odds scaled by 0.25); the
    # predicted labels still follow the score, the other regions and earlier days are unchanged
    low = (p["prediction_ts"] >= LOW_CONFIDENCE_START) & (p["region"] == "apac")
    logit = np.log(p["score"] / (1 - p["score"])).abs()
    assert low.sum() > 1500 and logit[low].mean() < 0.4 * logit[~low].mean()

    # labels: after the prediction, before AS_OF, ~75% coverage, a few corrected (2 rows)
    j = lb.merge(p[["id", "prediction_ts"]], on="id")
    assert (j["label_ts"] > j["prediction_ts"]).all() and (lb["label_ts"] < AS_OF).all()
    counts = lb["id"].value_counts()
    assert counts.max() == 2 and 0.01 < (counts == 2).mean() < 0.03
    first = lb.sort_values("label_ts").groupby("id").first()
    last = lb.sort_values("label_ts").groupby("id").last()
    corrected = counts[counts == 2].index
    assert (first.loc[corrected, "label"] != last.loc[corrected, "label"]).all()
    older = p.loc[p["prediction_ts"] < AS_OF - pd.Timedelta(days=7), "id"]
    assert 0.70 < older.isin(lb["id"]).mean() < 0.80


def test_generator_drift_and_performance_signal(data):
    """What the drift and performance monitors must find: only the injected problems."""
    from scipy.stats import ks_2samp
    from sklearn.metrics import accuracy_score, roc_auc_score

    p, t, lb = data.predictions, data.training_set, data.labels
    latest = p[p["prediction_ts"] >= LATEST_START]
    stable = ["age", "income", "tenure_months", "num_transactions", "avg_basket", "credit_score"]
    for col in stable:
        cur = latest[col].astype(float).to_numpy()
        ref = t[col].astype(float).to_numpy()
        stat = ks_2samp(cur[np.isfinite(cur)], ref[np.isfinite(ref)])
        assert stat.pvalue > 0.05, (col, stat)
    shifted = ks_2samp(latest["days_since_last_login"], t["days_since_last_login"])
    assert shifted.statistic > 0.2 and shifted.pvalue < 1e-50

    # performance on predictions older than a 7-day label delay, latest label per id
    labels = lb.sort_values("label_ts").drop_duplicates("id", keep="last")
    old = p[p["prediction_ts"] < AS_OF - pd.Timedelta(days=7)].merge(labels, on="id")
    for region, g in old.groupby("region"):
        auc = roc_auc_score(g["label"], g["score"])
        acc = accuracy_score(g["label"], g["predicted_label"])
        if region == "apac":
            assert auc < 0.65 and acc < 0.70, (region, auc, acc)
        else:
            assert auc > 0.78 and acc > 0.76, (region, auc, acc)
    assert roc_auc_score(t["label"], t["score"]) > 0.8


def test_refuses_a_foreign_non_empty_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    assert run_demo(tmp_path, seed=SEED) == 2
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert not (tmp_path / MARKER).exists()


# ---------------------------------------------------------------- end to end (dbt)

@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("demo") / "ml_monitor_demo"
    wide, first_stdout = io.StringIO(), io.StringIO()
    first = run_demo(directory, seed=SEED, console=Console(file=wide, width=160), stdout=first_stdout)
    stale = directory / "models" / "stale_model.sql"
    stale.write_text("select 1 as stale")
    (directory / REPORT_FILE).write_text("stale report")
    result = CliRunner().invoke(main, ["demo", "--dir", str(directory), "--seed", str(SEED)])
    con = duckdb.connect(str(directory / DUCKDB_FILE), read_only=True)
    try:
        cur = con.execute("select * from ml_monitor_observations")
        cols = [d[0] for d in cur.description]
        history = pd.DataFrame([dict(zip(cols, r)) for r in cur.fetchall()], columns=cols)
        raw = {name: con.execute(f"select * from raw.{name}").df()
               for name in ("predictions", "training_set", "labels")}
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    finally:
        con.close()
    return {"dir": directory, "first": first, "result": result, "history": history, "raw": raw,
            "tables": tables, "stale": stale, "wide": wide.getvalue(), "first_stdout": first_stdout.getvalue()}


def _row(history: pd.DataFrame, test: str, column: str | None, segment: tuple | None = None,
         metric: str | None = None) -> dict:
    h = history[(history["test_name"] == test)]
    h = h[h["column_name"].isna()] if column is None else h[h["column_name"] == column]
    if segment is None:
        h = h[h["segment_column"].isna()]
    else:
        h = h[(h["segment_column"] == segment[0]) & (h["segment_value"] == segment[1])]
    if metric is not None:
        h = h[h["metric"] == metric]
    assert len(h) == 1, (test, column, segment, metric, h)
    return h.iloc[0].to_dict()


def test_demo_exit_codes_and_output(demo_run):
    assert demo_run["first"] == 1
    result = demo_run["result"]
    assert result.exit_code == 1, result.output
    n = len(EXPECTED_FAILING_TESTS)
    for out in (result.stderr, demo_run["wide"]):  # 80 columns (stacked) and 160 (table)
        for test in EXPECTED_FAILING_TESTS | EXPECTED_PASSING_TESTS:
            assert test in out
        assert "smart_tv" in out and "channel=partner" in out and "region=apac" in out
        assert f"{n} failing check(s)" in out
        assert "check(s) passed" in out and f"✘ {n} failed" in out
        # failing first: every failing check is listed before the passing ones
        passed_at = out.index("check(s) passed")
        assert all(out.index(t) < passed_at for t in EXPECTED_FAILING_TESTS)
        # dbt stays quiet: no dbt log lines on the terminal, the log is in the demo directory
        assert "Running with dbt" not in out and "Concurrency:" not in out
        # a check failing in several windows names each window; an anomaly row says it is a score
        assert "region=apac · 2026-" in out, out[-4000:]
        assert "(anomaly score, sensitivity 5)" in out and "null_rate_anomaly" in out
    assert "Running with dbt" in (demo_run["dir"] / "logs" / "dbt.log").read_text()


def _alerts(text: str) -> list[str]:
    return [b for b in text.split("\n\n") if b.strip()]


def test_demo_prints_one_alert_per_failing_test_through_the_stdout_channel(demo_run):
    result = demo_run["result"]
    for stdout in (result.stdout, demo_run["first_stdout"]):
        blocks = _alerts(stdout)
        assert len(blocks) == len(EXPECTED_FAILING_TESTS)
        by_test = {}
        for b in blocks:
            assert b.startswith("[ERROR] ")
            facts = dict(line.strip().split(": ", 1) for line in b.splitlines() if line.startswith("  "))
            by_test[facts["test"]] = (b, facts)
        assert set(by_test) == EXPECTED_FAILING_TESTS
        for test, (block, facts) in by_test.items():
            assert facts["owner"] in ("@ml-platform", "@ml-team-churn", "@data-eng"), block
            assert facts["runbook"].startswith("https://runbooks.example.com/churn/"), block
            assert re.fullmatch(r"[0-9a-f]{20}", facts["fingerprint"]), block
        # what failed, in plain words, with the numbers of the history
        assert "in segment region = apac" in by_test["churn_roc_auc_by_segment"][0]
        assert "'smart_tv'" in by_test["predictions_categories_vs_training"][0]
        assert "psi of days_since_last_login overall is 0.4705" in by_test["predictions_numeric_drift_psi"][0]
        assert by_test["churn_accuracy_by_segment"][1]["owner"] == "@ml-team-churn"
        # the alert `ml-monitor run` sends: the rows that decide the test (the newest window of a
        # daily series), not every failing window the checks table lists
        estimated = by_test["churn_estimated_roc_auc_daily"][0]
        assert [line.split(" is ")[0] for line in estimated.splitlines()[1:] if not line.startswith("  ")] == \
            ["accuracy of score in segment region = apac", "roc_auc of score in segment region = apac"], estimated
        assert "window 2026-01-30 00:00 UTC to 2026-01-31 00:00 UTC" in estimated
        assert by_test["churn_estimated_roc_auc_daily"][1]["rerun"] == "dbt test --select churn_estimated_roc_auc_daily"
    # alerts go to stdout only; the checks table to stderr only
    assert "[ERROR]" not in result.stderr and "failing check(s)" not in result.stdout
    assert result.stdout == demo_run["first_stdout"]


def test_demo_writes_the_report_with_the_failing_checks(demo_run):
    path = demo_run["dir"] / REPORT_FILE
    html = path.read_text(encoding="utf-8")
    assert html != "stale report" and 100_000 < len(html) < 5_000_000
    assert html.startswith("<!DOCTYPE html>") and 'id="report-data"' in html
    section = html[html.index('<section id="failing"'):]
    section = section[:section.index("</section>")]
    assert set(re.findall(r"<h3>([^<]+)</h3>", section)) == EXPECTED_FAILING_TESTS
    # the demo prints the path and the size of the report
    out = "".join(demo_run["result"].stderr.split())  # rich wraps long paths at 80 columns
    assert f"report:{path}(" in out and "MB," in out
    assert f"{len(EXPECTED_FAILING_TESTS)}failing)" in out


def test_demo_rerun_keeps_nothing_stale(demo_run):
    assert not demo_run["stale"].exists()
    assert "stale_model" not in demo_run["tables"]
    # the second run rebuilt the DuckDB file: one invocation in the history
    assert demo_run["history"]["invocation_id"].nunique() == 1


def test_exactly_the_injected_problems_fail(demo_run):
    h = demo_run["history"]
    assert len(h) > 150
    failing = h[h["status"] != "pass"]
    got = {tuple(None if pd.isna(x) else x for x in (r.test_name, r.column_name, r.segment_column, r.segment_value))
           for r in failing.itertuples()}
    assert got == EXPECTED_FAILING
    assert set(failing["status"]) == {"fail"}
    # the dbt status of each test agrees: failing tests are exactly the expected ones
    test_status = h.groupby("test_name")["test_status"].agg(set)
    assert {t for t, s in test_status.items() if s == {"fail"}} == EXPECTED_FAILING_TESTS
    assert all(s == {"pass"} for t, s in test_status.items() if t not in EXPECTED_FAILING_TESTS)
    assert EXPECTED_PASSING_TESTS <= set(test_status.index)
    # the other segments of the segmented failing test pass
    age = h[(h["test_name"] == "predictions_age_range") & h["segment_column"].notna()]
    assert set(age.loc[age["status"] == "pass", "segment_value"]) == {"organic", "paid_search", "referral"}
    # the last day is what the failing data-quality and drift checks looked at; performance
    # looked at the predictions whose labels are in (7-day window, 7-day label delay)
    # the CBPE series: apac's rows of the last 3 days (the newest one decides), nothing earlier
    est = failing[failing["test_name"].isin(ESTIMATED_TESTS)]
    assert set(est["segment_value"]) == {"apac"} and (est["window_start"] >= LOW_CONFIDENCE_START).all()
    assert LATEST_START in set(est["window_start"])
    failing = failing[~failing["test_name"].isin(NO_WINDOW_TESTS | ESTIMATED_TESTS)]
    perf = failing["test_name"].isin(PERFORMANCE_TESTS)
    assert not failing["test_name"].isin(SERIES_TESTS - {"predictions_numeric_drift_psi"}).any()
    assert (failing.loc[~perf, "window_start"] == LATEST_START).all()
    assert (failing.loc[~perf, "window_end"] == AS_OF).all()
    assert (failing.loc[perf, "window_start"] == PERFORMANCE_START).all()
    assert (failing.loc[perf, "window_end"] == PERFORMANCE_END).all()
    # the passing segments of the performance tests: the other regions and every tier
    auc = h[(h["test_name"] == "churn_roc_auc_by_segment") & (h["metric"] == "roc_auc")]
    assert set(auc.loc[auc["status"] == "pass", "segment_value"].dropna()) == {
        "americas", "emea", "bronze", "silver", "gold"}
    assert auc["segment_value"].isna().sum() == 1  # the overall row passes too


def test_demo_production_failures_carry_their_lineage(demo_run):
    """The three production failures fail with the model version and lineage in their history rows."""
    import json

    h = demo_run["history"]
    slo = h[(h["test_name"] == "churn_service_slo") & (h["metric"] == "latency_p95")]
    by_version = {r.segment_value if isinstance(r.segment_value, str) else None: (r.status, json.loads(r.facts)["lineage"])
                  for r in slo.itertuples()}
    assert by_version["churn-v8"][0] == "fail" and by_version["churn-v7"][0] == "pass"
    assert by_version["churn-v8"][1]["model_version"] == "churn-v8"
    assert by_version[None][1]["model_versions"] == ["churn-v7", "churn-v8"]
    skew = h[(h["test_name"] == "predictions_feature_skew") & (h["metric"] == "mismatch_rate")
             & (h["column_name"] == "income") & (h["segment_value"] == "partner")].iloc[0]
    lineage = json.loads(skew["facts"])["lineage"]
    assert lineage["relation"].endswith("predictions") and lineage["references"][0].endswith("offline_features")
    assert skew["value"] > 0.5 and "worst keys" in skew["detail"]   # nulls on both sides match
    # ... and in the alerts: the model version and the lineage (relation, reference, code hashes)
    blocks = {b.split("\n  test: ", 1)[1].split("\n", 1)[0]: b for b in _alerts(demo_run["result"].stdout)}
    assert "\n  model version: churn-v8\n" in blocks["churn_service_slo"]
    slo_lineage = by_version["churn-v8"][1]
    assert (f"\n  lineage: relation {slo_lineage['relation']} · ml_monitor {slo_lineage['package_version']}"
            f" · config md5 {slo_lineage['config_hash'][:12]} · SQL md5 {slo_lineage['sql_hash'][:12]}\n"
            in blocks["churn_service_slo"])
    assert f"reference {lineage['references'][0]}" in blocks["predictions_feature_skew"]
    assert "income_history" in blocks["training_features_point_in_time"].split("\n  lineage: ")[1]
    # ... and in the report: the failing check shows its model version and lineage
    html = (demo_run["dir"] / REPORT_FILE).read_text(encoding="utf-8")
    article = html[html.index('<h3>churn_service_slo</h3>'):]
    article = article[:article.index("</article>")]
    assert "<dt>model version</dt><dd>churn-v8</dd>" in article
    assert f"relation {slo_lineage['relation']}" in article and slo_lineage["sql_hash"] in article


def test_demo_series_by_window(demo_run):
    """windows: 14 on the daily PSI: one row per day, the step on the last day; the console
    shows that series; the metric store holds one row per window; apac's daily AUC is low on
    every labelled day; label coverage falls over the last days (labels arrive 1-6 days late)."""
    h = demo_run["history"]
    psi = h[(h["test_name"] == "predictions_numeric_drift_psi") & (h["column_name"] == "days_since_last_login")
            & h["segment_column"].isna()].sort_values("window_start")
    assert len(psi) == 14 and psi["window_end"].iloc[-1] == AS_OF
    assert list(psi["status"]) == ["pass"] * 13 + ["fail"]
    assert psi["value"].iloc[:-1].max() < 0.05 < 0.2 < psi["value"].iloc[-1]
    for out in (demo_run["result"].stderr, demo_run["wide"]):
        assert "series predictions_numeric_drift_psi · days_since_last_login: psi by window" in out
        assert out.count("✘", out.index("series predictions_numeric_drift_psi")) >= 1
    auc = h[(h["test_name"] == "churn_roc_auc_daily_by_region") & (h["metric"] == "roc_auc")]
    assert auc["window_start"].nunique() == 7
    apac = auc[auc["segment_value"] == "apac"]
    others = auc[auc["segment_value"].isin(["americas", "emea"])]
    assert len(apac) == 7 and apac["value"].max() < others["value"].min()
    cov = h[(h["test_name"] == "churn_label_coverage_daily") & h["segment_column"].isna()].sort_values("window_start")
    assert len(cov) == 14
    assert cov["value"].iloc[:7].min() > 0.7 and cov["value"].iloc[-1] < 0.1
    assert cov["value"].iloc[-7:].is_monotonic_decreasing
    con = duckdb.connect(str(demo_run["dir"] / DUCKDB_FILE), read_only=True)
    try:
        store = con.execute("select window_start from ml_monitor_metrics where test_name = 'predictions_numeric_drift_psi'"
                            " and column_name = 'days_since_last_login' and segment_column is null").fetchall()
    finally:
        con.close()
    assert len(store) == 14


def test_drift_thresholds_have_margin(demo_run):
    """Stable features pass far below their thresholds; the injected shifts fail far above."""
    h = demo_run["history"]
    drift = h[h["monitor"].isin(["psi_drift", "ks_drift", "js_drift", "prediction_drift"])]
    stable = drift[(drift["status"] == "pass") & drift["metric"].isin(["psi", "ks", "js_distance"])]
    assert len(stable) >= 12
    assert (stable["value"] < stable["threshold"] / 3).all(), stable[["test_name", "column_name", "value"]]
    shifted = drift[drift["status"] == "fail"]
    assert (shifted["value"] > shifted["threshold"] * 1.4).all(), shifted[["test_name", "column_name", "value"]]


def test_history_numbers_match_pandas(demo_run, data):
    h, p = demo_run["history"], demo_run["raw"]["predictions"]
    # what dbt read is what the generator made (nulls and NaN/inf included)
    assert len(p) == len(data.predictions)
    assert p["income"].isna().sum() == data.predictions["income"].isna().sum()
    latest = p[(p["prediction_ts"] >= LATEST_START) & (p["prediction_ts"] < AS_OF)]
    n = len(latest)

    row = _row(h, "predictions_income_null_rate", "income")
    assert row["sample_size"] == n
    assert abs(row["value"] - latest["income"].isna().sum() / n) <= 1e-12
    assert abs(row["value"] - data.predictions.loc[data.predictions["prediction_ts"] >= LATEST_START,
                                                   "income"].isna().mean()) <= 1e-12

    bad_age = (latest["age"] < 18) | (latest["age"] > 100)
    assert abs(_row(h, "predictions_age_range", "age")["value"] - bad_age.mean()) <= 1e-12
    partner = latest["channel"] == "partner"
    row = _row(h, "predictions_age_range", "age", ("channel", "partner"))
    assert row["sample_size"] == partner.sum()
    assert abs(row["value"] - bad_age[partner].mean()) <= 1e-12
    assert _row(h, "predictions_age_range", "age", ("channel", "organic"))["value"] == 0

    # avg_basket: DuckDB's pandas export turns NaN into NaN/None alike, so count in numpy from
    # the generator and check that DuckDB holds the same number of non-finite values
    basket = data.predictions.loc[data.predictions["prediction_ts"] >= LATEST_START, "avg_basket"].to_numpy()
    violations = (~np.isfinite(basket)) | (basket < 0) | (basket > 10000)
    row = _row(h, "predictions_avg_basket_range", "avg_basket")
    assert row["sample_size"] == n and abs(row["value"] - violations.sum() / n) <= 1e-12
    with duckdb.connect(str(demo_run["dir"] / DUCKDB_FILE), read_only=True) as con:
        nonfinite = con.execute(
            "select count(*) filter (where isnan(avg_basket)), count(*) filter (where avg_basket = 'Infinity'),"
            " count(*) filter (where avg_basket = '-Infinity'), count(*) filter (where avg_basket is null)"
            " from raw.predictions").fetchone()
    assert nonfinite == (6, 4, 2, 0)

    t = demo_run["raw"]["training_set"]
    new = set(latest["device"]) - set(t["device"])
    assert new == {"smart_tv"}
    assert _row(h, "predictions_categories_vs_training", "device", metric="new_categories")["value"] == len(new)
    assert _row(h, "predictions_categories_vs_training", "country", metric="new_categories")["value"] == 0

    row = _row(h, "predictions_volume_last_day", None, metric="row_count")
    assert row["value"] == n
    previous = p[(p["prediction_ts"] >= LATEST_START - pd.Timedelta(days=7)) & (p["prediction_ts"] < LATEST_START)]
    ratio = _row(h, "predictions_volume_last_day", None, metric="row_count_ratio")["value"]
    assert math.isclose(ratio, n / (len(previous) / 7), rel_tol=1e-12)

    for region, g in latest.groupby("region"):
        row = _row(h, "predictions_features_null_rate_last_day", "credit_score", ("region", region))
        assert row["sample_size"] == len(g)
        assert abs(row["value"] - g["credit_score"].isna().mean()) <= 1e-12


def test_a_dbt_error_is_reported_as_such_not_as_failing_checks(tmp_path):
    """A model that cannot build is a dbt error (exit code 2), never a failing check."""
    from ml_monitor.demo.runner import run_project

    (tmp_path / "models").mkdir()
    (tmp_path / "dbt_project.yml").write_text(
        "name: broken\nversion: '1.0'\nconfig-version: 2\nprofile: broken\n"
        "flags:\n  log_level_file: info\n")  # as in the demo project: a log file, a quiet terminal
    (tmp_path / "profiles.yml").write_text(
        "broken:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: {str(tmp_path / 'broken.duckdb')!r}\n      threads: 1\n")
    (tmp_path / "models" / "broken.sql").write_text("select * from no_such_table")
    seen, phases = [], []

    def on_event(event):  # the progress bar's hook: it sees dbt's events and cannot break the run
        seen.append(event.info.name)
        raise RuntimeError("a broken progress display")

    report, observations = run_project(tmp_path, tmp_path / "broken.duckdb", on_event=on_event,
                                       on_phase=phases.append)
    assert phases == ["deps", "build"] and "LogStartLine" in seen and "NodeFinished" in seen
    assert report.exit_code == 2 and not any(c.failed for c in report.checks) and observations == {}
    assert report.error is None and len(report.node_errors) == 1
    assert report.node_errors[0]["name"] == "broken" and "no_such_table" in report.node_errors[0]["message"]
    assert "Catalog Error" in (tmp_path / "logs" / "dbt.log").read_text()


def test_demo_estimated_performance_beside_the_realized(demo_run):
    """CBPE over the last 7 days: an estimate (with its band) in every window, the realized AUC
    only where labels arrived (not the newest day). apac's concept drift is what CBPE cannot
    see: on the older days its estimate stays with the other regions while its realized AUC is
    far lower. Over the last 3 days apac's scores lose confidence: CBPE sees that, its estimate
    falls to where the realized AUC is and fails, the newest day before any label arrived."""
    h = demo_run["history"]
    e = h[h["test_name"] == "churn_estimated_roc_auc_daily"]
    est = e[(e["metric"] == "roc_auc") & e["segment_column"].isna()].sort_values("window_start")
    assert len(est) == 7 and est["window_end"].iloc[-1] == AS_OF and set(est["status"]) == {"pass"}
    facts = [json.loads(f) for f in est["facts"]]
    assert all(f["lower"] < v < f["upper"] for f, v in zip(facts, est["value"]))
    real = e[(e["metric"] == "realized_roc_auc") & e["segment_column"].isna()]
    assert 0 < len(real) < 7 and real["window_start"].max() < LATEST_START
    apac = e[(e["segment_value"] == "apac")]
    a_est = apac[apac["metric"] == "roc_auc"].set_index("window_start")
    a_real = apac[apac["metric"] == "realized_roc_auc"].set_index("window_start")["value"]
    gap = (a_est["value"] - a_real).dropna()
    assert len(gap) == len(real)
    older = gap.index < LOW_CONFIDENCE_START
    assert older.sum() >= 3 and (gap[older] > 0.1).all()
    low = a_est[a_est.index >= LOW_CONFIDENCE_START]
    assert len(low) == 3 and (low["value"] < 0.7).all() and set(low["status"]) == {"fail"}
    assert (a_est.loc[a_est.index < LOW_CONFIDENCE_START, "value"] > 0.75).all()
    others = e[(e["metric"] == "roc_auc") & e["segment_value"].isin(["americas", "emea"])]
    assert len(others) == 14 and (others["value"] > 0.75).all() and set(others["status"]) == {"pass"}
