"""Running dbt for the demo (programmatic dbtRunner, quiet) and collecting the checks."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

logger = logging.getLogger("ml_monitor")

# A failing observation is what made the test fail: `fail`, and `no_data` (which fails a
# test unless fail_on_no_data is false; the test's own status says which applied).
FAILING_STATUSES = ("fail", "no_data")


@dataclass
class Check:
    """One dbt test of the run, with the observation rows it stored."""

    name: str
    status: str  # dbt's status: pass, fail, warn, error, skipped
    monitor: str | None = None  # ml_monitor test name (null_rate, ...); None for other tests
    model: str | None = None
    column: str | None = None
    message: str | None = None
    meta: dict = field(default_factory=dict)
    observations: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status in ("fail", "warn")

    @property
    def failing_observations(self) -> list[dict]:
        return [o for o in self.observations if o.get("status") in FAILING_STATUSES]


@dataclass
class DbtOutcome:
    """What a dbt invocation left behind: its checks, and an error text when dbt itself failed."""

    checks: list[Check] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    invocation_id: str | None = None

    @property
    def dbt_failed(self) -> bool:
        return bool(self.errors)

    @property
    def checks_failed(self) -> bool:
        return any(c.status == "fail" for c in self.checks)


def dbt_args(command: str, project_dir: Path) -> list[str]:
    """Arguments for one quiet dbt command on the demo project; logs go to <project>/logs."""
    return [
        command,
        "--project-dir", str(project_dir),
        "--profiles-dir", str(project_dir),
        "--log-path", str(project_dir / "logs"),
        "--log-level", "none",
        "--log-level-file", "info",
        "--no-use-colors",
        "--no-send-anonymous-usage-stats",
        "--no-version-check",
    ]


def invoke_dbt(args: list[str], on_event: Callable[[Any], None] | None = None):
    """Run dbt in-process; returns dbt's dbtRunnerResult."""
    from dbt.cli.main import dbtRunner

    callbacks = [on_event] if on_event is not None else []
    try:
        return dbtRunner(callbacks=callbacks).invoke(args)
    finally:
        release_duckdb()


def release_duckdb() -> None:
    """Close the DuckDB database that dbt-duckdb keeps open in this process after a run.

    Otherwise the file stays locked to dbt's configuration: reading it (read-only) or
    rewriting it for the next demo run in the same process fails with "Can't open a
    connection to same database file with a different configuration"."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    lock = getattr(DuckDBConnectionManager, "_LOCK", None)
    if lock is None:  # pragma: no cover - another dbt-duckdb layout
        return
    with lock:
        env = getattr(DuckDBConnectionManager, "_ENV", None)
        if env is not None:
            try:
                env.close()
            except Exception:  # pragma: no cover - best effort, the next open replaces it
                logger.debug("could not close dbt-duckdb's environment", exc_info=True)
            DuckDBConnectionManager._ENV = None


def _status(value: Any) -> str:
    return str(getattr(value, "value", value)).lower()


def _model_name(node: Any) -> str | None:
    attached = getattr(node, "attached_node", None)
    if attached:
        return attached.split(".")[-1]
    nodes = getattr(getattr(node, "depends_on", None), "nodes", None) or []
    return nodes[0].split(".")[-1] if nodes else None


def read_observations(db_path: Path, relation_names: list[str]) -> dict[str, list[dict]]:
    """The stored observation rows of each test (store_failures tables) from the DuckDB file."""
    import duckdb

    found: dict[str, list[dict]] = {}
    if not relation_names:
        return found
    con = duckdb.connect(str(db_path))
    try:
        for rel in relation_names:
            try:
                cur = con.execute(f"select * from {rel}")
            except duckdb.Error as exc:  # the table may be missing if the test errored
                logger.debug("could not read %s: %s", rel, exc)
                continue
            cols = [d[0] for d in cur.description]
            found[rel] = [dict(zip(cols, row)) for row in cur.fetchall()]
    finally:
        con.close()
    return found


def collect_checks(results: list[Any], db_path: Path) -> list[Check]:
    """Turn dbt's run results into Checks, reading each ml_monitor test's stored rows."""
    checks: list[Check] = []
    relations: dict[int, str] = {}
    for r in results:
        node = r.node
        if getattr(node, "resource_type", None) is None or _status(node.resource_type) != "test":
            continue
        meta = getattr(node, "test_metadata", None)
        namespace = getattr(meta, "namespace", None) if meta is not None else None
        status = _status(r.status)
        check = Check(
            name=node.name,
            status=status,
            monitor=meta.name if meta is not None and namespace == "ml_monitor" else None,
            model=_model_name(node),
            column=getattr(node, "column_name", None),
            message=r.message,
            meta=dict(getattr(node.config, "meta", None) or {}),
        )
        if check.monitor and getattr(node, "relation_name", None) and status in ("pass", "fail", "warn"):
            relations[len(checks)] = node.relation_name
        checks.append(check)
    rows = read_observations(db_path, list(relations.values()))
    for index, rel in relations.items():
        checks[index].observations = rows.get(rel, [])
    return checks


def errors_of(res: Any, command: str) -> list[str]:
    """Why a dbt invocation failed as a run (not because checks failed): exceptions,
    errored nodes and hooks. Empty when dbt ran fine."""
    errors: list[str] = []
    if res.exception is not None:
        errors.append(f"dbt {command}: {res.exception}")
        return errors
    results = getattr(res.result, "results", None) or []
    for r in results:
        status = _status(r.status)
        if status in ("error", "runtime error"):
            node = r.node
            errors.append(f"{_status(node.resource_type)} {node.name}: {r.message}")
    if not res.success and not errors and command != "build":
        errors.append(f"dbt {command} failed (see the log)")
    return errors


def run_project(project_dir: Path, db_path: Path, on_event: Callable[[Any], None] | None = None,
                on_phase: Callable[[str], None] | None = None) -> DbtOutcome:
    """`dbt deps` then `dbt build` on the project; the checks it ran, or why dbt failed."""
    if on_phase:
        on_phase("deps")
    res = invoke_dbt(dbt_args("deps", project_dir), on_event)
    errors = errors_of(res, "deps")
    if errors:
        return DbtOutcome(errors=errors)
    if on_phase:
        on_phase("build")
    res = invoke_dbt(dbt_args("build", project_dir), on_event)
    errors = errors_of(res, "build")
    results = getattr(res.result, "results", None) or []
    outcome = DbtOutcome(errors=errors)
    outcome.invocation_id = _invocation_id(res)
    if res.exception is None:
        outcome.checks = collect_checks(results, db_path)
        if not res.success and not errors and not any(c.failed for c in outcome.checks):
            outcome.errors.append("dbt build failed without a failing check (see logs/dbt.log)")
    return outcome


def _invocation_id(res: Any) -> str | None:
    result = getattr(res, "result", None)
    args = getattr(result, "args", None) or {}
    if isinstance(args, dict) and args.get("invocation_id"):
        return args["invocation_id"]
    try:
        from dbt_common.events.functions import get_invocation_id

        return get_invocation_id()
    except Exception:  # pragma: no cover - best effort
        return None
