"""The library behind the CLI, a thin front over the modules: run checks, apply the alert
lifecycle, deliver, list, retry, resolve. Layers point one way: cli -> api -> modules (runner,
config, outbox, delivery, locks, alerts); nothing below this module imports it.

    from ml_monitor import api
    report = api.run_checks("path/to/project", profiles_dir="path/to/project")   # -> RunReport
    outcome = api.deliver(report)            # dedup/suppress/resolve, outbox, send (stdout by default)
    api.print_alerts(report)                 # just print the alerts, no state (the demo uses this)
"""

from __future__ import annotations

import difflib
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ml_monitor.alerts.base import DeliveryContext
from ml_monitor.alerts.model import (CHECK_FAILED, Alert, Notification, build_alerts, check_fingerprint,
                                    monitoring_fingerprint)
from ml_monitor.alerts.routing import channels_for
from ml_monitor.config import Config, ConfigError, default_config, load_config, require_dbt_project
from ml_monitor.delivery import DeliveryReport, deliver_pending
from ml_monitor.locks import LockHeld, RunLocked, lock_path, run_lock
from ml_monitor.logs import setup_logging
from ml_monitor.outbox import Lifecycle, Outbox, next_due
from ml_monitor.formatting import iso_utc
from ml_monitor.runner import RunReport, run_as_of, run_dbt
from ml_monitor.signals import RunInterrupted
from ml_monitor.triggers.lifecycle import TriggerLifecycle, TriggerState, trigger_alert
from ml_monitor.triggers.rules import check_selected, evaluate
from ml_monitor.triggers.store import StoreError, manifest_test_names, read_store

log = logging.getLogger("ml_monitor")


# ------------------------------------------------------------------------------- run

def run_checks(project_dir: str = ".", profiles_dir: str | None = None, command: str | None = None,
               select: list[str] | None = None, exclude: list[str] | None = None, target: str | None = None,
               vars: dict[str, Any] | None = None, config: Config | None = None) -> RunReport:
    """Run `dbt build|test` on the project and collect every test result (never raises for dbt errors).

    Explicit arguments win over `config.dbt` (from ml_monitor.yml); config defaults to
    ml_monitor.yml beside dbt_project.yml, if any.
    """
    config = config or load_config(project_dir)
    require_dbt_project(project_dir)
    dbt = config.dbt
    return run_dbt(command=command or dbt.command, project_dir=project_dir,
                   profiles_dir=profiles_dir or dbt.profiles_dir, target=target or dbt.target,
                   select=select if select is not None else dbt.select,
                   exclude=exclude if exclude is not None else dbt.exclude,
                   vars={**dbt.vars, **(vars or {})}, failing_rows=dbt.failing_rows)


def passed_fingerprints(report: RunReport) -> list[str]:
    """Fingerprints that this run proved healthy: passing checks, and the run itself when it completed."""
    passed = [check_fingerprint(c.unique_id) for c in report.checks if c.status == "pass"]
    if report.exit_code != 2:
        passed.append(monitoring_fingerprint(report.project, report.target))
    return passed


def removed_fingerprints(report: RunReport, outbox: Outbox) -> list[str]:
    """Open check alerts of this project whose test the manifest of this run no longer has (the test
    was removed or disabled, or its arguments changed: dbt gives it a new unique_id, so a new
    alert). No run would ever pass them: without this they stayed open, a PagerDuty incident
    forever. Only after a completed run whose own manifest is readable."""
    if report.exit_code == 2:
        return []
    tests = report.project_tests
    if tests is None:
        return []
    return [a.fingerprint for a in outbox.open_alerts()
            if a.kind == CHECK_FAILED and a.project == report.project and a.test_unique_id
            and a.test_unique_id not in tests]


def process(report: RunReport, config: Config, outbox: Outbox, now: float | None = None) -> Lifecycle:
    """Dedup / suppress / resolve against the state and enqueue the notifications (no sending).
    The alerts are redacted as they are built: the state file and the outbox never hold a secret."""
    alerts = build_alerts(report, config.redact)
    as_of = run_as_of(report)
    for a in alerts:
        a.report_url = config.report_url
        a.as_of = iso_utc(as_of, "seconds")
    routes = {a.fingerprint: channels_for(a, config) for a in alerts}
    resolve_channels = {n for n, s in config.channels.items() if config.send_resolved and s.send_resolved}
    # a run of an earlier ml_monitor_as_of (a backfill) leaves alerts a later evaluation decided alone
    lifecycle = outbox.record(alerts, passed_fingerprints(report), routes, config.suppression_interval,
                              resolve_channels, now=now, removed=removed_fingerprints(report, outbox),
                              as_of=as_of.timestamp() if as_of is not None else None)
    for a in lifecycle.unrouted:
        log.warning("alert %s (%s) matched no route: recorded in the state, sent nowhere", a.fingerprint, a.title)
    return lifecycle


@dataclass
class RunOutcome:
    report: RunReport
    lifecycle: Lifecycle
    delivery: DeliveryReport
    triggers: TriggerLifecycle | None = None     # set by monitor() when ml_monitor.yml has triggers

    @property
    def exit_code(self) -> int:
        if self.triggers is not None and self.triggers.error:
            return 2
        return self.report.exit_code

    def summary(self) -> str:
        c = self.report.counts()
        lc = self.lifecycle.counts()
        d = self.delivery
        errors = "dbt could not run" if self.report.error else f"{c['node_errors']} node errors"
        text = (f"{self.report.command} finished in {self.report.duration:.1f}s: exit {self.exit_code}, "
                f"{c['checks']} check{'' if c['checks'] == 1 else 's'} ({c['passed']} passed, {c['warned']} warned, {c['failed']} failed"
                f"{''.join(f', {c[k]} {k}' for k in ('errored', 'skipped') if c[k])}), "
                f"{errors}; alerts {lc['new']} new, {lc['repeated']} re-sent, "
                f"{lc['suppressed']} suppressed, {lc['resolved']} resolved"
                + (f", {lc['earlier']} left as a run of a later ml_monitor_as_of decided" if lc["earlier"] else "")
                + f"; deliveries {d.sent} sent, "
                f"{d.retrying} retrying, {d.failed} failed")
        if d.stuck:
            failed = sum(s["failed"] for s in d.stuck)
            text += (f", {d.held} held behind {failed} earlier failed deliver{'y' if failed == 1 else 'ies'} to "
                     f"{', '.join(s['channel'] for s in d.stuck)} (`ml-monitor alerts retry` once fixed)")
        if self.triggers is not None:
            t = self.triggers.counts()
            text += (f"; triggers {t['fired']} fired, {t['held']} still holding, {t['resolved']} resolved, "
                     f"{t['clear']} clear, {t['not_evaluated']} not evaluated")
            if self.triggers.error:
                text += f" (could not be evaluated: {self.triggers.error})"
        return text

    def to_dict(self, config: Config) -> dict[str, Any]:
        alerts = []
        for action in ("new", "repeated", "suppressed", "unrouted"):
            for a in getattr(self.lifecycle, action):
                alerts.append({**a.to_dict(), "action": action})
        data = {**self.report.to_dict(), "alerts": alerts,
                "resolved": [a.to_dict() for a in self.lifecycle.resolved],
                "left_to_later_runs": list(self.lifecycle.earlier),
                "deliveries": self.delivery.to_dict()}
        if self.triggers is not None:
            data["triggers"] = self.triggers.to_dict()
            data["exit_code"], data["status"] = self.exit_code, {0: "pass", 1: "fail", 2: "error"}[self.exit_code]
        return config.redact(data)


def deliver(report: RunReport, config: Config | None = None, ctx: DeliveryContext | None = None,
            now: float | None = None) -> RunOutcome:
    """Apply the lifecycle to `report` and deliver everything due (this run's and earlier retries)."""
    config = config or load_config(report.project_dir)
    with Outbox(config.state_path) as outbox:
        lifecycle = process(report, config, outbox, now=now)
        try:
            delivery = deliver_pending(config, outbox, ctx, now=now)
        except RunInterrupted:
            raise
        except KeyboardInterrupt:
            raise RunInterrupted("delivery") from None
        outcome = RunOutcome(report, lifecycle, delivery)
        for stuck in delivery.stuck:
            log.warning("%s", config.redact(stuck_message(stuck)))
        outbox.prune(config.delivery.retention, now=now)
        outbox.log_run(time.time() - report.duration, report.duration, report.command, report.status,
                       report.exit_code, {**report.counts(), **lifecycle.counts(), **delivery.to_dict()})
    return outcome


def stuck_message(stuck: dict[str, Any]) -> str:
    """One channel's failed deliveries (DeliveryReport.stuck) for the log: what they hold up, and
    what to do (they are never retried automatically)."""
    n, held, channel = stuck["failed"], stuck["held"], stuck["channel"]
    what = (f"{held} notification{'' if held == 1 else 's'} to {channel} held behind {n} failed "
            f"deliver{'y' if n == 1 else 'ies'}" if held else
            f"{n} failed deliver{'y' if n == 1 else 'ies'} to {channel}")
    return (f"{what}, not retried automatically (last error: {stuck['last_error']}): fix the channel, then "
            f"run `ml-monitor alerts retry` (or drop them: `ml-monitor alerts discard --channel {channel}`)")


def monitor(config: Config, ctx: DeliveryContext | None = None) -> RunOutcome:
    """One complete `ml-monitor run`: take the run lock, run dbt, alerts, deliveries, one log line.

    Raises RunLocked when another run holds the lock."""
    require_dbt_project(config.project_dir)
    lock = run_lock(config)
    stage = "dbt"
    try:
        log.info("running dbt %s in %s", config.dbt.command, config.project_dir)
        report = run_checks(str(config.project_dir), config=config)
        stage = "alerts"
        check_selection(report, config)
        if report.exit_code == 2:
            log.error("monitoring failed: %s (dbt log: %s)", report.error or "; ".join(
                f"{e['name']}: {e['message']}" for e in report.node_errors),
                config.project_dir / "logs" / "dbt.log")
        outcome = deliver(report, config, ctx)
        stage = "triggers"
        if config.triggers:
            outcome.triggers = run_triggers(report, config, ctx)
        log.info("%s", outcome.summary())
        return outcome
    except RunInterrupted:
        raise
    except KeyboardInterrupt:
        raise RunInterrupted(stage) from None
    finally:
        lock.release()


class EmptySelection(ConfigError):
    """--select matched no test: nothing was checked (a typo must not look like a green run)."""


def check_selection(report: RunReport, config: Config) -> None:
    """Raise EmptySelection when a selection was given, dbt ran, and not one test was selected."""
    if config.dbt.select and not report.checks and report.exit_code != 2:
        raise EmptySelection(f"the selection {' '.join(config.dbt.select)!r} matched no test: nothing was "
                             f"checked, no alert state changed (list what it selects with `dbt ls "
                             f"--resource-type test --select ...`)", key="--select")


# ---------------------------------------------------------------------------- triggers

def unknown_trigger_tests(config: Config) -> dict[str, str]:
    """Triggers naming a test the project does not have (a typo, a test renamed since), checked
    against the manifest the run wrote (skipped when there is none): trigger name -> the error,
    which names the file and the key. Such a trigger is not evaluated; the others are, and the
    run's alerts are recorded and delivered first (a bad trigger must never silence them)."""
    if not config.triggers:
        return {}
    names = manifest_test_names(config.project_dir)
    if names is None:
        log.debug("no manifest: the test names of the triggers are not checked")
        return {}
    errors = {}
    for trigger in config.triggers:
        for test in trigger.when.test:
            if test not in names:
                near = difflib.get_close_matches(test, sorted(names), n=3, cutoff=0.75)
                hint = f" (did you mean: {', '.join(near)}?)" if near else f" ({len(names)} tests in the project)"
                errors[trigger.name] = str(ConfigError(
                    f"trigger {trigger.name!r} names unknown test {test!r}{hint}",
                    config.source_file, f"triggers.{trigger.name}.when.test"))
                break
    return errors


def evaluate_triggers(report: RunReport, config: Config) -> tuple[TriggerLifecycle, list]:
    """Evaluate every trigger over the metric store's rows of the tests this run evaluated.

    Returns the lifecycle holding the not-evaluated triggers (and the error, when the store could not
    be read) and the (trigger, evaluation, alert) of each evaluated one."""
    out = TriggerLifecycle()
    if report.error:
        out.not_evaluated = {t.name: "dbt could not run" for t in config.triggers}
        return out, []
    unknown = unknown_trigger_tests(config)
    for name, error in unknown.items():
        log.error("configuration error: %s; the trigger is skipped (the run's alerts are recorded and "
                  "delivered as usual, the run exits 2)", error)
        out.not_evaluated[name] = error
    if unknown:
        out.error = "; ".join(unknown.values())
    ours = [c for c in report.checks if c.package == "ml_monitor"]
    chosen: dict[str, list] = {}
    for t in config.triggers:
        if t.name in unknown:
            continue
        checks = [c for c in ours if check_selected(t.when, c.name, c.tags, c.monitor)]
        errored = [c.name for c in checks if c.status not in ("pass", "warn", "fail")]
        if not checks:
            out.not_evaluated[t.name] = "none of its tests ran in this run"
        elif errored:
            out.not_evaluated[t.name] = f"test(s) {', '.join(errored)} did not complete ({checks[0].status})"
        else:
            chosen[t.name] = checks
    ids = {c.unique_id for checks in chosen.values() for c in checks}
    try:
        dbt = config.dbt
        vars_json = report.dbt_args[report.dbt_args.index("--vars") + 1] if "--vars" in report.dbt_args else None
        rows = read_store(config.project_dir, ids, dbt.profiles_dir, dbt.target, vars_json) if ids else []
    except StoreError as e:
        error = config.redact(str(e))
        out.error = "; ".join(filter(None, (out.error, error)))
        log.error("triggers could not be evaluated: %s", error)
        out.not_evaluated.update({name: "the metric store could not be read" for name in chosen})
        return out, []
    tags = {c.unique_id: list(c.tags) for c in ours}
    results = []
    for t in config.triggers:
        if t.name not in chosen:
            continue
        mine = {c.unique_id: c.monitor for c in chosen[t.name]}
        ev = evaluate(t, [{**r, "tags": tags.get(r.get("test_unique_id"), []),
                           "test_monitor": mine[r.get("test_unique_id")]} for r in rows
                          if r.get("test_unique_id") in mine]).redacted(config.redact)
        if ev.reason.startswith("no observation matches"):
            # a selector that matches nothing never fires: said at every run, not only by `triggers list`
            log.warning("trigger %r: %s", t.name, ev.reason)
        results.append((t, ev, trigger_alert(t, ev, report).redacted(config.redact)))
    return out, results


def run_triggers(report: RunReport, config: Config, ctx: DeliveryContext | None = None,
                 now: float | None = None) -> TriggerLifecycle:
    """Evaluate the triggers, apply fire / hold / resolve to the state and deliver what is due."""
    out, results = evaluate_triggers(report, config)
    routes = {t.name: (list(t.channels) if t.channels is not None else channels_for(alert, config))
              for t, _, alert in results}
    resolve_channels = {n for n, s in config.channels.items() if config.send_resolved and s.send_resolved}
    with Outbox(config.state_path) as outbox:
        TriggerState(outbox).record(results, routes, resolve_channels, out, now=now)
        for alert in out.fired:
            log.warning("%s -> %s", alert.title, ", ".join(routes.get(
                alert.evidence["trigger"], [])) or "no channel")
        deliver_pending(config, outbox, ctx, now=now)
    return out


def list_triggers(config: Config) -> list[dict[str, Any]]:
    """Every configured trigger with its state (never evaluated: `unknown`), and the state of triggers
    no longer in ml_monitor.yml (`configured: false`). Reading creates no state file (the report
    lists the triggers of a project that never ran them)."""
    rows: dict[str, dict[str, Any]] = {}
    if Path(config.state_path).exists():
        with Outbox(config.state_path) as outbox:
            rows = {r["name"]: r for r in TriggerState(outbox).rows()}
    out = []
    for t in config.triggers:
        row = rows.pop(t.name, None) or {"name": t.name, "state": "unknown", "fired_count": 0, "event": None,
                                         "reason": "never evaluated", "channels": [], "first_fired": None,
                                         "last_evaluated": None, "resolved_at": None, "fingerprint": None,
                                         "deliveries": {"pending": 0, "failed": 0, "delivered": 0}}
        out.append({**row, "configured": True, "description": t.description,
                    "kind": "promotion_gate" if t.when.is_gate else "count",
                    "routes_to": list(t.channels) if t.channels is not None else "routes"})
    out += [{**r, "configured": False} for r in rows.values()]
    return config.redact(out)


def retry(config: Config, ctx: DeliveryContext | None = None) -> DeliveryReport:
    """`alerts retry`: send every undelivered notification now (pending and failed), ignoring backoff."""
    with Outbox(config.state_path) as outbox:
        return deliver_pending(config, outbox, ctx, include_failed=True, force=True)


def next_retry_at(config: Config) -> float | None:
    """When the next undelivered notification is due (its backoff expires), None when none is."""
    return next_due(config.state_path)


def deliver_due(config: Config, ctx: DeliveryContext | None = None) -> DeliveryReport | None:
    """Between two scheduled runs: deliver the notifications whose backoff has expired (no dbt),
    under the run lock like a run; None when a run holds it (that run delivers them)."""
    try:
        lock = run_lock(config)
    except RunLocked as e:
        log.debug("due notifications left to the run in progress: %s", e)
        return None
    try:
        with Outbox(config.state_path) as outbox:
            delivery = deliver_pending(config, outbox, ctx)
    except RunInterrupted:
        raise
    except KeyboardInterrupt:
        raise RunInterrupted("retries") from None
    finally:
        lock.release()
    if delivery.sent or delivery.retrying or delivery.failed:
        log.info("between runs, due notifications: %d sent, %d retrying, %d failed", delivery.sent,
                 delivery.retrying, delivery.failed)
    return delivery


def discard(config: Config, channel: str) -> tuple[int, int]:
    """`alerts discard --channel`: give up every undelivered notification to `channel` (a channel
    removed from ml_monitor.yml cannot be retried); returns (discarded, busy: being sent right now)."""
    if not config.state_path.exists():
        return 0, 0
    with Outbox(config.state_path) as outbox:
        return outbox.discard(channel, config.delivery.lease)


def list_alerts(config: Config, state: str = "all") -> list[dict[str, Any]]:
    if not config.state_path.exists():          # nothing to list: do not create the state file
        return []
    with Outbox(config.state_path) as outbox:
        return config.redact(outbox.alerts(state))


def list_deliveries(config: Config, undelivered_only: bool = True) -> list[dict[str, Any]]:
    if not config.state_path.exists():
        return []
    with Outbox(config.state_path) as outbox:
        states = ("pending", "failed") if undelivered_only else ("pending", "failed", "delivered")
        return config.redact(outbox.deliveries(states))


def resolve(config: Config, fingerprint: str, notify: bool = True,
            ctx: DeliveryContext | None = None) -> tuple[Alert | None, DeliveryReport]:
    """Resolve an open alert by hand and (with notify) send the resolved notifications."""
    resolve_channels = ({n for n, s in config.channels.items() if config.send_resolved and s.send_resolved}
                        if notify else set())
    with Outbox(config.state_path) as outbox:
        alert = outbox.resolve(fingerprint, resolve_channels)
        delivery = deliver_pending(config, outbox, ctx) if alert else DeliveryReport()
    return alert, delivery


def print_alerts(report: RunReport, stream: TextIO | None = None, config: Config | None = None) -> int:
    """Print the report's alerts through the stdout channel, with no state; returns how many."""
    from ml_monitor.alerts import stdout

    redact = (config or default_config(report.project_dir)).redact     # without one: URL passwords
    ctx = DeliveryContext(stdout=(lambda: stream) if stream is not None else (lambda: sys.stdout), redact=redact)
    alerts = build_alerts(report, redact)
    for a in alerts:
        stdout.send(stdout.Settings(), Notification("trigger", a, first_seen=a.detected_at), ctx)
    return len(alerts)


__all__ = ["run_checks", "deliver", "process", "deliver_pending", "monitor", "retry", "resolve", "discard",
           "deliver_due", "next_retry_at",
           "list_alerts", "list_deliveries", "list_triggers", "run_triggers", "evaluate_triggers",
           "print_alerts", "setup_logging", "load_config",
           "default_config", "lock_path", "RunReport", "RunOutcome", "DeliveryReport", "RunLocked",
           "LockHeld", "EmptySelection"]
