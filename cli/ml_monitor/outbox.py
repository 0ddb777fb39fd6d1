"""Durable alert state in SQLite: open/resolved alerts and an outbox of deliveries.

Guarantees (see README.md, "The guarantees, in plain words"):
- at-least-once: a notification is written to the outbox in the same transaction that records the
  alert, *before* anything is sent; it is marked delivered only after the channel accepted it.
  A process killed mid-delivery leaves the row pending, so the next run (or `alerts retry`) sends
  it again: only a delivery that was in flight at the moment of the kill can arrive twice.
- per alert and channel, notifications are delivered in order: a resolve (or reminder) waits
  until the earlier notification to that channel went out.
- a delivery is claimed by one process at a time (claim = host:pid; a claim by a dead process on
  this host, or older than `delivery.lease`, is taken over).
- retryable failures back off exponentially (initial_backoff * 2^(attempts-1), capped at
  max_backoff, at least Retry-After); nothing is dropped but by `alerts discard`. Configuration
  errors (HTTP 4xx other than 429, bad credentials) stop automatic retries and stay `failed` until
  `alerts retry`; later notifications of their alert to their channel are held behind them.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterator

from ml_monitor.alerts.model import CHECK_FAILED, Alert, Notification, newly_failing
from ml_monitor.formatting import epoch_seconds, iso_utc

log = logging.getLogger("ml_monitor")

SCHEMA_VERSION = 1
SCHEMA = """
create table if not exists meta (key text primary key, value text not null);
create table if not exists alerts (
  fingerprint text primary key,
  kind text not null,
  state text not null,                -- open | resolved
  severity text not null,
  title text not null,
  owner text,
  tags text not null default '[]',
  first_seen real not null,
  last_seen real not null,
  last_notified real,
  resolved_at real,
  occurrences integer not null default 1,
  channels text not null default '[]', -- channels the trigger went to (the resolve goes there too)
  alert text not null                  -- the latest Alert as JSON
);
create table if not exists deliveries (
  id text primary key,                 -- idempotency key sent with the notification
  fingerprint text not null,
  event text not null,                 -- trigger | resolve
  channel text not null,
  notification text not null,          -- Notification as JSON
  state text not null,                 -- pending | delivered | failed | discarded (alerts discard)
  attempts integer not null default 0,
  created_at real not null,
  next_attempt_at real not null,
  delivered_at real,                   -- or discarded at
  last_error text,
  claimed_by text,
  claimed_at real
);
create index if not exists deliveries_due on deliveries (state, next_attempt_at);
create table if not exists runs (
  id integer primary key autoincrement,
  started_at real not null,
  duration real not null,
  command text, status text, exit_code integer, summary text
);
"""


# a pending delivery `d` held behind a failed one (a configuration error, not retried automatically):
# notifications of one alert to one channel go out in order, so it waits for `alerts retry`
HELD_BEHIND_FAILED = (
    "exists (select 1 from deliveries e where e.fingerprint = d.fingerprint and e.channel = d.channel"
    " and e.state = 'failed' and (e.created_at < d.created_at or (e.created_at = d.created_at and e.rowid < d.rowid)))")


def next_due(path: str | os.PathLike) -> float | None:
    """When the earliest pending delivery that waits for no earlier one (of its alert to its
    channel) is due: what a scheduler waiting for its next slot wakes up for. None without one,
    or without a state file. Read-only: it creates and writes nothing."""
    path = Path(path)
    if not path.exists():
        return None
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)
    try:
        row = db.execute(
            "select min(d.next_attempt_at) from deliveries d where d.state = 'pending' and not exists"
            " (select 1 from deliveries e where e.fingerprint = d.fingerprint and e.channel = d.channel"
            " and e.state in ('pending', 'failed')"
            " and (e.created_at < d.created_at or (e.created_at = d.created_at and e.rowid < d.rowid)))").fetchone()
    except sqlite3.OperationalError:         # no deliveries table yet
        return None
    finally:
        db.close()
    return None if row is None or row[0] is None else float(row[0])


def iso(ts: float | None) -> str | None:
    return iso_utc(ts, "seconds")


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# a claim of a live process on this host is kept however long its delivery takes (a command
# channel may run for its whole timeout); after this long it is taken over anyway (the pid may
# have been reused by another program)
LIVE_CLAIM_LIMIT = 24 * 3600.0


def _claim_is_stale(claimed_by: str | None, claimed_at: float | None, now: float, lease: float) -> bool:
    if not claimed_by:
        return True
    host, _, pid = claimed_by.rpartition(":")
    age = None if claimed_at is None else now - claimed_at
    if host != socket.gethostname():
        return age is not None and age > lease        # another host: only its lease tells
    if pid == str(os.getpid()):
        return True            # our own leftover claim: we are not sending it now
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True            # its process died: at once
    except (PermissionError, ValueError):
        return age is not None and age > lease        # not ours to probe: the lease
    return age is not None and age > LIVE_CLAIM_LIMIT


@dataclass
class Lifecycle:
    """What a run did to the alert state."""

    new: list[Alert] = field(default_factory=list)
    repeated: list[Alert] = field(default_factory=list)      # re-notified after suppression_interval
    suppressed: list[Alert] = field(default_factory=list)    # still failing, inside the interval
    resolved: list[Alert] = field(default_factory=list)
    unrouted: list[Alert] = field(default_factory=list)      # matched no route (kept in the state)
    # fingerprints left as they were: the run evaluated an earlier time (ml_monitor_as_of) than the
    # one the state holds for them (a backfill of a missed day says nothing about now)
    earlier: list[str] = field(default_factory=list)
    enqueued: int = 0

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "repeated": len(self.repeated), "suppressed": len(self.suppressed),
                "resolved": len(self.resolved), "unrouted": len(self.unrouted), "earlier": len(self.earlier),
                "enqueued": self.enqueued}


class Outbox:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("pragma journal_mode=wal")
        self.db.execute("pragma synchronous=full")
        self.db.execute("pragma busy_timeout=30000")
        self.db.executescript(SCHEMA)
        self.db.execute("insert or ignore into meta (key, value) values ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Outbox":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("begin immediate")
        try:
            yield self.db
        except BaseException:
            self.db.execute("rollback")
            raise
        else:
            self.db.execute("commit")

    # ------------------------------------------------------------------ alert lifecycle

    def record(self, alerts: list[Alert], passed: list[str], routes: dict[str, list[str]],
               suppression_interval: float, resolve_channels: set[str], now: float | None = None,
               removed: list[str] = (), as_of: float | None = None) -> Lifecycle:
        """Apply one run's outcome in one transaction and enqueue the notifications.

        alerts: the failing checks (and monitoring_failed); passed: fingerprints whose check ran and
        passed; removed: fingerprints whose test the project no longer has (removed, disabled, or
        its arguments changed); routes: fingerprint -> channels; resolve_channels: channels that
        want resolves; as_of: the run's evaluation time (epoch seconds, var ml_monitor_as_of or the
        run's start), recorded with each alert (Alert.as_of). An alert whose state was set by a run
        that evaluated a later time is left as it is (Lifecycle.earlier): a backfill of a past day
        neither resolves nor re-opens nor re-sends what a newer evaluation decided.
        """
        now = time.time() if now is None else now
        out = Lifecycle()

        def later_known(row: sqlite3.Row | None) -> bool:
            # a check's verdict is about its as_of; a failed run (monitoring_failed) is about now
            if row is None or as_of is None or row["kind"] != CHECK_FAILED:
                return False
            stored = epoch_seconds(json.loads(row["alert"]).get("as_of"))
            return stored is not None and stored > as_of

        with self.transaction() as db:
            for alert in alerts:
                row = db.execute("select * from alerts where fingerprint = ?", (alert.fingerprint,)).fetchone()
                if later_known(row):
                    out.earlier.append(alert.fingerprint)
                    continue
                channels = routes.get(alert.fingerprint, [])
                data = json.dumps(alert.to_dict(), default=str)
                if row is None or row["state"] == "resolved":
                    db.execute(
                        "insert into alerts (fingerprint, kind, state, severity, title, owner, tags, first_seen,"
                        " last_seen, last_notified, resolved_at, occurrences, channels, alert)"
                        " values (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, null, 1, ?, ?)"
                        " on conflict (fingerprint) do update set state = 'open', kind = excluded.kind,"
                        " severity = excluded.severity, title = excluded.title, owner = excluded.owner,"
                        " tags = excluded.tags, first_seen = excluded.first_seen, last_seen = excluded.last_seen,"
                        " last_notified = excluded.last_notified, resolved_at = null, occurrences = 1,"
                        " channels = excluded.channels, alert = excluded.alert",
                        (alert.fingerprint, alert.kind, alert.severity, alert.title, alert.owner,
                         json.dumps(alert.tags), now, now, now, json.dumps(channels), data))
                    note = Notification("trigger", alert, occurrences=1, first_seen=iso(now))
                    out.enqueued += self._enqueue(note, channels, now)
                    (out.new if channels else out.unrouted).append(alert)
                    continue
                occurrences = row["occurrences"] + 1
                escalated = row["severity"] == "warn" and alert.severity == "error"
                # a segment (metric, column) failing that did not in the run before is news, not a
                # reminder: sent at once like an escalation
                spread = newly_failing(Alert.from_dict(json.loads(row["alert"])), alert)
                due = row["last_notified"] is None or now - row["last_notified"] >= suppression_interval
                if due or escalated or spread:
                    change = "escalated" if escalated else "spread" if spread else None
                    note = Notification("trigger", alert, repeat=True, occurrences=occurrences,
                                        first_seen=iso(row["first_seen"]), change=change, newly_failing=spread)
                    known = json.loads(row["channels"])
                    merged = known + [c for c in channels if c not in known]
                    db.execute("update alerts set severity = ?, title = ?, owner = ?, tags = ?, last_seen = ?,"
                               " last_notified = ?, occurrences = ?, channels = ?, alert = ? where fingerprint = ?",
                               (alert.severity, alert.title, alert.owner, json.dumps(alert.tags), now, now,
                                occurrences, json.dumps(merged), data, alert.fingerprint))
                    out.enqueued += self._enqueue(note, channels, now)
                    (out.repeated if channels else out.unrouted).append(alert)
                else:
                    # a channel routed to now that never had this alert (added to ml_monitor.yml, or a
                    # route changed while it was failing) gets it at once, as a still-failing notice;
                    # the others keep their suppression (last_notified unchanged)
                    known = json.loads(row["channels"])
                    added = [c for c in channels if c not in known]
                    db.execute("update alerts set last_seen = ?, occurrences = ?, channels = ?, alert = ?"
                               " where fingerprint = ?",
                               (now, occurrences, json.dumps(known + added), data, alert.fingerprint))
                    if added:
                        note = Notification("trigger", alert, repeat=True, occurrences=occurrences,
                                            first_seen=iso(row["first_seen"]))
                        out.enqueued += self._enqueue(note, added, now)
                        out.repeated.append(alert)
                    else:
                        out.suppressed.append(alert)
            # a removed test's resolve says why: no run will ever pass it (alerts.model._resolve_body)
            for fp, why in [(fp, None) for fp in passed] + [(fp, "test_removed") for fp in removed]:
                row = db.execute("select * from alerts where fingerprint = ? and state = 'open'", (fp,)).fetchone()
                if row is None:
                    continue
                if why is None and later_known(row):
                    out.earlier.append(fp)
                    continue
                alert = Alert.from_dict(json.loads(row["alert"]))
                if why:
                    alert.evidence = {**(alert.evidence or {}), "resolved_by": why}
                out.resolved.append(alert)
                out.enqueued += self._resolve_row(row, alert, resolve_channels, now)
        return out

    def open_alerts(self) -> list[Alert]:
        """The open alerts, as last recorded."""
        return [Alert.from_dict(json.loads(r["alert"]))
                for r in self.db.execute("select alert from alerts where state = 'open'").fetchall()]

    def _resolve_row(self, row: sqlite3.Row, alert: Alert, resolve_channels: set[str], now: float) -> int:
        self.db.execute("update alerts set state = 'resolved', resolved_at = ? where fingerprint = ?",
                        (now, alert.fingerprint))
        channels = [c for c in json.loads(row["channels"]) if c in resolve_channels]
        note = Notification("resolve", alert, occurrences=row["occurrences"], first_seen=iso(row["first_seen"]),
                            resolved_at=iso(now))
        return self._enqueue(note, channels, now)

    def resolve(self, fingerprint: str, resolve_channels: set[str], now: float | None = None) -> Alert | None:
        """Resolve an open alert by hand (fingerprint or unique prefix)."""
        now = time.time() if now is None else now
        with self.transaction() as db:
            if len(fingerprint) < 4 or not fingerprint.isalnum():
                raise LookupError(f"{fingerprint!r} is not a fingerprint prefix: give at least 4 of its characters")
            # a prefix, compared as text (not LIKE: '%' or '_' would match any alert)
            rows = db.execute("select * from alerts where state = 'open' and substr(fingerprint, 1, ?) = ?",
                              (len(fingerprint), fingerprint)).fetchall()
            if len(rows) != 1:
                if len(rows) > 1:
                    raise LookupError(f"{fingerprint!r} matches {len(rows)} open alerts; give more characters")
                return None
            alert = Alert.from_dict(json.loads(rows[0]["alert"]))
            # the notification says who resolved it: not a passing run (alerts.model._resolve_body)
            alert.evidence = {**(alert.evidence or {}), "resolved_by": "hand"}
            self._resolve_row(rows[0], alert, resolve_channels, now)
            return alert

    def enqueue(self, note: Notification, channels: list[str], now: float) -> int:
        """Write `note` for each channel into the outbox (inside the caller's transaction)."""
        return self._enqueue(note, channels, now)

    def _enqueue(self, note: Notification, channels: list[str], now: float) -> int:
        for channel in channels:
            note.delivery_id = uuid.uuid4().hex
            self.db.execute(
                "insert into deliveries (id, fingerprint, event, channel, notification, state, attempts,"
                " created_at, next_attempt_at) values (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
                (note.delivery_id, note.alert.fingerprint, note.event, channel,
                 json.dumps(note.to_dict(), default=str), now, now))
        return len(channels)

    # ------------------------------------------------------------------------ delivery

    def due(self, now: float | None = None, include_failed: bool = False, force: bool = False) -> list[sqlite3.Row]:
        now = time.time() if now is None else now
        states = ("pending", "failed") if include_failed else ("pending",)
        marks = ", ".join("?" for _ in states)
        sql = f"select * from deliveries where state in ({marks})"
        params: list[Any] = list(states)
        if not force:
            sql += " and next_attempt_at <= ?"
            params.append(now)
        return self.db.execute(sql + " order by created_at, rowid", params).fetchall()

    def earlier_undelivered(self, delivery_id: str) -> list[str]:
        """The ids of the undelivered notifications of the same alert to the same channel enqueued
        before this one: per (alert, channel) notifications go out in order (a resolve never
        overtakes its trigger), or together in that order in one digest."""
        rows = self.db.execute(
            "select e.id from deliveries d join deliveries e on e.fingerprint = d.fingerprint and e.channel = d.channel"
            " where d.id = ? and e.state in ('pending', 'failed')"
            " and (e.created_at < d.created_at or (e.created_at = d.created_at and e.rowid < d.rowid))",
            (delivery_id,)).fetchall()
        return [r["id"] for r in rows]

    def prune(self, older_than: float, now: float | None = None) -> int:
        """Forget delivered notifications and finished runs older than `older_than` seconds."""
        cutoff = (time.time() if now is None else now) - older_than
        with self.transaction() as db:
            n = db.execute("delete from deliveries where state in ('delivered', 'discarded') and delivered_at < ?",
                           (cutoff,)).rowcount
            db.execute("delete from runs where started_at < ?", (cutoff,))
        return n

    def claim(self, delivery_id: str, lease: float, now: float | None = None,
              along_with: Collection[str] = ()) -> Notification | None:
        """Take a delivery for this process, or None when another live process holds it / it is done,
        or an earlier notification of its alert to its channel is undelivered (unless that one is in
        `along_with`: claimed by this process for the same message, a digest)."""
        now = time.time() if now is None else now
        with self.transaction() as db:
            row = db.execute("select * from deliveries where id = ?", (delivery_id,)).fetchone()
            if row is None or row["state"] not in ("pending", "failed"):
                return None
            if not _claim_is_stale(row["claimed_by"], row["claimed_at"], now, lease):
                return None
            if any(e not in along_with for e in self.earlier_undelivered(delivery_id)):
                return None
            db.execute("update deliveries set claimed_by = ?, claimed_at = ?, attempts = attempts + 1 where id = ?",
                       (_me(), now, delivery_id))
        return Notification.from_dict(json.loads(row["notification"]))

    def discard(self, channel: str, lease: float, now: float | None = None) -> tuple[int, int]:
        """`alerts discard`: give up the undelivered notifications to `channel` (kept as `discarded`
        until `retention`, never sent), except those a live process is sending now. Returns
        (discarded, busy)."""
        now = time.time() if now is None else now
        discarded = busy = 0
        with self.transaction() as db:
            for row in db.execute("select id, claimed_by, claimed_at from deliveries where channel = ?"
                                  " and state in ('pending', 'failed')", (channel,)).fetchall():
                if not _claim_is_stale(row["claimed_by"], row["claimed_at"], now, lease):
                    busy += 1
                    continue
                db.execute("update deliveries set state = 'discarded', delivered_at = ?, claimed_by = null,"
                           " claimed_at = null where id = ?", (now, row["id"]))
                discarded += 1
        return discarded, busy

    def delivered(self, delivery_id: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self.transaction() as db:
            db.execute("update deliveries set state = 'delivered', delivered_at = ?, last_error = null,"
                       " claimed_by = null, claimed_at = null where id = ?", (now, delivery_id))

    def failed(self, delivery_id: str, error: str, retryable: bool, next_attempt_at: float) -> None:
        with self.transaction() as db:
            db.execute("update deliveries set state = ?, last_error = ?, next_attempt_at = ?,"
                       " claimed_by = null, claimed_at = null where id = ?",
                       ("pending" if retryable else "failed", error, next_attempt_at, delivery_id))

    def attempts(self, delivery_id: str) -> int:
        row = self.db.execute("select attempts from deliveries where id = ?", (delivery_id,)).fetchone()
        return int(row["attempts"]) if row else 0

    # ------------------------------------------------------------------------ reading

    def alerts(self, state: str = "all") -> list[dict[str, Any]]:
        """Alerts with their delivery counts; state: open | resolved | undelivered | all."""
        rows = self.db.execute(
            "select a.*,"
            " (select count(*) from deliveries d where d.fingerprint = a.fingerprint and d.state = 'pending') as pending,"
            " (select count(*) from deliveries d where d.fingerprint = a.fingerprint and d.state = 'failed') as failed,"
            " (select count(*) from deliveries d where d.fingerprint = a.fingerprint and d.state = 'delivered') as delivered"
            " from alerts a order by a.state, a.last_seen desc").fetchall()
        out = []
        for r in rows:
            undelivered = r["pending"] + r["failed"]
            if state == "open" and r["state"] != "open":
                continue
            if state == "resolved" and r["state"] != "resolved":
                continue
            if state == "undelivered" and not undelivered:
                continue
            out.append({"fingerprint": r["fingerprint"], "state": r["state"], "kind": r["kind"],
                        "severity": r["severity"], "title": r["title"], "owner": r["owner"],
                        "tags": json.loads(r["tags"]), "first_seen": iso(r["first_seen"]),
                        "last_seen": iso(r["last_seen"]), "last_notified": iso(r["last_notified"]),
                        "resolved_at": iso(r["resolved_at"]), "occurrences": r["occurrences"],
                        "channels": json.loads(r["channels"]),
                        "deliveries": {"pending": r["pending"], "failed": r["failed"], "delivered": r["delivered"]}})
        return out

    def deliveries(self, states: tuple[str, ...] = ("pending", "failed", "delivered")) -> list[dict[str, Any]]:
        """Deliveries in `states`. `next_attempt_at` is null for those no run will send by itself:
        failed ones (configuration errors) and pending ones `held` behind a failed one."""
        marks = ", ".join("?" for _ in states)
        rows = self.db.execute(f"select d.*, d.state = 'pending' and {HELD_BEHIND_FAILED} as held from deliveries d"
                               f" where d.state in ({marks}) order by d.created_at, d.rowid", states).fetchall()
        return [{"id": r["id"], "fingerprint": r["fingerprint"], "event": r["event"], "channel": r["channel"],
                 "state": r["state"], "attempts": r["attempts"], "created_at": iso(r["created_at"]),
                 "next_attempt_at": iso(r["next_attempt_at"]) if r["state"] == "pending" and not r["held"] else None,
                 "held": bool(r["held"]), "delivered_at": iso(r["delivered_at"]),
                 "last_error": r["last_error"]} for r in rows]

    def stuck(self) -> list[dict[str, Any]]:
        """Per channel with failed deliveries (configuration errors: never retried automatically):
        how many failed, how many pending notifications are held behind them, the latest error."""
        held = dict(self.db.execute(f"select d.channel, count(*) from deliveries d where d.state = 'pending'"
                                    f" and {HELD_BEHIND_FAILED} group by d.channel").fetchall())
        # a bare column beside max() comes from the row of the max (SQLite): the latest error
        rows = self.db.execute("select channel, count(*) as failed, last_error, max(created_at) from deliveries"
                               " where state = 'failed' group by channel order by channel").fetchall()
        return [{"channel": r["channel"], "failed": r["failed"], "held": held.get(r["channel"], 0),
                 "last_error": r["last_error"]} for r in rows]

    def log_run(self, started_at: float, duration: float, command: str, status: str, exit_code: int,
                summary: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute("insert into runs (started_at, duration, command, status, exit_code, summary)"
                       " values (?, ?, ?, ?, ?, ?)",
                       (started_at, duration, command, status, exit_code, json.dumps(summary, default=str)))
