"""PagerDuty Events API v2: trigger and resolve, with the alert fingerprint as dedup_key."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import ClassVar

from ml_monitor.alerts._http import post_json
from ml_monitor.alerts.base import DeliveryContext, check_urls, require
from ml_monitor.alerts.model import MONITORING_FAILED, Notification, alert_facts

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
# dbt severity -> PagerDuty severity; monitoring itself failing is critical.
SEVERITY = {"warn": "warning", "error": "error"}


@dataclass
class Settings:
    routing_key: str
    type: str = "pagerduty"
    url: str = EVENTS_URL
    source: str | None = None
    timeout: float | None = None
    send_resolved: bool = True

    SECRET_FIELDS: ClassVar[tuple[str, ...]] = ("routing_key",)
    URL_FIELDS: ClassVar[tuple[str, ...]] = ("url",)

    def __post_init__(self) -> None:
        require(self, "routing_key", "url")
        check_urls(self)


def payload(settings: Settings, note: Notification) -> dict:
    a = note.alert
    f = alert_facts(note)
    if note.event == "resolve":
        return {"routing_key": settings.routing_key, "event_action": "resolve", "dedup_key": a.fingerprint}
    severity = "critical" if a.kind == MONITORING_FAILED else SEVERITY.get(a.severity, "error")
    event = {
        "routing_key": settings.routing_key,
        "event_action": "trigger",
        "dedup_key": a.fingerprint,
        "payload": {
            "summary": f"[{f.severity}] {a.title}"[:1024],
            "source": settings.source or a.project or socket.gethostname(),
            "severity": severity,
            "component": a.model or a.project or "ml_monitor",
            "group": a.owner or "ml_monitor",
            "class": a.monitor or a.kind,
            "custom_details": {
                "what_failed": f.body, "owner": a.owner, "tags": a.tags, "test": a.test_unique_id,
                "runbook": a.runbook, "project": f.fact("Project"),
                "column": a.column, "failures": a.failures, "observations": a.observations,
                "occurrences": note.occurrences, "first_seen": note.first_seen,
                "model_version": a.model_version, "lineage": a.lineage,
            },
        },
        "client": "ml-monitor",
    }
    if f.runbook_url:                                    # only http(s)/mailto runbooks become links
        event["links"] = [{"href": f.runbook_url, "text": "Runbook"}]
    return event


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    post_json(settings.url, payload(settings, note), settings.timeout or ctx.timeout, what="PagerDuty")
