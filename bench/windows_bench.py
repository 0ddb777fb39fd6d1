"""ml_monitor windows benchmark (issue #14): a backfill of N daily windows in one run.

    python bench/windows_bench.py                          # 30 windows x 1M rows (30M rows)
    python bench/windows_bench.py --rows-per-window 100000 --repeat 3

Data: ``--windows`` days of ``--rows-per-window`` predictions each (bench/generate.py's columns
plus ``ts``, spread evenly over each day, in time order), one more day (the "new" window of the
incremental run), the reference (training set, one window's size) and labels for 70% of the
predictions. The suite is bench/suite.py's (null_rate, value_range, psi_drift against the
reference, performance by segment with labels, value_range and prediction_drift of the score),
with ``timestamp_column: ts`` added to every test and:

  backfill      ``window: {period: day, count: 1}, windows: N``   one run, N windows
  one_window    ``window: {period: day, count: N}``               the same rows as one window
  daily_runs    ``window: {period: day, count: 1}``, N runs, ``ml_monitor_as_of`` = each day's end
  incremental   the backfill project run again one day later: only the new window (and windows
                whose labels changed) should be evaluated; needs the metric store (issue #14)

Measurements (SQL time = the statements dbt sent, replayed without dbt, as (b) of run_bench.py;
each approach in its own process started from bench/launch.py):

  (i)   backfill SQL / one_window SQL                      target <= 1.5
  (ii)  daily_runs SQL (sum of N runs) / backfill SQL      target >= 10   (also for dbt build)
  (iii) incremental SQL / raw scan of the new window's rows target <= 3

Also: the raw scan of all N windows' rows (the floor of (i)), dbt build times of each, and a check
that the backfill's value for a window equals the one-window run's for that day (1e-9).
Results: bench/results/windows_<rows>_<time>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
import run_bench  # noqa: E402
import suite  # noqa: E402
import worker  # noqa: E402

START = datetime(2026, 1, 1)          # day 0 of the data; naive = UTC
log = run_bench.log
fmt_s = run_bench.fmt_s


def supports_windows() -> bool:
    """Whether the package's tests take ``windows: N`` (issue #14; merged from the otcore branch)."""
    import re
    text = "".join(p.read_text() for p in (suite.package_root() / "macros").rglob("*.sql"))
    return re.search(r"\bwindows\s*=", text) is not None


def supports_incremental() -> bool:
    """Whether the package has the metric store with incremental refresh (otstore branch)."""
    return any("ml_monitor_metrics" in p.read_text() for p in (suite.package_root() / "models").rglob("*") if p.is_file())


def ts_of(day: int) -> str:
    return (START + timedelta(days=day)).strftime("%Y-%m-%d %H:%M:%S")


def make_data(work: Path, per_window: int, windows: int, seed: int) -> dict:
    """windows + 1 days of predictions (day `windows` is the incremental run's new window)."""
    days = windows + 1
    data_dir = work / f"windows_{per_window}x{days}_s{seed}"
    manifest = generate.generate(data_dir, per_window * days, per_window, 10, 5, seed, parquet=False, quiet=True)
    if not manifest.get("ts_per_window") == per_window:
        import duckdb
        log(f"adding ts: {days} days x {per_window:,} rows")
        con = duckdb.connect(str(data_dir / "bench.duckdb"))
        # ids 0..days*per_window-1 in order; id k falls in day k // per_window, spread evenly
        con.execute(f"""
            create or replace table raw.predictions as
            select *, timestamp '{ts_of(0)}'
                      + to_microseconds(cast(id * (86400000000 / {per_window}) as bigint)) as ts
            from raw.predictions order by id""")
        con.execute("checkpoint")
        con.close()
        manifest["ts_per_window"] = per_window
        (data_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return {"data_dir": data_dir, "db": data_dir / "bench.duckdb", "numeric": manifest["numeric"],
            "categorical": manifest["categorical"]}


def as_of_vars(day_end: int) -> list[str]:
    return ["--vars", json.dumps({"ml_monitor_as_of": ts_of(day_end)})]


def build(project: Path, day_end: int, capture_to: Path | None = None) -> dict:
    """dbt build at ml_monitor_as_of = start of day `day_end` (debug file log: every dbt build of
    this benchmark logs at debug level, so that their times compare); statements saved when asked."""
    cmd = [suite.DBT, "build", "--project-dir", str(project), "--profiles-dir", str(project),
           "--log-level-file", "debug", *as_of_vars(day_end)]
    r = run_bench.run_measured(cmd, cwd=project)
    rr = project / "target" / "run_results.json"
    results = json.loads(rr.read_text()) if rr.is_file() else {"results": []}
    errors = [x["unique_id"] for x in results["results"] if x["status"] in ("error", "runtime error", "skipped")]
    if r["returncode"] not in (0, 1) or errors or not results["results"]:
        raise RuntimeError(f"dbt build failed in {project} ({r['returncode']}, errors: {errors}):\n"
                           f"{r['stdout'][-4000:]}{r['stderr'][-2000:]}")
    if capture_to is not None:
        capture_to.write_text(json.dumps(worker.suite_statements(project)))
    return {"seconds": r["wall"], "peak_rss_mb": r["peak_rss_mb"],
            "per_test": {x["unique_id"].split(".")[2]: round(x["execution_time"], 3) for x in results["results"]
                         if x["unique_id"].startswith("test.")}}


def observation_rows(db: Path, statements: Path) -> dict:
    """Replay the statements (untimed) and key each test's observation rows by
    (test, monitor, metric, column, segment column, segment value, window start)."""
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    out = {}
    for s in json.loads(statements.read_text()):
        if s["kind"] != "test":
            continue
        cur = con.execute(s["sql"])
        names = [d[0] for d in cur.description]
        for row in cur.fetchall():
            d = dict(zip(names, row))
            key = (s["node"], d.get("monitor"), d.get("metric"), d.get("column_name"), d.get("segment_column"),
                   d.get("segment_value"), str(d.get("window_start")))
            out[key] = d.get("value")
    con.close()
    return out


def compare(backfill: dict, daily: dict) -> dict:
    """Every row of a one-window run against the backfill's row for the same window."""
    compared, worst, missing = 0, 0.0, []
    for key, v in daily.items():
        if key not in backfill:
            missing.append(key)
            continue
        w = backfill[key]

        def undefined(x):
            return x is None or (isinstance(x, float) and math.isnan(x))
        if undefined(v) or undefined(w):
            if not (undefined(v) and undefined(w)):
                worst = math.inf             # a value on one side, none on the other
            continue
        compared += 1
        worst = max(worst, abs(float(v) - float(w)))
    return {"compared": compared, "max_abs_diff": worst, "missing_in_backfill": [list(map(str, k)) for k in missing[:5]],
            "n_missing": len(missing)}


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ml_monitor windows benchmark",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--rows-per-window", type=int, default=1_000_000, help="predictions per daily window (1M)")
    ap.add_argument("--windows", type=int, default=30, help="daily windows in the backfill (30)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each SQL replay and backfill build; medians")
    ap.add_argument("--psi", choices=["reference", "baseline"], default="reference",
                    help="psi_drift against ref('reference') (quantiles at each run) or a frozen baseline")
    ap.add_argument("--daily-builds", type=int, default=None,
                    help="how many of the N one-window dbt builds to run (default all; their SQL is captured "
                         "from them, so fewer builds mean the daily SQL is extrapolated from those)")
    ap.add_argument("--skip-incremental", action="store_true")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--work-dir", type=Path, default=HERE / "work")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--name", default=None)
    a = ap.parse_args(argv)
    a.work_dir, a.out = a.work_dir.resolve(), a.out.resolve()
    a.work_dir.mkdir(parents=True, exist_ok=True)
    a.out.mkdir(parents=True, exist_ok=True)
    n, W = a.rows_per_window, a.windows
    started = time.perf_counter()
    result: dict = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "machine": run_bench.machine(), "load_average_at_start": run_bench.load_average(),
                    "rows_per_window": n, "windows": W, "total_rows": n * W, "repeat": a.repeat, "psi": a.psi,
                    "windows_supported": supports_windows(), "incremental_supported": supports_incremental()}
    log(f"data: {W} + 1 days x {n:,} rows (load {run_bench.load_average()})")
    ctx = make_data(a.work_dir, n, W, a.seed)
    db, numeric, categorical = ctx["db"], ctx["numeric"], ctx["categorical"]
    day = {"period": "day", "count": 1}
    base = {"timestamp_column": "ts"}
    variants = {"one_window": {**base, "window": {"period": "day", "count": W}},
                "daily": {**base, "window": day}}
    if result["windows_supported"]:
        variants["backfill"] = {**base, "window": day, "windows": W}
    else:
        log("this package has no `windows:` argument yet: measuring the one-window paths only")
    projects = {}
    for name, extra in variants.items():
        p = ctx["data_dir"] / f"project_{name}_{a.psi}"
        if p.exists():
            shutil.rmtree(p)
        projects[name] = suite.write_project(p, db, numeric, categorical, a.psi, extra_args=extra)
    if a.psi == "baseline":
        log("freezing the baseline")
        suite.freeze_baseline(projects["one_window"], numeric + categorical)
    cap = ctx["data_dir"] / f"statements_{a.psi}"
    cap.mkdir(exist_ok=True)

    # warm-up + capture of the backfill and the one-window-over-everything runs (as_of = end of day W-1)
    builds: dict = {k: [] for k in ("backfill", "one_window")}
    for name in ("backfill", "one_window"):
        if name in projects:
            log(f"warm-up dbt build: {name}")
            build(projects[name], W, capture_to=cap / f"{name}.json")
    # the N daily runs, each once (their SQL is captured from them); as_of = end of day d
    n_daily = min(a.daily_builds or W, W)
    days = sorted({round(i * (W - 1) / max(n_daily - 1, 1)) for i in range(n_daily)})
    log(f"{len(days)} one-window dbt builds (days {days[0]}..{days[-1]})")
    build(projects["daily"], days[0] + 1)              # warm-up (partial parse)
    daily_builds = []
    for d in days:
        daily_builds.append({"day": d, **build(projects["daily"], d + 1, capture_to=cap / f"daily_{d}.json")})
    for i in range(a.repeat):
        for name in builds:
            if name in projects:
                log(f"run {i + 1}/{a.repeat}: dbt build {name} (load {run_bench.load_average()[0]})")
                builds[name].append(build(projects[name], W))

    cfg = {"db": str(db), "numeric": numeric, "categorical": categorical}
    window_all = f"ts >= timestamp '{ts_of(0)}' and ts < timestamp '{ts_of(W)}'"
    sql: dict = {"raw_scan_all": [], "one_window": [], "backfill": [], "daily_runs": []}
    for i in range(a.repeat):
        log(f"run {i + 1}/{a.repeat}: SQL replays (load {run_bench.load_average()[0]})")
        sql["raw_scan_all"].append(run_bench.run_worker("raw_scan", {**cfg, "where": window_all,
                                                                     "labels_where": f"id < {W * n}"}))
        for name in ("one_window", "backfill"):
            if name in projects:
                sql[name].append(run_bench.run_worker("suite_sql_many", {
                    **cfg, "statement_files": [str(cap / f"{name}.json")]}))
        sql["daily_runs"].append(run_bench.run_worker("suite_sql_many", {
            **cfg, "statement_files": [str(cap / f"daily_{d}.json") for d in days]}))

    def s(name):
        return median([r["seconds"] for r in sql[name]])

    daily_sql = s("daily_runs")
    daily_sql_all = daily_sql * W / len(days) if daily_sql is not None else None    # extrapolated if fewer
    daily_build_all = sum(b["seconds"] for b in daily_builds) * W / len(days)
    summary = {
        "raw_scan_all_windows_sql": s("raw_scan_all"),
        "one_window_sql": s("one_window"),
        "backfill_sql": s("backfill") if sql["backfill"] else None,
        "daily_runs_sql": daily_sql_all,
        "daily_runs_measured": len(days),
        "one_window_build": median([b["seconds"] for b in builds["one_window"]]),
        "backfill_build": median([b["seconds"] for b in builds["backfill"]]) if builds["backfill"] else None,
        "daily_runs_build": daily_build_all,
        "peak_rss_mb": {
            "raw_scan_all_windows_sql": median([r["peak_rss_mb"] for r in sql["raw_scan_all"]]),
            "one_window_sql": median([r["peak_rss_mb"] for r in sql["one_window"]]),
            "backfill_sql": median([r["peak_rss_mb"] for r in sql["backfill"]]),
            "daily_runs_sql": median([r["peak_rss_mb"] for r in sql["daily_runs"]]),
            "backfill_build": median([b["peak_rss_mb"] for b in builds["backfill"]]),
            "one_window_build": median([b["peak_rss_mb"] for b in builds["one_window"]]),
            "daily_build_max": max(b["peak_rss_mb"] for b in daily_builds)},
    }
    runs = {k: [round(r["seconds"], 3) for r in v] for k, v in sql.items()}
    runs.update({f"{k}_build": [round(b["seconds"], 2) for b in v] for k, v in builds.items()})
    runs["daily_builds"] = [{"day": b["day"], "seconds": round(b["seconds"], 2)} for b in daily_builds]
    runs["daily_sql_per_run"] = [round(x, 3) for x in sql["daily_runs"][-1]["per_run"]] if sql["daily_runs"] else []

    def ratio(x, y):
        return round(x / y, 2) if x is not None and y else None
    ratios = {
        "(i) backfill SQL / one-window-over-all SQL (<= 1.5 wanted)": ratio(summary["backfill_sql"], summary["one_window_sql"]),
        "(ii) daily runs SQL / backfill SQL (>= 10 wanted)": ratio(summary["daily_runs_sql"], summary["backfill_sql"]),
        "(ii') daily dbt builds / backfill dbt build (>= 10 wanted)": ratio(summary["daily_runs_build"], summary["backfill_build"]),
        "one-window-over-all SQL / raw scan of all windows": ratio(summary["one_window_sql"], summary["raw_scan_all_windows_sql"]),
        "backfill SQL / raw scan of all windows": ratio(summary["backfill_sql"], summary["raw_scan_all_windows_sql"]),
    }

    # values: the backfill's row for a window = the one-window run's row for that day
    agreement = None
    if "backfill" in projects:
        bf = observation_rows(db, cap / "backfill.json")
        checked = [days[0], days[len(days) // 2], days[-1]]
        agreement = {str(d): compare(bf, observation_rows(db, cap / f"daily_{d}.json")) for d in sorted(set(checked))}

    # (iii) incremental: the backfill project one day later (the new window = day W)
    incremental: dict = {"measured": False}
    if a.skip_incremental:
        incremental["reason"] = "--skip-incremental"
    elif not ("backfill" in projects and result["incremental_supported"]):
        incremental["reason"] = ("the package has no metric store with incremental refresh yet (issue #14, "
                                 "otstore branch)" if "backfill" in projects else "no windows: argument")
    else:
        incremental.update(run_incremental(projects["backfill"], cap, cfg, n, W, a.repeat))
        ratios["(iii) incremental SQL / raw scan of the new window (<= 3 wanted)"] = incremental.get("ratio")

    result.update(summary=summary, runs=runs, ratios=ratios, agreement=agreement, incremental=incremental,
                  per_test_backfill_build=builds["backfill"][-1]["per_test"] if builds["backfill"] else None,
                  per_test_one_window_build=builds["one_window"][-1]["per_test"] if builds["one_window"] else None,
                  load_average_at_end=run_bench.load_average(), total_seconds=round(time.perf_counter() - started, 1))
    print(f"\nml_monitor windows benchmark: {W} daily windows x {n:,} rows ({W * n:,} rows), psi against "
          f"{a.psi}; medians of {a.repeat} runs; load average at start {result['load_average_at_start']}, "
          f"at end {result['load_average_at_end']}")
    print(f"  {'':52} {'SQL':>9} {'dbt build':>10}")
    rows = [(f"raw scan of the {W} windows' rows", summary["raw_scan_all_windows_sql"], None),
            (f"suite, one window of {W} days", summary["one_window_sql"], summary["one_window_build"]),
            (f"suite, windows: {W} (backfill)", summary["backfill_sql"], summary["backfill_build"]),
            (f"suite, {W} one-window runs" + (f" (from {len(days)})" if len(days) < W else ""),
             summary["daily_runs_sql"], summary["daily_runs_build"])]
    for label, x, y in rows:
        print(f"  {label:52} {fmt_s(x):>9} {fmt_s(y):>10}")
    if incremental.get("measured"):
        print(f"  {'incremental run (one new window)':52} {fmt_s(incremental['sql']):>9} {fmt_s(incremental['build']):>10}")
        print(f"  {'raw scan of the new window':52} {fmt_s(incremental['raw_scan']):>9}")
    for k, v in ratios.items():
        print(f"  {k}: {v}")
    if not incremental.get("measured"):
        print(f"  (iii) not measured: {incremental.get('reason')}")
    if agreement:
        for d, ag in agreement.items():
            print(f"  day {d}: backfill vs one-window run: {ag['compared']} values, max |diff| {ag['max_abs_diff']:.3g}, "
                  f"{ag['n_missing']} rows missing in the backfill")
    name = a.name or f"windows_{n}x{W}_{datetime.now().strftime('%Y%m%d_%H%M%S')}.json"
    path = a.out / name
    path.write_text(json.dumps(result, indent=1, default=float))
    print(f"\nresults: {path} (total {result['total_seconds']} s)")
    return 0


def run_incremental(project: Path, cap: Path, cfg: dict, n: int, W: int, repeat: int) -> dict:
    """After the backfill (as_of = day W), run the same project at as_of = day W + 1: the store has
    windows 0..W-1, so only window W is new. The statements of that run are replayed as for (b)
    (they read the data, not the store); the floor is a raw scan of window W's rows and labels."""
    log("incremental: dbt build one day later (captures the statements)")
    build(project, W)                                   # the backfill into the store
    inc = build(project, W + 1, capture_to=cap / "incremental.json")
    where = f"ts >= timestamp '{ts_of(W)}' and ts < timestamp '{ts_of(W + 1)}'"
    sql, raw = [], []
    for i in range(repeat):
        log(f"run {i + 1}/{repeat}: incremental SQL and the raw scan of the new window")
        raw.append(run_bench.run_worker("raw_scan", {**cfg, "where": where, "reference": False,
                                                     "labels_where": f"id >= {W * n} and id < {(W + 1) * n}"}))
        sql.append(run_bench.run_worker("suite_sql_many", {**cfg, "statement_files": [str(cap / "incremental.json")]}))
    out = {"measured": True, "sql": median([r["seconds"] for r in sql]), "raw_scan": median([r["seconds"] for r in raw]),
           "build": inc["seconds"], "runs_sql": [round(r["seconds"], 3) for r in sql],
           "runs_raw_scan": [round(r["seconds"], 3) for r in raw], "new_window_rows": raw[-1]["values"]["rows"]}
    out["ratio"] = round(out["sql"] / out["raw_scan"], 2) if out["raw_scan"] else None
    return out


if __name__ == "__main__":
    sys.exit(main())
