"""A label-joined monitor filtered by `where` keeps working on the run after a backfill.

A regression model's `performance` and `label_coverage` with `where`, `windows: N` and
`label_timestamp_column`: the second run (one day later, late labels arrived) checks which stored
windows got new labels. dbt passes a test with a `where` as "(select * from x where ...)
dbt_subquery", and that check read it as `from <model> as p`: a syntax error on DuckDB and
PostgreSQL, so every scheduled run after the first errored. Expected values: scikit-learn on the
labels known at each run (pandas), never our SQL. DuckDB and PostgreSQL (ML_MONITOR_ADAPTERS).
"""

from __future__ import annotations

import math
import uuid

import numpy as np
import pandas as pd
import pytest

from conftest import drop_pg_schemas, sql_adapters
from dbt_project_runner import project_rows, run_dbt, write_package_project

ADAPTERS = sql_adapters()
RUNS = {1: "2026-01-10 00:00:00", 2: "2026-01-11 00:00:00"}

SCHEMA_YML = """
version: 2
models:
  - name: preds
    data_tests:
      - ml_monitor.label_coverage:
          name: house_price_coverage
          arguments: &series       # the series both tests read (a YAML anchor: one place)
            labels: ref('labels')
            join_key: id
            label_column: price
            label_timestamp_column: label_ts
            timestamp_column: prediction_ts
            label_delay: {period: day, count: 1}
            window: {period: day, count: 1}
            windows: 2
            segment_by: [region]
            where: "kind = 'house'"
      - ml_monitor.performance:
          name: house_price_errors
          arguments:
            <<: *series
            metric: [mae, rmse, mape, r2]
            prediction_column: predicted_price
"""


def _data() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Houses predicted on 01-07, 01-08 and 01-09 (and flats, filtered out by `where`, with errors
    that would move every metric); half of 01-08's labels arrive late, on 01-10 12:00."""
    rng = np.random.default_rng(5)
    preds, labels = [], []
    i = 0
    for day in ["2026-01-07", "2026-01-08", "2026-01-09"]:
        for k in range(24):
            i += 1
            kind = "flat" if k % 6 == 5 else "house"
            price = float(np.round(rng.normal(400_000, 90_000), 2))
            pred = float(np.round(price * rng.normal(1, 0.08), 2)) if kind == "house" else price * 3
            preds.append((i, f"{day} {k:02d}:00:00", ["north", "south"][k % 2], kind, pred))
            late = day == "2026-01-08" and k % 2 == 0
            label_ts = pd.Timestamp(day) + pd.Timedelta(days=2 if late else 1, hours=12 if late else 0)
            labels.append((i, price, str(label_ts)))
    p = pd.DataFrame(preds, columns=["id", "prediction_ts", "region", "kind", "predicted_price"])
    lab = pd.DataFrame(labels, columns=["id", "price", "label_ts"])
    return p, lab


def _values_sql(df: pd.DataFrame, types: dict[str, str]) -> str:
    def lit(v, t):
        return f"cast('{v}' as {t})" if t in ("timestamp", "varchar(16)") else f"cast({v!r} as {t})"
    return "\nunion all\n".join("select " + ", ".join(f"{lit(v, types[c])} as {c}" for c, v in row.items())
                                for row in df.to_dict("records"))


def _expected(p: pd.DataFrame, lab: pd.DataFrame, as_of: str) -> dict:
    """(window start, region or None) -> {metric: value} by scikit-learn, for one run."""
    from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, mean_squared_error, r2_score

    as_of = pd.Timestamp(as_of)
    cutoff = as_of - pd.Timedelta(days=1)
    known = lab[pd.to_datetime(lab.label_ts) <= as_of]
    df = p[p.kind == "house"].assign(prediction_ts=pd.to_datetime(p.prediction_ts)).merge(known, on="id", how="left")
    out = {}
    for k in (2, 1):
        start = cutoff - pd.Timedelta(days=k)
        w = df[(df.prediction_ts >= start) & (df.prediction_ts < start + pd.Timedelta(days=1))]
        for seg, g in [(None, w)] + list(w.groupby("region")):
            y = g.dropna(subset=["price"])
            vals = {"label_coverage": len(y) / len(g)}
            if len(y):
                vals.update(mae=mean_absolute_error(y.price, y.predicted_price),
                            rmse=math.sqrt(mean_squared_error(y.price, y.predicted_price)),
                            mape=mean_absolute_percentage_error(y.price, y.predicted_price),
                            r2=r2_score(y.price, y.predicted_price))
            out[(start, seg)] = vals
    return out


@pytest.fixture(params=ADAPTERS)
def project(request, tmp_path):
    adapter = request.param
    schema = f"hp_{uuid.uuid4().hex[:10]}"
    db = tmp_path / "hp.duckdb"
    root = write_package_project(tmp_path / "hp", "hp", db, """\
        models:
          hp:
            +materialized: table
        """, adapter=adapter, schema=schema)
    p, lab = _data()
    (root / "models" / "preds.sql").write_text(_values_sql(p, {
        "id": "bigint", "prediction_ts": "timestamp", "region": "varchar(16)", "kind": "varchar(16)",
        "predicted_price": "double precision"}))
    (root / "models" / "labels.sql").write_text(_values_sql(lab, {
        "id": "bigint", "price": "double precision", "label_ts": "timestamp"}))
    (root / "models" / "schema.yml").write_text(SCHEMA_YML)
    work = tmp_path / "w"
    assert run_dbt(["deps"], adapter, work, project=root).returncode == 0

    def build(run: int) -> pd.DataFrame:
        res = run_dbt(["build", "--vars", f"{{ml_monitor_as_of: '{RUNS[run]}'}}"], adapter, work, project=root)
        errors = [r for r in res.results if r["status"] == "error"]
        assert not errors, "\n".join(f"{r['unique_id']}: {r.get('message')}" for r in errors) + res.output[-2000:]
        sql = ("select test_name, metric, segment_value, window_start, value, status, is_rescored "
               "from {s}.ml_monitor_metrics")
        rows = project_rows(adapter, sql, db, schema)
        df = pd.DataFrame(rows, columns=["test_name", "metric", "segment_value", "window_start", "value", "status",
                                         "is_rescored"])
        df["window_start"] = pd.to_datetime(df.window_start)
        return df

    yield p, lab, build
    if adapter == "postgres":
        drop_pg_schemas(schema, schema + "_dbt_test__audit")


def test_where_filtered_series_rescores_late_labels_on_the_next_run(project):
    p, lab, build = project
    for run in (1, 2):
        store = build(run)
        expected = _expected(p, lab, RUNS[run])
        for (start, seg), vals in expected.items():
            for metric, value in vals.items():
                test = "house_price_coverage" if metric == "label_coverage" else "house_price_errors"
                got = store[(store.test_name == test) & (store.metric == metric) & (store.window_start == start)
                            & (store.segment_value.isna() if seg is None else store.segment_value == seg)]
                assert len(got) == 1, (run, test, metric, start, seg, store)
                assert got.value.iloc[0] == pytest.approx(value, abs=1e-9), (run, test, metric, start, seg)
    # the second run re-scored 01-08 where its late labels are (north, and so the overall row)
    jan8 = store[(store.window_start == pd.Timestamp("2026-01-08")) & (store.segment_value.fillna("north") == "north")]
    assert len(jan8) and jan8.is_rescored.all(), jan8
