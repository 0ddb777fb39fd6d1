"""bench/windows_bench.py's parts that need no dbt: the windowed data, the suite's extra arguments,
and the backfill-vs-daily comparison (issue #14's benchmark)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
import suite  # noqa: E402
import windows_bench  # noqa: E402


def test_data_has_n_rows_per_utc_day(tmp_path):
    ctx = windows_bench.make_data(tmp_path, per_window=1000, windows=4, seed=1)
    con = duckdb.connect(str(ctx["db"]), read_only=True)
    rows = con.execute("select cast(ts as date) as d, count(*), min(id), max(id) from raw.predictions "
                       "group by 1 order by 1").fetchall()
    # 4 backfill days + the incremental run's new day, 1000 rows each, ids in time order
    assert [str(r[0]) for r in rows] == ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05"]
    assert [r[1] for r in rows] == [1000] * 5
    assert [(r[2], r[3]) for r in rows] == [(k * 1000, k * 1000 + 999) for k in range(5)]
    # the last row of a day is before midnight, the first of the next at midnight
    first, last = con.execute("select min(ts), max(ts) from raw.predictions").fetchone()
    assert str(first) == "2026-01-01 00:00:00" and str(last) == "2026-01-05 23:58:33.600000"
    assert con.execute("select count(*) from raw.reference").fetchone()[0] == 1000
    # labels for ~70% of every day's predictions
    share = con.execute("select count(*) / 5000 from raw.labels").fetchone()[0]
    assert 0.65 < share < 0.75
    con.close()
    # a second call reuses the data set (manifest) and does not add ts again
    again = windows_bench.make_data(tmp_path, per_window=1000, windows=4, seed=1)
    assert again["db"] == ctx["db"]


def test_every_test_gets_the_window_arguments():
    extra = {"timestamp_column": "ts", "window": {"period": "day", "count": 1}, "windows": 30}
    doc = yaml.safe_load(suite.suite_yaml(["num_0", "num_1"], ["cat_0"], "reference", extra))
    pred = next(m for m in doc["models"] if m["name"] == "predictions")
    tests = pred["data_tests"] + pred["columns"][0]["data_tests"]
    assert len(tests) == 6
    for t in tests:
        (args,) = [v["arguments"] for v in t.values()]
        assert {k: args[k] for k in extra} == extra, t
    # without extra arguments the suite is unchanged (score range bounds still there)
    plain = yaml.safe_load(suite.suite_yaml(["num_0"], ["cat_0"], "reference"))
    score_range = plain["models"][2]["columns"][0]["data_tests"][0]["ml_monitor.value_range"]["arguments"]
    assert score_range == {"min_value": 0, "max_value": 1}


def test_compare_finds_a_wrong_value_and_a_missing_row():
    key = ("bench_psi_drift", "psi_drift", "psi", "num_0", None, None, "2026-01-03 00:00:00")
    key2 = key[:3] + ("num_1",) + key[4:]
    backfill = {key: 0.25, key2: float("nan")}
    ok = windows_bench.compare(backfill, {key: 0.25 + 1e-12, key2: float("nan")})
    assert ok["compared"] == 1 and ok["max_abs_diff"] < 1e-9 and ok["n_missing"] == 0
    wrong = windows_bench.compare(backfill, {key: 0.26})
    assert wrong["max_abs_diff"] == pytest.approx(0.01)
    nan_vs_value = windows_bench.compare(backfill, {key2: 0.1})
    assert math.isinf(nan_vs_value["max_abs_diff"])
    missing = windows_bench.compare(backfill, {key[:6] + ("2026-01-04 00:00:00",): 0.25})
    assert missing["n_missing"] == 1 and missing["compared"] == 0


def test_keep_monitors_drops_the_other_tests(tmp_path):
    p = tmp_path / "project"
    (p / "models").mkdir(parents=True)
    (p / "models" / "suite.yml").write_text(suite.suite_yaml(["num_0"], ["cat_0"], "reference", {"windows": 3}))
    windows_bench.keep_monitors(p, ["null_rate", "value_range"])
    doc = yaml.safe_load((p / "models" / "suite.yml").read_text())
    pred = next(m for m in doc["models"] if m["name"] == "predictions")
    names = [next(iter(t)) for t in pred["data_tests"] + pred["columns"][0]["data_tests"]]
    assert names == ["ml_monitor.null_rate", "ml_monitor.value_range", "ml_monitor.value_range"]
    assert pred["data_tests"][0]["ml_monitor.null_rate"]["arguments"]["windows"] == 3


def test_incremental_floor_auc_is_exact_and_its_check_can_fail(tmp_path):
    """bench/incremental_floor.py (the floor of (iii)): its hand-written AUCs equal scikit-learn's
    on the new window's joined rows, and the check catches an AUC that orders the scores wrong."""
    import incremental_floor
    db = incremental_floor.build(tmp_path, 20_000, 3)
    manifest = json.loads((tmp_path / "day_20000" / "manifest.json").read_text())
    con = duckdb.connect(str(db), read_only=True)
    days = con.execute("select count(distinct cast(ts as date)), min(ts)::date, max(ts)::date from raw.predictions").fetchone()
    assert days[0] == 4 and str(days[1]) == "2026-01-01" and str(days[2]) == "2026-01-04"
    stmts = incremental_floor.statements(20_000, 3, manifest["numeric"], manifest["categorical"])
    raw = con.execute(stmts["raw scan of the new window (predictions + labels)"][0]).fetchone()
    assert raw[0] == 20_000                      # the new day only
    joined, worst, _ = incremental_floor.check_against_sklearn(con, dict(stmts))
    assert 0.6 * 20_000 < joined < 0.8 * 20_000          # labels for 70% of the predictions
    assert worst < 1e-9
    broken = {k: [s.replace("order by score", "order by score desc") for s in v] for k, v in stmts.items()}
    assert incremental_floor.check_against_sklearn(con, broken)[1] > 1e-3
