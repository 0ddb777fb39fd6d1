"""ml_monitor.yml: read, substitute ${ENV}, check against dataclasses (unknown keys are errors).

Precedence, highest first: command-line flags, ML_MONITOR_* environment variables (both through
click), ml_monitor.yml, defaults. Secrets, collected in `Config.secrets` and redacted from every
output (`Config.redact`): the values of the fields each channel declares secret (SECRET_FIELDS:
webhook / Slack / Teams url, header values, routing_key, password), every ${VAR} substituted
into them or into a SECRET_VAR_FIELDS field (the command's arguments and env), and the
credential parts of every endpoint URL (URL_FIELDS: userinfo, query values, token paths). A
${VAR} in any other field (subject_prefix, to, host, path, ...) is no secret: redacting `demo`
everywhere would corrupt relation and project names. Channel rules live in each channel's Settings.
"""

from __future__ import annotations

import os
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ml_monitor.alerts.base import SettingsError, encoded_forms, url_secrets
from ml_monitor.formatting import hide_url_passwords
from ml_monitor.alerts.registry import CHANNEL_TYPES, channel_module
from ml_monitor.settings import ConfigError, build_dataclass, coerce, parse_duration
from ml_monitor.triggers.rules import Trigger, parse_trigger

CONFIG_FILE = "ml_monitor.yml"
DEFAULT_STATE_PATH = ".ml_monitor/state.sqlite"

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class Route:
    channels: list[str]
    severity: list[str] = field(default_factory=list)   # warn / error
    tags: list[str] = field(default_factory=list)       # any of
    owner: list[str] = field(default_factory=list)      # any of
    kind: list[str] = field(default_factory=list)       # check_failed / monitoring_failed / trigger


@dataclass
class DbtSettings:
    command: str = "build"
    select: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    target: str | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    profiles_dir: str | None = None
    failing_rows: int = 5            # observation rows read back per failing test


@dataclass
class DeliverySettings:
    timeout: float = 10.0            # per attempt, seconds (a channel's own timeout wins)
    initial_backoff: float = 30.0    # first retry delay; doubles per attempt
    max_backoff: float = 3600.0
    lease: float = 600.0             # a claim by a process on another host expires after this
    retention: float = 30 * 86400.0  # delivered notifications are forgotten after this


@dataclass
class Config:
    project_dir: Path
    source_file: Path | None = None
    state_path: Path = Path(DEFAULT_STATE_PATH)
    suppression_interval: float = 6 * 3600.0
    send_resolved: bool = True
    dbt: DbtSettings = field(default_factory=DbtSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    channels: dict[str, Any] = field(default_factory=dict)   # name -> channel Settings dataclass
    routes: list[Route] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)    # retraining triggers (docs/triggers.md)
    report_url: str | None = None    # where the team publishes `ml-monitor report`: shown in every alert
    secrets: set[str] = field(default_factory=set)

    def redact(self, text: Any) -> Any:
        """Replace every known secret in `text` (str, or nested lists/dicts of str) by ***, and
        the password of any URL in it (`scheme://user:secret@host`: a DSN quoted in a dbt error
        message), known or not."""
        if isinstance(text, str):
            for secret in sorted(self.secrets, key=len, reverse=True):
                text = text.replace(secret, "***")
            return hide_url_passwords(text)
        if isinstance(text, dict):
            return {k: self.redact(v) for k, v in text.items()}
        if isinstance(text, (list, tuple)):
            return [self.redact(v) for v in text]
        return text

    @property
    def where(self) -> str:
        return str(self.source_file) if self.source_file else "(defaults: no ml_monitor.yml)"


# ------------------------------------------------------------------------------ loading

def _substitute(value: Any, key: str, file: Path, found: dict[str, list[str]],
                environ: typing.Mapping[str, str]) -> Any:
    """`value` with every ${VAR} replaced; `found` collects the values taken from the environment, by key."""
    if isinstance(value, dict):
        return {k: _substitute(v, f"{key}.{k}" if key else str(k), file, found, environ) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, f"{key}[{i}]", file, found, environ) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def repl(m: re.Match) -> str:
        name, default = m.group(1), m.group(2)
        if name in environ:
            found.setdefault(key, []).append(environ[name])
            return environ[name]
        if default is not None:
            return default           # written in the file: no secret
        raise ConfigError(f"environment variable {name} is not set", file, key)

    return _ENV.sub(repl, value)


def _secret_values(value: Any) -> list[str]:
    if isinstance(value, str):
        # the whole value, and its long words: a server may echo the token of "Bearer <token>" alone
        words = [w for w in value.split() if len(w) >= 8 and w != value]
        return ([value] if len(value) >= 4 else []) + words
    if isinstance(value, dict):
        return [s for v in value.values() for s in _secret_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in _secret_values(v)]
    return []


def _channel(name: str, data: Any, file: Any, secrets: set[str], substituted: dict[str, list[str]]) -> Any:
    """Build channel `name`'s Settings; the channel checks its own values (`__post_init__`). Adds
    its secrets to `secrets`: the values of its SECRET_FIELDS, every ${VAR} substituted into them or
    into its SECRET_VAR_FIELDS (`substituted`: key -> values), the credential parts of its URL_FIELDS."""
    key = f"channels.{name}"
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping with a 'type'", file, key)
    kind = data.get("type")
    if kind is None:
        raise ConfigError(f"required key 'type' is missing (one of: {', '.join(CHANNEL_TYPES)})", file, f"{key}.type")
    if kind not in CHANNEL_TYPES:
        raise ConfigError(f"unknown channel type {kind!r} (one of: {', '.join(CHANNEL_TYPES)})", file, f"{key}.type")
    try:
        settings = build_dataclass(channel_module(kind).Settings, data, key, file)
    except SettingsError as e:
        raise ConfigError(e.message, file, f"{key}.{e.field}") from None
    timeout = getattr(settings, "timeout", None)
    if timeout is not None and timeout <= 0:      # 0 would mean "the default" for some, "at once" for others
        raise ConfigError(f"must be longer than 0 (a duration such as 10s), got {timeout:g}s", file, f"{key}.timeout")
    for fname in getattr(settings, "PATH_FIELDS", ()):
        value = getattr(settings, fname)
        if value and file and not os.path.isabs(value):
            setattr(settings, fname, str(Path(file).parent / value))
    for fname in getattr(settings, "SECRET_FIELDS", ()):
        secrets.update(_secret_values(getattr(settings, fname)))
    for fname in (*getattr(settings, "SECRET_FIELDS", ()), *getattr(settings, "SECRET_VAR_FIELDS", ())):
        at = f"{key}.{fname}"
        # a ${VAR} value also as a URL carries it (percent-encoded), when a server echoes the request
        secrets.update(form for k, values in substituted.items() if k == at or k.startswith((at + ".", at + "["))
                       for s in _secret_values(values) for form in encoded_forms(s) if len(form) >= 4)
    for fname in getattr(settings, "URL_FIELDS", ()):
        value = getattr(settings, fname)
        if value:
            secrets.update(url_secrets(value))
    return settings


def require_dbt_project(project_dir: str | os.PathLike) -> Path:
    """The project directory, when it holds a dbt_project.yml; else a ConfigError naming it (before
    dbt runs: dbt would blame ~/.dbt/profiles.yml and create folders there)."""
    project = Path(project_dir).resolve()
    if not (project / "dbt_project.yml").is_file():
        raise ConfigError(f"no dbt_project.yml in {project}: run ml-monitor from a dbt project or pass "
                          "--project-dir (ML_MONITOR_PROJECT_DIR)", key="--project-dir")
    return project


def _one_of(values: list[str], allowed: tuple[str, ...], key: str, file: Any) -> None:
    for v in values:
        if v not in allowed:
            raise ConfigError(f"unknown value {v!r} (one of: {', '.join(allowed)})", file, key)


def default_config(project_dir: str | os.PathLike = ".") -> Config:
    """No ml_monitor.yml: alerts go to stdout; state in <project>/.ml_monitor/state.sqlite."""
    from ml_monitor.alerts import stdout

    project = Path(project_dir).resolve()
    return Config(project_dir=project, state_path=project / DEFAULT_STATE_PATH,
                  channels={"stdout": stdout.Settings()}, routes=[])


def load_config(project_dir: str | os.PathLike = ".", path: str | os.PathLike | None = None,
                overrides: dict[str, Any] | None = None,
                environ: typing.Mapping[str, str] | None = None) -> Config:
    """Read `path` (default: <project_dir>/ml_monitor.yml, optional) and apply `overrides`.

    overrides: state_path, suppression_interval, and dbt settings (command, select, exclude,
    target, vars, profiles_dir) taken from flags / ML_MONITOR_* variables; None values are ignored.
    """
    environ = os.environ if environ is None else environ
    project = Path(project_dir).resolve()
    file = Path(path).resolve() if path else project / CONFIG_FILE
    if path and not file.is_file():
        raise ConfigError("configuration file not found", file)
    config = default_config(project)
    if file.is_file():
        config = _read(file, project, environ)
    for name, value in (overrides or {}).items():
        if value is None or value == () or value == []:
            continue
        if name == "state_path":
            config.state_path = Path(value).resolve()
        elif name == "suppression_interval":
            config.suppression_interval = parse_duration(value, "--suppression-interval")
        elif name == "vars":
            config.dbt.vars = {**config.dbt.vars, **value}
        elif hasattr(config.dbt, name):
            setattr(config.dbt, name, list(value) if isinstance(value, tuple) else value)
        else:  # pragma: no cover - programming error
            raise KeyError(name)
    if config.dbt.command not in ("build", "test"):
        raise ConfigError(f"expected build or test, got {config.dbt.command!r}", config.source_file, "dbt.command")
    return config


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.safe_load, except that a key given twice in one mapping is an error (PyYAML keeps the
    last one silently: a second `channels:` block would drop the first's channels unseen)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, typing.Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (a key may appear once in a mapping)", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_yaml(text: str) -> Any:
    """Parse YAML like yaml.safe_load, refusing duplicate keys."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


def _read(file: Path, project: Path, environ: typing.Mapping[str, str]) -> Config:
    try:
        raw = load_yaml(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(f"the file is not UTF-8 text (byte {e.start}: {e.reason})", file) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise ConfigError(f"invalid YAML: {getattr(e, 'problem', None) or e}", file, where) from None
    except OSError as e:
        raise ConfigError(f"cannot read: {e.strerror}", file) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError("expected a mapping at the top level", file)
    substituted: dict[str, list[str]] = {}
    data = _substitute(raw, "", file, substituted, environ)
    try:
        return _build(file, project, data, substituted)
    except ConfigError as e:
        # "expected a mapping, got 'Bearer <token>'" (headers: written as one string): an error
        # never repeats a secret field's value taken from the environment
        raise ConfigError(_hide_secret_vars(e.message, data, substituted), e.file, e.key) from None


def _hide_secret_vars(message: str, data: dict, substituted: dict[str, list[str]]) -> str:
    """`message` without the ${VAR} values of the secret fields of every channel (of every field
    of a channel whose type is unknown), in full, as repr() shows them, and their long words."""
    keys = []
    channels = data.get("channels")
    for name, spec in (channels.items() if isinstance(channels, dict) else ()):
        kind = spec.get("type") if isinstance(spec, dict) else None
        if kind in CHANNEL_TYPES:
            fields = channel_module(kind).Settings
            keys += [f"channels.{name}.{f}" for f in (*getattr(fields, "SECRET_FIELDS", ()),
                                                      *getattr(fields, "SECRET_VAR_FIELDS", ()),
                                                      *getattr(fields, "URL_FIELDS", ()))]
        else:
            keys.append(f"channels.{name}")
    values = {form for k, vs in substituted.items() if any(k == at or k.startswith((at + ".", at + "[")) for at in keys)
              for v in vs for s in _secret_values(v) for form in (s, repr(s)[1:-1])}
    for value in sorted(values, key=len, reverse=True):
        message = message.replace(value, "***")
    return message


def _build(file: Path, project: Path, data: dict, substituted: dict[str, list[str]]) -> Config:
    allowed = {"version", "state_path", "suppression_interval", "send_resolved", "dbt", "delivery",
               "channels", "routes", "triggers", "report_url"}
    for k in data:
        if k not in allowed:
            raise ConfigError(f"unknown key '{k}' (allowed: {', '.join(sorted(allowed))})", file, str(k))
    if data.get("version", 1) != 1:
        raise ConfigError(f"unsupported version {data.get('version')!r} (expected 1)", file, "version")
    config = Config(project_dir=project, source_file=file)
    config.state_path = (file.parent / str(data.get("state_path") or DEFAULT_STATE_PATH)).resolve()
    if "suppression_interval" in data:
        config.suppression_interval = parse_duration(data["suppression_interval"], "suppression_interval", file)
    config.send_resolved = coerce(data.get("send_resolved", True), bool, "send_resolved", file)
    if data.get("report_url") is not None:
        config.report_url = coerce(data["report_url"], str, "report_url", file)
        if not re.match(r"https?://[^/@\s]+(/\S*)?$", config.report_url):
            raise ConfigError("expected an http(s) URL without credentials, e.g. https://reports.example.com/ml/",
                              file, "report_url")
    config.dbt = build_dataclass(DbtSettings, data.get("dbt"), "dbt", file)
    if config.dbt.failing_rows < 0:
        raise ConfigError("must be 0 or more", file, "dbt.failing_rows")
    config.delivery = build_dataclass(DeliverySettings, data.get("delivery"), "delivery", file)
    if config.delivery.timeout <= 0:
        raise ConfigError(f"must be longer than 0 (a duration such as 10s), got {config.delivery.timeout:g}s", file,
                          "delivery.timeout")
    channels = data.get("channels")
    if channels is None:
        channels = {"stdout": {"type": "stdout"}}
    if not isinstance(channels, dict):
        raise ConfigError("expected a mapping of channel name -> settings", file, "channels")
    secrets: set[str] = set()
    config.channels = {str(name): _channel(str(name), spec, file, secrets, substituted)
                       for name, spec in channels.items()}
    routes = data.get("routes") or []
    if not isinstance(routes, list):
        raise ConfigError("expected a list of routes", file, "routes")
    for i, spec in enumerate(routes):
        route = build_dataclass(Route, spec, f"routes[{i}]", file)
        for name in route.channels:
            if name not in config.channels:
                raise ConfigError(f"route to unknown channel {name!r} (channels: {', '.join(config.channels)})",
                                  file, f"routes[{i}].channels")
        if not route.channels:
            raise ConfigError("a route needs at least one channel", file, f"routes[{i}].channels")
        _one_of(route.severity, ("warn", "error"), f"routes[{i}].severity", file)
        _one_of(route.kind, ("check_failed", "monitoring_failed", "trigger"), f"routes[{i}].kind", file)
        config.routes.append(route)
    triggers = data.get("triggers") or {}
    if not isinstance(triggers, dict):
        raise ConfigError("expected a mapping of trigger name -> rule", file, "triggers")
    config.triggers = [parse_trigger(str(name), spec, file, config.channels) for name, spec in triggers.items()]
    config.secrets = secrets
    return config


__all__ = ["Config", "ConfigError", "DbtSettings", "DeliverySettings", "Route", "build_dataclass", "default_config",
           "load_config", "parse_duration", "require_dbt_project"]
