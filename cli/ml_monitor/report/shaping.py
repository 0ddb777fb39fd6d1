"""From history rows to the report model: a JSON-ready dict the template and the page script use.

Pure pandas; no dbt, no HTML. Vocabulary:

- a *check* is one dbt test node (`test_unique_id`); a *run* is one dbt invocation;
- a *series* is one (check, column, segment, metric) over runs: the line in a plot;
- a *plot* is one (check, column, metric) with one line per segment (overall first).

A check's state in a run is `fail` when any of its observations failed, or when dbt itself
failed / warned the test (e.g. `no_data` with `fail_on_no_data`); `no_data` / `skipped` when
all its observations were; else `pass`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ml_monitor import formatting
from ml_monitor.lineage import check_lineage, lineage_text, version_text
from ml_monitor.report.triggers import shape_triggers
from ml_monitor.schema import ANOMALY_SUFFIX, HISTORY_COLUMNS, is_anomaly_metric, parse_facts

STATUSES = ("fail", "no_data", "skipped", "pass")
_STATUS_RANK = {"fail": 0, "no_data": 1, "skipped": 2, "pass": 3}

DATA_QUALITY = ("null_rate", "value_range", "accepted_values", "cardinality", "schema_contract",
                "freshness", "volume")
DRIFT = ("psi_drift", "ks_drift", "js_drift", "wasserstein_drift", "binned_drift", "prediction_drift")
PERFORMANCE = ("performance", "calibration", "label_coverage")

MAX_TRACES = 12          # segments drawn per plot (overall and failing ones first)
MAX_FAILING_ROWS = 25    # failing observations listed per check
MAX_DRIFT_COLUMNS = 6    # drift columns per table shown with their bin shares
MAX_DETAIL = 400         # characters of `detail` carried into hover texts


def family(monitor: str | None) -> str:
    m = (monitor or "").lower()
    if m in DRIFT or m.endswith("_drift"):
        return "drift"
    if m in PERFORMANCE:
        return "performance"
    if m in DATA_QUALITY:
        return "data_quality"
    return "other"


df_default_metric = "(unnamed metric)"
_FAMILY_ORDER = {"data_quality": 0, "drift": 1, "performance": 2, "other": 3}


_KNOWN = DATA_QUALITY + DRIFT + PERFORMANCE


def monitor_order(monitor: str) -> tuple:
    """Data quality, drift, performance, others; in each, the order of the README."""
    m = (monitor or "").lower()
    return (_FAMILY_ORDER[family(m)], _KNOWN.index(m) if m in _KNOWN else len(_KNOWN), m)


def worst(statuses: Iterable[str | None]) -> str | None:
    found = [s for s in statuses if s in _STATUS_RANK]
    return min(found, key=_STATUS_RANK.__getitem__) if found else None


# ---------------------------------------------------------------------------------------------
# normalising the rows


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed copy with every history column and cleaned keys, in run order.

    Missing columns are added as nulls; statuses are lower-cased; rows without a run time are
    dropped (they cannot be placed on a time axis); duplicate observations of the same run
    (same invocation, test, column, segment, metric and window) are kept once.
    """
    df = frame.copy()
    for name, kind in HISTORY_COLUMNS.items():
        if name not in df.columns:
            df[name] = None
    df = df[list(HISTORY_COLUMNS) + [c for c in df.columns if c not in HISTORY_COLUMNS]]
    for name, kind in HISTORY_COLUMNS.items():
        if kind == "double":
            df[name] = pd.to_numeric(df[name], errors="coerce").astype("float64")
        elif kind == "bigint":
            df[name] = pd.to_numeric(df[name], errors="coerce").astype("Int64")
        elif kind == "timestamp":
            s = pd.to_datetime(df[name], errors="coerce", utc=True)
            df[name] = s.dt.tz_localize(None)
        else:
            df[name] = pd.Series([_text(v) for v in df[name]], index=df.index, dtype="object")
    df = df[df["run_started_at"].notna()].copy()
    df["status"] = df["status"].map(lambda s: (s or "").strip().lower() or None)
    df["test_status"] = df["test_status"].map(lambda s: (s or "").strip().lower() or None)
    df["severity"] = df["severity"].map(lambda s: (s or "").strip().lower() or None)
    df["monitor"] = df["monitor"].map(lambda s: s or "(unknown monitor)")
    df["metric"] = df["metric"].map(lambda s: s or df_default_metric)
    df["model_name"] = df["model_name"].map(lambda s: s or "(unknown table)")
    df["test_unique_id"] = [
        uid or f"{tn or mon}:{mod}"
        for uid, tn, mon, mod in zip(df["test_unique_id"], df["test_name"], df["monitor"],
                                     df["model_name"])
    ]
    df["test_name"] = [tn or uid.split(".")[-2 if uid.count(".") >= 2 else -1]
                       for tn, uid in zip(df["test_name"], df["test_unique_id"])]
    df["invocation_id"] = [inv or f"run@{ts.isoformat()}"
                           for inv, ts in zip(df["invocation_id"], df["run_started_at"])]
    df = df.sort_values(["run_started_at", "invocation_id", "observation_id"],
                        na_position="first", kind="mergesort")
    key = ["invocation_id", "test_unique_id", "column_name", "segment_column", "segment_value",
           "metric", "window_start", "window_end"]   # with `windows: N` a run has N windows
    df = df.drop_duplicates(subset=key, keep="last").reset_index(drop=True)
    return df


# ---------------------------------------------------------------------------------------------
# small value helpers


def _f(v: Any) -> float | None:
    """A JSON-safe float: None for null, NaN and +-inf."""
    if v is None or v is pd.NA:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _i(v: Any) -> int | None:
    if v is None or v is pd.NA:
        return None
    try:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return int(v)
    except (TypeError, ValueError):
        return None


def fmt_number(v: Any) -> str:
    """A number for people (ml_monitor.formatting.number); '–' for null and NaN, which pandas
    cannot tell apart: both are "no value" in the report."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return formatting.MISSING
    return formatting.number(v)


def fmt_time(ts: Any) -> str | None:
    """An instant for people, in UTC (ml_monitor.formatting.timestamp)."""
    if ts is None or ts is pd.NaT or (isinstance(ts, float) and math.isnan(ts)):
        return None
    return formatting.timestamp(ts)


def iso(ts: Any) -> str | None:
    if ts is None:
        return None
    t = pd.Timestamp(ts)
    if pd.isna(t):
        return None
    return t.strftime("%Y-%m-%d %H:%M:%S")


def segment_label(segment_column: str | None, segment_value: str | None) -> str:
    if segment_column is None:
        return "overall"
    return f"{segment_column} = {'(null)' if segment_value is None else segment_value}"




def safe_url(url: str | None) -> str | None:
    """The runbook URL when it is an http(s)/mailto link, else None (shown as text only)."""
    return formatting.safe_link(url)


def _text(v: Any) -> str | None:
    """A text value or None (for None, NaN, NA)."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return str(v)


def _truncate(text: str | None, n: int = MAX_DETAIL) -> str | None:
    text = _text(text)
    if text is None:
        return None
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------------------------------------
# bins (drift) and reliability (calibration) from an observation's `facts` column


def facts_bins(facts: Any) -> list[dict[str, Any]]:
    """Every bin of a drift observation, reference vs current share, from its facts
    (`{"bins": [{"bin", "index", "reference", "current", "reference_n", "current_n"}, ...]}`)."""
    f = parse_facts(facts)
    items = f.get("bins") if f else None
    if not isinstance(items, list):
        return []
    return [{"bin": str(it.get("bin")), "reference": _f(it.get("reference")),
             "current": _f(it.get("current")), "reference_n": _i(it.get("reference_n")),
             "current_n": _i(it.get("current_n"))}
            for it in items if isinstance(it, Mapping)]


def facts_reliability(facts: Any) -> list[dict[str, Any]]:
    """The reliability table of a calibration (ece) observation from its facts
    (`{"reliability": [{"bin", "lower", "upper", "n", "mean_score", "fraction_positive"}, ...]}`)."""
    f = parse_facts(facts)
    items = f.get("reliability") if f else None
    if not isinstance(items, list):
        return []
    return [{"bin": f"({fmt_number(it.get('lower'))}, {fmt_number(it.get('upper'))}]",
             "predicted": _f(it.get("mean_score")), "observed": _f(it.get("fraction_positive")),
             "count": _i(it.get("n"))}
            for it in items if isinstance(it, Mapping)]


def detail_text(detail: str | None) -> str | None:
    """The detail as people read it (a sentence written by the metric macro)."""
    return _text(detail)


# ---------------------------------------------------------------------------------------------
# checks: one dbt test over its runs


def run_state(statuses: Iterable[str | None], test_status: str | None) -> str:
    st = [s for s in statuses if s]
    if "fail" in st or (test_status in ("fail", "warn", "error")):
        return "fail"
    if st and all(s == "no_data" for s in st):
        return "no_data"
    if st and all(s == "skipped" for s in st):
        return "skipped"
    if st and all(s in ("no_data", "skipped") for s in st):
        return "no_data"
    return "pass"


def _obs_row(r: Mapping[str, Any], streak: Mapping[tuple, Any] | None = None) -> dict[str, Any]:
    window = None
    if r.get("window_start") is not None and not pd.isna(r.get("window_start")):
        window = f"{iso(r['window_start'])} → {iso(r['window_end'])} UTC"
    out = {
        "column": r.get("column_name"),
        "segment": segment_label(r.get("segment_column"), r.get("segment_value")),
        "segment_column": r.get("segment_column"),
        "segment_value": r.get("segment_value"),
        "metric": r.get("metric"),
        "value": _f(r.get("value")),
        "value_text": fmt_number(r.get("value")),
        "threshold_text": fmt_number(r.get("threshold")),
        "baseline_text": fmt_number(r.get("baseline_value")),
        "sample_size_text": fmt_number(r.get("sample_size")),
        "window": window,
        "status": r.get("status"),
        "detail": detail_text(r.get("detail")),
        "failing_since": None,
        "failing_runs": None,
    }
    if streak is not None:
        k = (r.get("column_name"), r.get("segment_column"), r.get("segment_value"), r.get("metric"))
        if k in streak:
            out["failing_since"], out["failing_runs"] = streak[k]
    return out


def in_newest_window(df: pd.DataFrame) -> pd.Series:
    """Rows that decide their run's state: with `windows: N` a run holds several windows and, as
    with `fail_on: latest` (the default), its newest window decides; an earlier window that
    breached is marked in the series plot. Rows without a window always decide. (With
    `fail_on: any` dbt fails the test, which `test_status` carries.)"""
    newest = df.groupby(["test_unique_id", "invocation_id"], sort=False)["window_end"]\
        .transform("max")
    return (df["window_end"].isna() | newest.isna() | (df["window_end"] == newest)).astype(bool)


def evaluated_for(df: pd.DataFrame) -> pd.Series:
    """The time a run evaluated (its as_of: var ml_monitor_as_of, else its start), which orders
    the runs of a check: a backfill of a missed day, run after later days, is not the check's
    latest state. Rows without as_of (an older history) fall back to the run's start."""
    return df["as_of"].fillna(df["run_started_at"])


def latest_runs(df: pd.DataFrame) -> dict[str, str]:
    """test unique_id -> invocation of its latest run: the latest as_of, then the latest start."""
    order = df.assign(ml_evaluated_for=evaluated_for(df))\
        .sort_values(["ml_evaluated_for", "run_started_at"], kind="mergesort")
    return order.groupby("test_unique_id")["invocation_id"].last().to_dict()


def _run_states(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (check, run): its time and state (see run_state), in the order of the times
    the runs evaluated (evaluated_for), then of their starts."""
    df = df[in_newest_window(df)]
    flags = pd.DataFrame({
        "test_unique_id": df["test_unique_id"], "invocation_id": df["invocation_id"],
        "run_started_at": df["run_started_at"], "evaluated_for": evaluated_for(df),
        "any_fail": df["status"] == "fail",
        "n": 1,
        "n_no_data": df["status"] == "no_data",
        "n_skipped": df["status"] == "skipped",
        "n_status": df["status"].notna(),
        "dbt_fail": df["test_status"].isin(["fail", "warn", "error"]),
    })
    runs = flags.groupby(["test_unique_id", "invocation_id"], sort=False).agg(
        run_started_at=("run_started_at", "max"), evaluated_for=("evaluated_for", "max"),
        any_fail=("any_fail", "any"),
        dbt_fail=("dbt_fail", "any"), n_no_data=("n_no_data", "sum"),
        n_skipped=("n_skipped", "sum"), n_status=("n_status", "sum")).reset_index()
    state = pd.Series("pass", index=runs.index, dtype="object")
    some = runs["n_status"] > 0
    state[some & (runs["n_no_data"] + runs["n_skipped"] == runs["n_status"])] = "no_data"
    state[some & (runs["n_skipped"] == runs["n_status"])] = "skipped"
    state[some & (runs["n_no_data"] == runs["n_status"])] = "no_data"
    state[runs["any_fail"] | runs["dbt_fail"]] = "fail"
    runs["state"] = state
    return runs.sort_values(["test_unique_id", "evaluated_for", "run_started_at", "invocation_id"],
                            kind="mergesort")


def _fail_streak(statuses: list[str | None], times: list[Any]) -> tuple[int, Any]:
    """How many of the last entries are 'fail', and the time of the first of them."""
    n, since = 0, None
    for st, at in zip(reversed(statuses), reversed(times)):
        if st != "fail":
            break
        n, since = n + 1, at
    return n, since


def _shape_checks(df: pd.DataFrame, meta: Mapping[str, Mapping[str, Any]],
                  period_start: pd.Timestamp | None) -> list[dict[str, Any]]:
    checks = []
    all_runs = _run_states(df)
    rows_of = df.groupby("test_unique_id", sort=False).indices
    runs_of = all_runs.groupby("test_unique_id", sort=False).indices
    for uid, idx in rows_of.items():
        g = df.iloc[idx]
        runs = all_runs.iloc[runs_of[uid]]
        states = list(zip(runs["invocation_id"], runs["run_started_at"], runs["state"]))
        latest_inv, latest_at, state = states[-1]
        previous = states[-2][2] if len(states) > 1 else None
        streak_runs, since = (_fail_streak([s for _, _, s in states], [t for _, t, _ in states])
                              if state == "fail" else (0, None))
        latest = g[g["invocation_id"] == latest_inv]
        first = latest.iloc[0]
        m = dict(meta.get(uid) or {})
        # per-observation streaks: since when each failing series of the last run has failed
        obs_streak: dict[tuple, tuple[str | None, int]] = {}
        key = ["column_name", "segment_column", "segment_value", "metric"]
        failing_keys = {tuple(r) for r in latest.loc[latest["status"] == "fail", key]
                        .itertuples(index=False, name=None)}
        if failing_keys:
            order = {inv: i for i, (inv, _, _) in enumerate(states)}
            gn = g[in_newest_window(g)]        # one window per run: the one that decides
            gg = gn.assign(_run=gn["invocation_id"].map(order)).sort_values("_run", kind="mergesort")
            for k, sg in gg.groupby(key, dropna=False, sort=False):
                kk = tuple(None if (isinstance(x, float) and math.isnan(x)) else x for x in k)
                if kk not in failing_keys:
                    continue
                n, at = _fail_streak(list(sg["status"]), list(sg["run_started_at"]))
                if n:
                    obs_streak[kk] = (fmt_time(at), n)
        deciding = latest[in_newest_window(latest)]
        failing_obs = deciding[deciding["status"] == "fail"]
        if state == "fail" and failing_obs.empty:   # fail_on: any, or no_data failing the test
            failing_obs = latest[latest["status"] == "fail"]
        if state == "fail" and failing_obs.empty:
            failing_obs = latest[latest["status"].isin(["no_data", "skipped"])]
        failing_rows = [_obs_row(r, obs_streak) for r in failing_obs.to_dict("records")]
        # which model version, code and reference produced the failing rows (issue 18)
        lineage = check_lineage(failing_obs["facts"]) if "facts" in failing_obs.columns else None
        monitors = sorted(set(g["monitor"]))
        runbook = m.get("runbook")
        checks.append({
            "unique_id": uid,
            "name": first["test_name"],
            "table": first["model_name"],
            "monitor": monitors[0] if len(monitors) == 1 else ", ".join(monitors),
            "family": family(monitors[0]),
            "severity": first["severity"] or m.get("severity"),
            "state": state,
            "previous_state": previous,
            "newly_failing": state == "fail" and previous != "fail",
            "first_seen": previous is None,
            "resolved": state != "fail" and previous == "fail",
            "failing_since": fmt_time(since),
            "failing_since_iso": iso(since),
            "failing_runs": streak_runs,
            # the streak may have started before the period shown
            "since_period_start": bool(state == "fail" and streak_runs == len(states)
                                       and period_start is not None),
            "runs": len(states),
            "last_run": fmt_time(latest_at),
            "last_run_iso": iso(latest_at),
            "last_pass": fmt_time(next((at for _, at, s in reversed(states) if s == "pass"), None)),
            "owner": m.get("owner"),
            "runbook": runbook,
            "runbook_url": safe_url(runbook),
            "tags": list(m.get("tags") or []),
            "model_version": version_text(lineage),
            "lineage": lineage,
            "lineage_text": lineage_text(lineage),
            "failing_observations": failing_rows[:MAX_FAILING_ROWS],
            "n_failing_observations": len(failing_rows),
            "n_observations": int(len(latest)),
            "columns": sorted({c for c in latest["column_name"] if c}),
        })
    sev = {"error": 0, "warn": 1}
    checks.sort(key=lambda c: (_STATUS_RANK.get(c["state"], 9), sev.get(c["severity"] or "", 2),
                               not c["newly_failing"], c["table"], c["name"]))
    for i, c in enumerate(checks):
        c["id"] = f"c{i + 1}"
    return checks


# ---------------------------------------------------------------------------------------------
# plots: one metric of one check on one column, a line per segment


def latest_evaluations(df: pd.DataFrame) -> pd.DataFrame:
    """Which history rows are the latest evaluation of their window: the rule of the metric store
    `ml_monitor_metrics` (macro `metric_store_sql`), applied to the rows of the period.

    For each (test, window_start, window_end) the rows of the latest run that evaluated that
    window (the latest as_of, then the latest start) are current (`is_current`); the rows of earlier runs are superseded. Anomaly rows
    (`<metric>_anomaly`) are judged only while their window is the newest, so they are replaced
    only by a later run's anomaly rows of that window, not by a run that re-evaluated the window
    as training (the store partitions the same way). Rows without a
    window (freshness, schema_contract) form one "window" per test, as in the store. Adds the
    columns `is_current`, `previous_value` / `previous_status` / `previous_run` (the evaluation
    of the same series and window just before this one, null for the first) and `is_rescored`
    (an earlier run gave this window a different value, NULL-safe)."""
    out = df.copy()
    # grouping keys without nulls (a null window or segment is a key of its own)
    k = pd.DataFrame({c: out[c].map(lambda v: "\0" if v is None or pd.isna(v) else str(v))
                      for c in ("test_unique_id", "window_start", "window_end", "column_name",
                                "segment_column", "segment_value", "metric")}, index=out.index)
    k["is_anomaly"] = out["metric"].map(is_anomaly_metric)
    window = ["test_unique_id", "window_start", "window_end", "is_anomaly"]
    grain = window + ["column_name", "segment_column", "segment_value", "metric"]
    # runs in the order of the time they evaluated (as_of), then of their start: a backfill of
    # an earlier as_of does not replace a later evaluation of the same window
    order = out.assign(ml_evaluated_for=evaluated_for(out))\
        .sort_values(["ml_evaluated_for", "run_started_at", "invocation_id"], kind="mergesort").index
    ko = k.loc[order]
    last_inv = out.loc[order, "invocation_id"].groupby([ko[c] for c in window], sort=False)\
        .transform("last")
    out["is_current"] = (last_inv.reindex(out.index) == out["invocation_id"]).astype(bool)
    g = out.loc[order].groupby([ko[c] for c in grain], sort=False)
    out["previous_value"] = g["value"].shift(1).reindex(out.index)
    out["previous_status"] = g["status"].shift(1).reindex(out.index)
    out["previous_run"] = g["run_started_at"].shift(1).reindex(out.index)
    out["evaluations"] = g["invocation_id"].transform("size").reindex(out.index)
    out["is_rescored"] = [bool(n > 1 and not _same(v, pv)) for n, v, pv in
                          zip(out["evaluations"], out["value"], out["previous_value"])]
    # the value of the current evaluation of each row's grain and window (the last current row),
    # so that a superseded row is compared with what replaced it without a search per row
    pos = pd.Series(np.arange(len(out), dtype="float64"), index=out.index)
    last_current = pos.where(out["is_current"]).loc[order]\
        .groupby([ko[c] for c in grain], sort=False).transform("last").reindex(out.index)
    out["has_current"] = last_current.notna().to_numpy()
    values = out["value"].to_numpy()
    out["current_value"] = [values[int(i)] if i == i else None for i in last_current.to_numpy()]
    return out


def _windowed(g: pd.DataFrame) -> bool:
    """A plot is by window when every row carries its window (both bounds)."""
    return bool(g["window_start"].notna().all() and g["window_end"].notna().all())


# a window counts as re-scored when its value moved by more than this, relative to
# max(1, |value|, |previous value|): the macro rescore_tolerance() of the metric store
# (macros/history/metric_store.sql); a sum added up in another order is not a re-score
RESCORE_TOLERANCE = 1e-9


def _same(a: Any, b: Any) -> bool:
    fa, fb = _f(a), _f(b)
    if fa is None or fb is None:
        return fa is None and fb is None
    return abs(fa - fb) <= RESCORE_TOLERANCE * max(1.0, abs(fa), abs(fb))


def errored_checks(latest: pd.DataFrame) -> dict[str, str]:
    """Checks whose latest run errored (the history's outcome row: metric `test_error`, dbt's
    message in `detail`): test unique_id -> that message. Their earlier values still plot, but
    the plot and the grid say the test errors (not the last value's pass)."""
    if latest.empty:
        return {}
    err = latest[(latest["metric"] == "test_error") | (latest["test_status"] == "error")]
    return {uid: detail_text(g["detail"].iloc[0]) or "test error"
            for uid, g in err.groupby("test_unique_id", sort=False)}


def _shape_plots(df: pd.DataFrame, check_ids: Mapping[str, str],
                 latest_run: Mapping[str, str], errored: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One plot per (table, check, column, metric), one trace per segment.

    Windowed checks (every row has window_start / window_end) are drawn by window: x is the
    window's start, one point per window, the latest evaluation of that window (the metric
    store's rule, `latest_evaluations`); earlier evaluations of the same window with another
    value (late labels re-scored it, or its data changed) are kept as `superseded` points.
    Checks without windows are drawn by run time, one point per run."""
    plots = []
    ev = latest_evaluations(df)
    key = ["model_name", "test_unique_id", "column_name", "metric"]
    for (table, uid, column, metric), g in ev.groupby(key, dropna=False, sort=False):
        if metric == "test_error":      # a test that errored (history's outcome row): no value to draw
            continue
        column = None if (isinstance(column, float) and math.isnan(column)) else column
        monitor = g["monitor"].iloc[0]
        use_window = _windowed(g)
        xcol = "window_start" if use_window else "run_started_at"
        # one sort per plot; the segments' rows keep this order (groupby preserves it)
        g = g.sort_values([xcol, "run_started_at", "invocation_id"], kind="mergesort")
        is_current = g["is_current"].to_numpy() if use_window else np.ones(len(g), dtype=bool)
        statuses = g["status"].to_numpy()
        # superseded points: earlier evaluations of a window whose value differs from the
        # current one's (evaluated again with the same value: nothing to show)
        superseded_rows = np.zeros(len(g), dtype=bool)
        if use_window:
            superseded_rows = ~is_current & np.array(
                [not (h and _same(v, cv)) for h, v, cv in
                 zip(g["has_current"], g["value"], g["current_value"])], dtype=bool)
        rescored_windows = set(zip(g["window_start"].to_numpy()[superseded_rows],
                                   g["window_end"].to_numpy()[superseded_rows]))
        # every segment's state decides the order and the plot's status; only the shown ones
        # (MAX_TRACES) are drawn, so only they are shaped into traces
        segments = []
        for (scol, sval), idx in g.groupby(["segment_column", "segment_value"], dropna=False,
                                           sort=False).indices.items():
            scol = None if (isinstance(scol, float) and math.isnan(scol)) else scol
            sval = None if (isinstance(sval, float) and math.isnan(sval)) else sval
            pts = idx[is_current[idx]]
            segments.append({"scol": scol, "sval": sval, "idx": idx, "pts": pts,
                             "name": segment_label(scol, sval),
                             "latest_status": statuses[pts[-1]] if len(pts) else None})
        # overall first, then failing segments, then the rest by name
        segments.sort(key=lambda t: (t["scol"] is not None,
                                     _STATUS_RANK.get(t["latest_status"] or "", 9), t["name"]))
        traces = [_trace(g, t, xcol, use_window, superseded_rows) for t in segments[:MAX_TRACES]]
        hidden = max(0, len(segments) - MAX_TRACES)
        shown = traces
        status = worst(t["latest_status"] for t in segments)
        error = (errored or {}).get(uid)
        if error is not None:           # its latest run errored: the points are earlier values
            status = "fail"
        failing_windows = (sorted({x for t in shown for x, s in zip(t["x"], t["status"])
                                   if s == "fail"}) if use_window else [])
        plots.append({
            "table": table,
            "monitor": monitor,
            "family": family(monitor),
            "metric": metric,
            "column": column,
            "check_id": check_ids.get(uid),
            "test_name": g["test_name"].iloc[0],
            "title": f"{monitor} · {column if column is not None else '(table)'} · {metric}",
            "x_label": "window" if use_window else "run time",
            "by_window": use_window,
            "windows": (int(g[["window_start", "window_end"]].drop_duplicates().shape[0])
                        if use_window else None),
            "failing_windows": len(failing_windows),
            "rescored_windows": len(rescored_windows),
            "anomalous_windows": 0,     # set by anomaly_overlays
            "status": status,
            "errored": error,
            "traces": shown,
            "hidden_segments": hidden,
            "failing_segments": [t["name"] for t in segments if t["latest_status"] == "fail"],
        })
    plots.sort(key=lambda p: (p["table"], _STATUS_RANK.get(p["status"] or "", 9),
                              monitor_order(p["monitor"]), p["column"] or "",
                              p["metric"]))
    for i, p in enumerate(plots):
        p["id"] = f"p{i + 1}"
    return plots


def _trace(g: pd.DataFrame, seg: Mapping[str, Any], xcol: str, use_window: bool,
           superseded_rows: np.ndarray) -> dict[str, Any]:
    """One segment's line of a plot: its current points (`seg["pts"]`, positions in `g`, which
    is sorted by x) and, by window, its superseded earlier values."""
    latest_pts = g.iloc[seg["pts"]]
    sup = g.iloc[seg["idx"][superseded_rows[seg["idx"]]]]
    superseded = {
        "x": [iso(v) for v in sup["window_start"]],
        "y": [_f(v) for v in sup["value"]],
        "status": list(sup["status"]),
        "evaluated": [fmt_time(v) for v in sup["run_started_at"]],
        "replaced_by": [_f(cv) if h else None for h, cv in zip(sup["has_current"], sup["current_value"])],
    } if use_window else {"x": [], "y": [], "status": [], "evaluated": [], "replaced_by": []}
    last = latest_pts.iloc[-1] if not latest_pts.empty else None
    rescored = (list(latest_pts["is_rescored"]) if use_window else [False] * len(latest_pts))
    return {
        "name": seg["name"],
        "overall": seg["scol"] is None,
        "x": [iso(v) for v in latest_pts[xcol]],
        "window": ([f"[{iso(a)}, {iso(b)})" for a, b in
                    zip(latest_pts["window_start"], latest_pts["window_end"])]
                   if use_window else None),
        "y": [_f(v) for v in latest_pts["value"]],
        "threshold": [_f(v) for v in latest_pts["threshold"]],
        "baseline": [_f(v) for v in latest_pts["baseline_value"]],
        "status": list(latest_pts["status"]),
        "n": [_i(v) for v in latest_pts["sample_size"]],
        # the detail of passing points adds size and little news: only the others
        "detail": [None if st == "pass" else _truncate(detail_text(d))
                   for st, d in zip(latest_pts["status"], latest_pts["detail"])],
        # re-scored windows: the value this point replaced (None when not re-scored)
        "rescored_from": [(_f(pv) if rs else None) for rs, pv in
                          zip(rescored, latest_pts["previous_value"])],
        "evaluated": [fmt_time(v) for v in latest_pts["run_started_at"]],
        "superseded": superseded,
        # by window: the newest window decides (fail_on: latest); by run: the last run
        "latest_status": seg["latest_status"],
        "latest_value": _f(last["value"]) if last is not None else None,
        "sample_size": _i(last["sample_size"]) if last is not None else None,
    }


# ---------------------------------------------------------------------------------------------
# estimated performance (CBPE): the band of each estimate and the realized metric beside it

_X_COLUMNS = ("window_start", "window_end", "run_started_at")


def _x_column(rows: pd.DataFrame, xs: list[str]) -> str | None:
    """The time column a plot's x values were drawn from (whatever the x axis rule is)."""
    for c in _X_COLUMNS:
        if xs and set(xs) <= set(rows[c].dropna().dt.strftime("%Y-%m-%d %H:%M:%S")):
            return c
    return None


def _latest_by_x(rows: pd.DataFrame, xcol: str) -> pd.DataFrame:
    """One row per x value (the latest run's), indexed by x as the plot writes it."""
    return rows.sort_values("run_started_at", kind="mergesort")\
        .assign(_x=rows[xcol].dt.strftime("%Y-%m-%d %H:%M:%S"))\
        .drop_duplicates("_x", keep="last").sort_values("_x").set_index("_x")


def estimate_overlays(df: pd.DataFrame, plots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """estimated_performance plots get, per trace, `band` ({lower, upper} aligned with its x: the
    confidence band the rows' facts carry) and `realized` ({x, y, n}: the `realized_<metric>`
    rows of the same check, column and segment, where labels arrived); the realized series is
    then drawn there instead of in a plot of its own. Other plots are returned unchanged."""
    est = df[df["monitor"] == "estimated_performance"]
    if est.empty:
        return plots
    est = est.assign(_seg=[segment_label(c if isinstance(c, str) else None, v if isinstance(v, str) else None)
                           for c, v in zip(est["segment_column"], est["segment_value"])])
    folded: set = set()
    for p in plots:
        if p["monitor"] != "estimated_performance" or p["metric"].startswith("realized_"):
            continue
        mine = est[(est["test_name"] == p["test_name"]) & (est["model_name"] == p["table"])]
        mine = mine[mine["column_name"].isna()] if p["column"] is None else mine[mine["column_name"] == p["column"]]
        for t in p["traces"]:
            rows = mine[(mine["_seg"] == t["name"]) & (mine["metric"] == p["metric"])]
            real = mine[(mine["_seg"] == t["name"]) & (mine["metric"] == "realized_" + p["metric"])]
            xcol = _x_column(rows, t["x"])
            if xcol is None:
                continue
            by_x = _latest_by_x(rows, xcol)
            facts = [parse_facts(by_x.at[x, "facts"]) if x in by_x.index else None for x in t["x"]]
            if any(f and f.get("lower") is not None for f in facts):
                t["band"] = {"lower": [_f(f.get("lower")) if f else None for f in facts],
                             "upper": [_f(f.get("upper")) if f else None for f in facts]}
            if not real.empty:
                r = _latest_by_x(real, xcol)
                t["realized"] = {"x": list(r.index), "y": [_f(v) for v in r["value"]],
                                 "n": [_i(v) for v in r["sample_size"]]}
                folded.add((p["table"], p["test_name"], p["column"], "realized_" + p["metric"]))
    return [p for p in plots if (p["table"], p["test_name"], p["column"], p["metric"]) not in folded]



# ---------------------------------------------------------------------------------------------
# anomaly: the expected range of every tested window, on the plot of the metric it tests


def _is_anomaly_row(metric: Any, facts: Any) -> bool:
    """A `<metric>_anomaly` row of the `anomaly:` argument (its facts carry the settings)."""
    return is_anomaly_metric(metric) and "anomaly" in (parse_facts(facts) or {})


def anomaly_overlays(df: pd.DataFrame, plots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Plots of a metric whose check also wrote `<metric>_anomaly` rows (`anomaly:` on the monitor)
    get, per trace, `band` ({lower, upper, label} aligned with its x: the expected range of each
    tested window, from the anomaly rows' facts; null where a window was not tested or had too little
    history) and `anomaly` ({x, y, expected, lower, upper, score, threshold, status, detail}: one
    entry per tested window, the latest evaluation of it). The plot counts its `anomalous_windows`
    and needs attention (status fail) when its newest tested window is anomalous. The bounds are
    drawn as the rows carry them: the SQL clips them to the metric's domain (rates to [0, 1])."""
    if df.empty:
        return plots
    an = df[pd.Series([_is_anomaly_row(m, f) for m, f in zip(df["metric"], df["facts"])], index=df.index)]
    an = an[an["window_start"].notna()]
    if an.empty:
        return plots
    an = an.assign(_seg=[segment_label(c if isinstance(c, str) else None, v if isinstance(v, str) else None)
                         for c, v in zip(an["segment_column"], an["segment_value"])],
                   _x=[iso(v) for v in an["window_start"]])
    for p in plots:
        if not p["by_window"] or is_anomaly_metric(p["metric"]):
            continue
        mine = an[(an["test_name"] == p["test_name"]) & (an["model_name"] == p["table"])
                  & (an["metric"] == p["metric"] + ANOMALY_SUFFIX)]
        mine = mine[mine["column_name"].isna()] if p["column"] is None else mine[mine["column_name"] == p["column"]]
        if mine.empty:
            continue
        anomalous: set = set()
        latest: list[str | None] = []
        for t in p["traces"]:
            rows = mine[(mine["_seg"] == t["name"]) & mine["_x"].isin(t["x"])]
            if rows.empty:
                continue
            rows = rows.sort_values("run_started_at", kind="mergesort").drop_duplicates("_x", keep="last")\
                .sort_values("_x").to_dict("records")
            y_at = dict(zip(t["x"], t["y"]))
            entries = []
            for r in rows:
                f = parse_facts(r["facts"]) or {}
                judged = r["status"] in ("pass", "fail")     # skipped / no_data: no band was judged
                entries.append({"x": r["_x"], "y": y_at.get(r["_x"]),
                                "expected": _f(f.get("expected")) if judged else None,
                                "lower": _f(f.get("lower")) if judged else None,
                                "upper": _f(f.get("upper")) if judged else None,
                                "score": _f(r["value"]), "threshold": _f(r["threshold"]),
                                "status": r["status"], "detail": _truncate(detail_text(r["detail"]))})
            by_x = {e["x"]: e for e in entries}
            t["anomaly"] = {k: [e[k] for e in entries] for k in
                            ("x", "y", "expected", "lower", "upper", "score", "threshold", "status", "detail")}
            if "band" not in t and any(e["lower"] is not None for e in entries):
                t["band"] = {"lower": [by_x[x]["lower"] if x in by_x else None for x in t["x"]],
                             "upper": [by_x[x]["upper"] if x in by_x else None for x in t["x"]],
                             "label": "expected range"}
            anomalous |= {e["x"] for e in entries if e["status"] == "fail"}
            newest = by_x.get(t["x"][-1]) if t["x"] else None
            latest.append(newest["status"] if newest else None)
        p["anomalous_windows"] = len(anomalous)
        if "fail" in latest:
            p["status"] = worst([p["status"], "fail"])
    return plots

# ---------------------------------------------------------------------------------------------
# tables: status grid, drift bins, calibration


def _grid(latest: pd.DataFrame, plots: list[dict[str, Any]]) -> dict[str, Any]:
    monitors = sorted(set(latest["monitor"]), key=monitor_order)
    plot_of = {}
    for p in plots:
        plot_of.setdefault((p["monitor"], p["column"]), p["id"])

    def cell(rows: pd.DataFrame, monitor: str, column: str | None) -> dict[str, Any] | None:
        if rows.empty:
            return None
        st = worst(rows["status"])
        lines = []
        for r in rows.sort_values(["metric", "segment_column", "segment_value"],
                                  na_position="first").to_dict("records"):
            if r["metric"] == "test_error":              # the test errored: dbt's message, no value
                lines.append(detail_text(r["detail"]) or "test error")
                continue
            seg = segment_label(r["segment_column"], r["segment_value"])
            lines.append(f"{r['metric']}{'' if seg == 'overall' else ' [' + seg + ']'}: "
                         f"{fmt_number(r['value'])} (threshold {fmt_number(r['threshold'])}) "
                         f"{r['status']}")
        metrics = rows["metric"].unique()
        # an errored test says so ("–", its null value, read as "nothing to show")
        text = "error" if (rows["metric"] == "test_error").any() else \
            fmt_number(rows["value"].iloc[0]) if (len(rows) == 1) else None
        if text is None:
            nf = int((rows["status"] == "fail").sum())
            text = f"{nf}/{len(rows)} fail" if nf else f"{len(rows)} ok" if st == "pass" else st
        return {"status": st, "text": text, "title": "\n".join(lines[:30]) +
                (f"\n… {len(lines) - 30} more" if len(lines) > 30 else ""),
                "plot": plot_of.get((monitor, column)), "metrics": len(metrics)}

    rows = []
    cols = sorted(set(latest["column_name"].map(lambda c: c or "")),
                  key=lambda c: (c != "", c))
    for c in cols:
        column = c or None
        sub = latest[latest["column_name"].map(lambda x: (x or "") == c)]
        cells = [cell(sub[sub["monitor"] == m], m, column) for m in monitors]
        rows.append({"label": column or "(table)", "column": column, "segment": None,
                     "level": 0, "cells": cells, "status": worst(x["status"] for x in cells if x)})
        # segments that are not all passing get a row of their own
        segs = sub[sub["segment_column"].notna()]
        for (scol, sval), sg in segs.groupby(["segment_column", "segment_value"], dropna=False,
                                             sort=True):
            sval = None if (isinstance(sval, float) and math.isnan(sval)) else sval
            if worst(sg["status"]) == "pass":
                continue
            cells = [cell(sg[sg["monitor"] == m], m, column) for m in monitors]
            rows.append({"label": segment_label(scol, sval), "column": column,
                         "segment": segment_label(scol, sval), "level": 1, "cells": cells,
                         "status": worst(x["status"] for x in cells if x)})
    return {"monitors": monitors, "rows": rows}


def _drift(latest: pd.DataFrame, table: str) -> list[dict[str, Any]]:
    """One panel per column: its worst drift observation, a segment's when a segment is worse
    than the whole table (a drift that only one segment shows is what the panel is for); on the
    same status the overall row, then the value closest to (or furthest past) its threshold."""
    d = latest[latest["monitor"].map(lambda m: family(m) == "drift")]
    if d.empty:
        return []

    def severity(r: Mapping[str, Any]) -> tuple:
        v, t = _f(r["value"]), _f(r["threshold"])
        ratio = (v / t) if (v is not None and t not in (None, 0.0)) else (v or 0.0)
        return (_STATUS_RANK.get(r["status"] or "", 9), _text(r["segment_column"]) is not None, -ratio)

    best: dict[tuple, Mapping[str, Any]] = {}
    for r in d.to_dict("records"):
        k = (r["column_name"], r["monitor"])
        if k not in best or severity(r) < severity(best[k]):
            best[k] = r
    ranked = sorted(best.values(), key=severity)
    # one panel per column: the worst of its drift observations
    seen, out = set(), []
    for r in ranked:
        if r["column_name"] in seen:
            continue
        seen.add(r["column_name"])
        bins = facts_bins(r.get("facts"))
        source = "facts" if bins else None
        out.append({"table": table, "monitor": r["monitor"], "column": r["column_name"],
                    "segment": segment_label(_text(r["segment_column"]), _text(r["segment_value"])),
                    "metric": r["metric"], "value_text": fmt_number(r["value"]),
                    "threshold_text": fmt_number(r["threshold"]), "status": r["status"],
                    "detail": detail_text(r["detail"]), "bins": bins, "bins_source": source})
        if len(out) >= MAX_DRIFT_COLUMNS:
            break
    return out


def _calibration(latest: pd.DataFrame, table: str,
                 reliability: Mapping[str, list[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """One panel per calibration test: the reliability curve of every segment (overall first).

    Points come from the observation's facts (the reliability table of the run that produced
    it); for rows recorded before facts existed, from the reliability table computed with the
    test's arguments when the loader could (`reliability`)."""
    c = latest[latest["monitor"] == "calibration"]
    out = []
    for uid, g in c.groupby("test_unique_id", sort=True):
        if (g["metric"] == "ece").any():  # the test also reports label_coverage beside it
            g = g[g["metric"] == "ece"]
        g = g.drop_duplicates(["segment_column", "segment_value"])
        rows = g.sort_values(["segment_column", "segment_value"], na_position="first",
                             kind="mergesort").to_dict("records")
        table_rows = reliability.get(uid)
        curves = []
        for r in rows:
            pts, source = facts_reliability(r.get("facts")), "facts"
            if not pts and table_rows is not None:
                pts = [{"bin": f"({fmt_number(x['bin_lower'])}, {fmt_number(x['bin_upper'])}]",
                        "predicted": _f(x["mean_score"]), "observed": _f(x["fraction_positive"]),
                        "count": _i(x["n_rows"])}
                       for x in sorted(table_rows, key=lambda x: x["bin"] if x["bin"] is not None else -1)
                       if x["segment_column"] == r["segment_column"]
                       and x["segment_value"] == r["segment_value"]]
                source = "table"
            pts = [p for p in pts if p["predicted"] is not None and p["observed"] is not None]
            curves.append({"name": segment_label(r["segment_column"], r["segment_value"]),
                           "value_text": fmt_number(r["value"]), "status": r["status"],
                           "points": pts, "source": source})
        with_points = [x for x in curves if x["points"]]
        with_points.sort(key=lambda x: (x["name"] != "overall",
                                        _STATUS_RANK.get(x["status"] or "", 9), x["name"]))
        overall = next((x for x in curves if x["name"] == "overall"), curves[0])
        out.append({"table": table, "column": g["column_name"].iloc[0],
                    "metric": g["metric"].iloc[0], "test_name": g["test_name"].iloc[0],
                    "status": worst(x["status"] for x in curves),
                    "value_text": overall["value_text"], "segment": overall["name"],
                    "curves": with_points[:MAX_TRACES],
                    "points": with_points[0]["points"] if with_points else [],
                    "source": with_points[0]["source"] if with_points else None,
                    "failing_segments": [x["name"] for x in curves if x["status"] == "fail"],
                    "detail": detail_text(rows[0]["detail"])})
    return out


# ---------------------------------------------------------------------------------------------
# the whole report


def drop_superseded(df: pd.DataFrame, meta: Mapping[str, Any]) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The rows without those of tests the project no longer has, the names of the superseded
    definitions among them and the names of the removed tests.

    dbt's unique_id of a test changes with its arguments: after an edit (windows: 10 -> 13, a
    bound, a column) the history holds the old definition's rows beside the new one's, which
    would be a second check and a second series. A unique_id the project's manifest (`meta`) no
    longer has is a superseded definition, left out, while the project has another test on the
    same model either of the same test name (a test with `name:`) or checking the same thing:
    the same monitors of the same columns (dbt's default test name spells the arguments, so
    `max_null_rate: 0.01` -> `0.05` renames the test too; the old one showed as failing now).
    Any other unique_id the manifest no longer has is a test removed (or disabled): left out too,
    as `ml-monitor run` resolves its alert (it showed as failing now until it aged out).
    Without a manifest nothing is left out."""
    if df.empty or not meta or "test_name" not in df:
        return df, [], []
    is_current = df["test_unique_id"].isin(meta.keys())
    current = df[is_current]
    live = set(zip(current["test_name"], current["model_name"]))
    same_name = pd.Series(list(zip(df["test_name"], df["model_name"])), index=df.index).isin(live)
    checks = _what_tests_check(df)
    live_checks = {checks[u] for u in current["test_unique_id"].unique() if checks.get(u)}
    same_check = df["test_unique_id"].map(lambda u: checks.get(u) in live_checks if checks.get(u) else False)
    old = ~is_current & (same_name | same_check.astype(bool))
    # a row without a recorded unique_id (normalize names it test_name:model) cannot be looked up
    removed = ~is_current & ~old & df["test_unique_id"].astype(str).str.startswith("test.")
    return (df[~(old | removed)].reset_index(drop=True), sorted(set(df.loc[old, "test_name"])),
            sorted(set(df.loc[removed, "test_name"].dropna()) - set(df.loc[old, "test_name"])))


def _what_tests_check(df: pd.DataFrame) -> dict[Any, tuple]:
    """test unique_id -> (model, its monitors, its columns) from its rows; None for a test whose
    rows name no monitor (an ordinary dbt test: nothing to compare)."""
    out: dict[Any, tuple] = {}
    for uid, rows in df.groupby("test_unique_id", sort=False, dropna=True):
        monitors = frozenset(str(m) for m in rows["monitor"].dropna()) if "monitor" in rows else frozenset()
        columns = frozenset(str(c) for c in rows["column_name"].dropna()) if "column_name" in rows else frozenset()
        out[uid] = (rows["model_name"].iloc[0], monitors, columns) if monitors else None
    return out


def shape_report(frame: pd.DataFrame, checks_meta: Mapping[str, Mapping[str, Any]] | None = None,
                 *, now: dt.datetime | None = None, days: float | None = 30,
                 title: str | None = None, project: str | None = None,
                 target: str | None = None,
                 reliability: Mapping[str, list[Mapping[str, Any]]] | None = None,
                 triggers: list[Mapping[str, Any]] | None = None, triggers_error: str | None = None
                 ) -> dict[str, Any]:
    """The report model for `frame` (history rows, already limited to the period).

    `checks_meta`: test unique_id -> owner / runbook / severity / tags (loader.checks_meta_from_
    manifest); `reliability`: test unique_id -> reliability-table rows of calibration tests;
    `triggers`: the rows of `ml-monitor triggers list` (api.list_triggers), `triggers_error` why
    they could not be read (report.triggers.shape_triggers)."""

    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    period_start = None if days is None else pd.Timestamp(now - dt.timedelta(days=float(days)))
    df = normalize(frame)
    meta = checks_meta or {}
    df, superseded, removed = drop_superseded(df, meta)

    checks = _shape_checks(df, meta, period_start) if not df.empty else []
    check_ids = {c["unique_id"]: c["id"] for c in checks}
    latest_run: dict[str, str] = latest_runs(df) if not df.empty else {}
    latest = df[df["invocation_id"] == df["test_unique_id"].map(latest_run)] if not df.empty \
        else df
    # the grid and the drift / calibration panels show the newest window of the latest run
    latest = latest[in_newest_window(latest)] if not latest.empty else latest
    plots = _shape_plots(df, check_ids, latest_run, errored_checks(latest)) if not df.empty else []
    plots = anomaly_overlays(df, estimate_overlays(df, plots))

    tables = []
    for table in sorted(set(df["model_name"])):
        lt = latest[latest["model_name"] == table]
        tchecks = [c for c in checks if c["table"] == table]
        tplots = [p for p in plots if p["table"] == table]
        tables.append({
            "name": table,
            "id": f"t{len(tables) + 1}",
            "state": worst(c["state"] for c in tchecks) or "pass",
            "n_checks": len(tchecks),
            "n_failing": sum(c["state"] == "fail" for c in tchecks),
            "monitors": sorted(set(lt["monitor"])),
            "grid": _grid(lt, tplots),
            "plots": [p["id"] for p in tplots],
            "drift": _drift(lt, table),
            "calibration": _calibration(lt, table, reliability or {}),
        })
    for t in tables:
        for i, x in enumerate(t["drift"]):
            x["id"] = f"{t['id']}-d{i + 1}"
        for i, x in enumerate(t["calibration"]):
            x["id"] = f"{t['id']}-k{i + 1}"

    runs = df.groupby("invocation_id")["run_started_at"].max().sort_values() if not df.empty \
        else pd.Series(dtype="datetime64[ns]")
    summary = {
        "checks": len(checks),
        "failing": sum(c["state"] == "fail" for c in checks),
        "failing_error": sum(c["state"] == "fail" and c["severity"] != "warn" for c in checks),
        "failing_warn": sum(c["state"] == "fail" and c["severity"] == "warn" for c in checks),
        "newly_failing": sum(c["newly_failing"] for c in checks),
        "resolved": sum(c["resolved"] for c in checks),
        "passing": sum(c["state"] == "pass" for c in checks),
        "no_data": sum(c["state"] in ("no_data", "skipped") for c in checks),
        "runs": int(len(runs)),
        "observations": int(len(df)),
        "superseded": superseded,
        "removed": removed,
        "tables": len(tables),
        "first_run": fmt_time(runs.iloc[0]) if len(runs) else None,
        "last_run": fmt_time(runs.iloc[-1]) if len(runs) else None,
        "oldest_failure": min((c["failing_since_iso"] for c in checks
                               if c["state"] == "fail" and c["failing_since_iso"]), default=None),
    }
    monitors = sorted(set(df["monitor"]), key=monitor_order) if not df.empty else []
    return {
        "title": title or (f"ml_monitor report · {project}" if project else "ml_monitor report"),
        "project": project,
        "target": target,
        "generated_at": fmt_time(now),
        "days": days,
        "days_text": None if days is None else f"{float(days):g}",
        "period_start": fmt_time(period_start) if period_start is not None else None,
        "summary": summary,
        "checks": checks,
        "failing": [c for c in checks if c["state"] == "fail"],
        "resolved": [c for c in checks if c["resolved"]],
        "tables": tables,
        "plots": plots,
        "triggers": shape_triggers(triggers, error=triggers_error,
                                   period_start=None if period_start is None else period_start.to_pydatetime()),
        "filters": {"tables": [t["name"] for t in tables], "monitors": monitors,
                    "statuses": list(STATUSES)},
    }
