"""Production-failure monitors on inputs shaped like real logs, on DuckDB and PostgreSQL
(ML_MONITOR_ADAPTERS): a boolean status column (`is_error`) for serving_slo, entity keys of
another type on the other side (bigint in the log, text in the feature store) for feature_skew
and point_in_time's feature history, and an empty offline side. Expected numbers from pandas.
"""

from __future__ import annotations

import os

import pytest

from conftest import drop_pg_schemas
from test_column_case import ADAPTERS, _build

pytestmark = pytest.mark.adversarial

# (status, latency) of one day's requests; is_error is status >= 500, NULL where status is NULL
REQUESTS = [(200, 10.0), (500, 30.0), (503, 20.0), (200, 15.0), (None, 12.0), (200, 11.0), (504, 50.0), (200, 9.0)]


def _models() -> dict[str, str]:
    reqs = ", ".join(f"({'null' if s is None else s}, {lat}, timestamp '2026-01-30 {i:02d}:00:00')"
                     for i, (s, lat) in enumerate(REQUESTS))
    return {
        "requests": "select cast(ts as timestamp) as ts, cast(latency as double precision) as latency, status >= 500 as is_error "
                    f"from (values {reqs}) as t(status, latency, ts)",
        "slo_bool_rows": "{{ ml_monitor.serving_slo(ref('requests'), status_column='is_error', error_values=[true], "
                         "timestamp_column='ts', window={'period': 'day', 'count': 1}) }}",
        "serving": "select * from (values (1, 1.5, timestamp '2026-01-30 01:00:00'), (2, 2.5, timestamp '2026-01-30 02:00:00')) "
                   "as t(id, x, ts)",
        "offline_text_key": "select cast(id as varchar(10)) as id, x from {{ ref('serving') }}",
        "offline_same_key": "select id, x from {{ ref('serving') }}",
        "skew_empty_offline_rows": "{{ ml_monitor.feature_skew(ref('serving'), offline=ref('offline_same_key'), entity_key='id', "
                                   "features=['x'], offline_where='id < 0') }}",
        "training": "select id, ts as cutoff, x from {{ ref('serving') }}",
        "history_text_key": "select cast(id as varchar(10)) as id, timestamp '2026-01-01 00:00:00' as valid_from, "
                            "cast(null as timestamp) as valid_to, x from {{ ref('serving') }}",
        # the generic tests sit on copies: dbt build skips what depends on a failing or erroring test
        "requests_t": "select * from {{ ref('requests') }}",
        "serving_t": "select * from {{ ref('serving') }}",
        "training_t": "select * from {{ ref('training') }}",
    }


SCHEMA = """
models:
  - name: requests_t
    data_tests:
      - ml_monitor.serving_slo:
          name: slo_bool_errors
          arguments: {status_column: is_error, error_values: [true], max_error_rate: 0.2,
                      timestamp_column: ts, window: {period: day, count: 1}}
      - ml_monitor.serving_slo:
          name: slo_bool_wrong_values
          arguments: {status_column: is_error, error_values: [500], max_error_rate: 0.2}
  - name: serving_t
    data_tests:
      - ml_monitor.feature_skew:
          name: skew_text_key
          arguments: {offline: ref('offline_text_key'), entity_key: id, features: [x]}
  - name: training_t
    data_tests:
      - ml_monitor.point_in_time:
          name: pit_text_key
          arguments: {cutoff_column: cutoff, feature_history: ref('history_text_key'), entity_key: id,
                      valid_from: valid_from, valid_to: valid_to, history_features: [x]}
"""


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_production_inputs(adapter, tmp_path):
    import pandas as pd

    schema = f"prodin_{os.getpid()}"
    models = "main" if adapter == "duckdb" else schema
    try:
        ok, by_name, rows = _build(adapter, tmp_path / "prodin", _models(), SCHEMA, schema)
        # a boolean status column: error_values [true] counts the rows whose is_error is true
        # (compared as text, 'true' never equalled 'True': 0 errors, and the test passed)
        status = pd.Series([s for s, _ in REQUESTS], dtype="Float64")
        expected = float((status >= 500).fillna(False).mean())
        (value, n, detail), = rows("select value, sample_size, detail from {audit}.slo_bool_errors "
                                   "where metric = 'error_rate' and segment_column is null")
        assert n == len(REQUESTS) and abs(value - expected) < 1e-12, (value, expected, detail)
        assert detail.startswith(f"{int((status >= 500).sum())} of {len(REQUESTS)} requests with status in (true); 1 with no status"), detail
        assert by_name["slo_bool_errors"]["status"] == "fail"           # 3/8 > 0.2
        (value,), = rows(f"select value from {models}.slo_bool_rows where metric = 'error_rate' and segment_column is null")
        assert abs(value - expected) < 1e-12
        r = by_name["slo_bool_wrong_values"]
        assert r["status"] == "error" and "argument 'error_values' must be true or false: status column 'is_error' is" in r["message"], r
        # keys of another kind on the other side: a compile-time error naming the argument and both
        # types (was a run-time engine error: operator does not exist: bigint = character varying)
        for name, side in (("skew_text_key", "in the offline"), ("pit_text_key", "in the feature_history")):
            r = by_name[name]
            assert r["status"] == "error", (name, r)
            msg = r["message"]
            assert "argument 'entity_key' must name key columns of the same kind on both sides; 'id' is" in msg, msg
            assert side in msg and "Database Error" not in msg and "Runtime Error" not in msg, msg
        # an empty offline side: missing_serving_rate is no_data saying so (it said "no rows")
        (status_, detail), = rows(f"select status, detail from {models}.skew_empty_offline_rows where metric = 'missing_serving_rate'")
        assert (status_, detail) == ("no_data", "the offline side has no row with a key under offline_where")
        assert not ok
    finally:
        if adapter == "postgres":
            drop_pg_schemas(schema, f"{schema}_dbt_test__audit")


EVENT_KEYS = [(1, "2026-01-29 00:00:00", 1.0, 1.0), (2, "2026-01-30 00:00:00", 2.0, 2.5), (3, "2026-01-30 00:00:00", 3.0, 3.0)]


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_time_key_joins_the_same_instant_in_any_session_zone(adapter, tmp_path, monkeypatch):
    """event_time_key is timestamptz in the serving log and a naive UTC timestamp offline: joined
    in the session's zone, an America/Los_Angeles session matched no key (missing_offline_rate 1,
    nothing compared). Joined as UTC instants, the same rows as in a UTC session."""
    from dbt_project_runner import build_tiny_project, duckdb_rows

    zone = "America/Los_Angeles"
    serving = ", ".join(f"({k}, cast('{t}+00' as timestamp with time zone), {s})" for k, t, s, _ in EVENT_KEYS)
    offline = ", ".join(f"({k}, cast('{t}' as timestamp), {o})" for k, t, _, o in EVENT_KEYS)
    models = {
        "serving": f"select * from (values {serving}) as t(id, evt, x)",
        "offline": f"select * from (values {offline}) as t(id, evt, x)",
        "skew_rows": "{{ ml_monitor.feature_skew(ref('serving'), offline=ref('offline'), entity_key='id', "
                     "event_time_key='evt', features=['x'], n_examples=0) }}",
    }
    schema = f"prodtz_{os.getpid()}"
    sql = ("select metric, value, sample_size from {models}.skew_rows "
           "where metric in ('missing_offline_rate', 'mismatch_rate') and segment_column is null")
    try:
        if adapter == "duckdb":
            ok, _ = build_tiny_project(tmp_path / "prodtz", models, "models: []\n", settings={"TimeZone": f"'{zone}'"})
            got = duckdb_rows(tmp_path / "prodtz" / "e.duckdb", sql.format(models="main"))
        else:
            monkeypatch.setenv("PGTZ", zone)
            ok, _, rows = _build(adapter, tmp_path / "prodtz", models, "models: []\n", schema)
            got = rows(sql.format(models=schema))
        assert ok
        got = {m: (v, n) for m, v, n in got}
        n_diff = sum(s != o for _, _, s, o in EVENT_KEYS)
        assert got["missing_offline_rate"] == (0.0, len(EVENT_KEYS)), got
        assert got["mismatch_rate"][1] == len(EVENT_KEYS) and abs(got["mismatch_rate"][0] - n_diff / len(EVENT_KEYS)) < 1e-12, got
    finally:
        if adapter == "postgres":
            drop_pg_schemas(schema, f"{schema}_dbt_test__audit")
