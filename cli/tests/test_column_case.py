"""Column names written in another case than the relation's (`region` for "Region", `pred tstz`
for "Pred TSTZ") are resolved to the relation's own spelling at compile time, so the SQL works on
PostgreSQL too, where a quoted identifier is case-sensitive (it was `column "region" does not
exist` there, after passing the case-insensitive compile-time check). Every argument kind: the
monitored columns, segment_by, timestamp_column with a window, reference_where drift, a label
join (keys spelt differently on each side, label and score columns), value_range.

Each test written in another case must give the rows of the same test written with the exact
spelling (column_name / segment_column then show the relation's spelling in both), and one value
is checked against pandas. Two columns differing only in case ("ab" and "AB", PostgreSQL): the
exact spelling is used, and a spelling matching neither exactly is a compile error naming both.

Adapters from ML_MONITOR_ADAPTERS (default duckdb)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from conftest import drop_pg_schemas, pg_rows, sql_adapters
from dbt_project_runner import build_tiny_project, duckdb_rows

pytestmark = pytest.mark.adversarial

# DuckDB and PostgreSQL only: Spark matches identifiers without regard to case (like DuckDB),
# and the integration project runs the resolved names there
ADAPTERS = sql_adapters()
AS_OF = "2026-01-31 00:00:00"
REGIONS = ["north", "South", "east"]


def _data():
    rnd = random.Random(7)
    rows = []
    for i in range(1, 241):
        ts = f"2026-01-{25 + i % 6:02d} {i % 24:02d}:00:00"
        age = None if rnd.random() < 0.2 + 0.1 * (i % 3) else round(rnd.uniform(18, 80), 2)
        score = round(rnd.random(), 4)
        label = 1 if rnd.random() < score else 0
        rows.append({"id": i, "region": REGIONS[i % 3], "ts": ts, "age": age, "score": score, "label": label})
    return rows


def _sql_value(v):
    return "null" if v is None else (f"'{v}'" if isinstance(v, str) else repr(v))


def _models(rows) -> dict[str, str]:
    values = ",\n  ".join("(" + ", ".join(_sql_value(r[k]) for k in ("id", "region", "ts", "age", "score")) + ")"
                          for r in rows)
    preds = (f'select id as "ID", region as "Region", cast(ts as timestamp) as "Pred TSTZ",\n'
             f'       cast(age as double precision) as age, cast(score as double precision) as "Score"\n'
             f"from (values\n  {values}\n) as t(id, region, ts, age, score)\n")
    lvalues = ",\n  ".join(f"({r['id']}, {r['label']})" for r in rows if r["id"] % 5)
    labels = f'select id, label as "Label"\nfrom (values\n  {lvalues}\n) as t(id, label)\n'
    return {"preds_odd": preds, "labels_odd": labels}


# (name, arguments written in another case, the same with the exact spelling)
PAIRS = [
    ("null_rate", "{columns: [AGE], segment_by: [region], timestamp_column: 'pred tstz', window: {period: day, count: 3}, max_null_rate: 1}",
     "{columns: [age], segment_by: [Region], timestamp_column: 'Pred TSTZ', window: {period: day, count: 3}, max_null_rate: 1}"),
    ("psi_drift", "{columns: [Age], segment_by: [REGION], reference_where: '\"ID\" <= 120', where: '\"ID\" > 120', threshold: 10}",
     "{columns: [age], segment_by: [Region], reference_where: '\"ID\" <= 120', where: '\"ID\" > 120', threshold: 10}"),
    ("performance", "{metric: [roc_auc, accuracy], labels: ref('labels_odd'), join_key: Id, label_column: label, score_column: score, "
                    "decision_threshold: 0.5, segment_by: [region], timestamp_column: 'PRED TSTZ', window: {period: day, count: 7}}",
     "{metric: [roc_auc, accuracy], labels: ref('labels_odd'), join_key: ID, label_join_key: id, label_column: Label, score_column: Score, "
     "decision_threshold: 0.5, segment_by: [Region], timestamp_column: 'Pred TSTZ', window: {period: day, count: 7}}"),
    ("value_range", "{columns: [SCORE], min_value: 0, max_value: 0.9, segment_by: [region]}",
     "{columns: [Score], min_value: 0, max_value: 0.9, segment_by: [Region]}"),
]


def _schema() -> str:
    tests = ""
    for monitor, odd, exact in PAIRS:
        for kind, args in (("odd", odd), ("exact", exact)):
            tests += f"      - ml_monitor.{monitor}:\n          name: {kind}_{monitor}\n          arguments: {args}\n"
    return "models:\n  - name: preds_odd\n    data_tests:\n" + tests


def _build(adapter: str, root: Path, models: dict[str, str], schema_yml: str, schema: str):
    """dbt deps + build of a tiny project on `adapter`; (success, {test name: result}, read rows)."""
    ok, by_name = build_tiny_project(root, models, schema_yml, project_vars=f'  ml_monitor_as_of: "{AS_OF}"\n',
                                     adapter=adapter, schema=schema)

    def rows(sql: str) -> list[tuple]:
        if adapter == "duckdb":
            return duckdb_rows(root / "e.duckdb", sql.format(audit="main_dbt_test__audit"))
        return pg_rows(sql.format(audit=f"{schema}_dbt_test__audit"))

    return ok, by_name, rows


ROW = ("column_name, segment_column, segment_value, metric, value, sample_size, status, "
       "cast(window_start as varchar(40)), cast(window_end as varchar(40))")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_names_in_another_case_read_the_relations_columns(adapter, tmp_path):
    import pandas as pd

    schema = f"colcase_{os.getpid()}"
    data = _data()
    try:
        ok, by_name, rows = _build(adapter, tmp_path / "colcase", _models(data), _schema(), schema)
        for name, r in by_name.items():
            assert r["status"] in ("pass", "fail"), (adapter, name, r["status"], r.get("message"))
        assert by_name["odd_value_range"]["status"] == "fail"          # scores above 0.9: rows on both paths
        for monitor, _, _ in PAIRS:
            odd = sorted(rows(f"select {ROW} from {{audit}}.odd_{monitor}"), key=repr)
            exact = sorted(rows(f"select {ROW} from {{audit}}.exact_{monitor}"), key=repr)
            assert odd and odd == exact, (monitor, odd, exact)
        # the rows name the columns as the relation spells them
        got = {r[:3]: r[4] for r in rows(f"select {ROW} from {{audit}}.odd_null_rate")}
        assert {k[0] for k in got} == {"age"} and {k[1] for k in got} == {None, "Region"}
        # null_rate of age by region in [as_of - 3 days, as_of), from pandas
        df = pd.DataFrame(data)
        df["ts"] = pd.to_datetime(df["ts"])
        window = df[(df["ts"] >= pd.Timestamp(AS_OF) - pd.Timedelta(days=3)) & (df["ts"] < pd.Timestamp(AS_OF))]
        assert abs(got[("age", None, None)] - window["age"].isna().mean()) < 1e-9
        for region, part in window.groupby("region"):
            assert abs(got[("age", "Region", region)] - part["age"].isna().mean()) < 1e-9, region
        # roc_auc over the labelled predictions (labels for ids not divisible by 5), from scikit-learn
        from sklearn.metrics import roc_auc_score
        perf = {r[:4]: r[4] for r in rows(f"select {ROW} from {{audit}}.odd_performance")}
        labelled = df[df["id"] % 5 != 0]
        assert abs(perf[("Score", None, None, "roc_auc")] - roc_auc_score(labelled["label"], labelled["score"])) < 1e-9
        assert perf[("Label", None, None, "label_coverage")] == pytest.approx(0.8, abs=1e-12)
    finally:
        if adapter == "postgres":
            drop_pg_schemas(schema, f"{schema}_dbt_test__audit")


@pytest.mark.parametrize("adapter", [a for a in ADAPTERS if a == "postgres"])
def test_columns_differing_only_in_case_use_the_exact_one(adapter, tmp_path):
    """PostgreSQL allows "ab" and "AB" in one relation: [ab] reads "ab", [AB] reads "AB", and
    [Ab] (neither exactly) is a compile error naming both."""
    schema = f"colcase2_{os.getpid()}"
    model = ('select i as id, case when i % 2 = 0 then null else i end as "ab", case when i % 4 = 0 then null else i end as "AB"\n'
             "from generate_series(1, 8) as t(i)\n")
    tests = "".join(f"      - ml_monitor.null_rate:\n          name: nr_{name}\n          arguments: {{columns: [{col}], max_null_rate: 1}}\n"
                    for name, col in (("lower", "ab"), ("upper", "AB"), ("mixed", "Ab")))
    try:
        ok, by_name, rows = _build(adapter, tmp_path / "colcase2", {"t": model},
                                   "models:\n  - name: t\n    data_tests:\n" + tests, schema)
        assert rows("select column_name, value from {audit}.nr_lower") == [("ab", 0.5)]
        assert rows("select column_name, value from {audit}.nr_upper") == [("AB", 0.25)]
        assert by_name["nr_mixed"]["status"] == "error"
        message = by_name["nr_mixed"]["message"]
        assert "ml_monitor.null_rate" in message and "'columns'" in message and "ab and AB" in message, message
    finally:
        drop_pg_schemas(schema, f"{schema}_dbt_test__audit")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_reference_spelling_a_column_in_another_case(adapter, tmp_path):
    """A drift / cardinality / performance reference (and feature_skew's offline side) is read with the monitored relation's
    spelling. On PostgreSQL a reference spelling it "Score" where the predictions say score was a
    raw `column "score" does not exist` at run time; now a compile error naming the test, the
    argument and both spellings. On DuckDB (names resolve without regard to case) the same test
    runs and gives scipy's KS statistic."""
    from scipy.stats import ks_2samp

    schema = f"colcase3_{os.getpid()}"
    cur = [round(0.01 * i, 2) for i in range(1, 41)]
    ref = [round(0.015 * i, 3) for i in range(1, 31)]
    models = {
        "cur": "select * from (values " + ", ".join(f"({i}, 'a', {v})" for i, v in enumerate(cur)) + ") as t(id, region, score)\n",
        "ref": 'select id, region as "Region", score as "Score" from (values '
               + ", ".join(f"({i}, 'a', {v})" for i, v in enumerate(ref)) + ") as t(id, region, score)\n",
    }
    schema_yml = ("models:\n  - name: cur\n    data_tests:\n"
                  "      - ml_monitor.ks_drift:\n          name: ks_ref_case\n"
                  "          arguments: {columns: [score], reference: ref('ref')}\n"
                  "      - ml_monitor.psi_drift:\n          name: psi_ref_segment_case\n"
                  "          arguments: {columns: [id], segment_by: [region], reference: ref('ref')}\n"
                  "      - ml_monitor.cardinality:\n          name: card_ref_case\n"
                  "          arguments: {columns: [score], reference: ref('ref')}\n"
                  "      - ml_monitor.feature_skew:\n          name: skew_offline_case\n"
                  "          arguments: {entity_key: id, features: [score], offline: ref('ref')}\n")
    try:
        ok, by_name, rows = _build(adapter, tmp_path / "colcase3", models, schema_yml, schema)
        if adapter == "postgres":
            for name, arg, col, spelt in (("ks_ref_case", "columns", "score", "Score"),
                                          ("psi_ref_segment_case", "segment_by", "region", "Region"),
                                          ("card_ref_case", "columns", "score", "Score"),
                                          ("skew_offline_case", "features", "score", "Score")):
                r = by_name[name]
                assert r["status"] == "error", (name, r["status"], r.get("message"))
                assert "Compilation Error" in r["message"], r["message"]
                for word in (f"'{arg}'", f"names column {col}", f"spells {spelt}", "case-sensitive on postgres"):
                    assert word in r["message"], (word, r["message"])
        else:
            assert by_name["ks_ref_case"]["status"] == "fail"
            (value,) = rows("select value from {audit}.ks_ref_case")[0]
            assert abs(value - ks_2samp(cur, ref).statistic) < 1e-9
            # feature_skew: ids 0..29 on both sides, every score differs (0.01 (i+1) against 0.015 (i+1))
            (rate,) = rows("select value from {audit}.skew_offline_case where metric = 'mismatch_rate' "
                           "and segment_column is null")[0]
            assert abs(rate - sum(c != r for c, r in zip(cur, ref)) / len(ref)) < 1e-12, rate
    finally:
        if adapter == "postgres":
            drop_pg_schemas(schema, f"{schema}_dbt_test__audit")
