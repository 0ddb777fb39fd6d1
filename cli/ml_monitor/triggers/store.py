"""What the triggers read through dbt: the metric store's rows of this run's tests, and the test names
of the project's manifest (to reject a trigger that names a test the project does not have)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable

from ml_monitor.report.loader import frame_from_rows, history_sql, read_manifest_file
from ml_monitor.runner import manifest_path, release_connections

log = logging.getLogger("ml_monitor")


class StoreError(Exception):
    """The metric store could not be read (no history table, dbt failed)."""


def store_sql(test_ids: Iterable[str]) -> str:
    """Inline dbt SQL: the metric store (`ml_monitor.metric_store_sql` over the history table, so the
    view `ml_monitor_metrics` need not be built) restricted to `test_ids`, every column decoded as the
    report reads the history."""
    ids = ", ".join("'" + str(t).replace("'", "''") + "'" for t in sorted(set(test_ids)))
    source = ("(select * from ({{ ml_monitor.metric_store_sql(mm_rel) }}) as mm_store_all "
              f"where test_unique_id in ({ids})) as mm_store")
    return history_sql(None, source=source)


def read_store(project_dir: str | Path, test_ids: Iterable[str], profiles_dir: str | None = None,
               target: str | None = None, vars_json: str | None = None) -> list[dict[str, Any]]:
    """The metric-store rows of `test_ids` as dicts (one dbt show); raises StoreError."""
    from dbt.cli.main import dbtRunner

    ids = list(test_ids)
    if not ids:
        return []
    args = ["show", "--inline", store_sql(ids), "--limit", "-1", "--project-dir", str(project_dir),
            "--quiet", "--log-level", "none"]
    if profiles_dir:
        args += ["--profiles-dir", str(profiles_dir)]
    if target:
        args += ["--target", target]
    if vars_json:
        args += ["--vars", vars_json]
    try:
        res = dbtRunner().invoke(args)
    except Exception as e:  # noqa: BLE001 - dbtRunner normally returns errors
        raise StoreError(f"{e.__class__.__name__}: {e}") from None
    finally:
        release_connections()
    if not res.success or res.result is None:
        parts = [str(res.exception)] if res.exception is not None else []
        parts += [str(r.message) for r in (getattr(res.result, "results", None) or []) if getattr(r, "message", None)]
        msg = "; ".join(p.strip() for p in parts if p.strip()) or "dbt show failed"
        if any(s in msg.lower() for s in ("does not exist", "not found", "no such table")):
            msg = ("the history table ml_monitor_observations does not exist: triggers read the metric store, "
                   "add the on-run-end hook `{{ ml_monitor.record_observations(results) }}` to dbt_project.yml. "
                   + msg)
        raise StoreError(msg)
    table = res.result.results[0].agate_table
    frame = frame_from_rows(table.column_names, table.rows)
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.to_dict(orient="records")


def manifest_test_names(project_dir: str | Path) -> set[str] | None:
    """Names of every test node of the manifest the run wrote, or None when there is no manifest."""
    manifest = read_manifest_file(manifest_path(project_dir))
    if manifest is None:
        return None
    return {str(n.get("name")) for n in (manifest.get("nodes") or {}).values()
            if isinstance(n, dict) and n.get("resource_type") == "test"}
