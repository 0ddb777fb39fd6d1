"""Bad arguments to the data-quality monitors fail at compile time with a message that names
the test, the model and the argument — each test on its own, without breaking the others."""

from __future__ import annotations

import pytest

from dbt_project_runner import named_data_test, run_dbt, write_package_project

BAD_CASES = {
    # test name -> (yaml of the test, words the error must contain)
    "null_rate_rate_too_big": ("ml_monitor.null_rate:\n  arguments: {max_null_rate: 5}",
                               ["ml_monitor.null_rate", "events", "'max_null_rate'", "<= 1", "5"]),
    "null_rate_rate_not_number": ("ml_monitor.null_rate:\n  arguments: {max_null_rate: lots}",
                                  ["ml_monitor.null_rate", "'max_null_rate'", "must be a number", "lots"]),
    # a string where a number / a boolean belongs is named as a string (was "(got 0.1)")
    "null_rate_rate_string": ("ml_monitor.null_rate:\n  arguments: {max_null_rate: '0.1'}",
                              ["ml_monitor.null_rate", "'max_null_rate'", "must be a number, got the string '0.1'"]),
    "value_range_inclusive_string": ("ml_monitor.value_range:\n  arguments: {min_value: 0, inclusive: 'true'}",
                                     ["'inclusive'", "must be true or false, got the string 'true'"]),
    # a column named twice: duplicate history rows, or x and X as two series of one column
    "null_rate_duplicate_columns": ("ml_monitor.null_rate:\n  arguments: {columns: [id, ts, id]}",
                                    ["ml_monitor.null_rate", "'columns'", "names column id twice", "id, ts, id"]),
    "value_range_duplicate_columns_case": ("ml_monitor.value_range:\n  arguments: {columns: [x, X], min_value: 0}",
                                           ["ml_monitor.value_range", "'columns'", "names column X twice (as x and X", "without regard to case"]),
    "cardinality_duplicate_columns_case": ("ml_monitor.cardinality:\n  arguments: {columns: [ID, id], min_distinct: 1}",
                                           ["ml_monitor.cardinality", "'columns'", "names column id twice (as ID and id"]),
    "null_rate_duplicate_segments": ("ml_monitor.null_rate:\n  arguments: {segment_by: [id, Id]}",
                                     ["ml_monitor.null_rate", "'segment_by'", "names column Id twice"]),
    "value_range_no_bounds": ("ml_monitor.value_range:\n  arguments: {max_violation_rate: 0.1}",
                              ["ml_monitor.value_range", "'min_value'", "'max_value'", "required"]),
    "value_range_min_above_max": ("ml_monitor.value_range:\n  arguments: {min_value: 5, max_value: 1}",
                                  ["ml_monitor.value_range", "'min_value'", "greater than max_value"]),
    "value_range_inclusive_not_bool": ("ml_monitor.value_range:\n  arguments: {min_value: 0, inclusive: maybe}",
                                       ["'inclusive'", "true or false", "maybe"]),
    "accepted_values_empty": ("ml_monitor.accepted_values:\n  arguments: {values: []}",
                              ["ml_monitor.accepted_values", "'values'", "non-empty list"]),
    "accepted_values_missing": ("ml_monitor.accepted_values:\n  arguments: {max_violation_rate: 0.1}",
                                ["ml_monitor.accepted_values", "'values'", "non-empty list"]),
    "cardinality_nothing_to_check": ("ml_monitor.cardinality:\n  arguments: {max_new_categories: 1}",
                                     ["ml_monitor.cardinality", "'min_distinct'", "'reference'"]),
    "cardinality_reference_string": ("ml_monitor.cardinality:\n  arguments: {reference: training_set}",
                                     ["'reference'", "must be a relation", "training_set"]),
    "window_bad_period": ("ml_monitor.null_rate:\n  arguments: {timestamp_column: ts, window: {period: fortnight, count: 1}}",
                          ["'window.period'", "must be one of", "fortnight"]),
    "window_without_timestamp": ("ml_monitor.null_rate:\n  arguments: {window: {period: day, count: 1}}",
                                 ["'timestamp_column'", "required when a window is given"]),
    "timestamp_without_window": ("ml_monitor.null_rate:\n  arguments: {timestamp_column: ts}",
                                 ["ml_monitor.null_rate", "'window'", "required when timestamp_column is given",
                                  "whole table would be evaluated"]),
    "window_zero_count": ("ml_monitor.null_rate:\n  arguments: {timestamp_column: ts, window: {period: day, count: 0}}",
                          ["'window.count'", ">= 1"]),
    "segment_by_mapping": ("ml_monitor.null_rate:\n  arguments: {segment_by: {a: 1}}",
                           ["'segment_by'", "column name"]),
    "min_rows_negative": ("ml_monitor.null_rate:\n  arguments: {min_rows: -3}",
                          ["'min_rows'", ">= 0"]),
    # a model-level test placed under a column: dbt passes column_name, which the user never wrote
    "freshness_under_a_column": ("ml_monitor.freshness:\n  arguments: {timestamp_column: ts, max_age: {period: day}}",
                                 ["ml_monitor.freshness", "'column_name'", "placed under a column",
                                  "model-level test: put it under the model's data_tests", "timestamp_column"]),
    "volume_under_a_column": ("ml_monitor.volume:\n  arguments: {timestamp_column: ts, window: {period: day}, min_count: 1}",
                              ["ml_monitor.volume", "'column_name'", "model-level test"]),
    # windows: N (issue 14)
    "windows_zero": ("ml_monitor.null_rate:\n  arguments: {timestamp_column: ts, window: {period: day}, windows: 0}",
                     ["ml_monitor.null_rate", "events", "'windows'", ">= 1", "got 0"]),
    "windows_negative": ("ml_monitor.value_range:\n  arguments: {min_value: 0, timestamp_column: ts, window: {period: day}, windows: -2}",
                         ["ml_monitor.value_range", "'windows'", ">= 1", "-2"]),
    "windows_not_integer": ("ml_monitor.null_rate:\n  arguments: {timestamp_column: ts, window: {period: day}, windows: 2.5}",
                            ["ml_monitor.null_rate", "'windows'", "whole number", "2.5"]),
    "windows_not_number": ("ml_monitor.accepted_values:\n  arguments: {values: [1], timestamp_column: ts, window: {period: day}, windows: seven}",
                           ["ml_monitor.accepted_values", "'windows'", "whole number", "seven"]),
    "windows_without_window": ("ml_monitor.cardinality:\n  arguments: {min_distinct: 1, timestamp_column: ts, windows: 7}",
                               ["ml_monitor.cardinality", "'windows'", "needs timestamp_column and window", "7"]),
    "windows_without_timestamp": ("ml_monitor.null_rate:\n  arguments: {windows: 3}",
                                  ["ml_monitor.null_rate", "'windows'", "needs timestamp_column and window"]),
    "ks_previous_window_without_window": ("ml_monitor.ks_drift:\n  arguments: {reference: previous_window}",
                                          ["ml_monitor.ks_drift", "'reference'", "previous_window needs timestamp_column and window"]),
    "psi_previous_window_and_reference_where": ("ml_monitor.psi_drift:\n  arguments: {reference: previous_window, reference_where: 'id = 1', timestamp_column: ts, window: {period: day}, windows: 3}",
                                                ["ml_monitor.psi_drift", "'reference'", "previous_window replaces reference_where"]),
    "js_previous_window_without_window": ("ml_monitor.js_drift:\n  arguments: {reference: previous_window}",
                                          ["ml_monitor.js_drift", "'reference'", "previous_window needs timestamp_column and window"]),
    "psi_windows_equal_width": ("ml_monitor.psi_drift:\n  arguments: {reference_where: 'id = 1', binning: equal_width, timestamp_column: ts, window: {period: day}, windows: 3}",
                                ["ml_monitor.psi_drift", "'binning'", "must be quantile with windows > 1", "equal_width"]),
    # a numeric bound on a text column was a Binder Error at run time (bad-input pass)
    "value_range_text_column": ("ml_monitor.value_range:\n  arguments: {columns: [c], min_value: 0}",
                                ["ml_monitor.value_range", "events", "'columns'", "numeric columns", "c is VARCHAR"]),
    # "false" is a truthy string: it meant true, silently
    "fail_on_no_data_string_false": ("ml_monitor.null_rate:\n  arguments: {fail_on_no_data: 'false'}",
                                     ["ml_monitor.null_rate", "events", "'fail_on_no_data'", "true or false", "got the string 'false'"]),
    "fail_on_no_data_string_no": ("ml_monitor.value_range:\n  arguments: {min_value: 0, fail_on_no_data: 'no'}",
                                  ["ml_monitor.value_range", "'fail_on_no_data'", "true or false", "got the string 'no'"]),
    # a window starting before year 1 was Python's "year -97974 is out of range", naming nothing
    "window_before_year_one": ("ml_monitor.null_rate:\n  arguments: {timestamp_column: ts, window: {period: year, count: 100000}}",
                               ["ml_monitor.null_rate", "events", "'window'", "0001-01-01", "100000 years"]),
    "windows_before_year_one": ("ml_monitor.null_rate:\n  arguments: {timestamp_column: ts, window: {period: day, count: 1000}, windows: 1000}",
                                ["ml_monitor.null_rate", "'window'", "0001-01-01", "1000000 days"]),
    "fail_on_unknown": ("ml_monitor.null_rate:\n  arguments: {timestamp_column: ts, window: {period: day}, windows: 3, fail_on: newest}",
                        ["ml_monitor.null_rate", "'fail_on'", "latest, any", "newest"]),
}
MODEL_LEVEL = {
    "schema_contract_not_mapping": ("ml_monitor.schema_contract:\n  arguments: {columns: [id, x]}",
                                    ["ml_monitor.schema_contract", "'columns'", "mapping of column name to type"]),
    # text values against a double column compared with the engine's text of it ('1.0' on DuckDB,
    # '1' on PostgreSQL): every row violated on one engine, none on the other
    "accepted_values_text_on_double": ("ml_monitor.accepted_values:\n  arguments: {column_name: f, values: ['1.5', '2']}",
                                       ["ml_monitor.accepted_values", "'values'", "are text, but f is DOUBLE",
                                        "give numbers"]),
    # numbers against a text column: a raw cast error at run time on the first non-number ('a')
    "accepted_values_numbers_on_text": ("ml_monitor.accepted_values:\n  arguments: {column_name: c, values: [1, 2]}",
                                        ["ml_monitor.accepted_values", "'values'", "are numbers, but c is VARCHAR",
                                         "quote them to compare as text (['1', '2'])"]),
    "freshness_no_max_age": ("ml_monitor.freshness:\n  arguments: {timestamp_column: ts}",
                             ["ml_monitor.freshness", "'max_age'", "required"]),
    "volume_ratio_without_periods": ("ml_monitor.volume:\n  arguments: {timestamp_column: ts, window: {period: day}, min_ratio: 0.5}",
                                     ["ml_monitor.volume", "'reference_periods'", "required with min_ratio"]),
    "volume_no_window": ("ml_monitor.volume:\n  arguments: {timestamp_column: ts, min_count: 1}",
                         ["ml_monitor.volume", "'window'", "required"]),
    "volume_no_bounds": ("ml_monitor.volume:\n  arguments: {timestamp_column: ts, window: {period: day}}",
                         ["ml_monitor.volume", "'min_count'", "required"]),
    "volume_windows_zero": ("ml_monitor.volume:\n  arguments: {timestamp_column: ts, window: {period: day}, min_count: 1, windows: 0}",
                            ["ml_monitor.volume", "'windows'", ">= 1"]),
    # bounds that cross fail every window ("allowed 10 to 1")
    "volume_min_count_above_max": ("ml_monitor.volume:\n  arguments: {timestamp_column: ts, window: {period: day}, min_count: 10, max_count: 1}",
                                   ["ml_monitor.volume", "events", "'min_count'", "greater than max_count 1", "(got 10)"]),
    "volume_min_ratio_above_max": ("ml_monitor.volume:\n  arguments: {timestamp_column: ts, window: {period: day}, reference_periods: 2, min_ratio: 2, max_ratio: 0.5}",
                                   ["ml_monitor.volume", "'min_ratio'", "greater than max_ratio 0.5", "(got 2)"]),
    "volume_fail_on_no_data_string": ("ml_monitor.volume:\n  arguments: {timestamp_column: ts, window: {period: day}, min_count: 1, fail_on_no_data: 'true'}",
                                      ["ml_monitor.volume", "'fail_on_no_data'", "true or false", "got the string 'true'"]),
    "volume_fail_on_unknown": ("ml_monitor.volume:\n  arguments: {timestamp_column: ts, window: {period: day}, min_count: 1, windows: 2, fail_on: all}",
                               ["ml_monitor.volume", "'fail_on'", "latest, any", "all"]),
}


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("badargs")
    p = tmp / "proj"
    write_package_project(p, "badargs", tmp / "b.duckdb", hooks=0)
    (p / "seeds" / "events.csv").write_text("id,x,ts,c,f\n1,1.0,2026-01-30 10:00:00,a,1.5\n2,,2026-01-30 11:00:00,b,2\n")
    column_tests = "\n".join(named_data_test(n, y, 10) for n, (y, _) in BAD_CASES.items())
    model_tests = "\n".join(named_data_test(n, y, 6) for n, (y, _) in MODEL_LEVEL.items())
    good = named_data_test("null_rate_fine", "ml_monitor.null_rate:\n  arguments: {max_null_rate: 0.6}", 10)
    good += "\n" + named_data_test("null_rate_fail_on_no_data_fine", "ml_monitor.null_rate:\n  arguments: {max_null_rate: 0.6, "
                                                          "fail_on_no_data: false}", 10)
    good += "\n" + named_data_test("null_rate_windows_fine", "ml_monitor.null_rate:\n  arguments: {max_null_rate: 0.6, "
                                                  "timestamp_column: ts, window: {period: day}, windows: 3}", 10)
    (p / "seeds" / "schema.yml").write_text(
        "seeds:\n  - name: events\n    data_tests:\n" + model_tests
        + "\n    columns:\n      - name: x\n        data_tests:\n" + column_tests + "\n" + good + "\n")
    assert run_dbt(["deps"], "duckdb", tmp / "w", project=p).returncode == 0
    run = run_dbt(["build"], "duckdb", tmp / "w", project=p)
    return {r["unique_id"].split(".")[2]: r for r in run.results}, run.output


@pytest.mark.parametrize("name", sorted({**BAD_CASES, **MODEL_LEVEL}))
def test_bad_argument_is_a_compile_error_naming_test_and_argument(bad_run, name):
    results, output = bad_run
    expected_words = {**BAD_CASES, **MODEL_LEVEL}[name][1]
    assert name in results, output[-3000:]
    r = results[name]
    assert r["status"] == "error", r
    assert "Compilation Error" in r["message"] or "compil" in r["message"].lower(), r["message"]
    for word in expected_words:
        assert word in r["message"], (word, r["message"])


def test_good_test_still_runs_beside_bad_ones(bad_run):
    results, output = bad_run
    assert results["null_rate_fine"]["status"] == "pass", output[-3000:]
    assert results["null_rate_fail_on_no_data_fine"]["status"] == "pass", output[-3000:]
    # windows: 3 ending at the run's start: the seed's two rows are older, so every window is
    # empty (no_data), which fails by default; what matters here is that it compiled and ran
    assert results["null_rate_windows_fine"]["status"] in ("pass", "fail"), output[-3000:]


def test_schema_contract_names_a_text_type_as_the_catalog_does(tmp_path):
    """dbt's Column.data_type gives a text column without a declared length an invented one
    (DuckDB's VARCHAR read `character varying(256)`): the contract's detail now says the
    catalog's own name, and a declared length is still shown."""
    from dbt_project_runner import build_tiny_project, duckdb_rows

    schema = """
models:
  - name: t
    data_tests:
      - ml_monitor.schema_contract:
          name: contract
          arguments: {columns: {id: bigint, name: bigint, code: varchar}}
          config: {severity: warn}
"""
    models = {"t": "select 1::bigint as id, 'a'::varchar as name, 'b'::varchar(3) as code"}
    ok, by_name = build_tiny_project(root := tmp_path / "contract_types", models, schema)
    assert ok, {k: r.get("message") for k, r in by_name.items()}
    details = dict(duckdb_rows(root / "e.duckdb", "select column_name, detail from main_dbt_test__audit.contract"))
    assert details["name"] == "type is VARCHAR, expected bigint", details
    assert details["id"] == "present as BIGINT" and "256" not in " ".join(details.values()), details


def test_dbts_own_accepted_values_still_works_beside_ours(tmp_path):
    """dbt's built-in `accepted_values` (no namespace) and `ml_monitor.accepted_values` share a
    name, and an installed package's generic test outranks dbt's built-in one: the plain test got
    this package's config (fail_calc over observation rows) with dbt's SQL and failed with a
    Binder Error in every project that installed ml_monitor. Declared without the namespace it is
    dbt's own again (its SQL, `quote`, its default config); ours is unchanged."""
    import json

    from dbt_project_runner import build_tiny_project, duckdb_rows

    schema = """
models:
  - name: t
    columns:
      - name: c
        data_tests:
          - accepted_values:
              arguments: {values: [a, b]}
          - accepted_values:
              name: plain_av_fails
              arguments: {values: [a]}
              config: {severity: warn}
          - ml_monitor.accepted_values:
              name: ours_av
              arguments: {values: [a], max_violation_rate: 0.5}
              config: {severity: warn}
      - name: n
        data_tests:
          - accepted_values:
              name: plain_av_unquoted
              arguments: {values: [1, 2], quote: false}
"""
    models = {"t": "select * from (values ('a', 1), ('b', 2), ('b', 2)) as v(c, n)"}
    ok, by_name = build_tiny_project(root := tmp_path / "two_accepted_values", models, schema)
    status = {k: (r["status"], r.get("failures")) for k, r in by_name.items()}
    assert ok, {k: r.get("message") for k, r in by_name.items()}
    assert status == {"accepted_values_t_c__a__b": ("pass", 0), "plain_av_fails": ("warn", 1),
                      "plain_av_unquoted": ("pass", 0), "ours_av": ("warn", 1)}, status
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    config = {n["name"]: n["config"] for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    assert config["plain_av_fails"]["fail_calc"] == "count(*)" and not config["plain_av_fails"]["store_failures"]
    assert "is_deciding" in config["ours_av"]["fail_calc"] and config["ours_av"]["store_failures"]
    # ours wrote its observation rows (the share of values outside [a]: 2 of 3)
    (value,) = duckdb_rows(root / "e.duckdb", "select value from main_dbt_test__audit.ours_av where segment_column is null")[0]
    assert value == pytest.approx(2 / 3, abs=1e-12)


def test_a_project_row_limit_cannot_hide_a_failing_observation(tmp_path):
    """`data_tests: +limit: 1` in a project (meant to keep plain tests' failing rows few) cut an
    ml_monitor test's observation rows before fail_calc counted them: a failing column past the
    first row made the test pass, and the history kept one row. ml_monitor's tests set a limit
    no set of observation rows reaches."""
    from dbt_project_runner import build_tiny_project, duckdb_rows

    schema = """
models:
  - name: t
    data_tests:
      - ml_monitor.null_rate:
          name: limited
          arguments: {columns: [a, b, c], max_null_rate: 0.1}
          config: {severity: warn}
"""
    ok, by_name = build_tiny_project(root := tmp_path / "row_limit", {"t": "select 1 as a, 2 as b, cast(null as int) as c"},
                                     schema, project_yaml="data_tests:\n  +limit: 1\n")
    assert ok and (by_name["limited"]["status"], by_name["limited"]["failures"]) == ("warn", 1), by_name["limited"]
    rows = duckdb_rows(root / "e.duckdb", "select column_name, status from main_dbt_test__audit.limited order by 1")
    assert rows == [("a", "pass"), ("b", "pass"), ("c", "fail")]


def test_cardinality_new_categories_is_no_data_without_values_to_compare(tmp_path):
    """new_categories against a reference needs values on both sides. An all-null current window
    gave 0 new categories (pass) and an empty reference reported every current category as new
    (fail): both are no_data with the reason, as value_range / accepted_values ("all values are
    null") and the drift tests ("no reference rows") say it; a reference whose values are all null
    too. The ordinary case still counts. distinct_count of an all-null column is no_data too (it
    passed max_distinct with 0 distinct values)."""
    from dbt_project_runner import build_tiny_project, duckdb_rows

    schema = """
models:
  - name: t
    data_tests:
      - ml_monitor.cardinality:
          name: card_all_null_window
          arguments: {columns: [c_null], reference: ref('r')}
          config: {severity: warn}
      - ml_monitor.cardinality:
          name: card_empty_reference
          arguments: {columns: [c], reference: ref('r'), reference_where: '1 = 0'}
          config: {severity: warn}
      - ml_monitor.cardinality:
          name: card_null_reference
          arguments: {columns: [c_null], reference_where: 'c_null is null', where: '1 = 0 or c_null is null'}
          config: {severity: warn}
      - ml_monitor.cardinality:
          name: card_distinct_all_null
          arguments: {columns: [c_null], max_distinct: 5, segment_by: [s]}
          config: {severity: warn}
      - ml_monitor.cardinality:
          name: card_counts
          arguments: {columns: [c], reference: ref('r'), segment_by: [s]}
          config: {severity: warn}
"""
    models = {"t": "select * from (values ('a', 'u', cast(null as varchar)), ('z', 'v', null)) as v(c, s, c_null)",
              "r": "select * from (values ('a', 'x'), ('b', 'y')) as v(c, c_null)"}
    root = tmp_path / "card_nodata"
    ok, by_name = build_tiny_project(root, models, schema)
    assert ok, {k: r.get("message") for k, r in by_name.items()}

    def rows(test):
        return duckdb_rows(root / "e.duckdb", f"select segment_value, status, value, detail from main_dbt_test__audit.{test} "
                                              "order by segment_value nulls first")

    assert rows("card_all_null_window") == [(None, "no_data", None, "all values are null")]
    assert rows("card_empty_reference") == [(None, "no_data", None, "no reference rows")]
    assert rows("card_null_reference") == [(None, "no_data", None, "no reference values (all null)")]
    # distinct_count of an all-null column passed max_distinct ("0 distinct values (allowed 0 to 5)")
    assert rows("card_distinct_all_null") == [(None, "no_data", None, "all values are null"),
                                              ("u", "no_data", None, "all values are null"),
                                              ("v", "no_data", None, "all values are null")]
    assert rows("card_counts") == [(None, "fail", 1.0, "1 category not in the reference, e.g. 'z'"),
                                   ("u", "pass", 0.0, "0 categories not in the reference"),
                                   ("v", "fail", 1.0, "1 category not in the reference, e.g. 'z'")]


def test_a_column_named_like_an_internal_one_is_refused(tmp_path):
    """A user column named ml_window_start read beside the scan's own window key made every
    window no_data ("rows with a NULL ts excluded" of a table without NULLs) or a conversion
    error: refused at compile time, naming test, argument and the reserved names."""
    from dbt_project_runner import build_tiny_project

    rows = ", ".join(f"({i}, timestamp '2026-01-30 0{i % 10}:00:00', timestamp '2020-01-01', {i})" for i in range(10))
    schema = """
models:
  - name: p
    data_tests:
      - ml_monitor.null_rate:
          name: reserved_column
          arguments: {columns: [ml_window_start, x], timestamp_column: ts, window: {period: day}, windows: 3}
      - ml_monitor.null_rate:
          name: reserved_segment
          arguments: {columns: [x], segment_by: [ML_Window_Start], timestamp_column: ts, window: {period: day}}
      - ml_monitor.null_rate:
          name: reserved_control
          arguments: {columns: [x], timestamp_column: ts, window: {period: day}, windows: 3}
"""
    models = {"p": f"select * from (values {rows}) as t(id, ts, ml_window_start, x)"}
    ok, by_name = build_tiny_project(tmp_path / "reserved", models, schema, "  ml_monitor_as_of: '2026-01-31'\n")
    assert not ok
    for name, arg in (("reserved_column", "'columns'"), ("reserved_segment", "'segment_by'")):
        r = by_name[name]
        assert r["status"] == "error", r
        for word in (f"ml_monitor.null_rate", arg, "a name ml_monitor gives its own columns (ml_ts, ml_window_start)"):
            assert word in r["message"], (word, r["message"])
    assert by_name["reserved_control"]["status"] == "pass", by_name["reserved_control"]


def test_freshness_counts_rows_without_a_timestamp(tmp_path):
    """A segment whose rows all lost their timestamp (a serving bug writing NULL times for one
    region) had no freshness row at all while the overall row passed: now it is no_data saying
    so, and every row's detail counts the NULL timestamps of the whole scan (as the windowed
    monitors do: every segment's row says the same N)."""
    from dbt_project_runner import build_tiny_project, duckdb_rows

    schema = """
models:
  - name: t
    data_tests:
      - ml_monitor.freshness:
          name: fresh_null_ts
          arguments: {timestamp_column: ts, max_age: {period: hour, count: 6}, segment_by: [region]}
          config: {severity: warn}
"""
    models = {"t": "select * from (values ('eu', timestamp '2026-01-30 22:00:00'), ('eu', null), "
                   "('eu', timestamp '2026-01-31 05:00:00'), ('us', null), ('us', null)) as v(region, ts)"}
    root = tmp_path / "fresh_null_ts"
    ok, by_name = build_tiny_project(root, models, schema, project_vars='  ml_monitor_as_of: "2026-01-31 00:00:00"\n')
    rows = duckdb_rows(root / "e.duckdb", "select segment_value, status, value, sample_size, detail "
                                          "from main_dbt_test__audit.fresh_null_ts order by segment_value nulls first")
    assert rows == [
        (None, "pass", 2.0, 1, "latest row at 2026-01-30 22:00:00, 2.0 hours before 2026-01-31 00:00:00; "
                               "3 rows with a NULL ts excluded"),
        ("eu", "pass", 2.0, 1, "latest row at 2026-01-30 22:00:00, 2.0 hours before 2026-01-31 00:00:00; "
                               "3 rows with a NULL ts excluded"),
        ("us", "no_data", None, 0, "2 rows, all with a NULL ts")]
    assert by_name["fresh_null_ts"]["status"] == "warn" and by_name["fresh_null_ts"]["failures"] == 1


def test_categories_text_on_one_side_and_a_fraction_on_the_other_are_refused(tmp_path):
    """cardinality / psi_drift compare categories as text. A column that is text in the current
    table and DOUBLE in the reference matched the engine's text of the double: '1.0' on DuckDB,
    '1' on PostgreSQL, so the current '1' was a new category on one engine and not on the other
    (measured: 2 new categories on DuckDB, 1 on PostgreSQL). Now a compile error naming both
    types. Text against an INTEGER reference ('1' on every engine) still runs."""
    from dbt_project_runner import build_tiny_project, duckdb_rows

    schema = """
models:
  - name: cur
    data_tests:
      - ml_monitor.cardinality:
          name: card_text_vs_double
          arguments: {columns: [code], reference: ref('ref_double')}
      - ml_monitor.psi_drift:
          name: psi_text_vs_double
          arguments: {columns: [code], reference: ref('ref_double')}
      - ml_monitor.cardinality:
          name: card_text_vs_integer
          arguments: {columns: [code], reference: ref('ref_integer')}
          config: {severity: warn}
"""
    models = {"cur": "select * from (values ('1'), ('1.0'), ('2')) as v(code)",
              "ref_double": "select * from (values (cast(1 as double)), (2.0)) as v(code)",
              "ref_integer": "select * from (values (1), (2)) as v(code)"}
    root = tmp_path / "cat_types"
    ok, by_name = build_tiny_project(root, models, schema)
    for name, monitor in (("card_text_vs_double", "cardinality"), ("psi_text_vs_double", "psi_drift")):
        r = by_name[name]
        assert r["status"] == "error" and "Compilation Error" in r["message"], (name, r["status"], r["message"])
        for word in (f"ml_monitor.{monitor}", "'columns'", "code, which is VARCHAR here and DOUBLE in the reference",
                     "cast one side in a view"):
            assert word in r["message"], (word, r["message"])
    assert duckdb_rows(root / "e.duckdb", "select value, detail from main_dbt_test__audit.card_text_vs_integer") == \
        [(1.0, "1 category not in the reference, e.g. '1.0'")]
