"""Alerts: one per failing test (its failing observations grouped), plus `monitoring_failed`.

Fingerprint (stable across runs, the deduplication key and PagerDuty's dedup_key):
    check_failed       sha256("check_failed|" + dbt test unique_id)[:20]
    monitoring_failed  sha256("monitoring_failed|" + dbt project name + "|" + target)[:20]
A test that keeps failing keeps its fingerprint whatever its numbers do; changing a test's
arguments changes its unique_id (dbt hashes them into it) and so starts a new alert.

Secrets: everything dbt and the warehouse say (titles, summaries, observation rows, segment
values, error messages) may quote a configured secret, so `build_alerts(report, redact)` redacts
every text of an alert once, when it is built: the state file, the outbox and every channel only
ever hold the redacted alert. The fingerprint is the one field never redacted: a hash of
identifiers (computed before redaction, like `api.passed_fingerprints`, so it is the same in
every run and reveals nothing), it must stay the dedup key.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, TYPE_CHECKING

from ml_monitor.formatting import number, one_line, printable, safe_link, timestamp
from ml_monitor.lineage import check_lineage, lineage_text, version_text
from ml_monitor.schema import is_anomaly_metric, parse_facts

if TYPE_CHECKING:  # pragma: no cover
    from ml_monitor.runner import CheckResult, RunReport

CHECK_FAILED = "check_failed"
MONITORING_FAILED = "monitoring_failed"
TRIGGER = "trigger"                # a retraining trigger of ml_monitor.yml (ml_monitor.triggers)


def fingerprint(kind: str, key: str) -> str:
    return hashlib.sha256(f"{kind}|{key}".encode("utf-8")).hexdigest()[:20]


def check_fingerprint(test_unique_id: str) -> str:
    return fingerprint(CHECK_FAILED, test_unique_id)


def monitoring_fingerprint(project: str, target: str | None) -> str:
    return fingerprint(MONITORING_FAILED, f"{project}|{target or 'default'}")


@dataclass
class Alert:
    fingerprint: str
    kind: str                      # check_failed | monitoring_failed | trigger
    severity: str                  # warn | error
    title: str
    summary: str                   # what failed, in plain words (one line per failing observation)
    project: str = ""
    target: str | None = None
    test_unique_id: str | None = None
    test_name: str | None = None
    monitor: str | None = None     # null_rate, not_null, ...
    package: str | None = None     # ml_monitor for our tests, None for dbt's own
    model: str | None = None
    column: str | None = None
    tags: list[str] = field(default_factory=list)
    owner: str | None = None
    runbook: str | None = None
    failures: int | None = None    # rows dbt counted as failing
    observations: list[dict[str, Any]] = field(default_factory=list)  # a few failing rows
    dbt_status: str | None = None
    dbt_message: str | None = None
    invocation_id: str | None = None
    detected_at: str | None = None
    evidence: dict[str, Any] | None = None   # triggers: the windows and observations that satisfied the rule
    # the model version the failing rows describe (null when they describe several: see lineage)
    model_version: str | None = None
    # ml_monitor.lineage.check_lineage of the failing rows: relation, references, baseline,
    # package_version, config_hash, sql_hash, model_version_column, model_version, model_versions
    lineage: dict[str, Any] | None = None
    failures_relation: str | None = None     # the table dbt keeps the test's failing rows in (store_failures)
    report_url: str | None = None            # ml_monitor.yml report_url: where the team publishes the report
    # the evaluation time of the run that raised it (var ml_monitor_as_of, else the run's start), UTC
    as_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Alert":
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in names})

    def redacted(self, redact: Callable[[Any], Any]) -> "Alert":
        """A copy with every text passed through `redact` (Config.redact), the fingerprint aside."""
        return Alert.from_dict({**redact(self.to_dict()), "fingerprint": self.fingerprint})


@dataclass
class Notification:
    """One message to one channel: an alert firing (`trigger`) or going away (`resolve`)."""

    event: str                     # trigger | resolve
    alert: Alert
    delivery_id: str = ""          # unique per (notification, channel): the idempotency key
    repeat: bool = False           # a re-notification after the suppression interval
    occurrences: int = 1           # runs in which this alert has been seen failing
    first_seen: str | None = None
    # why a still-failing alert is re-sent inside its suppression interval: "escalated" (warn ->
    # error) or "spread" (metrics / columns / segments failing that did not in the run before)
    change: str | None = None
    newly_failing: list[str] = field(default_factory=list)   # "spread": what, in words
    resolved_at: str | None = None  # a resolve: when (ISO 8601, UTC); the alert is the last failing one

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event, "delivery_id": self.delivery_id, "repeat": self.repeat,
                "occurrences": self.occurrences, "first_seen": self.first_seen, "change": self.change,
                "newly_failing": self.newly_failing, "resolved_at": self.resolved_at,
                "alert": self.alert.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Notification":
        return cls(event=data["event"], alert=Alert.from_dict(data["alert"]),
                   delivery_id=data.get("delivery_id", ""), repeat=bool(data.get("repeat")),
                   occurrences=int(data.get("occurrences") or 1), first_seen=data.get("first_seen"),
                   change=data.get("change"), newly_failing=list(data.get("newly_failing") or []),
                   resolved_at=data.get("resolved_at"))

    def redacted(self, redact: Callable[[Any], Any]) -> "Notification":
        """A copy whose alert and texts went through `redact`; ids and times are kept as they are."""
        return Notification(event=self.event, alert=self.alert.redacted(redact), delivery_id=self.delivery_id,
                            repeat=self.repeat, occurrences=self.occurrences, first_seen=self.first_seen,
                            change=self.change, newly_failing=list(redact(self.newly_failing)),
                            resolved_at=self.resolved_at)

    @property
    def headline(self) -> str:
        if self.event == "resolve":
            return "RESOLVED: " + self.alert.title
        if self.change == "escalated":
            return f"ESCALATED TO {self.alert.severity.upper()}: " + self.alert.title
        if self.change == "spread":
            return "SPREAD: " + self.alert.title
        return ("STILL FAILING: " if self.repeat else "") + self.alert.title


def subject(metric: str, column: Any) -> str:
    """`metric of column` (the metric alone without a column): how every alert text names a value."""
    return f"{metric} of {column}" if column else metric


def failing_keys(alert: Alert) -> dict[tuple, str]:
    """What an alert's failing observations cover, window aside (windows move on every day):
    (metric, column, segment) -> the words for it."""
    out: dict[tuple, str] = {}
    for o in alert.observations:
        metric, col = o.get("metric") or "value", o.get("column_name")
        seg = (o.get("segment_column"), None if o.get("segment_column") is None else str(o.get("segment_value")))
        words = subject(metric, col) + (
            f" in {seg[0]} = {fmt_number(o.get('segment_value'))}" if seg[0] is not None else " overall")
        out.setdefault((metric, col, *seg), one_line(words))
    return out


def newly_failing(before: Alert, now: Alert) -> list[str]:
    """What fails now and did not in `before` (the same alert's previous run), in words. Empty when
    `before` listed only some of its failing rows (`failing_rows`): its set is not known."""
    if before.failures is not None and len(before.observations) < before.failures:
        return []
    old = failing_keys(before)
    return [words for key, words in failing_keys(now).items() if key not in old]


# ---------------------------------------------------------------------------------- text

def fmt_number(value: Any) -> str:
    """Numbers in alert texts (the one formatter of ml_monitor.formatting; null spelled out)."""
    return number(value, missing="null")


def describe_observation(obs: dict[str, Any]) -> str:
    """One failing observation row in plain words, on one line: a segment value or detail from the
    data with a line break or a terminal escape sequence is written escaped (one_line)."""
    metric = obs.get("metric") or obs.get("monitor") or "value"
    column = obs.get("column_name")
    what = subject(metric, column)
    if obs.get("segment_column") is not None:
        where = f" in segment {obs['segment_column']} = {fmt_number(obs.get('segment_value'))}"
    else:
        where = " overall"
    window = ""
    if obs.get("window_start") or obs.get("window_end"):
        window = f", window {timestamp(obs.get('window_start')) or '…'} to {timestamp(obs.get('window_end')) or '…'}"
    size = f", {fmt_number(obs['sample_size'])} rows" if obs.get("sample_size") is not None else ""
    status = obs.get("status")
    if status == "no_data":
        text = f"{what}{where}: no data{window}{size}"
    else:
        # an anomaly row's value is a score and its threshold the rule's sensitivity (its baseline is
        # the metric's own value): "threshold 5" beside "baseline 0.01" read as one unit
        limit = "anomaly score, sensitivity" if is_anomaly_metric(metric) else "threshold"
        text = (f"{what}{where} is {fmt_number(obs.get('value'))} ({limit} {fmt_number(obs.get('threshold'))}"
                + (f", baseline {fmt_number(obs.get('baseline_value'))}" if obs.get("baseline_value") is not None else "")
                + f"){window}{size}")
    if obs.get("detail"):
        text += f": {obs['detail']}"
    return one_line(text)


def clip_lines(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut between lines and saying what was left out (a
    channel's field limit must not drop failing segments silently); a first line longer than the
    limit is cut with an ellipsis."""
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    for keep in range(len(lines) - 1, 0, -1):
        left = len(lines) - keep
        tail = f"... {left} more line{'' if left == 1 else 's'} not shown (ml-monitor alerts list, or the report)"
        out = "\n".join(lines[:keep] + [tail])
        if len(out) <= limit:
            return out
    return text[:limit - 1] + "…"


@dataclass
class AlertFacts:
    """What every channel renders, built once (`alert_facts`); channels only choose the layout."""

    headline: str                       # STILL FAILING: / RESOLVED: + title
    severity: str                       # WARN | ERROR; OK for a resolve (the severity it had is a fact)
    body: str                           # the failing observations in words, or "The check passes again."
    facts: list[tuple[str, str]]        # (label, value) in display order; empty values left out
    fingerprint: str
    runbook: str | None = None          # as written in the test's meta
    runbook_url: str | None = None      # the runbook when it may be a link (http, https, mailto)
    seen: str | None = None             # "seen in 3 runs since ..." on a repeat

    def fact(self, label: str) -> str | None:
        return dict(self.facts).get(label)


def alert_facts(note: Notification) -> AlertFacts:
    a = note.alert
    project = None
    if a.project:
        project = f"{a.project} (target {a.target})" if a.target else a.project
    # how to look: the report, the test alone, the failing rows dbt kept (copyable)
    rerun = f"dbt test --select {a.test_name}" if a.kind == CHECK_FAILED and a.test_name else None
    rows = f"select * from {a.failures_relation}" if a.kind == CHECK_FAILED and a.failures_relation else None
    facts = [(label, one_line(str(value))) for label, value in (
        ("Model", a.model), ("Column", a.column), ("Test", a.test_name), ("Report", a.report_url),
        ("Model version", a.model_version or version_text(a.lineage)), ("Owner", a.owner),
        ("Tags", ", ".join(a.tags) if a.tags else None), ("Project", project),
        ("Lineage", lineage_text(a.lineage)), ("Rerun", rerun), ("Failing rows", rows)) if value]
    seen = None
    if note.event == "trigger" and note.occurrences > 1:
        seen = f"seen in {note.occurrences} runs since {timestamp(note.first_seen) or 'the first run'}"
    body = _resolve_body(a) if note.event == "resolve" else a.summary
    if note.event == "resolve":
        # how long it failed, and when it cleared; the failing summary of the last failing run is
        # not repeated (it read like a new failure); the severity it had becomes a fact
        since, at = timestamp(note.first_seen), timestamp(note.resolved_at)
        if a.kind == TRIGGER:
            span = [f"Fired {since}"] if since else []
        else:
            runs = f"seen in {note.occurrences} run{'' if note.occurrences == 1 else 's'}"
            span = [f"Failing since {since} ({runs})" if since else f"Failing in {runs}"]
        span += [f"resolved {at}"] if at else []
        if span:
            body += "\n" + ", ".join(span) + "."
        facts.insert(0, ("Was", a.severity.upper()))
    if note.event == "trigger" and note.change == "spread" and note.newly_failing:
        body = f"Newly failing since the run before: {'; '.join(note.newly_failing)}\n{body}"
    # control characters escaped here too, for every channel: an alert recorded by an earlier
    # version may hold a segment value's terminal escape sequence
    return AlertFacts(
        headline=one_line(note.headline), severity="OK" if note.event == "resolve" else a.severity.upper(),
        body=printable(body), facts=facts, fingerprint=a.fingerprint,
        runbook=one_line(a.runbook) if a.runbook else None, runbook_url=safe_link(a.runbook), seen=seen)


def _resolve_body(a: Alert) -> str:
    if (a.evidence or {}).get("resolved_by") == "hand":
        return ("Resolved by hand (ml-monitor alerts resolve), not by a passing run: "
                "if the check still fails, the next run opens a new alert.")
    if (a.evidence or {}).get("resolved_by") == "test_removed":
        return ("The test no longer exists in the project (removed, disabled, or its arguments changed, "
                "which makes it a new test with its own alert): nothing is left to fail.")
    if a.kind == MONITORING_FAILED:
        return "dbt completes again: the checks it could not run are evaluated."
    if a.kind != TRIGGER:
        return "The check passes again."
    why = (a.evidence or {}).get("resolved_reason")
    return "The trigger no longer holds" + (f": {why}" if why else ".")


def alert_text(note: Notification) -> str:
    """The plain-text body used by stdout, email and as a fallback everywhere."""
    f = alert_facts(note)
    lines = [f"[{f.severity}] {f.headline}", f.body]
    facts = [(label.lower(), value) for label, value in f.facts]
    facts += [("runbook", f.runbook), ("fingerprint", f.fingerprint)]
    lines += [f"  {k}: {v}" for k, v in facts if v]
    if f.seen:
        lines.append(f"  {f.seen}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- digests

DIGEST_LINE_CHARS = 300


def _kind_of(note: Notification) -> str:
    if note.event == "resolve":
        return "resolved"
    if note.change:
        return note.change                       # escalated | spread
    return "still failing" if note.repeat else "new"


def digest_severity(notes: list[Notification]) -> str:
    """ERROR when any firing notification is an error, else WARN; OK when all are resolves."""
    firing = [n.alert.severity for n in notes if n.event != "resolve"]
    return "OK" if not firing else "ERROR" if "error" in firing else "WARN"


def digest_headline(notes: list[Notification]) -> str:
    """`17 alerts from demo: 14 new, 2 still failing, 1 resolved` (kinds in that order, zero left out)."""
    counts: dict[str, int] = {}
    for kind in ("new", "escalated", "spread", "still failing", "resolved"):
        k = sum(1 for n in notes if _kind_of(n) == kind)
        if k:
            counts[kind] = k
    projects = sorted({n.alert.project for n in notes if n.alert.project})
    where = f" from {projects[0]}" if len(projects) == 1 else ""
    return f"{len(notes)} alerts{where}: " + ", ".join(f"{k} {kind}" for kind, k in counts.items())


def digest_lines(notes: list[Notification]) -> list[str]:
    """One line per notification, errors first: `[ERROR] <headline>: <first line of what failed>`."""
    order = {"ERROR": 0, "WARN": 1, "OK": 2}
    facts = sorted((alert_facts(n) for n in notes), key=lambda f: order.get(f.severity, 1))
    out = []
    for f in facts:
        first = f.body.splitlines()[0] if f.body else ""
        line = f"[{f.severity}] {f.headline}" + (f": {first}" if first and f.severity != "OK" else "")
        out.append(line if len(line) <= DIGEST_LINE_CHARS else line[:DIGEST_LINE_CHARS - 1] + "…")
    return out


def digest_text(notes: list[Notification]) -> str:
    """A digest in plain text (stdout, email): the headline, one line per alert, then each alert in
    full (the same text as alone), separated by blank lines."""
    head = [f"[{digest_severity(notes)}] {digest_headline(notes)}", *digest_lines(notes)]
    return "\n".join(head) + "\n\n" + "\n\n".join(alert_text(n) for n in notes)


# ------------------------------------------------------------------------- from results

def _summary_for_check(check: "CheckResult") -> str:
    failing = [o for o in check.observations if o.get("status") in ("fail", "no_data")]
    if failing:
        lines = [describe_observation(o) for o in failing]
        # failing_observations: every fail / no_data row of the test (read back with the rows shown);
        # dbt's `failures` counts no_data rows only when fail_on_no_data holds, so it is the fallback.
        total = check.failing_observations if check.failing_observations is not None else (check.failures or 0)
        more = total - len(failing)
        if more > 0:
            lines.append(f"... and {more} more failing observation(s)")
        return "\n".join(lines)
    where = f"{check.model}.{check.column}" if check.column else (check.model or "")
    count = fmt_number(check.failures) if check.failures is not None else "some"
    one = check.failures == 1
    if check.status == "error":
        return f"the test could not run: {check.message or 'error'}"
    if check.package == "ml_monitor":
        return f"{count} failing observation{'' if one else 's'} of {check.monitor} on {where}"
    return f"{count} row{' of' if one else 's of'} {where} {'violates' if one else 'violate'} {check.monitor}"


def what_failed(check: "CheckResult", failing: list[dict[str, Any]], limit: int = 2) -> str:
    """The metrics (of which columns) and the segment that failed, for a title: two tests of one
    monitor on one model (accuracy and roc_auc; a threshold and an anomaly null_rate) must not
    look the same on a phone: ": accuracy, roc_auc in region = apac". Empty when the title already says it all (the metric is the
    monitor, the column the test's, no segment)."""
    items: list[str] = []
    for o in failing:
        metric, col = o.get("metric") or "value", o.get("column_name")
        label = subject(metric, None if col == check.column else col)
        if label not in items and not (metric == check.monitor and col in (None, check.column)):
            items.append(label)
    text = (": " if items else "") + ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")
    segments = {(o.get("segment_column"), o.get("segment_value")) for o in failing if o.get("segment_column") is not None}
    # `failing` may be the first few rows only: the count of every failing segment comes with them
    n_segments = max(len(segments), getattr(check, "failing_segments", None) or 0)
    overall = " overall and" if n_segments and any(o.get("segment_column") is None for o in failing) else ""
    if n_segments == 1 and segments:
        (seg_col, seg_value), = segments
        text += f"{overall} in {seg_col} = {fmt_number(seg_value)}"
    elif n_segments:
        text += f"{overall} in {n_segments} segment{'' if n_segments == 1 else 's'}"
    return text


def alert_for_check(check: "CheckResult", report: "RunReport") -> Alert:
    where = f"{check.model}.{check.column}" if check.column else (check.model or check.name)
    severity = "warn" if check.status == "warn" else "error"
    failing = [{**o, "facts": parse_facts(o.get("facts"))} for o in check.observations
               if o.get("status") in ("fail", "no_data")]
    lineage = check_lineage(o["facts"] for o in failing)
    return Alert(
        fingerprint=check_fingerprint(check.unique_id), kind=CHECK_FAILED, severity=severity,
        title=one_line(f"{check.monitor or check.name} failed on {where}" + what_failed(check, failing)),
        summary=printable(_summary_for_check(check)), project=report.project, target=report.target_name,
        test_unique_id=check.unique_id, test_name=check.name, monitor=check.monitor,
        package=check.package, model=check.model, column=check.column, tags=list(check.tags),
        owner=check.owner, runbook=check.runbook, failures=check.failures,
        observations=failing, dbt_status=check.status, dbt_message=check.message,
        invocation_id=report.invocation_id, detected_at=report.started_at,
        model_version=lineage["model_version"] if lineage else None, lineage=lineage,
        failures_relation=check.relation_name)


def monitoring_failed_alert(report: "RunReport") -> Alert:
    lines = []
    if report.error:
        lines.append(f"dbt {report.command} could not run: {report.error}")
    # one line per distinct message: one missing schema breaks every model and test that reads it
    by_message: dict[str, list[str]] = {}
    for err in report.node_errors:
        by_message.setdefault(err["message"], []).append(f"{err['resource_type']} {err['name']}")
    for message, nodes in by_message.items():
        who = nodes[0] if len(nodes) == 1 else f"{len(nodes)} nodes ({', '.join(nodes[:3])}{', ...' if len(nodes) > 3 else ''})"
        lines.append(f"{who} errored: {message}")
    skipped = [c.name for c in report.checks if c.status not in ("pass", "warn", "fail", "error")]
    if skipped:
        lines.append(f"{len(skipped)} check{'' if len(skipped) == 1 else 's'} skipped, not evaluated: "
                     f"{', '.join(skipped[:5])}{', ...' if len(skipped) > 5 else ''}")
    if not lines:
        lines.append(f"dbt {report.command} failed")
    return Alert(
        fingerprint=monitoring_fingerprint(report.project, report.target), kind=MONITORING_FAILED,
        severity="error",
        title=f"monitoring failed: dbt {report.command} of {report.project or 'the project'} did not complete",
        summary=printable("\n".join(lines[:20])), project=report.project, target=report.target_name,
        tags=["monitoring_failed"], dbt_status="error", dbt_message=report.error,
        invocation_id=report.invocation_id, detected_at=report.started_at)


def build_alerts(report: "RunReport", redact: Callable[[Any], Any] | None = None) -> list[Alert]:
    """One alert per failing check, plus monitoring_failed when the run itself broke; with
    `redact` (Config.redact), every text of every alert redacted (see the module's docstring)."""
    alerts = [alert_for_check(c, report) for c in report.checks if c.failed]
    if report.exit_code == 2:
        alerts.append(monitoring_failed_alert(report))
    return [a.redacted(redact) for a in alerts] if redact else alerts
