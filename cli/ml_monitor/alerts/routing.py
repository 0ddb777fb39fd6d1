"""Routes: which channels an alert goes to, by severity, tag, owner and kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ml_monitor.alerts.model import Alert

if TYPE_CHECKING:  # pragma: no cover
    from ml_monitor.config import Config, Route


def matches(route: "Route", alert: Alert) -> bool:
    """Every condition the route sets must hold; a list condition holds when any value matches."""
    if route.severity and alert.severity not in route.severity:
        return False
    if route.tags and not set(route.tags) & set(alert.tags):
        return False
    if route.owner and alert.owner not in route.owner:
        return False
    if route.kind and alert.kind not in route.kind:
        return False
    return True


def channels_for(alert: Alert, config: "Config") -> list[str]:
    """The union of the channels of every matching route, in configuration order.

    With no routes configured, every channel receives every alert.
    """
    if not config.routes:
        return list(config.channels)
    chosen: list[str] = []
    for route in config.routes:
        if matches(route, alert):
            for name in route.channels:
                if name not in chosen:
                    chosen.append(name)
    return chosen
