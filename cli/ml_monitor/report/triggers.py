"""The retraining triggers section of the report: the rows `ml-monitor triggers list` shows (the
`triggers` table of the state file, through `api.list_triggers`, already redacted), shaped for the
page. Firing triggers with their evidence (the windows that held and the first observations), and
the triggers that resolved in the report's period.

Pure: the rows come in as dicts, nothing here opens the state file."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping

import pandas as pd

from ml_monitor import formatting

MAX_EVIDENCE_ROWS = 8    # evidence observations listed per firing trigger
MAX_WINDOWS = 12         # evidence windows listed per firing trigger


def _iso(t: pd.Timestamp | None) -> str | None:
    return None if t is None else t.strftime("%Y-%m-%d %H:%M:%S")


def _segment(column: Any, value: Any) -> str:
    return "overall" if column is None else f"{column} = {'(null)' if value is None else value}"


def _short(text: Any, n: int = 200) -> str | None:
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _instant(value: Any) -> pd.Timestamp | None:
    """An ISO text of the state file (UTC, with or without offset) as a naive UTC timestamp."""
    if value in (None, ""):
        return None
    t = pd.to_datetime(value, errors="coerce", utc=True)
    return None if pd.isna(t) else t.tz_localize(None)


def _window(start: Any, end: Any) -> str:
    if start in (None, "") and end in (None, ""):
        return "latest evaluation (no window)"
    return f"{_iso(_instant(start))} → {_iso(_instant(end))} UTC"


def _evidence(row: Mapping[str, Any]) -> dict[str, Any]:
    event = row.get("event") or {}
    return dict(event.get("evidence") or {}) if isinstance(event, Mapping) else {}


def _windows(evidence: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"window": _window(w.get("window_start"), w.get("window_end")),
             "matching": w.get("matching_series"), "held": bool(w.get("held")),
             "summary": w.get("summary")}
            for w in (evidence.get("windows") or [])[:MAX_WINDOWS] if isinstance(w, Mapping)]


def _observations(evidence: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for o in (evidence.get("observations") or [])[:MAX_EVIDENCE_ROWS]:
        if not isinstance(o, Mapping):
            continue
        out.append({"test": o.get("test_name"), "column": o.get("column_name"),
                    "segment": _segment(o.get("segment_column"), o.get("segment_value")),
                    "metric": o.get("metric"), "value_text": formatting.number(o.get("value")),
                    "threshold_text": formatting.number(o.get("threshold")), "status": o.get("status"),
                    "window": _window(o.get("window_start"), o.get("window_end")),
                    "detail": _short(o.get("detail"))})
    return out


def shape_triggers(rows: Iterable[Mapping[str, Any]] | None, *, error: str | None = None,
                   period_start: dt.datetime | None = None) -> dict[str, Any] | None:
    """The report's triggers section, or None when there is nothing to show (no trigger configured
    or in the state, and no error reading them).

    `open`: every firing trigger (since when, how often it fired, its reason, channels, owner, the
    evidence windows and observations of the firing); `resolved`: triggers whose latest firing
    resolved at or after `period_start` (all of them when None), newest first; `clear` / `unknown`:
    how many triggers are clear without a recent resolve / were never evaluated."""
    rows = list(rows or [])
    if not rows and error is None:
        return None
    start = None if period_start is None else pd.Timestamp(period_start)
    open_, resolved = [], []
    clear = unknown = 0
    for r in rows:
        ev = _evidence(r)
        event = r.get("event") if isinstance(r.get("event"), Mapping) else {}
        base = {"name": r.get("name"), "description": r.get("description"),
                "configured": r.get("configured", True), "fired_count": r.get("fired_count") or 0,
                "fired": formatting.timestamp(_instant(r.get("first_fired"))), "owner": event.get("owner"),
                "channels": list(r.get("channels") or []), "kind": r.get("kind")}
        state = r.get("state")
        if state == "firing":
            d = r.get("deliveries") or {}
            open_.append({**base, "reason": r.get("reason"), "windows": _windows(ev),
                          "observations": _observations(ev),
                          "observation_count": ev.get("observation_count", len(ev.get("observations") or [])),
                          "pending": d.get("pending") or 0, "failed": d.get("failed") or 0,
                          "since_iso": _iso(_instant(r.get("first_fired")))})
            continue
        at = _instant(r.get("resolved_at"))
        if state == "clear" and at is not None and (start is None or at >= start):
            resolved.append({**base, "resolved": formatting.timestamp(at), "resolved_iso": _iso(at),
                             "resolved_reason": ev.get("resolved_reason") or r.get("reason"),
                             "windows": _windows(ev)})
        elif state == "clear":
            clear += 1
        else:
            unknown += 1
    open_.sort(key=lambda t: (t["since_iso"] or "", t["name"] or ""))
    resolved.sort(key=lambda t: (t["resolved_iso"] or "", t["name"] or ""), reverse=True)
    return {"open": open_, "resolved": resolved, "clear": clear, "unknown": unknown,
            "total": len(rows), "error": error}
