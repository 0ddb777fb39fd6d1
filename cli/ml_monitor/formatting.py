"""One number formatter, one time formatter, one link check and one escape of control characters
for everything people read: alert texts (every channel), the terminal and the report.

    number(1234567.891)      -> '1,234,568'       never an exponent for large values (bin edges)
    number(0.123456)         -> '0.1235'          4 significant digits
    number(None)             -> '–'               (missing= to say it otherwise)
    timestamp('2026-01-31T10:00:00+02:00') -> '2026-01-31 08:00 UTC'
    safe_link('javascript:alert(1)')       -> None (only http(s) and mailto are links)
    one_line(value)  /  printable(text)  -> control characters, line separators and bidi overrides
                                            written as escapes (one_line: line breaks too)
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
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


# An instant in text, the grammar of var ml_monitor_as_of (macro ml_monitor.as_of in
# macros/core/scope.sql holds the same pattern; test_formatting checks they are equal): a date, or a
# date and time (T or a space, seconds optional, a fraction of a second optional), then an optional
# zone: Z, UTC, or an offset +05:30 / -0800 / +09. Without a zone the time is UTC.
INSTANT_PATTERN = r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(:\d{2})?(\.\d+)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$"
_INSTANT = re.compile(INSTANT_PATTERN, re.IGNORECASE)
INSTANT_FORMS = ("a date '2026-01-31', or a date and time '2026-01-31 00:00:00' / '2026-01-31T00:00:00' "
                 "(seconds and a fraction of a second optional), with an optional zone: 'Z', ' UTC' or an "
                 "offset '+05:30' / '-0800' / '+09' (without one the time is UTC)")


def parse_instant(value: Any, what: str = "an instant") -> datetime:
    """The one parser of an instant given as text, for every caller (var ml_monitor_as_of as the
    CLI reads it, the timestamps alerts and the report show): an aware datetime in UTC, the
    fraction of a second kept. Datetimes (naive = UTC) and dates pass through. Anything else
    raises ValueError naming `what`, the value given and the forms accepted (INSTANT_FORMS)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    text = str(value).strip()
    m = _INSTANT.match(text)

    def wrong(why: str = "") -> ValueError:
        return ValueError(f"{what} must be {INSTANT_FORMS}; got {text!r}{why}")
    if not m:
        raise wrong()
    day, hm, sec, frac, zone = m.groups()
    try:
        t = datetime.strptime(f"{day} {hm or '00:00'}{sec or ':00'}", "%Y-%m-%d %H:%M:%S")
    except ValueError as e:           # 2026-02-30, 24:00
        raise wrong(f" ({e})") from None
    if frac:
        t = t.replace(microsecond=int((frac[1:] + "000000")[:6]))
    zone = (zone or "").upper()
    if zone in ("", "Z", "UTC"):
        return t.replace(tzinfo=timezone.utc)
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours * 60 + minutes > 18 * 60 or minutes > 59:     # what the package rejects too
        raise wrong(f" (impossible UTC offset {zone})")
    offset = timedelta(hours=hours, minutes=minutes) * (1 if zone[0] == "+" else -1)
    return (t - offset).replace(tzinfo=timezone.utc)


def _as_datetime(value: Any) -> datetime | None:
    """An instant (aware, UTC) from a datetime (naive = UTC: the warehouse's timestamps without
    zone, docs/warehouses.md), a date, epoch seconds or text in parse_instant's grammar; None
    when there is none (None, NaN, NaT, text that is not an instant)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isnan(value):
            return None
        return datetime.fromtimestamp(value, timezone.utc)
    if not isinstance(value, (datetime, date)) and str(value).strip() in ("", "NaT", "None", "nan"):
        return None
    try:
        return parse_instant(value)
    except ValueError:
        return None


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


# What must never reach a reader as itself: C0 and C1 control characters and DEL (ESC starts a
# terminal escape sequence that can clear or rewrite an on-call terminal; CR moves back over a
# line already written), the line and paragraph separators U+2028/2029 and U+0085 (a line break
# to chat clients and browsers), and the bidirectional overrides and isolates U+202A-202E,
# U+2066-2069 (they reverse how the rest of a line reads: numbers after a segment value shown
# backwards)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    code = ord(char)
    return _ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def one_line(text: str) -> str:
    """`text` on one line: a line break, tab, other control character, line separator or
    bidirectional override (of a segment value, say) written as its escape (`em\\nea`,
    `\\x1b[2J`, `\\u202e`). A title is shown as one line everywhere, and an email Subject with a
    line break is refused (the alert was retried for ever, never mailed)."""
    return _UNPRINTABLE.sub(lambda m: _escape(m.group(0)), text)


def printable(text: str) -> str:
    """`text` as one_line writes it, but keeping its line breaks (LF) and tabs: for texts of
    several lines (a dbt error message, an alert's body) written to a terminal or a chat."""
    return _UNPRINTABLE.sub(lambda m: m.group(0) if m.group(0) in "\n\t" else _escape(m.group(0)),
                            text.replace("\r\n", "\n"))


_SAFE_LINK = re.compile(r"^(https?://[^\s<>|\"'`]+|mailto:[^\s<>|\"'`]+)$", re.IGNORECASE)


def safe_link(url: Any) -> str | None:
    """`url` when it may be rendered as a link (http, https, mailto), else None: a runbook such as
    `javascript:...` or `data:...` is shown as text, never as a link."""
    if not url:
        return None
    text = str(url).strip()
    return text if _SAFE_LINK.match(text) else None
