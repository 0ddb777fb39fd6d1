"""The lifecycle of retraining triggers, in the alert state file (SQLite, beside `alerts`).

A trigger fires once when its rule starts to hold (one `trigger` notification per channel, through
the same outbox as alerts), stays `firing` without re-notifying while it holds (deduplicated: no
second training run), and is resolved when it no longer holds (one `resolve` notification to the
channels it fired to, when they want resolves). A trigger that was not evaluated (none of its tests
ran, or one of them errored) keeps its state. Fingerprint: sha256("trigger|" + project + "|" + name).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ml_monitor.alerts.model import TRIGGER, Alert, Notification, fingerprint
from ml_monitor.outbox import Outbox, iso
from ml_monitor.triggers.rules import Evaluation, Trigger

if TYPE_CHECKING:  # pragma: no cover
    from ml_monitor.runner import RunReport

SCHEMA = """
create table if not exists triggers (
  name text primary key,
  fingerprint text not null,
  state text not null,                 -- firing | clear
  first_fired real,                    -- start of the current (or last) firing
  last_evaluated real not null,
  resolved_at real,                    -- when the last firing cleared
  fired_count integer not null default 0,
  channels text not null default '[]', -- channels the firing went to (the resolve goes there too)
  reason text,                         -- the latest evaluation in one line
  event text                           -- the Alert of the latest firing (with its evidence) as JSON
);
"""


def trigger_fingerprint(project: str, name: str) -> str:
    return fingerprint(TRIGGER, f"{project}|{name}")


def trigger_alert(trigger: Trigger, evaluation: Evaluation, report: "RunReport") -> Alert:
    """The event a firing trigger sends: title, readable evidence (summary) and the structured evidence."""
    what = trigger.description or f"retraining trigger {trigger.name}"
    return Alert(
        fingerprint=trigger_fingerprint(report.project, trigger.name), kind=TRIGGER, severity=trigger.severity,
        title=f"trigger {trigger.name} fired: {what}", summary=evaluation.text(), project=report.project,
        target=report.target_name, test_name=", ".join(trigger.when.test) or None,
        monitor=", ".join(trigger.when.monitor) or None, tags=list(trigger.tags), owner=trigger.owner,
        runbook=trigger.runbook, observations=evaluation.observations[:5],
        invocation_id=report.invocation_id, detected_at=report.started_at, evidence=evaluation.evidence())


@dataclass
class TriggerLifecycle:
    """What a run did to the triggers' state."""

    fired: list[Alert] = field(default_factory=list)
    held: list[str] = field(default_factory=list)            # still holding: not re-sent
    resolved: list[Alert] = field(default_factory=list)
    clear: list[str] = field(default_factory=list)           # evaluated, does not hold, was not firing
    not_evaluated: dict[str, str] = field(default_factory=dict)   # name -> why
    evaluations: dict[str, Evaluation] = field(default_factory=dict)
    enqueued: int = 0
    error: str | None = None      # the rules could not be evaluated (metric store unreadable)

    def counts(self) -> dict[str, int]:
        return {"fired": len(self.fired), "held": len(self.held), "resolved": len(self.resolved),
                "clear": len(self.clear), "not_evaluated": len(self.not_evaluated), "enqueued": self.enqueued}

    def to_dict(self) -> dict[str, Any]:
        return {"counts": self.counts(), "fired": [a.to_dict() for a in self.fired], "held": self.held,
                "resolved": [a.to_dict() for a in self.resolved], "clear": self.clear,
                "not_evaluated": self.not_evaluated, "error": self.error,
                "evaluations": {n: e.evidence() for n, e in self.evaluations.items()}}


class TriggerState:
    """The `triggers` table of the state file; notifications go through the Outbox's deliveries."""

    def __init__(self, outbox: Outbox):
        self.outbox = outbox
        self.outbox.db.executescript(SCHEMA)

    def record(self, results: list[tuple[Trigger, Evaluation, Alert]], routes: dict[str, list[str]],
               resolve_channels: set[str], out: TriggerLifecycle, now: float | None = None) -> TriggerLifecycle:
        """Apply the evaluations in one transaction; routes: trigger name -> channels for a firing."""
        now = time.time() if now is None else now
        with self.outbox.transaction() as db:
            for trigger, ev, alert in results:
                out.evaluations[trigger.name] = ev
                row = db.execute("select * from triggers where name = ?", (trigger.name,)).fetchone()
                firing = row is not None and row["state"] == "firing"
                if ev.holds and firing:
                    db.execute("update triggers set last_evaluated = ?, reason = ? where name = ?",
                               (now, ev.reason, trigger.name))
                    out.held.append(trigger.name)
                elif ev.holds:
                    channels = routes.get(trigger.name, [])
                    db.execute(
                        "insert into triggers (name, fingerprint, state, first_fired, last_evaluated, resolved_at,"
                        " fired_count, channels, reason, event) values (?, ?, 'firing', ?, ?, null, 1, ?, ?, ?)"
                        " on conflict (name) do update set fingerprint = excluded.fingerprint, state = 'firing',"
                        " first_fired = excluded.first_fired, last_evaluated = excluded.last_evaluated,"
                        " fired_count = triggers.fired_count + 1, channels = excluded.channels,"
                        " reason = excluded.reason, event = excluded.event",
                        (trigger.name, alert.fingerprint, now, now, json.dumps(channels), ev.reason,
                         json.dumps(alert.to_dict(), default=str)))
                    note = Notification("trigger", alert, first_seen=iso(now))
                    out.enqueued += self.outbox.enqueue(note, channels, now)
                    out.fired.append(alert)
                elif firing:
                    fired = Alert.from_dict(json.loads(row["event"]))
                    fired.evidence = {**(fired.evidence or {}), "resolved_reason": ev.reason,
                                      "resolved_windows": ev.windows}
                    db.execute("update triggers set state = 'clear', last_evaluated = ?, resolved_at = ?, reason = ?,"
                               " event = ? where name = ?",
                               (now, now, ev.reason, json.dumps(fired.to_dict(), default=str), trigger.name))
                    channels = [c for c in json.loads(row["channels"]) if c in resolve_channels]
                    note = Notification("resolve", fired, first_seen=iso(row["first_fired"]), resolved_at=iso(now))
                    out.enqueued += self.outbox.enqueue(note, channels, now)
                    out.resolved.append(fired)
                else:
                    db.execute(
                        "insert into triggers (name, fingerprint, state, last_evaluated, reason)"
                        " values (?, ?, 'clear', ?, ?) on conflict (name) do update set"
                        " last_evaluated = excluded.last_evaluated, reason = excluded.reason",
                        (trigger.name, alert.fingerprint, now, ev.reason))
                    out.clear.append(trigger.name)
        return out

    def rows(self) -> list[dict[str, Any]]:
        """Every trigger in the state, with its delivery counts and the latest firing's event."""
        count = "(select count(*) from deliveries d where d.fingerprint = t.fingerprint and d.state = '{}') as {}"
        rows = self.outbox.db.execute(
            "select t.*, " + ", ".join(count.format(s, s) for s in ("pending", "failed", "delivered"))
            + " from triggers t order by t.name").fetchall()
        return [{"name": r["name"], "fingerprint": r["fingerprint"], "state": r["state"],
                 "first_fired": iso(r["first_fired"]), "last_evaluated": iso(r["last_evaluated"]),
                 "resolved_at": iso(r["resolved_at"]), "fired_count": r["fired_count"],
                 "channels": json.loads(r["channels"]), "reason": r["reason"],
                 "event": json.loads(r["event"]) if r["event"] else None,
                 "deliveries": {"pending": r["pending"], "failed": r["failed"], "delivered": r["delivered"]}}
                for r in rows]
