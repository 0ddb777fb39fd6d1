"""What every channel shares: the delivery error, the delivery context, and the checks a channel's
`Settings` dataclass runs on itself in `__post_init__` (raising SettingsError naming the field);
and the settings of a chat incoming webhook (Slack, Teams), whose channels subclass them.

Each channel's Settings may also declare, as class variables:
  SECRET_FIELDS  fields whose values are secrets (redacted from every output), with every ${VAR}
                 substituted into them;
  SECRET_VAR_FIELDS  fields whose ${VAR} values are secrets, their literal values not (command env);
  URL_FIELDS     endpoint URLs: checked here, and their userinfo / query values / token paths are secrets;
  PATH_FIELDS    file paths resolved relative to the ml_monitor.yml that names them.
"""

from __future__ import annotations

import re
import sys
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, TextIO


class DeliveryError(Exception):
    """A notification could not be delivered.

    retryable=True: a transient failure (HTTP 5xx/429, timeout, connection refused, SMTP error,
    command failure); the outbox retries it with backoff.
    retryable=False: a configuration error (HTTP 4xx other than 429, bad credentials, missing
    command); the outbox keeps it as `failed` until `ml-monitor alerts retry`.
    """

    def __init__(self, message: str, retryable: bool = True, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass
class DeliveryContext:
    """Process-wide things a channel may need."""

    # Where the stdout channel writes (the CLI sends it to stderr under --format json).
    stdout: Callable[[], TextIO] = field(default=lambda: sys.stdout)
    # Default network timeout (seconds) when the channel sets none.
    timeout: float = 10.0
    redact: Callable[[str], str] = field(default=lambda s: s)


class SettingsError(ValueError):
    """A channel's settings are invalid: `field` names the key, the message says what is expected."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def require(settings: Any, *names: str) -> None:
    """Each named field must be a non-empty value."""
    kind = getattr(settings, "type", "this")
    for name in names:
        value = getattr(settings, name)
        if value is None or not str(value).strip():
            raise SettingsError(name, f"a {kind} channel needs a non-empty '{name}'")


_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def url_problem(url: str) -> str | None:
    """Why `url` cannot be an http(s) endpoint, or None. The message never repeats the URL."""
    if not re.match(r"^https?://", url, re.IGNORECASE):
        return "the url must start with http:// or https://"
    if _CONTROL.search(url):
        return "the url contains a space or a control character (percent-encode it)"
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a non-numeric or out-of-range port
    except ValueError:
        return "the url is malformed (check the host and the port)"
    if not parts.hostname:
        return "the url has no host"
    if "@" in parts.netloc:
        # urllib would treat user:password@ as part of the host name: never delivered
        return ("the url carries credentials (user:password@host), which are not sent that way: "
                "put them in the channel's headers, e.g. Authorization: \"Basic ${TOKEN}\"")
    return None


def check_digest(settings: Any) -> None:
    """`digest`: 0 (off), or from how many notifications due at once to one channel they go as one
    message (ml_monitor.delivery)."""
    d = settings.digest
    if isinstance(d, bool) or not isinstance(d, int) or d < 0 or d == 1:
        raise SettingsError("digest", f"expected 0 (off) or a number of notifications of 2 or more, got {d!r}")


def check_urls(settings: Any) -> None:
    for name in getattr(settings, "URL_FIELDS", ()):
        value = getattr(settings, name)
        if value is not None:
            problem = url_problem(str(value))
            if problem:
                raise SettingsError(name, problem)


@dataclass
class ChatWebhookSettings:
    """A chat incoming webhook (Slack, Teams): its URL is the secret. A channel subclasses it with
    its own `type` default."""

    url: str
    type: str = ""
    timeout: float | None = None
    send_resolved: bool = True
    digest: int = 0                  # from this many notifications due at once: one message (0: off)

    SECRET_FIELDS: ClassVar[tuple[str, ...]] = ("url",)
    URL_FIELDS: ClassVar[tuple[str, ...]] = ("url",)

    def __post_init__(self) -> None:
        require(self, "url")
        check_urls(self)
        check_digest(self)


def encoded_forms(value: str) -> list[str]:
    """`value` and the ways a URL carries it: percent-encoded strictly (`/` too), as a path does
    (`/` kept), as a form does (space as `+`), each with upper- and lower-case hex digits. A server
    or proxy that echoes the request URL shows a token in one of these forms."""
    forms = [value, urllib.parse.quote(value, safe=""), urllib.parse.quote(value), urllib.parse.quote_plus(value)]
    forms += [re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), f) for f in forms]
    return list(dict.fromkeys(forms))


def url_secrets(url: str) -> list[str]:
    """The parts of an endpoint URL that may carry a credential: userinfo, password, the whole
    query, every query value that may be a credential (_may_be_credential; as written in the URL,
    decoded, and re-encoded), and a path long enough to embed a token (Slack / Teams webhooks)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return []
    found: list[str] = []
    if parts.username or parts.password:
        found += [p for p in (parts.netloc.rpartition("@")[0], parts.password, parts.username) if p]
    for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=False):
        if _may_be_credential(name, value):
            found += encoded_forms(value)
    for piece in re.split(r"[&;]", parts.query):
        # the value as written: `?sig=ab/cd+ef` decodes to `ab/cd ef`, which no encoding gives back
        name, _, value = piece.partition("=")
        if _may_be_credential(urllib.parse.unquote_plus(name), urllib.parse.unquote_plus(value)):
            found += encoded_forms(value)
    if parts.query:
        found.append(parts.query)
    if len(parts.path.strip("/")) >= 16:
        found.append(parts.path)
    return [s for s in dict.fromkeys(found) if len(s) >= 4]


_CREDENTIAL_NAME = re.compile(r"token|key|sig|secret|pass|pwd|auth|code|cred|session", re.IGNORECASE)


def _may_be_credential(name: str, value: str) -> bool:
    """A query value to hide on its own: any value of a parameter named like a credential (`token`,
    `apikey`, `sig`, `code`, ...), and any other value that looks like one (8 characters or more
    with a digit, or 16 or more). `?env=prod&format=json` made every "prod" and "json" of every
    alert `***`; the whole URL (and query) of a secret field is hidden anyway."""
    if _CREDENTIAL_NAME.search(name):
        return True
    return (len(value) >= 8 and any(c.isdigit() for c in value)) or len(value) >= 16
