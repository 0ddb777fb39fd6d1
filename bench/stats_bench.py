"""Issue #17 in the benchmark: the newer drift statistics and a multiclass model beside the raw scan.

    python bench/stats_bench.py                       # 1M current + 1M reference rows, 1M multiclass rows
    python bench/stats_bench.py --rows 100000 --repeat 1 --evidently off     # a quick look

The project is bench/suite.py's suite (reference variant) with ``stats17=True``: the six tests of
the main benchmark plus, on the same columns and reference, ``ks_drift`` (D and ``statistic:
ks_pvalue``), ``wasserstein_drift`` (normed and raw), ``binned_drift`` (hellinger and
total_variation on the 15 features; linf and chi2_pvalue on the 5 categorical ones, beside a
``psi_drift`` on the same 5), ``prediction_drift`` with ``statistic: hellinger``, and a multiclass
``performance`` test (4 classes, the issue's nine metrics, ``per_class``, ``segment_by``) on a
second model (``mc_predictions`` joined to ``mc_labels``; bench/generate.py ``generate_multiclass``).

Timed, each in its own process started from bench/launch.py (medians of ``--repeat`` runs):
  raw scan      bench/worker.py raw_scan (predictions + reference + labels, as the main bench) and
                a scan of the multiclass tables (count / sum of every column the test reads)
  suite SQL     the statements dbt sent, replayed in DuckDB (per test: compile-time queries + test query)
  dbt build     the whole project
  pandas        bench/pandas_impl.py run_stats17: scipy / scikit-learn, per statistic
  Evidently     bench/evidently_impl.py (its own venv), the statistics it has, per statistic

Not timed: "no extra scan", from DuckDB's physical plan (``EXPLAIN (FORMAT JSON)``) of every
statement of every test: the table scans per relation, and the values of each test beside
scipy / scikit-learn (largest difference per statistic).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
import run_bench  # noqa: E402
import suite  # noqa: E402
import worker  # noqa: E402

log = run_bench.log

# test -> (pandas / Evidently group, floor, what it compares with for "no extra scan")
TESTS17 = {
    "bench_psi_drift": ("psi", "drift", None),
    "bench_hellinger": ("hellinger", "drift", "bench_psi_drift"),
    "bench_total_variation": ("total_variation", "drift", "bench_psi_drift"),
    "bench_psi_categorical": ("psi", "drift", None),
    "bench_linf": ("linf", "drift", "bench_psi_categorical"),
    "bench_chi2_pvalue": ("chi2_pvalue", "drift", "bench_psi_categorical"),
    "bench_ks_drift": ("ks", "drift", None),
    "bench_ks_pvalue": ("ks_pvalue", "drift", "bench_ks_drift"),
    "bench_wasserstein_norm": ("wasserstein_norm", "drift", "bench_ks_drift"),
    "bench_wasserstein": ("wasserstein", "drift", "bench_ks_drift"),
    "bench_prediction_drift": ("prediction_drift", "drift", None),
    "bench_prediction_drift_hellinger": ("prediction_drift_hellinger", "drift", "bench_prediction_drift"),
    "bench_performance": ("performance", "drift", None),
    "bench_mc_performance": ("multiclass", "multiclass", "bench_performance"),
}


# ---------------------------------------------------------------------------------------------
# the two workers of this bench (run as `python bench/stats_bench.py --worker <name> <json>`)

def raw_scan_multiclass(cfg: dict) -> dict:
    """The floor of the multiclass test: count(*) plus count / sum of every column it reads."""
    con = worker._connect(cfg)
    probs = [f"p_{c}" for c in cfg["classes"]]
    parts = ["count(*)", "count(id)", "sum(id)", "count(segment)", "count(y_pred)"]
    parts += [f"count({p}), sum({p})" for p in probs]
    t0 = time.perf_counter()
    cur = con.execute(f"select {', '.join(parts)} from raw.mc_predictions").fetchall()
    lab = con.execute("select count(*), count(id), sum(id), count(y_true) from raw.mc_labels").fetchall()
    return {"seconds": time.perf_counter() - t0, "values": {"rows": cur[0][0], "label_rows": lab[0][0]}}


def pandas_stats17(cfg: dict) -> dict:
    import pandas_impl
    return pandas_impl.run_stats17(Path(cfg["data_dir"]), cfg["numeric"], cfg["categorical"], cfg["classes"],
                                   cfg.get("ks_columns"))


WORKERS = {"raw_scan_multiclass": raw_scan_multiclass, "pandas_stats17": pandas_stats17}


def run_own_worker(name: str, cfg: dict) -> dict:
    r = run_bench.run_measured([sys.executable, str(Path(__file__).resolve()), "--worker", name, json.dumps(cfg)])
    if r["returncode"] != 0:
        raise RuntimeError(f"worker {name} failed:\n{r['stderr'][-3000:]}")
    res = json.loads(r["stdout"].strip().splitlines()[-1])
    res.update(wall=r["wall"], peak_rss_mb=r["peak_rss_mb"])
    return res


# ---------------------------------------------------------------------------------------------
# not timed: scans in DuckDB's plan, and the values

def _scans(plan, out: dict) -> None:
    if isinstance(plan, dict):
        info = plan.get("extra_info") or {}
        table = info.get("Table") if isinstance(info, dict) else None
        if table:
            out[table.split(".")[-1]] = out.get(table.split(".")[-1], 0) + 1
        for child in plan.get("children", []):
            _scans(child, out)
    elif isinstance(plan, list):
        for p in plan:
            _scans(p, out)


def plan_scans(db: str, statements: list[dict], memory_limit: str | None = None) -> dict:
    """Per test: base-table scans in DuckDB's physical plan of its compile-time queries and of its
    test query, by table (the bench's models are views over raw.*: a scan names the table)."""
    con = worker._connect({"db": db, "memory_limit": memory_limit})
    out: dict = {}
    for s in statements:
        key = s["node"].split(".")[2] if s["node"].startswith("test.") else s["node"]
        plan = json.loads(con.execute("explain (format json) " + s["sql"]).fetchall()[0][1])
        scans: dict = {}
        _scans(plan, scans)
        entry = out.setdefault(key, {"compile_time": {}, "test_query": {}, "compile_time_statements": 0})
        part = entry["compile_time" if s["kind"] == "compile-time" else "test_query"]
        if s["kind"] == "compile-time":
            entry["compile_time_statements"] += 1
        for t, n in scans.items():
            part[t] = part.get(t, 0) + n
    return out


def sql_values(db: str, statements: list[dict], memory_limit: str | None = None) -> dict:
    """Observation rows of every test's compiled SQL: {test: [{column, segment, metric, value, status}]}."""
    con = worker._connect({"db": db, "memory_limit": memory_limit})
    out: dict = {}
    for s in statements:
        if s["kind"] != "test":
            continue
        cur = con.execute(s["sql"])
        names = [d[0] for d in cur.description]
        out[s["node"]] = [{k: d[k] for k in ("column_name", "segment_value", "metric", "value", "status")}
                          for d in (dict(zip(names, r)) for r in cur.fetchall())]
    return out


def agreement(sql: dict, pandas_values: dict, evidently_values: dict | None) -> dict:
    """Largest |SQL - scipy/sklearn| per test (and Evidently where its definition is the same)."""
    metric_of = {"bench_hellinger": "hellinger", "bench_total_variation": "total_variation", "bench_linf": "linf",
                 "bench_chi2_pvalue": "chi2_pvalue", "bench_ks_drift": "ks", "bench_ks_pvalue": "ks_pvalue",
                 "bench_wasserstein_norm": "wasserstein_norm", "bench_wasserstein": "wasserstein"}
    out: dict = {}
    for test, metric in metric_of.items():
        diffs, ev_diffs, samples = [], [], {}
        for row in sql.get(test, []):
            if row["segment_value"] is not None or row["metric"] != metric:
                continue
            col = row["column_name"]
            theirs = (pandas_values.get(col) or {}).get(metric)
            if row["value"] is not None and theirs is not None:
                diffs.append(abs(row["value"] - theirs))
                samples[col] = {"sql": row["value"], "scipy": theirs}
            ev = ((evidently_values or {}).get(metric) or {}).get(col)
            if ev is not None and row["value"] is not None:
                samples.setdefault(col, {})["evidently"] = ev
                ev_diffs.append(abs(row["value"] - ev))
        out[test] = {"compared": len(diffs), "max_abs_diff": max(diffs) if diffs else None,
                     "evidently_max_abs_diff": max(ev_diffs) if ev_diffs else None, "values": samples}
    score = [r for r in sql.get("bench_prediction_drift_hellinger", [])
             if r["segment_value"] is None and r["metric"] == "hellinger"]
    theirs = (pandas_values.get("score") or {}).get("hellinger")
    out["bench_prediction_drift_hellinger"] = {
        "compared": 1 if score and theirs is not None else 0,
        "max_abs_diff": abs(score[0]["value"] - theirs) if score and theirs is not None else None,
        "values": {"score": {"sql": score[0]["value"] if score else None, "scipy": theirs}}}
    mc = pandas_values.get("multiclass") or {}
    diffs, worst = [], None
    for row in sql.get("bench_mc_performance", []):
        seg = row["segment_value"] if row["segment_value"] is not None else "(all)"
        theirs = (mc.get(seg) or {}).get(row["metric"])
        if row["value"] is None or theirs is None or theirs != theirs:
            continue
        d = abs(row["value"] - theirs)
        diffs.append(d)
        if worst is None or d > worst[0]:
            worst = (d, seg, row["metric"])
    overall = {r["metric"]: r["value"] for r in sql.get("bench_mc_performance", []) if r["segment_value"] is None}
    out["bench_mc_performance"] = {"compared": len(diffs), "max_abs_diff": max(diffs) if diffs else None,
                                   "worst": list(worst) if worst else None,
                                   "values": {m: {"sql": overall.get(m), "sklearn": (mc.get("(all)") or {}).get(m)}
                                              for m in suite.MC_METRICS}}
    return out


# ---------------------------------------------------------------------------------------------

def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="current = reference = multiclass rows (default 1M)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--evidently", choices=["auto", "on", "off"], default="auto",
                    help="auto: when bench/.venv-evidently exists")
    ap.add_argument("--evidently-repeat", type=int, default=1)
    ap.add_argument("--duckdb-memory-limit", default="2GB", metavar="SIZE",
                    help="DuckDB memory_limit in the profile and the replays (default 2GB: at 1M rows, KS and "
                         "Wasserstein over 10 columns held 8 GB without it, and the machine is shared)")
    ap.add_argument("--ks-columns", type=int, default=None, metavar="N",
                    help="KS / Wasserstein tests on the first N numeric columns only (default all 10): at 1M rows "
                         "they group every distinct value of both samples, minutes per column on a loaded machine")
    ap.add_argument("--reuse-warmup", action="store_true",
                    help="skip the warm-up build when the project's captured SQL (statements.json) exists")
    ap.add_argument("--skip-dbt-build", action="store_true", help="no timed dbt builds (the warm-up one still runs)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--work-dir", type=Path, default=HERE / "work")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--name", default=None, help="result file (default stats17_<rows>.json)")
    a = ap.parse_args(argv)
    a.work_dir, a.out = a.work_dir.resolve(), a.out.resolve()
    a.work_dir.mkdir(parents=True, exist_ok=True)
    a.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result: dict = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "machine": run_bench.machine(), "load_average_at_start": run_bench.load_average(),
                    "rows": a.rows, "repeat": a.repeat, "duckdb_memory_limit": a.duckdb_memory_limit}
    run_ev = a.evidently == "on" or (a.evidently == "auto" and run_bench.EVIDENTLY_PY.exists())

    # data (the main bench's data set, shared) + the multiclass tables; the project; warm-up
    data_dir = a.work_dir / f"data_{a.rows}_{a.rows}_10n5c_s{a.seed}"
    log(f"data: {a.rows:,} + {a.rows:,} rows, + {a.rows:,} multiclass rows")
    manifest = generate.generate(data_dir, a.rows, a.rows, 10, 5, a.seed, parquet=True, quiet=True)
    generate.generate_multiclass(data_dir, a.rows, a.seed, parquet=True)
    numeric, categorical, classes = manifest["numeric"], manifest["categorical"], generate.MC_CLASSES
    ks_columns = numeric[:a.ks_columns] if a.ks_columns else numeric
    result["ks_columns"] = ks_columns
    db = data_dir / "bench.duckdb"
    project = suite.write_project(data_dir / "project_stats17", db, numeric, categorical, "reference",
                                  stats17=True, mc_classes=classes, memory_limit=a.duckdb_memory_limit,
                                  ks_columns=ks_columns)
    if a.reuse_warmup and (project / "statements.json").is_file() and (project / "warmup.json").is_file():
        log("reusing the warm-up build's captured SQL")
        warm = json.loads((project / "warmup.json").read_text())
    else:
        log("warm-up dbt build (debug log: captures the SQL)")
        warm = run_bench.dbt_build(project, log_level_file="debug")
        run_bench.capture_statements(project)
        (project / "warmup.json").write_text(json.dumps(warm))
    statements = json.loads((project / "statements.json").read_text())
    result["failed_tests"] = warm["failed_tests"]
    result["warmup_build"] = {"seconds": warm["seconds"], "per_test": warm["per_test"], "peak_rss_mb": warm["peak_rss_mb"]}

    cfg = {"db": str(db), "project": str(project), "data_dir": str(data_dir), "numeric": numeric,
           "categorical": categorical, "classes": classes, "memory_limit": a.duckdb_memory_limit,
           "ks_columns": ks_columns}
    runs: dict = {k: [] for k in ("raw_scan", "raw_scan_multiclass", "suite_sql", "dbt_build", "pandas", "evidently")}
    for i in range(a.repeat):
        log(f"run {i + 1}/{a.repeat} (load {run_bench.load_average()[0]}): raw scans")
        runs["raw_scan"].append(run_bench.run_worker("raw_scan", cfg))
        runs["raw_scan_multiclass"].append(run_own_worker("raw_scan_multiclass", cfg))
        log("suite SQL")
        runs["suite_sql"].append(run_bench.run_worker("suite_sql", cfg))
        if not a.skip_dbt_build:
            log("dbt build")
            runs["dbt_build"].append(run_bench.dbt_build(project))
        log("pandas / scipy / scikit-learn")
        runs["pandas"].append(run_own_worker("pandas_stats17", cfg))
        for r in runs.values():
            if r:
                r[-1]["load_average_1m"] = run_bench.load_average()[0]
    if run_ev:
        for i in range(a.evidently_repeat):
            log(f"Evidently {i + 1}/{a.evidently_repeat}")
            r = run_bench.run_measured([str(run_bench.EVIDENTLY_PY), str(HERE / "evidently_impl.py"), str(data_dir),
                                        json.dumps({**cfg, "mode": "stats17"})])
            if r["returncode"] != 0:
                raise RuntimeError(f"evidently failed:\n{r['stderr'][-3000:]}")
            res = json.loads(r["stdout"].strip().splitlines()[-1])
            res.update(wall=r["wall"], peak_rss_mb=r["peak_rss_mb"])
            runs["evidently"].append(res)

    log("plans (EXPLAIN) and values")
    scans = plan_scans(str(db), statements, a.duckdb_memory_limit)
    values = sql_values(str(db), statements, a.duckdb_memory_limit)
    ev_values = runs["evidently"][-1]["values"] if runs["evidently"] else None
    agree = agreement(values, runs["pandas"][-1]["values"], ev_values)

    floors = {"drift": _median([r["seconds"] for r in runs["raw_scan"]]),
              "multiclass": _median([r["seconds"] for r in runs["raw_scan_multiclass"]])}
    tests = {}
    for test, (group, floor, compare) in TESTS17.items():
        per = [r["per_test"].get(test) for r in runs["suite_sql"]]
        sql = _median([p["compile_time_queries"] + p["test_query"] for p in per if p])
        pandas_t = _median([r["times"].get(group) for r in runs["pandas"]])
        ev_t = _median([r["times"].get(group) for r in runs["evidently"]]) if runs["evidently"] else None
        tests[test] = {
            "sql_seconds": sql,
            "compile_time_seconds": _median([p["compile_time_queries"] for p in per if p]),
            "test_query_seconds": _median([p["test_query"] for p in per if p]),
            "dbt_build_seconds": _median([r["per_test"].get(test) for r in runs["dbt_build"]]),
            "floor": floor, "x_raw_scan": round(sql / floors[floor], 2) if sql and floors[floor] else None,
            "compared_with": compare, "pandas_seconds": pandas_t, "evidently_seconds": ev_t,
            "scans": scans.get(test)}
    summary = {k: {"seconds": _median([r["seconds"] for r in v]), "peak_rss_mb": _median([r.get("peak_rss_mb") for r in v]),
                   "runs_seconds": [round(r["seconds"], 3) for r in v],
                   "load_average_1m": [r.get("load_average_1m") for r in v]} for k, v in runs.items() if v}
    summary["pandas"]["load_seconds"] = _median([r["times"]["load"] for r in runs["pandas"]])
    if runs["evidently"]:
        summary["evidently"]["load_seconds"] = _median([r["times"]["load"] for r in runs["evidently"]])
    if ev_values:
        result["evidently_multiclass_overall"] = ev_values["multiclass"].get("(all)")
        result["evidently_multiclass_errors"] = ev_values.get("multiclass_errors")
    result.update(floors=floors, tests=tests, summary=summary, agreement=agree,
                  load_average_at_end=run_bench.load_average(), total_seconds=round(time.perf_counter() - started, 1))
    name = a.name or f"stats17_{a.rows}.json"
    (a.out / name).write_text(json.dumps(result, indent=1, default=float))
    print(report(result))
    print(f"\nresults: {a.out / name} (total {result['total_seconds']} s)")
    return 0


def report(res: dict) -> str:
    f = run_bench.fmt_s
    fl = res["floors"]
    s = res["summary"]
    lines = [f"issue #17 statistics and multiclass: {res['rows']:,} + {res['rows']:,} rows (+ {res['rows']:,} multiclass "
             f"predictions); medians of {res['repeat']} runs; load average {res['load_average_at_start']} -> "
             f"{res['load_average_at_end']}",
             f"raw scan (predictions + reference + labels): {f(fl['drift'])}; multiclass tables: {f(fl['multiclass'])}",
             f"whole project: suite SQL {f(s['suite_sql']['seconds'])} "
             f"({s['suite_sql']['seconds'] / (fl['drift'] + fl['multiclass']):.1f}x both raw scans), "
             f"dbt build {f((s.get('dbt_build') or {}).get('seconds'))}, pandas {f(s['pandas']['seconds'])}"
             + (f", Evidently {f(s['evidently']['seconds'])}" if "evidently" in s else ""), "",
             f"{'test':34} {'SQL':>8} {'x scan':>7} {'vs':>24} {'pandas':>8} {'Evidently':>9} {'scans cur/ref':>13}"]
    for test, t in res["tests"].items():
        sc = t["scans"] or {}
        q = sc.get("test_query", {})
        c = sc.get("compile_time", {})
        if t["floor"] == "multiclass":
            scan = f"{q.get('mc_predictions', 0)}/{q.get('mc_labels', 0)}"
        elif test == "bench_performance":
            scan = f"{q.get('predictions', 0)}/{q.get('labels', 0)}"
        else:
            scan = f"{q.get('predictions', 0)}/{q.get('reference', 0)}+{c.get('reference', 0)}"
        vs = ""
        if t["compared_with"]:
            other = res["tests"][t["compared_with"]]["sql_seconds"]
            vs = f"{t['sql_seconds'] / other:.2f}x {t['compared_with'][6:]}" if other else ""
        ratio = f"{t['x_raw_scan']}x" if t["x_raw_scan"] is not None else "—"
        lines.append(f"{test:34} {f(t['sql_seconds']):>8} {ratio:>7} {vs:>24} {f(t['pandas_seconds']):>8} "
                     f"{f(t['evidently_seconds']):>9} {scan:>13}")
    lines.append("scans: base-table scans in DuckDB's plan, test query current/reference (+ compile-time reference "
                 "reads); performance: predictions/labels")
    lines.append("")
    lines.append("largest |SQL - scipy/scikit-learn| (overall rows; multiclass: every row):")
    for test, g in res["agreement"].items():
        ev = g.get("evidently_max_abs_diff")
        lines.append(f"  {test:34} {g['max_abs_diff'] if g['max_abs_diff'] is not None else '—':<24} over {g['compared']}"
                     + (f"; Evidently {ev:.3g}" if ev is not None else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        out = WORKERS[sys.argv[2]](json.loads(sys.argv[3]))
        out["own_vmhwm_mb"] = worker.own_peak_mb()
        print(json.dumps(out, default=float))
        sys.exit(0)
    sys.exit(main())
