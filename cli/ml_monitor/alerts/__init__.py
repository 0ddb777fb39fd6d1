"""Alerts: the model, routing and one module per channel (stdout, jsonl, slack, teams, webhook,
email, pagerduty, command)."""

from ml_monitor.alerts.base import DeliveryContext, DeliveryError
from ml_monitor.alerts.model import Alert, Notification, build_alerts

__all__ = ["Alert", "Notification", "DeliveryContext", "DeliveryError", "build_alerts"]
