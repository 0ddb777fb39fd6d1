"""The observation / history schema is declared once, in the dbt package
(ml_monitor.observation_schema, ml_monitor.history_stamp_columns); the Python constants in
ml_monitor.schema, the history model's YAML and the SQL that builds the rows must agree with it.

One in-process dbt parse of the integration project (DuckDB), then a few `compile --inline`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlglot
import yaml

from dbt_project_runner import INTEGRATION, REPO, ensure_integration_deps
from ml_monitor.schema import HISTORY_COLUMNS, HISTORY_STAMP_SCHEMA, OBSERVATION_COLUMNS, OBSERVATION_SCHEMA


@pytest.fixture(scope="module")
def compile_inline(tmp_path_factory):
    from dbt.cli.main import dbtRunner

    ensure_integration_deps()
    work = tmp_path_factory.mktemp("schema")
    common = ["--project-dir", str(INTEGRATION), "--profiles-dir", str(INTEGRATION),
              "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet"]
    import os
    saved = os.environ.get("ML_MONITOR_DUCKDB_PATH")
    os.environ["ML_MONITOR_DUCKDB_PATH"] = str(work / "schema.duckdb")
    parsed = dbtRunner().invoke(["parse", *common])
    assert parsed.success, parsed.exception
    runner = dbtRunner(manifest=parsed.result)

    def compiled(sql: str) -> str:
        result = runner.invoke(["compile", "--inline", sql, *common])
        assert result.success, result.exception
        return result.result.results[0].node.compiled_code

    def shown(sql: str) -> list[tuple]:
        result = runner.invoke(["show", "--inline", sql, "--limit", "-1", *common])
        assert result.success, result.exception
        return [tuple(r) for r in result.result.results[0].agate_table.rows]

    compiled.show = shown
    yield compiled
    if saved is None:
        os.environ.pop("ML_MONITOR_DUCKDB_PATH", None)
    else:
        os.environ["ML_MONITOR_DUCKDB_PATH"] = saved


def test_python_constants_match_the_macros(compile_inline):
    obs = json.loads(compile_inline("{{ tojson(ml_monitor.observation_schema()) }}"))
    stamps = json.loads(compile_inline("{{ tojson(ml_monitor.history_stamp_columns()) }}"))
    history = json.loads(compile_inline("{{ tojson(ml_monitor.history_columns()) }}"))
    assert [tuple(c) for c in obs] == list(OBSERVATION_SCHEMA)
    assert [tuple(c) for c in stamps] == list(HISTORY_STAMP_SCHEMA)
    assert [tuple(c) for c in history] == list(HISTORY_COLUMNS.items())
    assert json.loads(compile_inline("{{ tojson(ml_monitor.observation_columns()) }}")) == list(OBSERVATION_COLUMNS)


def test_the_sql_builds_exactly_those_columns(compile_inline):
    # the final select of every monitor, and the typed empty history table
    scope = "{'min_rows': 1, 'window_start': none, 'window_end': none, 'window_start_sql': 'null', 'window_end_sql': 'null'}"
    for has_facts in ("true", "false"):
        sql = compile_inline("{{ ml_monitor._finalize_observations('volume', 'long', " + scope
                             + ", has_facts=" + has_facts + ") }}")
        assert sqlglot.parse_one(sql, read="duckdb").named_selects == list(OBSERVATION_COLUMNS)
    sql = compile_inline("{{ ml_monitor.history_empty_select() }}")
    assert sqlglot.parse_one(sql, read="duckdb").named_selects == list(HISTORY_COLUMNS)


def test_history_model_yaml_documents_every_column():
    doc = yaml.safe_load((REPO / "models" / "ml_monitor_observations.yml").read_text())
    (model,) = [m for m in doc["models"] if m["name"] == "ml_monitor_observations"]
    assert [c["name"] for c in model["columns"]] == list(HISTORY_COLUMNS)


def test_a_wrong_constant_is_caught(compile_inline):
    # the comparison above really compares: a schema with one column renamed differs
    obs = [tuple(c) for c in json.loads(compile_inline("{{ tojson(ml_monitor.observation_schema()) }}"))]
    wrong = list(OBSERVATION_SCHEMA)
    wrong[-1] = ("fact", "string")
    assert obs != wrong


def test_json_helpers_round_trip(compile_inline):
    """The facts' JSON text, built by string concatenation in SQL, parses back to the values."""
    # quotes, a backslash, newline, tab and non-ASCII; control characters and the backslash
    # written with chr() so that neither Jinja nor SQL literals interpret them
    nasty = 'a "q" \\ x\nline\ttab it\'s é日'
    lit = ("'a \"q\" ' || chr(92) || ' x' || chr(10) || 'line' || chr(9) || 'tab it''s é日'")
    (row,) = compile_inline.show(
        "select {{ ml_monitor.json_string(\"" + lit.replace('"', '\\"') + "\") }} as s, "
        "{{ ml_monitor.json_string('null') }} as n, "
        "{{ ml_monitor.json_number('0.1') }} as a, {{ ml_monitor.json_number('1.0 / 3') }} as b, "
        "{{ ml_monitor.json_number('1e-05') }} as c, {{ ml_monitor.json_number(\"cast('NaN' as double)\") }} as d, "
        "{{ ml_monitor.json_int('42') }} as i, {{ ml_monitor.json_literal({'w': none, 'x': [1, 'y']}) }} as l")
    s, n, a, b, c, d, i, lit_json = row
    assert json.loads(s) == nasty and json.loads(n) is None
    assert [json.loads(x) for x in (a, b, c, d, i)] == [0.1, 1.0 / 3, 1e-05, None, 42]
    assert json.loads(lit_json) == {"w": None, "x": [1, "y"]}
    # ordered aggregation, whatever order the rows come in; no row gives []
    (agg,) = compile_inline.show(
        "select {{ ml_monitor.json_array_agg(ml_monitor.json_int('k'), 'k') }} as j "
        "from (select 3 as k union all select 1 union all select 2) as t")
    assert json.loads(agg[0]) == [1, 2, 3]
    (empty,) = compile_inline.show(
        "select {{ ml_monitor.json_array_agg(ml_monitor.json_int('k'), 'k') }} as j "
        "from (select 1 as k) as t where k = 0")
    assert json.loads(empty[0]) == []
