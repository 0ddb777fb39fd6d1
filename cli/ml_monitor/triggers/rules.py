"""Retraining triggers: the rules of `triggers:` in ml_monitor.yml and their evaluation.

Pure Python over observation rows (the metric store's rows of the tests this run evaluated): no
dbt, no state. A rule selects rows (test, tag, monitor, metric, column, segment), groups them by
window (newest first) and holds when each of the latest `consecutive_windows` windows satisfies it:

- a count rule: at least `min_count` series (test, column, segment, metric) have a `status` in
  the list (default fail); with `count: columns`, at least `min_count` distinct columns;
- a promotion gate (`champion` and `challenger` set): in every selected segment the challenger's
  `metric` beats the champion's by more than 0 and by at least `min_improvement`.

The evaluation returns its evidence (the windows and the observation rows that satisfied it) as
data for the payload and as text for people. See docs/triggers.md.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable, Iterable

from ml_monitor.alerts.model import describe_observation, fmt_number
from ml_monitor.formatting import iso_utc, timestamp
from ml_monitor.settings import ConfigError, build_dataclass

STATUSES = ("pass", "fail", "no_data", "skipped")
SEVERITIES = ("warn", "error")
#: metrics where a smaller value is better (the promotion gate's default direction)
LOWER_IS_BETTER = frozenset({"log_loss", "brier", "ece", "mae", "rmse", "mape"})
#: the package's generic tests (macros/generic_tests/*.sql): what `monitor:` may name
MONITORS = ("accepted_values", "binned_drift", "calibration", "cardinality", "estimated_performance", "feature_skew",
            "freshness", "freshness_anomaly", "js_drift", "ks_drift", "label_coverage", "null_rate", "performance",
            "point_in_time", "prediction_drift", "psi_drift", "schema_contract", "serving_slo", "value_range",
            "volume", "volume_anomaly", "wasserstein_drift")
#: tests whose observation rows carry another monitor name (volume_anomaly's rows say volume)
ROW_MONITOR = {"volume_anomaly": "volume", "freshness_anomaly": "freshness"}
#: observation rows carried in a trigger's evidence (the count says how many there were)
EVIDENCE_ROWS = 50
#: the row keys an evidence observation keeps
EVIDENCE_KEYS = ("test_name", "monitor", "column_name", "segment_column", "segment_value", "metric", "value",
                 "threshold", "baseline_value", "sample_size", "window_start", "window_end", "status", "detail")


@dataclass
class When:
    """The condition of a trigger (`triggers.<name>.when`). Selectors: a list holds when any value matches."""

    test: list[str] = field(default_factory=list)      # dbt test names
    tag: list[str] = field(default_factory=list)       # dbt tags of the test
    monitor: list[str] = field(default_factory=list)   # psi_drift, performance, ...
    metric: list[str] = field(default_factory=list)    # psi, roc_auc, ...
    column: list[str] = field(default_factory=list)    # column_name of the observation
    segment: str | None = None                         # any | overall | <column> | <column>=<value>
    status: list[str] = field(default_factory=lambda: ["fail"])
    min_count: int = 1
    count: str = "series"                              # what min_count counts: series | columns
    consecutive_windows: int = 1
    champion: str | None = None                        # column_name of the champion's rows
    challenger: str | None = None                      # column_name of the challenger's rows
    min_improvement: float = 0.0
    higher_is_better: bool | None = None               # default: by metric (LOWER_IS_BETTER)

    @property
    def is_gate(self) -> bool:
        return self.challenger is not None

    @property
    def segment_rule(self) -> str:
        return self.segment or ("overall" if self.is_gate else "any")


@dataclass
class Trigger:
    """One named rule of `triggers:`."""

    name: str
    when: When = field(default_factory=When)
    channels: list[str] | None = None     # none: the alert routes decide (kind: trigger)
    description: str | None = None
    severity: str = "warn"
    owner: str | None = None
    runbook: str | None = None
    tags: list[str] = field(default_factory=list)


_GATE_ONLY = ("champion", "challenger", "min_improvement", "higher_is_better")
_COUNT_ONLY = ("status", "min_count", "count")
COUNTS = ("series", "columns")


def parse_trigger(name: str, data: Any, file: Any, channels: Iterable[str]) -> Trigger:
    """`triggers.<name>` of ml_monitor.yml -> Trigger; every mistake is a ConfigError naming its key."""
    key = f"triggers.{name}"
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping with 'when'", file, key)
    body = dict(data)
    raw_when = body.pop("when", None)
    if raw_when is None:
        raise ConfigError("required key 'when' is missing", file, f"{key}.when")
    if "name" in body:
        raise ConfigError("unknown key 'name' (the trigger's name is its key under triggers:)", file, f"{key}.name")
    trigger = build_dataclass(Trigger, {**body, "name": name}, key, file, skip=("when",))
    when = build_dataclass(When, raw_when, f"{key}.when", file)
    w = f"{key}.when"
    if (when.champion is None) != (when.challenger is None):
        raise ConfigError("a promotion gate needs both 'champion' and 'challenger' (the column_name of "
                          "each model's rows)", file, w)
    if when.is_gate:
        for k in _COUNT_ONLY:
            if k in raw_when:
                raise ConfigError(f"'{k}' applies to count rules, not to a promotion gate", file, f"{w}.{k}")
        if len(when.metric) != 1:
            raise ConfigError("a promotion gate compares exactly one metric (e.g. metric: roc_auc)", file,
                              f"{w}.metric")
        if not math.isfinite(when.min_improvement) or when.min_improvement < 0:
            raise ConfigError(f"must be a number >= 0, got {when.min_improvement!r}", file, f"{w}.min_improvement")
    else:
        for k in _GATE_ONLY:
            if k in raw_when:
                raise ConfigError(f"'{k}' applies to a promotion gate (with champion and challenger)", file,
                                  f"{w}.{k}")
        for s in when.status:
            if s not in STATUSES:
                raise ConfigError(f"unknown status {s!r} (one of: {', '.join(STATUSES)})", file, f"{w}.status")
        if not when.status:
            raise ConfigError("needs at least one status", file, f"{w}.status")
        if when.min_count < 1:
            raise ConfigError(f"must be 1 or more, got {when.min_count}", file, f"{w}.min_count")
        if when.count not in COUNTS:
            raise ConfigError(f"expected series or columns, got {when.count!r}", file, f"{w}.count")
    if when.consecutive_windows < 1:
        raise ConfigError(f"must be 1 or more, got {when.consecutive_windows}", file, f"{w}.consecutive_windows")
    if when.segment is not None and (not when.segment.strip() or not when.segment.partition("=")[0].strip()):
        raise ConfigError(f"expected any, overall, <column> or <column>=<value>, got {when.segment!r}", file,
                          f"{w}.segment")
    for m in when.monitor:
        if m not in MONITORS:
            near = difflib.get_close_matches(str(m), MONITORS, n=3, cutoff=0.6)
            raise ConfigError(f"unknown monitor {m!r} (" + (f"did you mean: {', '.join(near)}?" if near else
                              f"one of: {', '.join(MONITORS)}") + ")", file, f"{w}.monitor")
    if when.is_gate and when.champion == when.challenger:
        raise ConfigError(f"champion and challenger are the same column ({when.champion!r}): the gate would "
                          "compare a model with itself", file, f"{w}.challenger")
    trigger.when = when
    if trigger.severity not in SEVERITIES:
        raise ConfigError(f"unknown severity {trigger.severity!r} (one of: {', '.join(SEVERITIES)})", file,
                          f"{key}.severity")
    known = list(channels)
    if trigger.channels is not None:
        if not trigger.channels:
            raise ConfigError("needs at least one channel (or leave 'channels' out: the routes decide)", file,
                              f"{key}.channels")
        for c in trigger.channels:
            if c not in known:
                raise ConfigError(f"trigger to unknown channel {c!r} (channels: {', '.join(known)})", file,
                                  f"{key}.channels")
    return trigger


# ------------------------------------------------------------------------------ matching

def _as_list(value: Any) -> list[Any]:
    return [] if value is None else list(value) if isinstance(value, (list, tuple, set)) else [value]


def check_selected(when: When, test_name: str | None, tags: Iterable[str], monitor: str | None,
                   row_monitor: str | None = None) -> bool:
    """Whether a test (name, tags, monitor: its generic test) is one the rule looks at. `monitor:`
    matches the test's name or its rows' monitor (`volume` selects volume_anomaly tests too)."""
    if when.test and test_name not in when.test:
        return False
    if when.tag and not set(when.tag) & set(tags or ()):
        return False
    if when.monitor and not {monitor, row_monitor or ROW_MONITOR.get(monitor or "", monitor)} & set(when.monitor):
        return False
    return True


def segment_matches(rule: str, row: dict[str, Any]) -> bool:
    column, value = row.get("segment_column"), row.get("segment_value")
    if rule == "any":
        return True
    if rule == "overall":
        return column is None
    name, eq, wanted = rule.partition("=")
    if column != name.strip():
        return False
    return not eq or str(value) == wanted.strip()


def _row_test_selected(when: When, row: dict[str, Any]) -> bool:
    """check_selected for the test an observation row belongs to (its generic test: `test_monitor`)."""
    return check_selected(when, row.get("test_name"), _as_list(row.get("tags")),
                          row.get("test_monitor") or row.get("monitor"), row.get("monitor"))


def row_selected(when: When, row: dict[str, Any]) -> bool:
    """Whether an observation row is one the rule looks at (the gate's champion/challenger columns aside)."""
    if not _row_test_selected(when, row):
        return False
    if when.metric and row.get("metric") not in when.metric:
        return False
    if when.column and row.get("column_name") not in when.column:
        return False
    return segment_matches(when.segment_rule, row)


def _text(value: Any) -> str | None:
    """Timestamps and other values as the ISO text the payload carries (None stays None)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):   # window bounds (pandas Timestamps too): UTC, said with Z
        return iso_utc(value)
    iso = getattr(value, "isoformat", None)
    if iso is not None:
        try:
            return iso()
        except ValueError:   # NaT
            return None
    return str(value)


def _window(row: dict[str, Any]) -> tuple[str | None, str | None]:
    return _text(row.get("window_start")), _text(row.get("window_end"))


def _series(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row.get("test_unique_id") or row.get("test_name"), row.get("column_name"), row.get("segment_column"),
            row.get("segment_value"), row.get("metric"))


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def evidence_row(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row.get(k) for k in EVIDENCE_KEYS}
    out["window_start"], out["window_end"] = _window(row)
    for k in ("value", "threshold", "baseline_value"):
        out[k] = _number(out[k])
    if out["sample_size"] is not None:
        out["sample_size"] = int(out["sample_size"])
    return out


def _window_label(window: tuple[str | None, str | None]) -> str:
    start, end = window
    if start is None and end is None:
        return "the latest evaluation (no window)"
    return f"window {timestamp(start) or '…'} to {timestamp(end) or '…'}"


# ---------------------------------------------------------------------------- evaluation

@dataclass
class Evaluation:
    """The outcome of one rule over one run's rows."""

    trigger: str
    holds: bool
    reason: str                                          # one line: why it holds / does not
    windows: list[dict[str, Any]] = field(default_factory=list)       # newest first, the latest N
    observations: list[dict[str, Any]] = field(default_factory=list)  # the rows that satisfied it
    observation_count: int = 0                           # before the EVIDENCE_ROWS cap
    pairs: list[dict[str, Any]] = field(default_factory=list)         # gates: champion vs challenger

    def evidence(self) -> dict[str, Any]:
        """The structured payload (JSON-ready) a trigger event carries."""
        data: dict[str, Any] = {"trigger": self.trigger, "holds": self.holds, "reason": self.reason,
                                "windows": self.windows, "observations": self.observations,
                                "observation_count": self.observation_count}
        if self.pairs:
            data["pairs"] = self.pairs
        return data

    def redacted(self, redact: Callable[[Any], Any]) -> "Evaluation":
        """A copy whose texts and rows went through `redact` (Config.redact): what the metric store
        says (segment values, details) may quote a secret, and the evaluation reaches the state file."""
        return replace(self, reason=redact(self.reason), windows=redact(self.windows),
                       observations=redact(self.observations), pairs=redact(self.pairs))

    def text(self) -> str:
        """The evidence for people: the reason, then each window and what satisfied it."""
        lines = [self.reason]
        for w in self.windows:
            window = (w["window_start"], w["window_end"])
            lines.append(f"{_window_label(window)}: {w['summary']}")
        if self.pairs:
            for p in self.pairs[:20]:
                seg = "overall" if p["segment_column"] is None else f"{p['segment_column']} = {p['segment_value']}"
                lines.append(f"  {p['metric']} {seg}, {_window_label((p['window_start'], p['window_end']))}: "
                             f"challenger {fmt_number(p['challenger'])} vs champion {fmt_number(p['champion'])} "
                             f"(improvement {fmt_number(p['improvement'])})")
        else:
            for obs in self.observations[:20]:
                lines.append(f"  - {obs.get('test_name') or ''}: {describe_observation(obs)}")
            if self.observation_count > min(20, len(self.observations)):
                lines.append(f"  ... and {self.observation_count - min(20, len(self.observations))} more")
        return "\n".join(lines)


def _window_end(row: dict[str, Any]) -> str | None:
    return _text(row.get("window_end"))


def _windows(rows: list[dict[str, Any]]) -> dict[str | None, str | None]:
    """window_end -> the earliest window_start ending there, newest first. Rows are grouped by the end of
    their window: a 1-day drift window and a 7-day performance window ending at the same `as_of` are the
    same evaluation point. Rows without a window form one window (None)."""
    starts: dict[str | None, str | None] = {}
    for r in rows:
        start, end = _window(r)
        if end not in starts or (start is not None and (starts[end] is None or start < starts[end])):
            starts[end] = start
    return {end: starts[end] for end in sorted(starts, key=lambda e: e or "", reverse=True)}


def evaluate(trigger: Trigger, rows: Iterable[dict[str, Any]]) -> Evaluation:
    """Evaluate `trigger` over observation rows (metric-store rows: one per series and window)."""
    when = trigger.when
    selected = [r for r in rows if row_selected(when, r)]
    if when.is_gate:
        selected = [r for r in selected if r.get("column_name") in (when.champion, when.challenger)]
    if not selected:
        return Evaluation(trigger.name, False, unmatched_reason(when, rows))
    windows = _windows(selected)
    latest = [(windows[end], end) for end in list(windows)[:when.consecutive_windows]]
    by_window: dict[tuple[str | None, str | None], list[dict[str, Any]]] = {w: [] for w in latest}
    for r in selected:
        w = (windows[_window_end(r)], _window_end(r))
        if w in by_window:
            by_window[w].append(r)
    if when.is_gate:
        return _evaluate_gate(trigger, latest, by_window, len(windows))
    return _evaluate_count(trigger, latest, by_window, len(windows))


def unmatched_reason(when: When, rows: Iterable[dict[str, Any]]) -> str:
    """Why no row matches: the first selector that leaves none of the tests' rows, with the values
    those rows have (a typo such as `metric: row_count_anomoly` says what exists)."""
    rows = [r for r in rows if _row_test_selected(when, r)]
    if not rows:
        return "no observation matches the rule's selectors"
    tests = sorted({str(r.get("test_name")) for r in rows})
    steps = [("metric", when.metric, lambda r: r.get("metric") in when.metric, lambda r: r.get("metric")),
             ("column", when.column, lambda r: r.get("column_name") in when.column, lambda r: r.get("column_name")),
             ("segment", when.segment_rule, lambda r: segment_matches(when.segment_rule, r),
              lambda r: "overall" if r.get("segment_column") is None else f"{r.get('segment_column')}={r.get('segment_value')}")]
    if when.is_gate:
        steps.append(("champion/challenger", [when.champion, when.challenger],
                      lambda r: r.get("column_name") in (when.champion, when.challenger), lambda r: r.get("column_name")))
    for key, wanted, keep, value in steps:
        if (key == "segment" and wanted == "any") or not wanted:
            continue
        left = [r for r in rows if keep(r)]
        if not left:
            have = sorted({str(value(r)) for r in rows})
            asked = wanted if isinstance(wanted, list) else [wanted]
            near = sorted({n for a in asked for n in difflib.get_close_matches(str(a), have, n=2, cutoff=0.6)})
            shown = ", ".join(have[:12]) + (f", ... ({len(have)} in all)" if len(have) > 12 else "")
            return (f"no observation matches the rule's selectors: {key} {', '.join(map(str, asked))} is not among "
                    f"the rows of {', '.join(tests)} ({key} values: {shown})"
                    + (f"; did you mean {', '.join(near)}?" if near else ""))
        rows = left
    return "no observation matches the rule's selectors"


def _counted(n: int, count: str) -> str:
    return f"{n} series" if count == "series" else f"{n} column{'' if n == 1 else 's'}"


def _evaluate_count(trigger: Trigger, latest: list, by_window: dict, available: int) -> Evaluation:
    when = trigger.when
    n = when.consecutive_windows
    statuses = set(when.status)
    windows, evidence = [], []
    # count: columns counts distinct column_name (a feature failing psi, ks and js is one feature)
    key = _series if when.count == "series" else (lambda r: r.get("column_name"))
    for w in latest:
        matching: dict[Any, list[dict[str, Any]]] = {}
        for r in by_window[w]:
            if r.get("status") in statuses:
                rows = matching.setdefault(key(r), [])
                if _series(r) not in {_series(x) for x in rows}:
                    rows.append(r)
        held = len(matching) >= when.min_count
        found = len(matching)
        windows.append({"window_start": w[0], "window_end": w[1], "matching_series": sum(map(len, matching.values())),
                        **({} if when.count == "series" else {"matching_columns": found}),
                        "held": held, "summary": f"{_counted(found, when.count)} with status "
                                                 f"{'/'.join(when.status)} (needs {when.min_count})"})
        if held:
            evidence.extend(sorted((r for rows in matching.values() for r in rows), key=_order))
    need = f"at least {_counted(when.min_count, when.count)} with status {'/'.join(when.status)}"
    span = "the latest window" if n == 1 else f"each of the latest {n} windows"
    if available < n:
        reason = f"only {available} window(s) evaluated, {n} needed ({need} in {span})"
        return Evaluation(trigger.name, False, reason, windows)
    if not all(w["held"] for w in windows):
        counts = ", ".join(str(w["matching_columns" if when.count == "columns" else "matching_series"])
                           for w in windows)
        return Evaluation(trigger.name, False, f"not {need} in {span} (found {counts})", windows)
    return Evaluation(trigger.name, True, f"{need} in {span}", windows,
                      [evidence_row(r) for r in evidence[:EVIDENCE_ROWS]], len(evidence))


def _order(r: dict[str, Any]) -> tuple:
    return (str(r.get("test_name") or ""), str(r.get("column_name") or ""), r.get("segment_column") is not None,
            str(r.get("segment_column") or ""), str(r.get("segment_value") or ""), str(r.get("metric") or ""))


def _evaluate_gate(trigger: Trigger, latest: list, by_window: dict, available: int) -> Evaluation:
    when = trigger.when
    n = when.consecutive_windows
    metric = when.metric[0]
    higher = when.higher_is_better if when.higher_is_better is not None else metric not in LOWER_IS_BETTER
    windows, pairs, evidence = [], [], []
    for w in latest:
        sides: dict[tuple, dict[str, dict[str, Any]]] = {}
        for r in by_window[w]:
            key = (r.get("test_unique_id") or r.get("test_name"), r.get("segment_column"), r.get("segment_value"))
            side = "champion" if r.get("column_name") == when.champion else "challenger"
            sides.setdefault(key, {})[side] = r
        window_pairs, problems = [], []
        for key, both in sorted(sides.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
            champ, chall = both.get("champion"), both.get("challenger")
            if champ is None or chall is None:
                problems.append(f"no {'champion' if champ is None else 'challenger'} row")
                continue
            a, b = _number(champ.get("value")), _number(chall.get("value"))
            if a is None or b is None:
                missing = champ if a is None else chall
                problems.append(f"a value is null ({missing.get('detail') or 'no data'})")
                continue
            improvement = (b - a) if higher else (a - b)
            ok = improvement > 0 and improvement >= when.min_improvement
            window_pairs.append({"window_start": w[0], "window_end": w[1], "test_name": chall.get("test_name"),
                                 "metric": metric, "segment_column": key[1], "segment_value": key[2],
                                 "champion": a, "challenger": b, "improvement": improvement, "held": ok})
            if not ok:
                problems.append(f"improvement {fmt_number(improvement)}")
            evidence.extend([champ, chall])
        held = bool(window_pairs) and not problems
        summary = (f"challenger beats champion by at least {fmt_number(when.min_improvement)} in "
                   f"{len(window_pairs)} segment(s)" if held else
                   "; ".join(problems) or "no champion/challenger pair")
        windows.append({"window_start": w[0], "window_end": w[1], "pairs": len(window_pairs), "held": held,
                        "summary": summary})
        pairs.extend(window_pairs)
    direction = "higher" if higher else "lower"
    need = (f"challenger {when.challenger} better than champion {when.champion} on {metric} ({direction} is "
            f"better) by at least {fmt_number(when.min_improvement)}")
    span = "the latest window" if n == 1 else f"each of the latest {n} windows"
    if available < n:
        return Evaluation(trigger.name, False, f"only {available} window(s) evaluated, {n} needed ({need} in {span})",
                          windows)
    holds = all(w["held"] for w in windows)
    if not holds:
        return Evaluation(trigger.name, False, f"not {need} in {span}", windows, pairs=pairs)
    rows = [evidence_row(r) for r in evidence]
    return Evaluation(trigger.name, True, f"{need} in {span}", windows, rows[:EVIDENCE_ROWS], len(rows), pairs)
