"""The `ml-monitor` command: click decorators and glue only; the work happens in library modules."""

from __future__ import annotations

import json
import sqlite3
import sys
from typing import Any, Callable

import click

from ml_monitor import __version__
from ml_monitor.config import ConfigError
from ml_monitor.formatting import one_line


class MonitorGroup(click.Group):
    """Maps configuration errors, and a state file or path that cannot be used, to exit code 2 in
    one place (a message, never a traceback; exit 1 means failing checks)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as e:
            click.echo(f"ml-monitor: configuration error: {e}", err=True)
            ctx.exit(2)
        except sqlite3.DatabaseError as e:
            click.echo(f"ml-monitor: the state file cannot be used ({e}): check state_path, or move the file "
                       "away to start with an empty state", err=True)
            ctx.exit(2)
        except OSError as e:
            click.echo(f"ml-monitor: {e.strerror or e.__class__.__name__}: {e.filename or e}", err=True)
            ctx.exit(2)


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ml-monitor")
def main() -> None:
    """Monitor machine-learning models where their predictions live: in the warehouse.

    \b
    Exit codes: 0 all checks passed, 1 some check failed, 2 the run itself failed or the
    configuration is wrong (including a --select that matches no test), 130 / 143 interrupted
    by SIGINT / SIGTERM.
    """


@main.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Where to build the demo project (default: ./ml_monitor_demo).")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed of the synthetic data.")
def demo(directory: str | None, seed: int) -> None:
    """Build a DuckDB demo project with injected problems, run it and show what failed."""
    from ml_monitor.demo import run_demo

    sys.exit(run_demo(directory=directory, seed=seed))


# --------------------------------------------------------------------- shared options
# Each option is defined once; every one has an ML_MONITOR_* environment variable.

def _option(*args: Any, **kwargs: Any) -> Callable:
    return click.option(*args, show_envvar=True, **kwargs)


def _options(*decorators: Callable) -> Callable:
    def apply(f: Callable) -> Callable:
        for d in reversed(decorators):
            f = d(f)
        return f
    return apply


config_option = _option("--config", "config_file", envvar="ML_MONITOR_CONFIG", type=click.Path(dir_okay=False),
                        help="Configuration file (default: <project-dir>/ml_monitor.yml).")
state_path_option = _option("--state-path", envvar="ML_MONITOR_STATE_PATH", type=click.Path(dir_okay=False),
                            help="SQLite state file: alerts and outbox (default: <project-dir>/.ml_monitor/state.sqlite).")

state_options = _options(
    _option("--project-dir", envvar="ML_MONITOR_PROJECT_DIR", default=".", show_default=True,
                 type=click.Path(file_okay=False), help="The dbt project (ml_monitor.yml lives beside dbt_project.yml)."),
    config_option,
    state_path_option,
    _option("--format", "output_format", envvar="ML_MONITOR_FORMAT", type=click.Choice(["text", "json"]),
                 default="text", show_default=True, help="json: machine-readable results on stdout."),
    _option("-v", "--verbose", is_flag=True, envvar="ML_MONITOR_VERBOSE", help="Debug logging on stderr."),
)

dbt_options = _options(
    _option("--command", "dbt_command", envvar="ML_MONITOR_COMMAND", type=click.Choice(["build", "test"]),
                 help="dbt command to run (default: build, or dbt.command in ml_monitor.yml)."),
    _option("--profiles-dir", envvar="ML_MONITOR_PROFILES_DIR", type=click.Path(file_okay=False),
                 help="dbt profiles directory (default: dbt's own lookup)."),
    _option("--target", "-t", envvar="ML_MONITOR_TARGET", help="dbt target."),
    _option("--select", "-s", multiple=True, envvar="ML_MONITOR_SELECT", help="dbt --select (repeatable)."),
    _option("--exclude", multiple=True, envvar="ML_MONITOR_EXCLUDE", help="dbt --exclude (repeatable)."),
    _option("--vars", "dbt_vars", envvar="ML_MONITOR_VARS", help="dbt --vars, a YAML mapping."),
    _option("--suppression-interval", envvar="ML_MONITOR_SUPPRESSION_INTERVAL",
                 help="Do not re-alert a still-failing check within this interval (e.g. 6h)."),
)


def _parse_vars(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    import yaml

    from ml_monitor.config import load_yaml

    try:
        value = load_yaml(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"invalid YAML: {e}", key="--vars") from None
    if not isinstance(value, dict):
        raise ConfigError(f"expected a YAML mapping such as '{{key: value}}', got {text!r}", key="--vars")
    return value


def _load(project_dir: str, config_file: str | None, state_path: str | None, verbose: bool, **dbt: Any):
    from ml_monitor import api

    overrides = {"state_path": state_path, "suppression_interval": dbt.pop("suppression_interval", None),
                 "command": dbt.pop("dbt_command", None), "profiles_dir": dbt.pop("profiles_dir", None),
                 "target": dbt.pop("target", None), "select": dbt.pop("select", None),
                 "exclude": dbt.pop("exclude", None), "vars": _parse_vars(dbt.pop("dbt_vars", None))}
    config = api.load_config(project_dir, config_file, overrides)
    api.setup_logging(config, verbose)
    return config


def _context(config: Any, output_format: str):
    from ml_monitor.alerts.base import DeliveryContext

    # Under --format json stdout carries only JSON: the stdout channel writes to stderr.
    stream = (lambda: sys.stderr) if output_format == "json" else (lambda: sys.stdout)
    return DeliveryContext(stdout=stream, timeout=config.delivery.timeout, redact=config.redact)


def _emit_json(config: Any, data: Any) -> None:
    click.echo(config.redact(json.dumps(data, indent=2, default=str, sort_keys=True)))


# ---------------------------------------------------------------------------- run

@main.command()
@dbt_options
@state_options
def run(project_dir: str, config_file: str | None, state_path: str | None, output_format: str, verbose: bool,
        **dbt: Any) -> None:
    """Run dbt build/test once, raise alerts for failing checks, deliver them, then evaluate
    the retraining triggers of ml_monitor.yml (fire once, resolve when they clear).

    \b
    Exit codes: 0 all checks passed, 1 some check failed, 2 the run itself failed
    (dbt error, bad profile, unreachable warehouse, another run in progress, no
    dbt_project.yml, a --select that matches no test, a trigger naming an unknown
    test, triggers that could not read the metric store), 130 / 143 interrupted by
    SIGINT / SIGTERM (during dbt: its queries cancelled, no alert raised, nothing recorded;
    after dbt: the message says what was kept, e.g. recorded alerts whose notifications are queued).
    """
    from ml_monitor import api
    from ml_monitor.signals import interruptible, kept_after

    config = _load(project_dir, config_file, state_path, verbose, **dbt)
    with interruptible() as interrupted:
        try:
            outcome = api.monitor(config, _context(config, output_format))
        except api.RunLocked as e:
            click.echo(f"ml-monitor: {e}", err=True)
            sys.exit(2)
        except KeyboardInterrupt as e:
            click.echo(f"ml-monitor: run aborted by {interrupted.name}: {kept_after(e)}", err=True)
            sys.exit(interrupted.exit_code)
    if output_format == "json":
        _emit_json(config, outcome.to_dict(config))
    sys.exit(outcome.exit_code)


# ------------------------------------------------------------------------ schedule

@main.command()
@_option("--cron", envvar="ML_MONITOR_CRON", help="Cron expression in UTC, e.g. '*/15 * * * *'.")
@_option("--every", envvar="ML_MONITOR_EVERY", help="Interval, e.g. 15m, 1h, 30s.")
@_option("--run-now", is_flag=True, envvar="ML_MONITOR_RUN_NOW", help="Run once at start, then on schedule.")
@_option("--max-runs", type=click.IntRange(min=1), envvar="ML_MONITOR_MAX_RUNS", help="Exit after this many runs (at least 1; default: run until stopped).")
@dbt_options
@state_options
def schedule(cron: str | None, every: str | None, run_now: bool, max_runs: int | None, project_dir: str,
             config_file: str | None, state_path: str | None, output_format: str, verbose: bool, **dbt: Any) -> None:
    """Run on a schedule until SIGTERM/SIGINT; one run at a time (file locks).

    \b
    The first SIGTERM/SIGINT finishes the current run and exits 0; a second one aborts it
    (exit 130 for SIGINT, 143 for SIGTERM; no alert is raised for the interrupt).
    A second scheduler on the same state file exits 2.
    """
    from ml_monitor import api
    from ml_monitor.config import require_dbt_project
    from ml_monitor.scheduler import LockHeld, Retries, Schedule, run_schedule, with_slot_as_of

    config = _load(project_dir, config_file, state_path, verbose, **dbt)
    plan = Schedule.parse(cron, every)
    require_dbt_project(config.project_dir)
    ctx = _context(config, output_format)

    def one_run() -> None:
        outcome = api.monitor(with_slot_as_of(config, plan), ctx)
        if output_format == "json":
            click.echo(config.redact(json.dumps(outcome.to_dict(config), default=str, sort_keys=True)))

    try:
        code = run_schedule(config, plan, run=one_run, run_now=run_now, max_runs=max_runs,
                            retries=Retries(next_due=lambda: api.next_retry_at(config),
                                            deliver=lambda: api.deliver_due(config, ctx)))
    except LockHeld as e:
        click.echo(f"ml-monitor: another scheduler is running: {e}", err=True)
        sys.exit(2)
    sys.exit(code)


# -------------------------------------------------------------------------- alerts

@main.group()
def alerts() -> None:
    """List, retry, discard and resolve alerts in the state file (the outbox)."""


@alerts.command("list")
@click.option("--state", "state", type=click.Choice(["all", "open", "resolved", "undelivered"]), default="all",
              show_default=True, help="Which alerts to show.")
@state_options
def alerts_list(state: str, project_dir: str, config_file: str | None, state_path: str | None,
                output_format: str, verbose: bool) -> None:
    """Show open, resolved and undelivered alerts."""
    from ml_monitor import api

    config = _load(project_dir, config_file, state_path, verbose)
    rows = api.list_alerts(config, state)
    pending = api.list_deliveries(config, undelivered_only=True)
    if output_format == "json":
        _emit_json(config, {"alerts": rows, "undelivered": pending})
        return
    if not rows:
        missing = "" if config.state_path.exists() else " (no state file yet: no run has recorded one)"
        click.echo(f"no {'' if state == 'all' else state + ' '}alerts in {config.state_path}{missing}")
    for r in rows:
        d = r["deliveries"]
        flags = f"  ({d['pending']} pending, {d['failed']} failed)" if d["pending"] or d["failed"] else ""
        # one_line: a title recorded by an earlier version may hold a segment value's escape sequence
        click.echo(f"{r['fingerprint']}  {r['state']:<8} {r['severity']:<5} {one_line(r['title'])}  "
                   f"[seen {r['occurrences']}x, last {r['last_seen']}]{flags}")
    if pending and state in ("all", "undelivered"):
        click.echo("\nundelivered:")
        for p in pending:
            # only a pending delivery has a next attempt: a failed one, and those held behind it, wait for
            # `alerts retry`
            when = (f"next {p['next_attempt_at']}" if p["next_attempt_at"] else
                    "held behind a failed delivery" if p["held"] else "not retried automatically")
            click.echo(config.redact(f"  {p['id'][:12]} {p['event']:<7} -> {p['channel']:<12} {p['state']:<7} "
                                     f"attempts {p['attempts']}, {when}: {one_line(p['last_error'] or '')}"))
        if any(not p["next_attempt_at"] for p in pending):
            click.echo("failed deliveries (and those held behind them) are not retried automatically: fix the "
                       "channel, then run `ml-monitor alerts retry` (or `ml-monitor alerts discard --channel NAME`)")


@alerts.command("retry")
@state_options
def alerts_retry(project_dir: str, config_file: str | None, state_path: str | None, output_format: str,
                 verbose: bool) -> None:
    """Deliver every undelivered notification now (pending and failed), ignoring backoff.

    Exit 0 when nothing is left undelivered, 1 otherwise.
    """
    from ml_monitor import api

    config = _load(project_dir, config_file, state_path, verbose)
    result = api.retry(config, _context(config, output_format))
    left = api.list_deliveries(config, undelivered_only=True)
    if output_format == "json":
        _emit_json(config, {**result.to_dict(), "undelivered": left})
    else:
        click.echo(f"retried: {result.sent} sent, {result.retrying} still failing, {result.failed} "
                   f"configuration errors, {result.busy} busy; {len(left)} undelivered", err=True)
    sys.exit(0 if not left else 1)


@alerts.command("discard")
@click.option("--channel", required=True, help="The channel whose undelivered notifications are dropped.")
@state_options
def alerts_discard(channel: str, project_dir: str, config_file: str | None, state_path: str | None,
                   output_format: str, verbose: bool) -> None:
    """Drop every undelivered notification (pending and failed) to CHANNEL: they are never sent.

    For a channel removed from ml_monitor.yml (`alerts retry` cannot send to it), or a backlog
    you do not want delivered. A notification being sent right now is left alone (exit 1).
    """
    from ml_monitor import api

    config = _load(project_dir, config_file, state_path, verbose)
    discarded, busy = api.discard(config, channel)
    left = sorted({p["channel"] for p in api.list_deliveries(config, undelivered_only=True)})
    if output_format == "json":
        _emit_json(config, {"channel": channel, "discarded": discarded, "busy": busy})
    else:
        others = f"; undelivered notifications remain to: {', '.join(left)}" if left else ""
        click.echo(f"discarded {discarded} undelivered notification{'' if discarded == 1 else 's'} to {channel!r}"
                   f"{f', {busy} being sent now left alone' if busy else ''}{others}", err=True)
    sys.exit(1 if busy else 0)


@alerts.command("resolve")
@click.argument("fingerprint")
@click.option("--no-notify", is_flag=True, help="Do not send resolved notifications.")
@state_options
def alerts_resolve(fingerprint: str, no_notify: bool, project_dir: str, config_file: str | None,
                   state_path: str | None, output_format: str, verbose: bool) -> None:
    """Resolve an open alert by hand (FINGERPRINT or a unique prefix of it)."""
    from ml_monitor import api

    config = _load(project_dir, config_file, state_path, verbose)
    try:
        alert, result = api.resolve(config, fingerprint, notify=not no_notify, ctx=_context(config, output_format))
    except LookupError as e:
        click.echo(f"ml-monitor: {e}", err=True)
        sys.exit(2)
    if alert is None:
        click.echo(f"ml-monitor: no open alert with fingerprint {fingerprint!r}", err=True)
        sys.exit(2)
    if output_format == "json":
        _emit_json(config, {"resolved": alert.to_dict(), "deliveries": result.to_dict()})
    else:
        click.echo(f"resolved {alert.fingerprint}: {one_line(alert.title)} ({result.sent} notification(s) sent)", err=True)


# ------------------------------------------------------------------------ triggers

@main.group()
def triggers() -> None:
    """Retraining triggers of ml_monitor.yml and their state (firing, clear, when they fired)."""


@triggers.command("list")
@state_options
def triggers_list(project_dir: str, config_file: str | None, state_path: str | None, output_format: str,
                  verbose: bool) -> None:
    """Show every trigger: firing or clear, since when, the latest reason, where it went.

    With --format json, each trigger carries the event of its latest firing (the evidence)."""
    from ml_monitor import api

    config = _load(project_dir, config_file, state_path, verbose)
    rows = api.list_triggers(config)
    if output_format == "json":
        _emit_json(config, {"triggers": rows})
        return
    if not rows:
        click.echo(f"no triggers in {config.where}")
    for r in rows:
        since = {"firing": f"since {r['first_fired']}", "clear": f"resolved {r['resolved_at']}"
                 if r["resolved_at"] else "never fired"}.get(r["state"], "")
        d = r["deliveries"]
        flags = f"  ({d['pending']} pending, {d['failed']} failed)" if d["pending"] or d["failed"] else ""
        gone = "  (no longer in the configuration)" if not r["configured"] else ""
        click.echo(f"{r['name']:<24} {r['state']:<8} {since:<38} fired {r['fired_count']}x, "
                   f"last evaluated {r['last_evaluated'] or 'never'}{flags}{gone}")
        if r.get("reason"):
            click.echo(f"  {one_line(r['reason'])}")


# ------------------------------------------------------------------------------ report

@main.command()
@click.option("--out", "-o", envvar="ML_MONITOR_REPORT_OUT", default="ml_monitor_report.html",
              show_default=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@click.option("--days", envvar="ML_MONITOR_REPORT_DAYS", type=click.FloatRange(min=0, min_open=True),
              default=30, show_default=True, help="Show the runs of the last N days.")
@click.option("--all-history", is_flag=True, envvar="ML_MONITOR_REPORT_ALL_HISTORY",
              help="Show the whole history (ignores --days).")
@click.option("--title", envvar="ML_MONITOR_REPORT_TITLE", help="Page title (default: ml_monitor report · <project>).")
@click.option("--project-dir", envvar="ML_MONITOR_PROJECT_DIR", default=".", show_default=True,
              type=click.Path(file_okay=False), help="The dbt project whose history to show.")
@click.option("--profiles-dir", envvar="ML_MONITOR_PROFILES_DIR", type=click.Path(file_okay=False),
              help="dbt profiles directory (default: dbt's own lookup).")
@click.option("--target", "-t", envvar="ML_MONITOR_TARGET", help="dbt target.")
@click.option("--select", "-s", multiple=True, envvar="ML_MONITOR_SELECT",
              help="Only the tests dbt selects (dbt selection syntax, repeatable).")
@click.option("--vars", "dbt_vars", envvar="ML_MONITOR_VARS", help="dbt --vars, a YAML mapping.")
@click.option("--model-version", envvar="ML_MONITOR_REPORT_MODEL_VERSION",
              help="Only the observations of this model version (facts.lineage.model_version; tests "
                   "with model_version_column).")
@click.option("--format", "output_format", envvar="ML_MONITOR_FORMAT", type=click.Choice(["text", "json"]),
              default="text", show_default=True, help="json: the result as JSON on stdout.")
@config_option
@state_path_option
@click.option("-v", "--verbose", is_flag=True, envvar="ML_MONITOR_VERBOSE", help="Debug logging on stderr.")
def report(out: str, days: float, all_history: bool, title: str | None, project_dir: str,
           profiles_dir: str | None, target: str | None, select: tuple[str, ...], dbt_vars: str | None,
           model_version: str | None, output_format: str, config_file: str | None, state_path: str | None,
           verbose: bool) -> None:
    """Write the HTML report of the observation history: one self-contained file that opens
    offline, with what fails since when, owners, runbooks, a plot of every metric, and the
    retraining triggers of ml_monitor.yml that are firing or resolved recently (from the state file,
    as `ml-monitor triggers list` shows them).

    \b
    Exit codes: 0 written, 2 the history could not be read (dbt error, no history table).
    An ml_monitor.yml or state file that cannot be read leaves the triggers out (said on stderr and
    in the page) and the report is still written; a --config file that cannot be read is exit 2.
    """
    import logging
    import sqlite3

    from ml_monitor import api
    from ml_monitor.report import ReportError, build_report

    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(message)s")
    config, triggers, triggers_error = None, None, None
    try:
        config = api.load_config(project_dir, config_file, {"state_path": state_path})
        triggers = api.list_triggers(config)
    except (ConfigError, sqlite3.Error) as e:
        if config_file and isinstance(e, ConfigError):
            raise     # a file asked for by name must be right: exit 2
        triggers_error = str(e)
        click.echo(f"ml-monitor report: the triggers are left out: {e}", err=True)
    # the history quotes dbt and the warehouse: its texts are redacted with the configuration's
    # secrets (without a readable configuration, URL passwords only)
    redact = (config or api.default_config(project_dir)).redact
    try:
        result = build_report(project_dir, out=out, days=None if all_history else days,
                              select=list(select) or None, profiles_dir=profiles_dir, target=target,
                              vars=_parse_vars(dbt_vars), title=title, model_version=model_version,
                              triggers=triggers, triggers_error=triggers_error, redact=redact)
    except ReportError as e:
        click.echo(f"ml-monitor report: {redact(str(e))}", err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(json.dumps({"path": str(result.path), "size_bytes": result.size_bytes,
                               "checks": result.checks, "failing": result.failing,
                               "newly_failing": result.newly_failing, "resolved": result.resolved,
                               "runs": result.runs, "observations": result.observations}, indent=2))
    else:
        click.echo(f"report: {result.path} ({result.size_bytes / 1e6:.1f} MB; {result.checks} checks, "
                   f"{result.failing} failing, {result.newly_failing} newly failing, {result.runs} runs)",
                   err=True)

if __name__ == "__main__":  # pragma: no cover
    main()
