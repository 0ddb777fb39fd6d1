"""Running the demo project through the shared runner (`ml_monitor.runner.run_dbt`).

`dbt deps` then `dbt build`; the observation rows of the run are then read back from the
history table `ml_monitor_observations` in the demo's DuckDB file (the demo is DuckDB-only;
`ml-monitor run` and the report read through the dbt profile instead)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from ml_monitor.config import DbtSettings
from ml_monitor.runner import OBSERVATION_COLUMNS, RunReport, run_dbt

logger = logging.getLogger("ml_monitor")

# A failing observation is what made the test fail: `fail`, and `no_data` (which fails a
# test unless fail_on_no_data is false; the test's own status says which applied).
FAILING_STATUSES = ("fail", "no_data")


def read_history(db_path: Path, invocation_id: str | None) -> dict[str, list[dict[str, Any]]]:
    """The observation rows of one run from the history table, by test unique_id."""
    import duckdb

    if invocation_id is None or not db_path.is_file():
        return {}
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        cur = con.execute(
            f"select test_unique_id, {', '.join(OBSERVATION_COLUMNS)} from ml_monitor_observations "
            "where invocation_id = ?", [invocation_id])
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
    except duckdb.Error as exc:  # no history table: the hook did not run
        logger.debug("could not read the history: %s", exc)
        return {}
    finally:
        con.close()
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row.pop("test_unique_id"), []).append(row)
    return found


def run_project(project_dir: Path, db_path: Path | None = None,
                on_event: Callable[[Any], None] | None = None,
                on_phase: Callable[[str], None] | None = None) -> tuple[RunReport, dict[str, list[dict]]]:
    """`dbt deps` then `dbt build` on the project. Returns the build's report (the deps report
    when deps failed: its exit_code is 2) and every observation row of the build by test."""
    project_dir = Path(project_dir)
    common = dict(project_dir=project_dir, profiles_dir=str(project_dir), failing_rows=0, on_event=on_event)
    if on_phase:
        on_phase("deps")
    report = run_dbt("deps", **common)
    if report.exit_code == 2 or not report.success:
        report.error = report.error or "dbt deps failed (see logs/dbt.log)"
        return report, {}
    if on_phase:
        on_phase("build")
    # the build reads the failing rows back as `ml-monitor run` does (the rows that decide each
    # test, up to failing_rows): the alerts the demo prints are the ones run would send; the
    # checks table shows every failing window from the history
    report = run_dbt("build", **{**common, "failing_rows": DbtSettings().failing_rows})
    if report.exit_code != 2 and not report.success and not any(c.failed for c in report.checks):
        report.error = "dbt build failed without a failing check (see logs/dbt.log)"
    history = read_history(db_path, report.invocation_id) if db_path is not None else {}
    # a stable order whatever order dbt's threads finished in: failing first, then by name
    report.checks.sort(key=lambda c: (not c.failed, c.model or "", c.name))
    return report, history
