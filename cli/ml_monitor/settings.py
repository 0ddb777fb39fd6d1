"""Typed settings: check a YAML mapping against a dataclass (unknown keys and missing required keys
are errors, values are coerced to the annotations), durations, and the one error type of the
configuration (ConfigError: the CLI prints it and exits with code 2)."""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from typing import Any

# YAML spellings that are not Python identifiers.
ALIASES = {"from": "sender"}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


class ConfigError(Exception):
    """A configuration problem; the CLI prints it and exits with code 2."""

    def __init__(self, message: str, file: str | os.PathLike | None = None, key: str | None = None):
        self.message = message
        self.file = str(file) if file else None
        self.key = key
        where = ": ".join(p for p in (self.file, key) if p)
        super().__init__(f"{where}: {message}" if where else message)


def parse_duration(value: Any, key: str = "duration", file: Any = None) -> float:
    """'90s', '15m', '6h', '1d', or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ConfigError(f"expected a duration such as 30s, 15m, 6h or 1d, got {value!r}", file, key)
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ConfigError(f"expected a duration such as 30s, 15m, 6h or 1d, got {value!r}", file, key)
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds < 0:
        raise ConfigError(f"a duration cannot be negative, got {value!r}", file, key)
    return seconds


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def coerce(value: Any, tp: Any, key: str, file: Any) -> Any:
    """Check (and lightly coerce) `value` against the annotation `tp`."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return coerce(value, option, key, file)
            except ConfigError as e:
                errors.append(e)
        raise errors[0] if len(errors) == 1 else ConfigError(
            f"expected {' or '.join(_type_name(o) for o in options if o is not type(None))}, got {value!r}", file, key)
    if origin is list:
        (item,) = typing.get_args(tp)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and item is str:
            value = [value]          # a single value where a list is expected
        if not isinstance(value, list):
            raise ConfigError(f"expected a list, got {value!r}", file, key)
        return [coerce(v, item, f"{key}[{i}]", file) for i, v in enumerate(value)]
    if origin is dict:
        _, item = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(f"expected a mapping, got {value!r}", file, key)
        return {str(k): coerce(v, item, f"{key}.{k}", file) for k, v in value.items()}
    if tp is Any:
        return value
    if tp is str:
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            raise ConfigError(f"expected a string, got {value!r}", file, key)
        return str(value)
    # a ${VAR} always yields text: `port: ${SMTP_PORT}` or `send_resolved: ${RESOLVED}` take its
    # integer / true-false text (nothing else: "yes", "1.0" or "" stay errors)
    if tp is bool:
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if not isinstance(value, bool):
            raise ConfigError(f"expected true or false, got {value!r}", file, key)
        return value
    if tp is int:
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"expected an integer, got {value!r}", file, key)
        return value
    if tp is float:
        return parse_duration(value, key, file) if isinstance(value, str) else _number(value, key, file)
    raise ConfigError(f"unsupported type {tp}", file, key)  # pragma: no cover


def _number(value: Any, key: str, file: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"expected a number, got {value!r}", file, key)
    return float(value)


def build_dataclass(cls: type, data: Any, key: str, file: Any, skip: tuple[str, ...] = ()) -> Any:
    """Instantiate dataclass `cls` from a mapping; unknown keys and missing required keys are errors."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping, got {data!r}", file, key)
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}
    kwargs = {}
    for raw_name, value in data.items():
        name = ALIASES.get(str(raw_name), str(raw_name))
        sub = f"{key}.{raw_name}" if key else str(raw_name)
        if name not in fields:
            allowed = ", ".join(sorted({ {v: k for k, v in ALIASES.items()}.get(n, n) for n in fields}))
            raise ConfigError(f"unknown key '{raw_name}' (allowed: {allowed})", file, sub)
        kwargs[name] = coerce(value, hints[name], sub, file)
    for name, f in fields.items():
        if name not in kwargs and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            shown = {v: k for k, v in ALIASES.items()}.get(name, name)
            raise ConfigError(f"required key '{shown}' is missing", file, f"{key}.{shown}" if key else shown)
    return cls(**kwargs)
