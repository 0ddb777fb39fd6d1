"""One number formatter, one time formatter and one link check for everything people read:
alert texts (every channel) and the report.

    number(1234567.891)      -> '1,234,568'       never an exponent for large values (bin edges)
    number(0.123456)         -> '0.1235'          4 significant digits
    number(None)             -> '–'               (missing= to say it otherwise)
    timestamp('2026-01-31T10:00:00+02:00') -> '2026-01-31 08:00 UTC'
    safe_link('javascript:alert(1)')       -> None (only http(s) and mailto are links)
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timezone
from typing import Any

MISSING = "–"


def number(value: Any, missing: str = MISSING) -> str:
    """A number for people: integers in full with thousands separators, 4 significant digits
    below 10,000, whole units above (never `1.7e+12`); text that is not a number is returned as is."""
    if value is None or value is getattr(value, "NA", object()):
        return missing
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return value
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value) if str(value) not in ("<NA>", "NaT") else missing
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1e4:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        t = value
    elif isinstance(value, date):
        t = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isnan(value):
            return None
        return datetime.fromtimestamp(value, timezone.utc)
    else:
        text = str(value).strip()
        if not text or text in ("NaT", "None", "nan"):
            return None
        try:
            t = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" UTC", ""))
        except ValueError:
            return None
    if t.tzinfo is None:              # warehouse timestamps without zone are UTC (docs/warehouses.md)
        return t.replace(tzinfo=timezone.utc)
    return t.astimezone(timezone.utc)


def timestamp(value: Any) -> str | None:
    """An instant for people, in UTC: '2026-01-31 08:00 UTC' (seconds shown when not zero).
    Accepts datetimes (naive = UTC), ISO strings, epoch seconds; None when there is no instant;
    text that is not a time is returned as is."""
    t = _as_datetime(value)
    if t is None:
        text = None if value is None else str(value).strip()
        return text if text and text not in ("NaT", "None", "nan") else None
    return t.strftime("%Y-%m-%d %H:%M:%S UTC" if t.second or t.microsecond else "%Y-%m-%d %H:%M UTC")


def iso_utc(value: Any, timespec: str = "auto") -> str | None:
    """An instant as machine text with its zone said: ISO 8601 in UTC ending in `Z`
    ('2026-01-31T08:00:00Z'). Naive datetimes are UTC (the warehouse's timestamps without zone,
    docs/warehouses.md), numbers are epoch seconds; None for None and NaT. Every instant the CLI
    writes for machines (JSON, state files, logs) goes through here, so all of them look alike."""
    if value is None or value != value:       # NaT
        return None
    t = _as_datetime(value)
    return None if t is None else t.isoformat(timespec=timespec).replace("+00:00", "Z")


def epoch_seconds(value: Any) -> float | None:
    """An instant (datetime, naive = UTC; ISO text; epoch seconds) as epoch seconds, None when
    there is none."""
    t = _as_datetime(value)
    return None if t is None else t.timestamp()


def short_timestamp(value: Any) -> str | None:
    """An instant in few characters, in UTC: '2026-01-28' at midnight, else '2026-01-28 08:00'
    (a window's start in a terminal table); None when there is no instant."""
    t = _as_datetime(value)
    if t is None:
        return None
    return t.strftime("%Y-%m-%d" if (t.hour, t.minute, t.second, t.microsecond) == (0, 0, 0, 0) else "%Y-%m-%d %H:%M")


# the password of a URL's userinfo in free text; its SQL twin for the history's copy of dbt's
# messages is in macros/history/record_observations.sql
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+):[^@\s/]+@")


def hide_url_passwords(text: str) -> str:
    """`postgres://app:hunter2@db/x` -> `postgres://app:***@db/x`, wherever a URL with a password
    appears in free text (a DSN quoted in a dbt error message): secrets never travel, even ones
    the configuration does not know."""
    return _URL_PASSWORD.sub(r"\1:***@", text)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """`text` on one line: a line break, tab or other control character (of a segment value, say)
    written as its escape (`em\\nea`). A title is shown as one line everywhere, and an email
    Subject with a line break is refused (the alert was retried for ever, never mailed)."""
    escapes = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return _CONTROL.sub(lambda m: escapes.get(m.group(0), f"\\x{ord(m.group(0)):02x}"), text)


_SAFE_LINK = re.compile(r"^(https?://[^\s<>|\"'`]+|mailto:[^\s<>|\"'`]+)$", re.IGNORECASE)


def safe_link(url: Any) -> str | None:
    """`url` when it may be rendered as a link (http, https, mailto), else None: a runbook such as
    `javascript:...` or `data:...` is shown as text, never as a link."""
    if not url:
        return None
    text = str(url).strip()
    return text if _SAFE_LINK.match(text) else None
