"""Showing the demo's checks in the terminal: `print_checks` (the alerts themselves are printed
by the stdout channel, `ml_monitor.api.print_alerts`, from the same CheckResults)."""

from __future__ import annotations

import math
from typing import Iterable, Mapping

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ml_monitor.demo.runner import FAILING_STATUSES
from ml_monitor.formatting import short_timestamp
from ml_monitor.runner import CheckResult
from ml_monitor.schema import is_anomaly_metric


# Narrower terminals get one block per check instead of the table (test names are long).
STACKED_BELOW = 120


def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.4g}"
    return str(value)


def _segment(obs: dict) -> str:
    if obs.get("segment_column") is None:
        return "overall"
    return f"{obs['segment_column']}={obs.get('segment_value')}"


def _where(o: dict, with_window: bool = False) -> str:
    """Column · segment, and the window's start when a check fails in several (`windows: N`)."""
    parts = [o.get("column_name"), _segment(o)] + ([short_timestamp(o.get("window_start"))] if with_window else [])
    return " · ".join(x for x in parts if x)


def _several_windows(rows: list[dict]) -> bool:
    return len({str(o.get("window_start")) for o in rows if o.get("window_start") is not None}) > 1


def _observation(o: dict, with_detail: bool = True) -> Text:
    """`metric = value (threshold t)` and the observation's detail on the next line; an anomaly
    row's value is a score against its sensitivity."""
    text = Text(f"{o.get('metric') or ''} = {_number(o.get('value'))}", style="bold")
    if is_anomaly_metric(o.get("metric")):
        text.append(f"  (anomaly score, sensitivity {_number(o.get('threshold'))})")
    else:
        text.append(f"  (threshold {_number(o.get('threshold'))})")
    if o.get("status") == "no_data":
        text.append("  no data", style="yellow")
    if with_detail and o.get("detail"):
        text.append("\n" + str(o["detail"]), style="dim")
    return text


def _ordered(observations: list[dict]) -> list[dict]:
    """The overall row first, then segments, each by column; windows oldest first."""
    return sorted(observations, key=lambda o: (o.get("segment_column") is not None, str(o.get("column_name")),
                                               str(o.get("segment_column")), str(o.get("segment_value")),
                                               str(o.get("window_start"))))


def _failing_rows(c: CheckResult, observations: Mapping[str, list[dict]] | None = None) -> list[dict]:
    """Every failing row of the check: from the run's history (every window) when given, else the
    rows read back for its alert (those that decide the test)."""
    rows = (observations or {}).get(c.unique_id) or c.observations
    return _ordered([o for o in rows if o.get("status") in FAILING_STATUSES])


def _print_stacked(failing: list[CheckResult], console: Console,
                   observations: Mapping[str, list[dict]] | None = None) -> None:
    """The same content as the table, one block per check, for narrow terminals."""
    console.print(f"[bold red]{len(failing)} failing check(s)[/bold red]")
    for c in failing:
        owner = c.owner or ""
        console.print(Text.assemble(("✘ " + c.name, "bold red"), ("  " + owner if owner else "", "dim")))
        rows = _failing_rows(c, observations)
        if not rows:
            console.print(Text(f"    {c.status}: {c.message or ''}"))
        several = _several_windows(rows)
        for o in rows:
            console.print(Text.assemble(("    " + _where(o, several) + "  ", "bold"), _observation(o, with_detail=False)))
            if o.get("detail"):
                console.print(Text("      " + str(o["detail"]), style="dim"))


def print_checks(checks: Iterable[CheckResult], console: Console,
                 observations: Mapping[str, list[dict]] | None = None) -> None:
    """Failing checks first, one row per failing observation, then the passing ones counted
    (with how many observation rows they produced, from ``observations`` by test unique_id)."""
    checks = sorted(checks, key=lambda c: (c.model or "", c.name))
    failing = [c for c in checks if c.status not in ("pass", "skipped")]
    passing = [c for c in checks if c.status == "pass"]

    if failing and console.width < STACKED_BELOW:
        _print_stacked(failing, console, observations)
    elif failing:
        table = Table(title=f"{len(failing)} failing check(s)", title_justify="left", title_style="bold red",
                      box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, expand=True)
        width = min(44, max(len(c.name) for c in failing))
        table.add_column("check", overflow="fold", min_width=width)
        table.add_column("column · segment", overflow="fold", max_width=32)
        table.add_column("observation", ratio=1, min_width=30)
        for c in failing:
            head = Text(c.name, style="bold red")
            if c.owner:
                head.append("\n" + c.owner, style="dim")
            rows = _failing_rows(c, observations)
            if not rows:
                table.add_row(head, c.column or "", Text(f"{c.status}: {c.message or ''}"))
                continue
            several = _several_windows(rows)
            for i, o in enumerate(rows):
                table.add_row(head if i == 0 else "", _where(o, several), _observation(o))
        console.print(table)
    if failing:
        runbooks = sorted({c.runbook for c in failing if c.runbook})
        if runbooks:
            console.print("[dim]runbooks:[/dim] " + escape(", ".join(runbooks)))
    n_obs = sum(len((observations or {}).get(c.unique_id, [])) for c in passing)
    console.print(
        f"[green]✔ {len(passing)} check(s) passed[/green] ({n_obs} observations)"
        + (f", [red]✘ {len(failing)} failed[/red]" if failing else "")
    )
    if passing:
        console.print("[dim]passed: " + escape(", ".join(c.name for c in passing)) + "[/dim]")


def print_series(checks: Iterable[CheckResult], console: Console,
                 observations: Mapping[str, list[dict]] | None,
                 test: str = "predictions_numeric_drift_psi", column: str = "days_since_last_login") -> None:
    """One series of a `windows: N` check: its overall value per window (x = window, oldest
    first), failing windows marked, so the step of a drift on the last day is visible."""
    check = next((c for c in checks if c.name == test), None)
    if check is None:
        return
    rows = sorted((o for o in (observations or {}).get(check.unique_id, [])
                   if o.get("column_name") == column and o.get("segment_column") is None
                   and o.get("window_start") is not None),
                  key=lambda o: str(o["window_start"]))
    if len(rows) < 2:
        return
    metric = rows[-1].get("metric") or ""
    threshold = rows[-1].get("threshold")
    console.print(f"\n[bold]series[/bold] {escape(test)} · {escape(column)}: {escape(str(metric))} by window"
                  + (f" (threshold {threshold:g})" if isinstance(threshold, (int, float)) else ""))
    line = Text("  ")
    for o in rows:
        value = o.get("value")
        shown = "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"
        failed = o.get("status") in FAILING_STATUSES
        line.append(f"{str(o['window_start'])[5:10]} ", style="dim")
        line.append(shown + (" ✘" if failed else ""), style="bold red" if failed else "")
        line.append("   ")
    console.print(line)
