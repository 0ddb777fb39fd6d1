"""The schema of observation and history rows, as the Python side reads them.

The schema is declared once, in the dbt package: `ml_monitor.observation_schema()`
(macros/core/observations.sql) and `ml_monitor.history_stamp_columns()`
(macros/history/record_observations.sql). These constants mirror it;
cli/tests/test_schema.py renders the macros through dbt and fails when they disagree.
"""

from __future__ import annotations

import json
from typing import Any

#: observation row columns (every ml_monitor test's result), in order, with their type kind
OBSERVATION_SCHEMA: tuple[tuple[str, str], ...] = (
    ("monitor", "string"), ("column_name", "string"), ("segment_column", "string"),
    ("segment_value", "string"), ("metric", "string"), ("value", "double"),
    ("threshold", "double"), ("baseline_value", "double"), ("sample_size", "bigint"),
    ("window_start", "timestamp"), ("window_end", "timestamp"), ("status", "string"),
    ("detail", "string"), ("facts", "string"),
)

#: what the history table adds to every observation row
HISTORY_STAMP_SCHEMA: tuple[tuple[str, str], ...] = (
    ("test_unique_id", "string"), ("test_name", "string"), ("model_name", "string"),
    ("severity", "string"), ("test_status", "string"), ("invocation_id", "string"),
    ("run_started_at", "timestamp"), ("observation_id", "string"), ("as_of", "timestamp"),
)

OBSERVATION_COLUMNS: tuple[str, ...] = tuple(name for name, _ in OBSERVATION_SCHEMA)

#: the `anomaly:` argument writes its rows as metric `<metric>_anomaly`: a score against a sensitivity
ANOMALY_SUFFIX = "_anomaly"


def is_anomaly_metric(metric: Any) -> bool:
    """Is `metric` the name of an anomaly row (`<metric>_anomaly`)?"""
    return isinstance(metric, str) and metric.endswith(ANOMALY_SUFFIX)

#: the boolean column every test's rows end with after the observation columns: which rows decide
#: the test (fail_calc; with `windows: N` and `fail_on: latest`, the newest window's). It belongs
#: to the test's result, not to the observation: the history does not store it.
DECIDING_COLUMN = "is_deciding"

#: the history columns, in table order -> type kind
HISTORY_COLUMNS: dict[str, str] = dict(OBSERVATION_SCHEMA + HISTORY_STAMP_SCHEMA)


def parse_facts(value: Any) -> dict[str, Any] | None:
    """The `facts` column of an observation row as a dict (None when absent or not a JSON object).

    `facts` is JSON text written by the metric macros; numbers are the engine's text of a
    double (e.g. 1e-05 or 1.0E-5), which json.loads reads as the same float."""
    if value is None or isinstance(value, float):  # None, or NaN from pandas
        return None
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(str(value))
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
