"""`ml-monitor demo`: build a DuckDB dbt project over seeded synthetic predictions with
injected problems, run it (the shared runner, `ml_monitor.runner.run_dbt`), show which checks
failed and why, print the alerts through the stdout channel and write the HTML report.

Exit code: 1 when checks failed (the expected outcome: problems were injected),
0 when everything passed, 2 when the demo or dbt itself could not run."""

from __future__ import annotations

import time
from pathlib import Path

DEFAULT_DIRECTORY = "ml_monitor_demo"


def _progress(console):
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                               TextColumn, TimeElapsedColumn)

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True)


def run_demo(directory: str | Path | None = None, seed: int = 7, console=None, stdout=None) -> int:
    """Build and run the demo in ``directory`` (default ./ml_monitor_demo); returns the exit code.

    The checks table and progress go to ``console`` (stderr by default); the alerts go through
    the stdout channel to ``stdout`` (sys.stdout by default)."""
    from rich.console import Console
    from rich.markup import escape

    from ml_monitor import api
    from ml_monitor.demo import data as demo_data
    from ml_monitor.demo.output import print_checks, print_series
    from ml_monitor.demo.project import (DUCKDB_FILE, REPORT_FILE, DemoDirectoryError, prepare_directory,
                                         write_project)
    from ml_monitor.demo.runner import run_project
    from ml_monitor.report import ReportError, build_report

    console = console or Console(stderr=True)
    project_dir = Path(directory or DEFAULT_DIRECTORY).expanduser().resolve()
    db_path = project_dir / DUCKDB_FILE
    started = time.monotonic()
    try:
        prepare_directory(project_dir)
        write_project(project_dir, demo_data.AS_OF.strftime("%Y-%m-%d %H:%M:%S"))
        with console.status("generating synthetic predictions, training set and labels"):
            data = demo_data.generate_duckdb(db_path, seed=seed)
    except (DemoDirectoryError, OSError) as exc:
        console.print("[bold red]ml-monitor demo:[/bold red] " + escape(str(exc)))
        return 2
    console.print(
        f"[bold]ml_monitor demo[/bold] (seed {seed}): {len(data.predictions):,} predictions, "
        f"{len(data.training_set):,} training rows, {len(data.labels):,} labels in {db_path}"
    )

    with _progress(console) as progress:
        task = progress.add_task("dbt deps", total=None)

        def on_phase(phase: str) -> None:
            label = "dbt build: parsing the project" if phase == "build" else f"dbt {phase}"
            progress.update(task, description=label, completed=0, total=None)

        def on_event(event) -> None:  # run_dbt shields the run from errors raised here
            name = event.info.name
            if name == "LogStartLine":
                progress.update(task, total=event.data.total,
                                description=f"dbt build: {event.data.description}"[:70])
            elif name == "NodeFinished":
                progress.advance(task)

        report, observations = run_project(project_dir, db_path, on_event=on_event, on_phase=on_phase)

    if report.exit_code == 2:
        errors = ([report.error] if report.error else []) + [
            f"{e['resource_type']} {e['name']}: {e['message']}" for e in report.node_errors]
        for line in errors:
            console.print("[bold red]dbt error:[/bold red] " + escape(str(line)))
        console.print(f"[dim]dbt log: {project_dir / 'logs' / 'dbt.log'}[/dim]")
        return 2

    print_checks(report.checks, console, observations)
    print_series(report.checks, console, observations)

    # the alerts, exactly as `ml-monitor run` would send them to the stdout channel
    failing = [c for c in report.checks if c.failed]
    if failing:
        console.print(f"\n[bold]alerts[/bold] ({len(failing)}, through the stdout channel):")
    api.print_alerts(report, stream=stdout)

    with console.status("writing the HTML report"):
        try:
            result = build_report(project_dir, out=project_dir / REPORT_FILE, days=None,
                                  profiles_dir=project_dir)
        except (ReportError, OSError) as exc:
            console.print("[bold red]report:[/bold red] " + escape(str(exc)))
            return 2
    console.print(
        f"[bold]report:[/bold] {result.path} ({result.size_bytes / 1e6:.1f} MB, {result.checks} checks, "
        f"{result.failing} failing); open it in a browser"
    )
    console.print(
        f"[dim]{time.monotonic() - started:.1f}s. Project: {project_dir} "
        f"(re-run by hand, with the virtualenv that has ml-monitor active: cd {project_dir} && dbt build --profiles-dir .); "
        f"history: table ml_monitor_observations in {db_path.name}[/dim]"
    )
    return report.exit_code
