"""Run dbt programmatically (dbtRunner) and collect every test result with its metadata.

For failing ml_monitor tests, a few failing observation rows are read back from the tables
`store_failures` keeps (node.relation_name) with one `dbt show --inline` through the project's own
profile: adapter-agnostic, no database path or driver of our own. When the history hook recorded
them, a second `dbt show` reads their lineage (model version, relation, code and reference hashes)
back from ml_monitor_observations, for the alerts.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import yaml

from ml_monitor.formatting import hide_url_passwords, iso_utc, parse_instant
from ml_monitor.schema import OBSERVATION_COLUMNS, parse_facts
from ml_monitor.signals import abort_requested, signal_arrived

log = logging.getLogger("ml_monitor")

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class CheckResult:
    """One dbt test of the run."""

    unique_id: str
    name: str
    status: str                    # pass | warn | fail | error | skipped
    severity: str                  # configured severity: warn | error
    monitor: str | None            # test_metadata.name (null_rate, not_null, ...); a singular test: its own name
    package: str | None            # test_metadata.namespace: 'ml_monitor' for our tests, None for dbt's
    model: str | None
    column: str | None
    tags: list[str] = field(default_factory=list)
    owner: str | None = None
    runbook: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    arguments: dict[str, Any] = field(default_factory=dict)
    failures: int | None = None
    message: str | None = None
    relation_name: str | None = None
    observations: list[dict[str, Any]] = field(default_factory=list)
    failing_observations: int | None = None   # every fail / no_data row stored (observations holds a few)
    failing_segments: int | None = None       # distinct segments among all of them (the title names them)

    @property
    def failed(self) -> bool:
        return self.status in ("fail", "warn")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunReport:
    command: str
    project_dir: str
    project: str
    target: str | None             # as requested (None: the profile's default target)
    started_at: str
    duration: float = 0.0
    invocation_id: str | None = None
    success: bool = False
    error: str | None = None                     # dbt could not run at all (profile, parse, connection)
    node_errors: list[dict[str, str]] = field(default_factory=list)   # models/seeds/tests that errored
    checks: list[CheckResult] = field(default_factory=list)
    dbt_args: list[str] = field(default_factory=list)
    resolved_target: str | None = None           # the target dbt actually used (from its events)
    # unique_ids of every test of the project, from this invocation's manifest (None: unknown)
    project_tests: set[str] | None = None

    @property
    def target_name(self) -> str | None:
        """The target dbt ran against: the profile's default (e.g. `dev`) when none was requested."""
        return self.resolved_target or self.target

    @property
    def exit_code(self) -> int:
        if self.error or self.node_errors:
            return 2
        if any(c.failed for c in self.checks):
            return 1
        return 0

    @property
    def status(self) -> str:
        return {0: "pass", 1: "fail", 2: "error"}[self.exit_code]

    def counts(self) -> dict[str, int]:
        out = {"checks": len(self.checks), "passed": 0, "warned": 0, "failed": 0, "errored": 0, "skipped": 0}
        for c in self.checks:
            key = {"pass": "passed", "warn": "warned", "fail": "failed", "error": "errored"}.get(c.status, "skipped")
            out[key] += 1
        out["node_errors"] = len(self.node_errors)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"command": self.command, "project": self.project, "project_dir": self.project_dir,
                "target": self.target_name, "invocation_id": self.invocation_id, "started_at": self.started_at,
                "duration_seconds": round(self.duration, 3), "status": self.status, "exit_code": self.exit_code,
                "error": self.error, "node_errors": self.node_errors, "counts": self.counts(),
                "checks": [c.to_dict() for c in self.checks]}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return iso_utc(value)         # window bounds: UTC, and the text says so
    if isinstance(value, date):
        return value.isoformat()
    return value


def _clean(text: Any) -> str | None:
    """dbt's text for people: no ANSI colours. An ml_monitor argument error (`ml_monitor.<test>
    on <relation>: argument …`, which names the test, the argument and what exists) also loses
    dbt's Jinja call stack (`> in macro _arg_error …` / `> called by …`: our internal macros,
    not the user's mistake) and its blank lines; any other error keeps its stack (it may point
    into the user's own macros)."""
    if text is None:
        return None
    text = hide_url_passwords(_ANSI.sub("", str(text)).strip())
    lines = text.splitlines()
    if any(ln.lstrip().startswith("ml_monitor.") for ln in lines):
        text = "\n".join(ln.rstrip() for ln in lines if ln.strip() and not ln.lstrip().startswith("> ")).strip()
    return text or None


def project_yml(project_dir: str | Path) -> dict[str, Any]:
    """dbt_project.yml as a mapping ({} when it is missing, unreadable or not a mapping)."""
    try:
        data = yaml.safe_load((Path(project_dir) / "dbt_project.yml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def manifest_path(project_dir: str | Path) -> Path:
    """target/manifest.json of the project (DBT_TARGET_PATH or target-path of dbt_project.yml win)."""
    project = Path(project_dir)
    target = os.environ.get("DBT_TARGET_PATH")
    if not target:
        target = project_yml(project).get("target-path")
    path = Path(str(target or "target"))
    return (path if path.is_absolute() else project / path) / "manifest.json"


def manifest_test_ids(project_dir: str | Path, invocation_id: str | None) -> set[str] | None:
    """unique_ids of every test node of the manifest written by dbt invocation `invocation_id`, or
    None when there is none of that invocation (missing, unreadable, or another invocation's: the
    `dbt show` that reads the failing rows writes its own)."""
    try:
        manifest = json.loads(manifest_path(project_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not invocation_id \
            or (manifest.get("metadata") or {}).get("invocation_id") != invocation_id:
        return None
    return {str(k) for k, n in (manifest.get("nodes") or {}).items()
            if isinstance(n, dict) and n.get("resource_type") == "test"}


def project_name(project_dir: Path) -> str:
    return str(project_yml(project_dir).get("name") or project_dir.name)


def var_is_set(value: Any) -> bool:
    """Whether a dbt var's value counts as given: null and a blank string do not (the package's
    `ml_monitor.as_of()` reads both as "not given": the run's start)."""
    return value is not None and str(value).strip() != ""


def project_var(project_dir: Path, name: str) -> Any:
    """The value dbt_project.yml's `vars:` gives `name`, at the top or under a package's key (the
    first that `var_is_set`), or None."""
    found = project_yml(project_dir).get("vars")
    if not isinstance(found, dict):
        return None
    if var_is_set(found.get(name)):
        return found.get(name)
    return next((v.get(name) for v in found.values() if isinstance(v, dict) and var_is_set(v.get(name))), None)


def project_sets_var(project_dir: Path, name: str) -> bool:
    """Does dbt_project.yml's `vars:` set `name` (at the top or under a package's key) to a value
    (`var_is_set`: `name: null` counts as unset)?"""
    return var_is_set(project_var(project_dir, name))


def parse_as_of(value: Any) -> datetime | None:
    """The instant (aware, UTC, to the second: the package drops the fraction) a value of var
    ml_monitor_as_of names, read by the one grammar (formatting.parse_instant), or None when it
    is not one the package would accept (the run fails on it then) or is a Jinja expression."""
    try:
        return parse_instant(value, "var 'ml_monitor_as_of'").replace(microsecond=0)
    except ValueError:
        return None


def run_as_of(report: "RunReport") -> datetime | None:
    """The evaluation time of a run: var ml_monitor_as_of from its --vars (ml_monitor.yml's
    dbt.vars, --vars, a cron slot), else from dbt_project.yml's vars, else the run's start. None
    when the var is set to something this cannot read (a Jinja expression)."""
    given: Any = None
    if "--vars" in report.dbt_args:
        try:
            given = json.loads(report.dbt_args[report.dbt_args.index("--vars") + 1]).get("ml_monitor_as_of")
        except (ValueError, AttributeError):
            given = None
    if not var_is_set(given) and report.project_dir:
        given = project_var(report.project_dir, "ml_monitor_as_of")
    if var_is_set(given):
        return parse_as_of(given)
    return parse_as_of(report.started_at) if report.started_at else None


def dbt_args(command: str, project_dir: Path, profiles_dir: str | None, target: str | None,
             select: list[str], exclude: list[str], vars: dict[str, Any]) -> list[str]:
    # nothing of dbt on the console (the run prints its own summary), but dbt's own debug log in
    # <project>/logs/dbt.log as a plain `dbt build` writes it: `--log-level none` alone left it empty
    args = [command, "--project-dir", str(project_dir), "--log-level", "none", "--log-level-file", "debug"]
    if profiles_dir:
        args += ["--profiles-dir", str(profiles_dir)]
    if target:
        args += ["--target", target]
    if select:
        args += ["--select", *[s for item in select for s in str(item).split()]]
    if exclude:
        args += ["--exclude", *[s for item in exclude for s in str(item).split()]]
    if vars:
        args += ["--vars", json.dumps(vars, default=str)]
    return args


class _Events:
    """dbtRunner callback: the invocation id and the error lines (for monitoring_failed)."""

    def __init__(self) -> None:
        self.invocation_id: str | None = None
        self.target_name: str | None = None
        self.errors: list[str] = []

    def __call__(self, event: Any) -> None:
        info = event.info
        if self.invocation_id is None and getattr(info, "invocation_id", None):
            self.invocation_id = info.invocation_id
        if info.name == "ConcurrencyLine" and self.target_name is None:
            self.target_name = getattr(event.data, "target_name", None) or None
        if info.level == "error" and info.name not in ("LogTestResult", "RunResultFailure", "RunResultError",
                                                      "EndOfRunSummary", "StatsLine"):
            msg = _clean(info.msg)
            if msg and msg not in self.errors and len(self.errors) < 20:
                self.errors.append(msg)


def _safe_callback(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    def call(event: Any) -> None:
        try:
            callback(event)
        except Exception:  # noqa: BLE001 - a display problem must never break the dbt run
            log.debug("on_event callback failed", exc_info=True)
    return call


def _cancel_open_queries() -> None:
    """Cancel the queries of dbt's worker connections, as dbt does once when interrupted (not its
    `master` connection, through which dbt itself may be cancelling)."""
    factory = sys.modules.get("dbt.adapters.factory")
    adapters = list(getattr(getattr(factory, "FACTORY", None), "adapters", {}).values())
    for adapter in adapters:
        try:
            if not adapter.is_cancelable():
                continue
            manager = adapter.connections
            with manager.lock:
                busy = [c for c in manager.thread_connections.values()
                        if c.name != "master" and c.handle is not None
                        and str(getattr(c.state, "value", c.state)) == "open"]
            if busy:
                with adapter.connection_named("ml_monitor_cancel"):   # PostgreSQL cancels through one
                    for connection in busy:
                        manager.cancel(connection)
        except Exception as e:  # noqa: BLE001 - best effort; the next tick tries again
            log.debug("cancelling open queries failed: %s", e)


def _keep_cancelling_after_abort(done: threading.Event, grace: float = 2.0, every: float = 0.5) -> None:
    """dbt cancels the open queries once when interrupted, then waits for its worker threads. A
    worker that was between two statements (its model's BEGIN done, its query not yet sent) sends
    that query after the cancel, and dbt waits for it to finish: a 40-minute model made a SIGTERM
    take 40 minutes. From `grace` seconds after an abort (dbt's own cancel comes first) until dbt
    returns, the open queries are cancelled again every `every` seconds. A signal the main thread
    has not handled yet counts (signals.signal_arrived): blocked in dbt's wait for its workers, it
    handles the signal only once the running query ends, so that query is cancelled here."""
    aborted_at = None
    while not done.wait(every):
        if signal_arrived():
            aborted_at = aborted_at or time.monotonic()
            if time.monotonic() - aborted_at >= grace:
                _cancel_open_queries()


def release_connections() -> None:
    """Close what an in-process dbt invocation leaves open.

    dbt-duckdb caches its DuckDB instance in a class attribute across invocations, which keeps the
    database file locked by this process: an idle scheduler would lock out every other DuckDB user.
    """
    module = sys.modules.get("dbt.adapters.duckdb.connections")
    manager = getattr(module, "DuckDBConnectionManager", None) if module else None
    if manager is None:
        return
    with manager._LOCK:
        env = manager._ENV
        manager._ENV = None
        if env is not None:
            try:
                env.close()
            except Exception as e:  # noqa: BLE001 - best effort
                log.debug("closing the DuckDB environment failed: %s", e)


def _model_name(node: Any) -> str | None:
    """The name of what a test is attached to: a model's (seed's, snapshot's) name, or
    `<source>.<table>` for a source's table, so that a source and a model of the same name stay
    apart (the history hook's `_test_model_name` says the same)."""
    attached = getattr(node, "attached_node", None)
    deps = getattr(getattr(node, "depends_on", None), "nodes", None) or []
    uid = attached or (deps[0] if deps else None)
    if not uid:
        return None
    parts = uid.split(".")
    return ".".join(parts[2:]) if parts[0] == "source" and len(parts) > 3 else parts[-1]


def _check(result: Any) -> CheckResult:
    node = result.node
    tm = getattr(node, "test_metadata", None)
    cfg = node.config
    meta = dict(getattr(cfg, "meta", None) or {}) or dict(getattr(node, "meta", None) or {})
    tags = list(dict.fromkeys(list(getattr(node, "tags", None) or []) + list(getattr(cfg, "tags", None) or [])))
    kwargs = {k: v for k, v in (dict(tm.kwargs) if tm is not None else {}).items() if k not in ("model",)}
    status = str(getattr(result.status, "value", result.status))
    return CheckResult(
        unique_id=node.unique_id, name=node.name, status=status,
        severity=str(getattr(cfg, "severity", "error") or "error").lower(),
        monitor=tm.name if tm is not None else node.name, package=tm.namespace if tm is not None else None,
        model=_model_name(node), column=getattr(node, "column_name", None), tags=tags,
        owner=_plain_str(meta.get("owner")), runbook=_plain_str(meta.get("runbook")), meta=meta,
        arguments=kwargs, failures=result.failures, message=_clean(result.message),
        relation_name=getattr(node, "relation_name", None))


def _plain_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def run_dbt(command: str = "build", project_dir: str | Path = ".", profiles_dir: str | None = None,
            target: str | None = None, select: list[str] | None = None, exclude: list[str] | None = None,
            vars: dict[str, Any] | None = None, failing_rows: int = 5,
            on_event: Callable[[Any], None] | None = None) -> RunReport:
    """Invoke dbt and collect the results; never raises for dbt's own failures.

    `on_event`, when given, receives every dbt event of the main invocation (e.g. for a progress
    bar); an exception it raises is logged at debug level and never breaks the run."""
    t0 = time.monotonic()
    from dbt.cli.main import dbtRunner

    project = Path(project_dir).resolve()
    started = datetime.now(timezone.utc)
    report = RunReport(command=command, project_dir=str(project), project=project_name(project),
                       target=target, started_at=iso_utc(started, "seconds"))
    base = dict(project_dir=project, profiles_dir=profiles_dir, target=target)
    report.dbt_args = dbt_args(command, select=list(select or []), exclude=list(exclude or []),
                               vars=dict(vars or {}), **base)
    events = _Events()
    callbacks: list[Callable[[Any], None]] = [events]
    if on_event is not None:
        callbacks.append(_safe_callback(on_event))
    done = threading.Event()
    canceller = threading.Thread(target=_keep_cancelling_after_abort, args=(done,), daemon=True,
                                 name="ml-monitor-cancel")
    canceller.start()
    try:
        res = dbtRunner(callbacks=callbacks).invoke(report.dbt_args)
    except Exception as e:  # noqa: BLE001 - dbtRunner normally returns errors; be safe
        res = None
        report.error = f"{e.__class__.__name__}: {e}"
    finally:
        done.set()
        canceller.join(timeout=10)
        release_connections()
    if abort_requested() or (res is not None and isinstance(res.exception, KeyboardInterrupt)):
        # dbt caught the user's interrupt (SIGINT, or SIGTERM mapped to it) and cancelled its
        # queries: that is an abort, not a broken warehouse; the caller decides (no alert).
        # The flag also catches an interrupt that library code turned into an error of its own.
        raise KeyboardInterrupt
    report.invocation_id = events.invocation_id
    report.resolved_target = events.target_name
    if res is not None:
        report.success = bool(res.success)
        if res.exception is not None:
            report.error = _clean(f"{res.exception}") or res.exception.__class__.__name__
        results = getattr(res.result, "results", None) if res.result is not None else None
        if results is None and report.error is None and not res.success:
            report.error = "; ".join(events.errors) or f"dbt {command} failed without results"
        for r in results or []:
            node = r.node
            status = str(getattr(r.status, "value", r.status))
            if node.resource_type == "test":
                report.checks.append(_check(r))
            if status in ("error", "runtime error"):
                report.node_errors.append({"unique_id": node.unique_id, "resource_type": str(node.resource_type),
                                           "name": node.name, "message": _clean(r.message) or "error"})
    # before any `dbt show` below overwrites the manifest with its own invocation's
    report.project_tests = manifest_test_ids(project, report.invocation_id)
    if failing_rows > 0:
        _read_observations(report, base, failing_rows)
    report.duration = time.monotonic() - t0
    return report


def observations_sql(checks: list[CheckResult], limit: int) -> str:
    """One adapter-agnostic query: up to `limit` fail/no_data rows per check (fails first, overall first).
    Only the rows that decide the test (`is_deciding`: with `windows: N` and `fail_on: latest`, the
    newest window's) are alerted on; earlier windows stay in the series (history, report)."""
    cols = ", ".join(OBSERVATION_COLUMNS)
    failing = "status in ('fail', 'no_data') and is_deciding"
    parts = []
    for i, c in enumerate(checks):
        # the distinct failing segments of all rows, not of the few read back: the alert's title
        # names them ("in region = eu" must not hide a failing region = us beyond the limit)
        segments = (f"(select count(*) from (select distinct segment_column, segment_value from {c.relation_name} "
                    f"where {failing} and segment_column is not null) as s)")
        parts.append(
            f"select {i} as ml_monitor_check, {cols}, row_number() over (order by "
            f"case when status = 'fail' then 0 else 1 end, case when segment_column is null then 0 else 1 end, "
            f"segment_column, segment_value, column_name, metric) as ml_monitor_rank, "
            f"count(*) over () as ml_monitor_total, {segments} as ml_monitor_segments "
            f"from {c.relation_name} where {failing}")
    union = "\nunion all\n".join(parts)
    return f"select * from (\n{union}\n) as failing where ml_monitor_rank <= {int(limit)}"


def _show(sql: str, report: RunReport, base: dict[str, Any], what: str) -> Any:
    """`dbt show --inline sql` through the run's project, profile, target and vars: its agate
    table, or None (logged as a warning naming `what`)."""
    from dbt.cli.main import dbtRunner

    args = ["show", "--inline", sql, "--limit", "-1",
            "--project-dir", str(base["project_dir"]), "--log-level", "none"]
    if base.get("profiles_dir"):
        args += ["--profiles-dir", str(base["profiles_dir"])]
    if base.get("target"):
        args += ["--target", base["target"]]
    if "--vars" in report.dbt_args:
        args += ["--vars", report.dbt_args[report.dbt_args.index("--vars") + 1]]
    try:
        res = dbtRunner().invoke(args)
        table = res.result.results[0].agate_table if res.success else None
    except Exception as e:  # noqa: BLE001
        log.warning("could not read %s: %s", what, e)
        return None
    finally:
        release_connections()
    if table is None:
        log.warning("could not read %s: %s", what, _clean(res.exception) or "dbt show failed")
    return table


def _read_observations(report: RunReport, base: dict[str, Any], limit: int) -> None:
    checks = [c for c in report.checks if c.failed and c.package == "ml_monitor" and c.relation_name]
    if not checks:
        return
    table = _show(observations_sql(checks, limit), report, base, "the failing observations back")
    if table is None:
        return
    names = [n.lower() for n in table.column_names]
    for row in table.rows:
        data = {k: _plain(v) for k, v in zip(names, row)}
        check = checks[int(data.pop("ml_monitor_check"))]
        data.pop("ml_monitor_rank", None)
        total = data.pop("ml_monitor_total", None)
        if total is not None:
            check.failing_observations = int(total)
        segments = data.pop("ml_monitor_segments", None)
        if segments is not None:
            check.failing_segments = int(segments)
        obs = {k: data.get(k) for k in OBSERVATION_COLUMNS}
        obs["facts"] = parse_facts(obs.get("facts"))  # structured, for alert payloads
        check.observations.append(obs)
    _read_lineage(report, base, [c for c in checks if c.observations])


# an observation row's identity within one test evaluation
_ROW_KEY = ("column_name", "segment_column", "segment_value", "metric", "window_start")


def lineage_sql(invocation_id: str, checks: list[CheckResult]) -> str:
    """The history rows this invocation recorded for the failing rows of `checks` (their facts
    carry the lineage the hook adds: macros/history/lineage.sql)."""
    def quoted(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"
    ids = ", ".join(quoted(c.unique_id) for c in checks)
    return (f"select test_unique_id, {', '.join(_ROW_KEY)}, facts "
            "from {{ ref('ml_monitor', 'ml_monitor_observations') }} "
            f"where invocation_id = {quoted(invocation_id)} and test_unique_id in ({ids}) "
            "and status in ('fail', 'no_data')")


def _read_lineage(report: RunReport, base: dict[str, Any], checks: list[CheckResult]) -> None:
    """Give the failing observations read back the lineage the history recorded for the same
    rows in this invocation (alerts name the model version, code and reference from it). Without
    the history (no on-run-end hook) the observations keep their own facts."""
    if not checks or not report.invocation_id:
        return
    table = _show(lineage_sql(report.invocation_id, checks), report, base, "the lineage from the history")
    if table is None:
        return
    names = [n.lower() for n in table.column_names]
    recorded: dict[tuple, dict[str, Any]] = {}
    for row in table.rows:
        data = {k: _plain(v) for k, v in zip(names, row)}
        lineage = (parse_facts(data.get("facts")) or {}).get("lineage")
        if isinstance(lineage, dict):
            recorded[(data["test_unique_id"], *(data.get(k) for k in _ROW_KEY))] = lineage
    for check in checks:
        for obs in check.observations:
            lineage = recorded.get((check.unique_id, *(obs.get(k) for k in _ROW_KEY)))
            if lineage is not None:
                obs["facts"] = {**(obs.get("facts") or {}), "lineage": lineage}
