"""The one number / time formatter and the link check shared by alerts and the report."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

import pytest

from ml_monitor.formatting import iso_utc, number, one_line, printable, safe_link, timestamp


@pytest.mark.parametrize("value, text", [
    (None, "–"), (0, "0"), (5, "5"), (12345, "12,345"), (0.123456, "0.1235"), (1.5, "1.5"),
    (1712345678901.5, "1,712,345,678,902"), (1.7e12, "1,700,000,000,000"), (-2.5e16, "-25,000,000,000,000,000"),
    (float("nan"), "NaN"), (math.inf, "∞"), (-math.inf, "−∞"), (True, "true"), ("FR", "FR"),
])
def test_number(value, text):
    assert number(value) == text
    assert "e+" not in number(value)


def test_number_missing_word():
    assert number(None, missing="null") == "null"


@pytest.mark.parametrize("value, text", [
    ("2026-01-31T10:00:00+02:00", "2026-01-31 08:00 UTC"),
    ("2026-01-31T10:00:00", "2026-01-31 10:00 UTC"),            # naive = UTC
    ("2026-01-31 10:00:05Z", "2026-01-31 10:00:05 UTC"),
    (datetime(2026, 1, 31, 10, tzinfo=timezone(timedelta(hours=-5))), "2026-01-31 15:00 UTC"),
    (0.0, "1970-01-01 00:00 UTC"), (None, None), ("not a time", "not a time"),
])
def test_timestamp(value, text):
    assert timestamp(value) == text


def test_iso_utc_says_the_zone():
    """Window bounds in JSON payloads (alerts, trigger evidence): naive warehouse timestamps are
    UTC and the text says so, instead of a naive ISO string a consumer has to guess about."""
    import pandas as pd

    from ml_monitor.runner import _plain
    from ml_monitor.triggers.rules import evidence_row

    assert iso_utc(datetime(2026, 1, 31, 8)) == "2026-01-31T08:00:00Z"
    assert iso_utc(pd.Timestamp("2026-01-31 08:00:00")) == "2026-01-31T08:00:00Z"
    assert iso_utc(datetime(2026, 1, 31, 8, tzinfo=timezone(timedelta(hours=9)))) == "2026-01-30T23:00:00Z"
    assert iso_utc(pd.NaT) is None
    assert _plain(datetime(2026, 1, 30)) == "2026-01-30T00:00:00Z"
    row = evidence_row({"window_start": pd.Timestamp("2026-01-30"), "window_end": datetime(2026, 1, 31),
                        "value": 1, "sample_size": 3})
    assert (row["window_start"], row["window_end"]) == ("2026-01-30T00:00:00Z", "2026-01-31T00:00:00Z")
    assert timestamp(row["window_end"]) == "2026-01-31 00:00 UTC"


@pytest.mark.parametrize("url, ok", [
    ("https://runbooks.example/x", True), ("http://a/b?c=d", True), ("mailto:oncall@example.com", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("data:text/html,<b>", False),
    ("https://x/a b", False), ("https://x/|evil>", False), ("", False), (None, False), ("ftp://x", False),
])
def test_safe_link(url, ok):
    assert (safe_link(url) is not None) == ok


@pytest.mark.parametrize("text, line, kept", [
    ("em\nea", "em\\nea", "em\nea"),
    ("a\r\nb", "a\\r\\nb", "a\nb"),                           # CRLF of a message: one line break
    ("\x1b[2J\rover", "\\x1b[2J\\rover", "\\x1b[2J\\rover"),        # clear screen, back to line start
    ("\x9b2J\x7f", "\\x9b2J\\x7f", "\\x9b2J\\x7f"),                 # C1 CSI, DEL
    ("a\u2028b\u2029c\x85", "a\\u2028b\\u2029c\\x85", "a\\u2028b\\u2029c\\x85"),
    ("\u202egnp.exe \u2066x\u2069", "\\u202egnp.exe \\u2066x\\u2069", "\\u202egnp.exe \\u2066x\\u2069"),
    ("tab\there", "tab\\there", "tab\there"),
    ("é 🙂 مرحبا <b>&", "é 🙂 مرحبا <b>&", "é 🙂 مرحبا <b>&"),      # printable text as it is
])
def test_control_characters_are_written_as_escapes(text, line, kept):
    """one_line (titles, observation lines) and printable (bodies, dbt messages, log lines): a
    value that would clear a terminal, move back over a line, break a line or reverse the rest of
    it is shown as its escape."""
    assert one_line(text) == line
    assert printable(text) == kept


def test_short_timestamp():
    from datetime import datetime, timezone
    from ml_monitor.formatting import short_timestamp
    assert short_timestamp(datetime(2026, 1, 28)) == "2026-01-28"
    assert short_timestamp("2026-01-28 06:00:00") == "2026-01-28 06:00"
    assert short_timestamp(datetime(2026, 1, 28, 9, tzinfo=timezone.utc).astimezone()) == "2026-01-28 09:00"
    assert short_timestamp(None) is None


def test_url_passwords_never_travel():
    """A DSN quoted in a dbt error message (DuckDB and PostgreSQL quote the failing SQL) would
    reach the alert, the state file and the log with its password: every URL password in free
    text is hidden, known to the configuration or not."""
    from ml_monitor.formatting import hide_url_passwords
    from ml_monitor.runner import _clean

    assert hide_url_passwords("LINE 1: select 'postgres://app:hunter2@db.internal:5432/x' fromm t") == \
        "LINE 1: select 'postgres://app:***@db.internal:5432/x' fromm t"
    assert hide_url_passwords("see https://h.example/a@b and mailto:x@y, http://user@host/") == \
        "see https://h.example/a@b and mailto:x@y, http://user@host/"        # no password: unchanged
    assert "s3cr3t" not in _clean("Runtime Error\n  Parser Error near 'fromm'\n  LINE 3: 'mysql://u:s3cr3t@h/db'")


UTC = timezone.utc


@pytest.mark.parametrize("text, instant", [
    ("2026-03-09", datetime(2026, 3, 9, tzinfo=UTC)),                                  # a date: midnight UTC
    ("2026-03-09 12:30", datetime(2026, 3, 9, 12, 30, tzinfo=UTC)),                    # no seconds, no zone: UTC
    ("2026-03-09T12:30:15", datetime(2026, 3, 9, 12, 30, 15, tzinfo=UTC)),             # T or a space
    ("2026-03-09 12:30:15.25", datetime(2026, 3, 9, 12, 30, 15, 250000, tzinfo=UTC)),  # a fraction is kept
    ("2026-03-09T00:00:00Z", datetime(2026, 3, 9, tzinfo=UTC)),
    ("2026-03-09t00:00:00z", datetime(2026, 3, 9, tzinfo=UTC)),                        # any case
    ("2026-03-09T00:00:00.000Z", datetime(2026, 3, 9, tzinfo=UTC)),
    ("2026-03-09 00:00:00 UTC", datetime(2026, 3, 9, tzinfo=UTC)),
    ("2026-03-09 05:30:00+05:30", datetime(2026, 3, 9, tzinfo=UTC)),                   # an offset: that instant
    ("2026-03-08T16:00:00-08:00", datetime(2026, 3, 9, tzinfo=UTC)),
    ("2026-03-09 13:45+1345", datetime(2026, 3, 9, tzinfo=UTC)),                       # Pacific/Chatham, summer
    ("2026-03-09 03:00:00+03", datetime(2026, 3, 9, tzinfo=UTC)),
    (" 2026-03-09 ", datetime(2026, 3, 9, tzinfo=UTC)),
    (date(2026, 3, 9), datetime(2026, 3, 9, tzinfo=UTC)),                              # a YAML date
    (datetime(2026, 3, 9, 5, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))), datetime(2026, 3, 9, tzinfo=UTC)),
    (datetime(2026, 3, 9), datetime(2026, 3, 9, tzinfo=UTC)),                          # naive = UTC
])
def test_parse_instant_reads_every_form_as_a_utc_instant(text, instant):
    from ml_monitor.formatting import parse_instant
    from ml_monitor.runner import parse_as_of
    got = parse_instant(text)
    assert got == instant and got.utcoffset() == timedelta(0)
    assert parse_as_of(text) == instant.replace(microsecond=0)      # the CLI's as_of: the same instant, to the second
    if not isinstance(text, (date, datetime)):
        assert timestamp(text) == timestamp(instant)                # alerts and the report read it the same way


@pytest.mark.parametrize("text, why", [
    ("2026-03-09 garbage", ""), ("09/03/2026", ""), ("2026-3-9", ""), ("2026-03-09 12", ""),
    ("2026-02-30", "day is out of range"), ("2026-03-09 24:00", "does not match format"),
    ("2026-03-09 05:00:00+25:00", "impossible UTC offset +25:00"), ("2026-03-09 05:00+05:75", "impossible UTC offset"),
    ("2026-03-09 05:00 Asia/Kolkata", ""), ("{{ env_var('AS_OF') }}", ""),
])
def test_parse_instant_says_what_was_given_and_what_is_accepted(text, why):
    from ml_monitor.formatting import parse_instant
    from ml_monitor.runner import parse_as_of
    with pytest.raises(ValueError) as e:
        parse_instant(text, "var 'ml_monitor_as_of'")
    message = str(e.value)
    assert message.startswith("var 'ml_monitor_as_of' must be a date '2026-01-31', or a date and time")
    assert repr(text.strip()) in message and "'+05:30'" in message and why in message
    assert parse_as_of(text) is None                # the CLI reads no instant; the package fails the run
    assert timestamp(text) == text.strip()          # text that is not an instant is shown as is


def test_the_package_reads_ml_monitor_as_of_by_the_same_pattern():
    """macro ml_monitor.as_of (Jinja) cannot import Python: its regex must stay the CLI's."""
    import re
    from pathlib import Path

    from ml_monitor.formatting import INSTANT_PATTERN
    scope = (Path(__file__).resolve().parents[2] / "macros" / "core" / "scope.sql").read_text()
    jinja, = re.findall(r"modules\.re\.match\('([^']+)', text", scope)
    assert jinja.replace("\\\\", "\\") == INSTANT_PATTERN
