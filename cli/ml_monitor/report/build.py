"""`build_report()`: history -> model -> HTML file. The one entry point the CLI calls."""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from ml_monitor.report.lineage import filter_model_version
from ml_monitor.report.loader import load_history
from ml_monitor.report.render import render_html
from ml_monitor.report.shaping import shape_report

log = logging.getLogger("ml_monitor")


@dataclass(frozen=True)
class ReportResult:
    path: Path            # the HTML file written
    size_bytes: int
    checks: int           # distinct checks (dbt tests) in the period
    failing: int          # checks failing in their latest run
    newly_failing: int
    resolved: int
    runs: int             # dbt invocations in the period
    observations: int     # history rows in the period


def write_report(frame: pd.DataFrame, out: str | Path, *,
                 checks_meta: Mapping[str, Mapping[str, Any]] | None = None,
                 now: dt.datetime | None = None, days: float | None = 30,
                 title: str | None = None, project: str | None = None,
                 target: str | None = None,
                 reliability: Mapping[str, list[Mapping[str, Any]]] | None = None,
                 model_version: str | None = None,
                 triggers: list[Mapping[str, Any]] | None = None,
                 triggers_error: str | None = None,
                 redact: Callable[[Any], Any] | None = None) -> ReportResult:
    """Write the report for history rows already in a DataFrame (no dbt involved); with
    `model_version`, only the rows that describe that model version (facts.lineage); with
    `triggers` (the rows of `ml-monitor triggers list`: `api.list_triggers(config)`), the firing
    and recently resolved retraining triggers; with `redact` (Config.redact), every text of the
    history, the test metadata and the reliability tables redacted before anything is shaped."""
    if redact is not None:
        frame, checks_meta, reliability = redact_history(frame, checks_meta, reliability, redact)
    frame = filter_model_version(frame, model_version)
    model = shape_report(frame, checks_meta, now=now, days=days, title=title,
                         project=project, target=target, reliability=reliability,
                         triggers=triggers, triggers_error=triggers_error)
    html = render_html(model)
    path = Path(out)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    # write next to the target and rename: a reader never sees half a file
    fd, tmp = tempfile.mkstemp(prefix=".ml_monitor_report.", suffix=".tmp",
                               dir=str(path.parent or Path(".")))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        # a page to share (report_url): the mode a plain write would give (mkstemp makes 0600),
        # or the mode of the report it replaces
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    s = model["summary"]
    result = ReportResult(path=path.resolve(), size_bytes=path.stat().st_size, checks=s["checks"],
                          failing=s["failing"], newly_failing=s["newly_failing"],
                          resolved=s["resolved"], runs=s["runs"], observations=s["observations"])
    log.info("report written to %s (%.1f MB, %d checks, %d failing)", result.path,
             result.size_bytes / 1e6, result.checks, result.failing)
    return result


def redact_history(frame: pd.DataFrame, checks_meta: Mapping[str, Mapping[str, Any]] | None,
                   reliability: Mapping[str, list[Mapping[str, Any]]] | None,
                   redact: Callable[[Any], Any]) -> tuple[pd.DataFrame, dict | None, dict | None]:
    """The history with every text through `redact`: it holds what dbt and the warehouse said
    (segment values, details, dbt's error messages), which may quote a configured secret; the
    history itself only hides URL passwords (it is written inside dbt). Each distinct text is
    redacted once (the history repeats them); test ids are redacted alike in the frame and in the
    keys of `checks_meta` / `reliability`, so they still match."""
    frame = frame.copy(deep=False)       # columns are replaced, never changed in place
    for column in frame.columns:
        if not (pd.api.types.is_object_dtype(frame[column]) or pd.api.types.is_string_dtype(frame[column])):
            continue
        changed = {v: r for v in frame[column].dropna().unique() if isinstance(v, str) and (r := redact(v)) != v}
        if changed:
            frame[column] = pd.Series([changed.get(v, v) if isinstance(v, str) else v for v in frame[column]],
                                      index=frame.index, dtype=frame[column].dtype)   # None stays None
    meta = None if checks_meta is None else {redact(k): redact(dict(v)) for k, v in checks_meta.items()}
    rel = (None if reliability is None
           else {redact(k): redact([dict(r) for r in rows]) for k, rows in reliability.items()})
    return frame, meta, rel


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def build_report(project_dir: str | Path = ".", *, out: str | Path = "ml_monitor_report.html",
                 days: float | None = 30, select: Iterable[str] | str | None = None,
                 profiles_dir: str | Path | None = None, target: str | None = None,
                 target_path: str | Path | None = None,
                 vars: str | Mapping[str, Any] | None = None,
                 title: str | None = None, now: dt.datetime | None = None,
                 model_version: str | None = None,
                 triggers: list[Mapping[str, Any]] | None = None,
                 triggers_error: str | None = None,
                 redact: Callable[[Any], Any] | None = None) -> ReportResult:
    """Read the observation history of the dbt project at `project_dir` through its profile
    (last `days` days; all when None; only the tests `select` picks when given) and write the
    self-contained HTML report to `out`. Raises ReportError when dbt cannot read the history.
    `triggers` / `triggers_error` / `redact`: see write_report (the CLI reads the triggers from the
    state file and redacts with the configuration's secrets)."""
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    loaded = load_history(project_dir, profiles_dir=profiles_dir, target=target,
                          target_path=target_path, vars=vars, days=days, select=select, now=now)
    return write_report(loaded.frame, out, checks_meta=loaded.checks_meta, now=now, days=days,
                        title=title, project=loaded.project, target=loaded.target,
                        reliability=loaded.reliability, model_version=model_version,
                        triggers=triggers, triggers_error=triggers_error, redact=redact)
