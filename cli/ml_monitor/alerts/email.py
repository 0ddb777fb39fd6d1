"""Email over SMTP (STARTTLS, SSL or plain), with a text and an HTML body."""

from __future__ import annotations

import html
import ipaddress
import smtplib
import socket
import ssl
from dataclasses import dataclass
from typing import ClassVar
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ml_monitor.alerts.base import DeliveryContext, DeliveryError, SettingsError, check_digest, require
from ml_monitor.alerts.model import (Notification, alert_facts, alert_text, digest_headline, digest_lines,
                                    digest_severity, digest_text)
from ml_monitor.formatting import one_line

SECURITY = ("starttls", "ssl", "none")   # the accepted `security` values


@dataclass
class Settings:
    host: str
    to: list[str]
    sender: str
    type: str = "email"
    port: int | None = None          # default: 587 starttls, 465 ssl, 25 none
    security: str = "starttls"
    username: str | None = None
    password: str | None = None
    subject_prefix: str = "[ml-monitor]"
    ca_file: str | None = None       # CA bundle to verify the server (default: the system's)
    timeout: float | None = None
    send_resolved: bool = True
    digest: int = 0                  # from this many notifications due at once: one message (0: off)

    SECRET_FIELDS: ClassVar[tuple[str, ...]] = ("password",)
    PATH_FIELDS: ClassVar[tuple[str, ...]] = ("ca_file",)

    def __post_init__(self) -> None:
        require(self, "host")
        if self.security not in SECURITY:
            raise SettingsError("security", f"expected starttls, ssl or none, got {self.security!r}")
        if not self.to:
            raise SettingsError("to", "an email channel needs at least one recipient")
        if self.port is not None and not 1 <= self.port <= 65535:
            raise SettingsError("port", f"expected a TCP port 1-65535, got {self.port}")
        if self.security == "none" and self.username and not _loopback(self.host):
            # AUTH PLAIN / LOGIN is base64, not encryption: anyone on the path reads the password
            raise SettingsError("security", "security: none sends username/password in clear text over the "
                                "network: use starttls (port 587) or ssl (465), or drop the login for a relay "
                                "that needs none (a login without TLS is allowed only to 127.0.0.1, ::1 or localhost)")
        check_digest(self)


def _loopback(host: str) -> bool:
    """The SMTP server runs on this host (127.0.0.0/8, ::1, localhost): a login without TLS never
    crosses a network."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _envelope(settings: Settings, subject: str, delivery_id: str) -> EmailMessage:
    msg = EmailMessage()
    # one line: a title recorded by an earlier version may hold a segment value's line break
    msg["Subject"] = one_line(f"{settings.subject_prefix} {subject}".strip())
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(idstring=delivery_id or None, domain="ml-monitor")
    return msg


def message(settings: Settings, note: Notification) -> EmailMessage:
    f = alert_facts(note)
    msg = _envelope(settings, f"[{f.severity}] {f.headline}", note.delivery_id)
    msg["X-ML-Monitor-Fingerprint"] = f.fingerprint
    # every message of one alert (trigger, reminders, resolve) refers to the same thread root,
    # so mail clients show the resolve under the alert it resolves
    msg["References"] = msg["In-Reply-To"] = f"<{f.fingerprint}@ml-monitor>"
    msg.set_content(alert_text(note))
    facts = [("Severity", f.severity), *f.facts, ("Fingerprint", f.fingerprint), ("Seen", f.seen)]
    if f.runbook and not f.runbook_url:
        facts.append(("Runbook", f.runbook))             # not an http(s)/mailto link: text only
    rows = "".join(f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in facts if v)
    runbook = f"<p><a href='{html.escape(f.runbook_url, quote=True)}'>Runbook</a></p>" if f.runbook_url else ""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in f.body.splitlines())
    msg.add_alternative(
        f"<html><body><h2>{html.escape(f.headline)}</h2><ul>{items}</ul>"
        f"<table>{rows}</table>{runbook}</body></html>", subtype="html")
    return msg


def digest_message(settings: Settings, notes: list[Notification]) -> EmailMessage:
    """Several notifications in one email: the headline and one line per alert, then each alert's
    full text. Not threaded (it covers several alerts); X-ML-Monitor-Fingerprint lists them all."""
    msg = _envelope(settings, f"[{digest_severity(notes)}] {digest_headline(notes)}", notes[0].delivery_id)
    msg["X-ML-Monitor-Fingerprint"] = ", ".join(dict.fromkeys(n.alert.fingerprint for n in notes))
    msg.set_content(digest_text(notes))
    items = "".join(f"<li>{html.escape(line)}</li>" for line in digest_lines(notes))
    full = "".join(f"<pre>{html.escape(alert_text(n))}</pre>" for n in notes)
    msg.add_alternative(f"<html><body><h2>{html.escape(digest_headline(notes))}</h2><ul>{items}</ul>"
                        f"{full}</body></html>", subtype="html")
    return msg


def send(settings: Settings, note: Notification, ctx: DeliveryContext) -> None:
    _send(settings, message(settings, note), ctx)


def send_digest(settings: Settings, notes: list[Notification], ctx: DeliveryContext) -> None:
    _send(settings, digest_message(settings, notes), ctx)


def _send(settings: Settings, msg: EmailMessage, ctx: DeliveryContext) -> None:
    timeout = settings.timeout or ctx.timeout
    port = settings.port or {"starttls": 587, "ssl": 465, "none": 25}[settings.security]
    try:
        context = ssl.create_default_context(cafile=settings.ca_file)
    except OSError as e:          # missing, unreadable, or no certificate in it (ssl.SSLError)
        # no retry would ever find it: fix ca_file, then `ml-monitor alerts retry`
        raise DeliveryError(f"cannot use ca_file {settings.ca_file}: {e.strerror or e} (configuration error: "
                            "check ca_file)", retryable=False) from None
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(settings.host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, port, timeout=timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password or "")
            client.send_message(msg)
    except smtplib.SMTPAuthenticationError as e:
        if 400 <= e.smtp_code < 500:
            # 454 4.7.0 "temporary authentication failure" (the server's credential store is down):
            # the login is right, the alert must not wait for `alerts retry`. No server text: an
            # answer to AUTH may quote the base64 of the login, which redaction does not know
            raise DeliveryError(f"SMTP authentication failed temporarily ({e.smtp_code})", retryable=True) from None
        raise DeliveryError(f"SMTP authentication failed ({e.smtp_code}) (configuration error: check "
                            "username/password)", retryable=False) from None
    except smtplib.SMTPNotSupportedError as e:
        raise DeliveryError(f"SMTP server does not support this ({e}) (configuration error: check security)",
                            retryable=False) from None
    except smtplib.SMTPResponseException as e:
        raise DeliveryError(f"SMTP error {e.smtp_code}: {_text(e.smtp_error)}", retryable=True) from None
    except smtplib.SMTPRecipientsRefused as e:
        codes = sorted({code for code, _ in e.recipients.values()})
        raise DeliveryError(f"SMTP server refused the recipients ({codes})", retryable=True) from None
    except (smtplib.SMTPException, ssl.SSLError, socket.timeout, OSError) as e:
        raise DeliveryError(f"SMTP delivery failed: {e.__class__.__name__}: {e}", retryable=True) from None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
