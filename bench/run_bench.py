"""ml_monitor benchmark: the monitoring suite in the warehouse vs the raw scan and the pandas tools.

    make bench                                   # default: 1M current + 1M reference rows, 3 runs
    python bench/run_bench.py --rows 10000000 --evidently on    # the large case (~15-20 min)
    python bench/run_bench.py --scaling          # + 1M/2M/5M/10M rows and 5/15/30 columns

Approaches (each run in its own process, forked from a small launcher, bench/launch.py, so that
its peak RSS from wait4 is its own and not the benchmark's; see launch.py):
  (a) raw_scan        DuckDB count(*) + count/sum of every column the suite reads (the floor)
  (b) suite_sql       the SQL the suite's tests ran (compile-time reference queries + compiled
                      test SQL), executed directly in DuckDB, without dbt
  (c) dbt_build       `dbt build` of the generated project (views, tests, history hook), wall time
                      of the dbt process
  (d) baseline_sql    (b) with psi_drift and prediction_drift on a frozen baseline (no reference quantiles)
  (d') baseline_build (c) with the frozen baseline
  (e) pandas          bench/pandas_impl.py (read parquet + numpy/scikit-learn)
  (f) evidently       Evidently 0.7 DataDriftPreset(method="psi") + DataSummaryPreset, own venv

Times of (a), (b), (d), (e), (f) are measured inside the process around the work itself
(interpreter and library imports excluded); (c) is the whole dbt process, as a user sees it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
import suite  # noqa: E402
import worker  # noqa: E402

EVIDENTLY_PY = HERE / ".venv-evidently" / "bin" / "python"
LABELS = {
    "raw_scan": "(a) DuckDB raw scan of the same columns",
    "suite_sql": "(b) suite SQL alone (DuckDB, no dbt)",
    "dbt_build": "(c) suite end to end: dbt build",
    "baseline_sql": "(d) suite SQL, frozen baseline",
    "baseline_build": "(d') dbt build, frozen baseline",
    "pandas": "(e) pandas / numpy / scikit-learn",
    "evidently": "(f) Evidently 0.7 (drift preset + summary)",
}


def log(msg: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_measured(cmd: list[str], cwd: Path | None = None) -> dict:
    """Run ``cmd`` through bench/launch.py; its wall time and its own peak RSS.

    The command is forked from the small launcher, not from this process: a child forked from
    the benchmark (which holds the generated data, ~0.9 GB at 1M rows) would report this
    process's size as its peak (see launch.py)."""
    import tempfile
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", PYTHONWARNINGS="ignore")
    fd, result_path = tempfile.mkstemp(prefix="ml_monitor_bench_", suffix=".json")
    os.close(fd)
    try:
        proc = subprocess.run([sys.executable, str(HERE / "launch.py"), result_path, "--", *cmd],
                              cwd=cwd, env=env, capture_output=True, text=True)
        try:
            with open(result_path) as f:
                measured = json.load(f)
        except ValueError:         # the launcher itself failed before the command ended
            measured = {"returncode": proc.returncode, "wall": None, "peak_rss_mb": None}
    finally:
        os.unlink(result_path)
    return {"wall": measured["wall"], "peak_rss_mb": measured["peak_rss_mb"], "returncode": measured["returncode"],
            "stdout": proc.stdout, "stderr": proc.stderr}


def run_worker(approach: str, cfg: dict) -> dict:
    r = run_measured([sys.executable, str(HERE / "worker.py"), approach, json.dumps(cfg)])
    if r["returncode"] != 0:
        raise RuntimeError(f"worker {approach} failed:\n{r['stderr'][-3000:]}")
    res = json.loads(r["stdout"].strip().splitlines()[-1])
    res.update(wall=r["wall"], peak_rss_mb=r["peak_rss_mb"])
    return res


def run_evidently(data_dir: Path, cfg: dict) -> dict:
    r = run_measured([str(EVIDENTLY_PY), str(HERE / "evidently_impl.py"), str(data_dir), json.dumps(cfg)])
    if r["returncode"] != 0:
        raise RuntimeError(f"evidently failed:\n{r['stderr'][-3000:]}")
    res = json.loads(r["stdout"].strip().splitlines()[-1])
    res.update(wall=r["wall"], peak_rss_mb=r["peak_rss_mb"])
    return res


def dbt_build(project: Path, log_level_file: str = "info") -> dict:
    cmd = [suite.DBT, "build", "--project-dir", str(project), "--profiles-dir", str(project),
           "--log-level-file", log_level_file]
    r = run_measured(cmd, cwd=project)
    rr = project / "target" / "run_results.json"
    if not rr.is_file():
        raise RuntimeError(f"dbt build did not run in {project} ({r['returncode']}):\n{r['stdout'][-4000:]}{r['stderr'][-2000:]}")
    results = json.loads(rr.read_text())
    errors = [x["unique_id"] for x in results["results"] if x["status"] in ("error", "runtime error", "skipped")]
    if r["returncode"] not in (0, 1) or errors:
        raise RuntimeError(f"dbt build failed in {project} ({r['returncode']}, errors: {errors}):\n{r['stdout'][-4000:]}")
    per_test = {x["unique_id"].split(".")[2]: round(x["execution_time"], 3) for x in results["results"]
                if x["unique_id"].startswith("test.")}
    return {"seconds": r["wall"], "wall": r["wall"], "peak_rss_mb": r["peak_rss_mb"],
            "dbt_elapsed": results.get("elapsed_time"), "per_test": per_test,
            "failed_tests": sorted(x["unique_id"].split(".")[2] for x in results["results"] if x["status"] == "fail")}


def capture_statements(project: Path) -> int:
    """After a debug-level dbt build: keep the statements to replay for (b)/(d)."""
    stmts = worker.suite_statements(project)
    (project / "statements.json").write_text(json.dumps(stmts))
    return len(stmts)


def evidently_mode_psi(project: Path, features: list[str]) -> dict:
    """ml_monitor's psi with binning: evidently on the same data (untimed; for the agreement table)."""
    inline = ("{{ ml_monitor.psi(ref('predictions'), columns=" + json.dumps(features) +
              ", reference=ref('reference'), binning='evidently') }}")
    cmd = [suite.DBT, "--quiet", "show", "--inline", inline, "--limit", "1000", "--output", "json",
           "--project-dir", str(project), "--profiles-dir", str(project)]
    r = run_measured(cmd, cwd=project)
    text = r["stdout"]
    try:
        data = json.loads(text[text.index("{"):])
    except ValueError:
        log(f"dbt show (binning: evidently) failed: {text[-1500:]}")
        return {}
    return {row["column_name"]: row["value"] for row in data.get("show", [])
            if row.get("metric") == "psi" and row.get("segment_column") is None}


def prepare(work: Path, rows: int, ref_rows: int, n_num: int, n_cat: int, seed: int,
            numeric: list[str] | None = None, categorical: list[str] | None = None,
            baseline: bool = True, parquet: bool = True, memory_limit: str | None = None) -> dict:
    """Data set + the two projects, warmed up (one untimed dbt build each) and SQL captured."""
    data_dir = work / f"data_{rows}_{ref_rows}_{n_num}n{n_cat}c_s{seed}"
    log(f"data: {rows:,} current + {ref_rows:,} reference rows, {n_num} numeric + {n_cat} categorical")
    manifest = generate.generate(data_dir, rows, ref_rows, n_num, n_cat, seed, parquet=parquet, quiet=True)
    numeric = numeric or manifest["numeric"]
    categorical = categorical or manifest["categorical"]
    tag = f"{len(numeric)}n{len(categorical)}c"
    db = data_dir / "bench.duckdb"
    p_ref = suite.write_project(data_dir / f"project_reference_{tag}", db, numeric, categorical, "reference",
                                memory_limit=memory_limit)
    log("warm-up dbt build (reference), capturing the suite's SQL")
    dbt_build(p_ref, log_level_file="debug")
    capture_statements(p_ref)
    p_base = None
    if baseline:
        p_base = suite.write_project(data_dir / f"project_baseline_{tag}", db, numeric, categorical, "baseline",
                                     memory_limit=memory_limit)
        log("freezing the baseline (dbt run-operation ml_monitor.freeze_baseline)")
        t0 = time.perf_counter()
        suite.freeze_baseline(p_base, numeric + categorical)
        freeze_seconds = time.perf_counter() - t0
        log("warm-up dbt build (frozen baseline), capturing the suite's SQL")
        dbt_build(p_base, log_level_file="debug")
        capture_statements(p_base)
    return {"data_dir": data_dir, "db": db, "numeric": numeric, "categorical": categorical, "memory_limit": memory_limit,
            "p_ref": p_ref, "p_base": p_base, "freeze_seconds": freeze_seconds if baseline else None}


def _median(runs: list[dict], key: str):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def measure(ctx: dict, approaches: list[str], repeat: int, evidently_repeat: int | None = None) -> dict:
    cfg = {"db": str(ctx["db"]), "data_dir": str(ctx["data_dir"]), "numeric": ctx["numeric"],
           "categorical": ctx["categorical"], "memory_limit": ctx.get("memory_limit")}
    runs: dict = {a: [] for a in approaches}
    for i in range(repeat):
        for a in approaches:
            if a == "evidently" and evidently_repeat is not None and i >= evidently_repeat:
                continue
            log(f"run {i + 1}/{repeat}: {a} (load {load_average()[0]})")
            if a == "raw_scan":
                r = run_worker("raw_scan", cfg)
            elif a == "suite_sql":
                r = run_worker("suite_sql", {**cfg, "project": str(ctx["p_ref"])})
            elif a == "baseline_sql":
                r = run_worker("suite_sql", {**cfg, "project": str(ctx["p_base"])})
            elif a == "dbt_build":
                r = dbt_build(ctx["p_ref"])
            elif a == "baseline_build":
                r = dbt_build(ctx["p_base"])
            elif a == "pandas":
                r = run_worker("pandas", cfg)
            elif a == "evidently":
                r = run_evidently(ctx["data_dir"], cfg)
            else:
                raise ValueError(a)
            r["load_average_1m"] = load_average()[0]
            runs[a].append(r)
    summary = {}
    for a, rs in runs.items():
        summary[a] = {
            "label": LABELS[a],
            "seconds": _median(rs, "seconds"),
            "peak_rss_mb": _median(rs, "peak_rss_mb"),
            "process_wall": _median(rs, "wall"),
            "runs_seconds": [round(r["seconds"], 3) for r in rs],
            "runs_peak_rss_mb": [round(r["peak_rss_mb"], 1) for r in rs],
            "load_average_1m": [r["load_average_1m"] for r in rs],
        }
        for extra in ("load_seconds", "compute_seconds", "dbt_elapsed", "own_vmhwm_mb"):
            if rs and rs[0].get(extra) is not None:
                summary[a][extra] = _median(rs, extra)
        if rs and rs[-1].get("per_test"):
            summary[a]["per_test_last_run"] = rs[-1]["per_test"]
        if rs and rs[-1].get("failed_tests") is not None:
            summary[a]["failed_tests"] = rs[-1]["failed_tests"]
    values = {a: rs[-1].get("values") for a, rs in runs.items() if rs and rs[-1].get("values")}
    return {"summary": summary, "values": values}


def agreement(values: dict, c_values: dict | None, ev_mode: dict | None, features: list[str]) -> dict:
    """A few PSI and AUC values side by side, and the largest difference from (b)."""
    b = values.get("suite_sql") or {}
    cols = [c for c in features if c in ("num_0", "num_3", "num_6", "num_1", "cat_1", "cat_4")][:6] or features[:4]
    table: dict = {"psi": {}, "roc_auc": {}, "max_abs_diff_vs_suite_sql": {}}
    sources = {"suite_sql": b, "dbt_build": c_values or {}, "baseline_sql": values.get("baseline_sql") or {},
               "pandas": values.get("pandas") or {}}
    for col in cols:
        table["psi"][col] = {k: (v.get("psi") or {}).get(col) for k, v in sources.items() if v}
        if values.get("evidently"):
            table["psi"][col]["evidently"] = values["evidently"]["psi_evidently"].get(col)
            if ev_mode:
                table["psi"][col]["ml_monitor binning=evidently"] = ev_mode.get(col)
    segs = ["(all)", "seg_0", "seg_5", "seg_7"]
    for s in segs:
        table["roc_auc"][s] = {k: ((v.get("performance") or {}).get(s) or {}).get("roc_auc")
                               for k, v in sources.items() if v}
    for k, v in sources.items():
        if not v or k == "suite_sql" or not b:
            continue
        diffs = []
        for col in features:
            x, y = (b.get("psi") or {}).get(col), (v.get("psi") or {}).get(col)
            if x is not None and y is not None:
                diffs.append(abs(x - y))
        for s, m in (b.get("performance") or {}).items():
            for metric in ("accuracy", "f1", "roc_auc"):
                x, y = m.get(metric), ((v.get("performance") or {}).get(s) or {}).get(metric)
                if x is not None and y is not None:
                    diffs.append(abs(x - y))
        for group in ("null_rate", "value_range"):
            for col, x in (b.get(group) or {}).items():
                y = (v.get(group) or {}).get(col)
                if x is not None and y is not None:
                    diffs.append(abs(x - y))
        x, y = (b.get("prediction_drift") or {}).get("psi"), (v.get("prediction_drift") or {}).get("psi")
        if x is not None and y is not None:
            diffs.append(abs(x - y))
        table["max_abs_diff_vs_suite_sql"][k] = {"max": max(diffs) if diffs else None, "compared": len(diffs)}
    if values.get("evidently") and ev_mode:
        d = [abs(values["evidently"]["psi_evidently"][c] - ev_mode[c]) for c in features
             if c in ev_mode and values["evidently"]["psi_evidently"].get(c) is not None and ev_mode[c] is not None]
        table["max_abs_diff_vs_suite_sql"]["evidently vs ml_monitor binning=evidently"] = {
            "max": max(d) if d else None, "compared": len(d)}
    return table


def machine() -> dict:
    model = "unknown"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next((l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Model name")), model)
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb
    versions = {"python": platform.python_version(), "duckdb": duckdb.__version__}
    try:
        import dbt.version
        versions["dbt-core"] = dbt.version.__version__
    except Exception:  # noqa: BLE001
        pass
    import numpy, pandas  # noqa: E401
    versions.update(pandas=pandas.__version__, numpy=numpy.__version__)
    return {"cpu_model": model, "cores": os.cpu_count(), "memory_gib": round(mem, 1), "versions": versions}


def fmt_s(x) -> str:
    return "—" if x is None else (f"{x:.2f} s" if x < 100 else f"{x:.0f} s")


def fmt_mb(x) -> str:
    return "—" if x is None else (f"{x:.0f} MB" if x < 1024 else f"{x / 1024:.2f} GB")


def print_main_table(res: dict) -> str:
    s = res["summary"]
    base = (s.get("raw_scan") or {}).get("seconds")
    lines = [f"{'approach':46} {'time':>10} {'peak RSS':>10} {'x raw scan':>10}"]
    for a in LABELS:
        if a not in s:
            continue
        t = s[a]["seconds"]
        ratio = f"{t / base:.1f}x" if base and t else "—"
        lines.append(f"{s[a]['label']:46} {fmt_s(t):>10} {fmt_mb(s[a]['peak_rss_mb']):>10} {ratio:>10}")
    r = res.get("ratios") or {}
    if r:
        lines.append("")
        for k, v in r.items():
            lines.append(f"  {k}: {v}")
    return "\n".join(lines)


def ratios(summary: dict) -> dict:
    t = {a: v["seconds"] for a, v in summary.items()}
    m = {a: v["peak_rss_mb"] for a, v in summary.items()}
    out = {}

    def r(x, y):
        return round(t[x] / t[y], 2) if x in t and y in t and t[y] else None
    for a in ("suite_sql", "baseline_sql", "dbt_build", "baseline_build", "pandas", "evidently"):
        if a in t:
            out[f"{a} / raw_scan (time)"] = r(a, "raw_scan")
    if "pandas" in t:
        out["pandas / dbt_build (time; >= 2 wanted)"] = r("pandas", "dbt_build")
        out["pandas / suite_sql (time)"] = r("pandas", "suite_sql")
    if "evidently" in t:
        out["evidently / dbt_build (time; >= 50 wanted)"] = r("evidently", "dbt_build")
        out["evidently / suite_sql (time)"] = r("evidently", "suite_sql")
        if m.get("dbt_build"):
            out["evidently / dbt_build (peak memory; >= 10 wanted)"] = round(m["evidently"] / m["dbt_build"], 2)
    return out


def print_agreement(ag: dict) -> str:
    lines = ["PSI (quantile, 10 bins) by approach; Evidently's own PSI uses sturges equal-width bins:"]
    for col, vals in ag["psi"].items():
        lines.append(f"  {col:8} " + "  ".join(f"{k}={v:.6g}" if v is not None else f"{k}=—" for k, v in vals.items()))
    lines.append("ROC AUC by segment:")
    for seg, vals in ag["roc_auc"].items():
        lines.append(f"  {seg:8} " + "  ".join(f"{k}={v:.10f}" if v is not None else f"{k}=—" for k, v in vals.items()))
    lines.append("largest absolute difference from (b) over every PSI, null rate, range share, accuracy/f1/AUC:")
    for k, v in ag["max_abs_diff_vs_suite_sql"].items():
        lines.append(f"  {k}: {v['max']:.3g} over {v['compared']} values" if v["max"] is not None else f"  {k}: —")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ml_monitor benchmark", formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000, help="current-window rows (default 1M)")
    ap.add_argument("--ref-rows", type=int, default=None, help="reference rows (default = --rows)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per approach; medians are reported (default 3)")
    ap.add_argument("--evidently", choices=["auto", "on", "off"], default="auto",
                    help="auto: run Evidently when its venv exists and rows <= 2M; on: always; off: never")
    ap.add_argument("--evidently-repeat", type=int, default=None,
                    help="runs of (f) (default --repeat; at 10M + 10M one run takes ~8 min and ~18 GB)")
    ap.add_argument("--duckdb-memory-limit", default=None, metavar="SIZE",
                    help="DuckDB memory_limit (e.g. 1GB) for (a)-(d'): in the profile and the replay connections")
    ap.add_argument("--no-pandas", action="store_true", help="skip (e)")
    ap.add_argument("--approaches", default=None,
                    help="comma list of the timed approaches (default: all of " + ",".join(LABELS) + ")")
    ap.add_argument("--scaling", action="store_true", help="also 1M/2M/5M/10M rows and 5/15/30 columns")
    ap.add_argument("--scaling-rows", default="1000000,2000000,5000000,10000000")
    ap.add_argument("--scaling-repeat", type=int, default=None, help="runs per scaling point (default --repeat)")
    ap.add_argument("--skip-main", action="store_true", help="only the scaling runs")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--work-dir", type=Path, default=HERE / "work", help="data and generated projects (gitignored)")
    ap.add_argument("--out", type=Path, default=HERE / "results", help="directory of the JSON results")
    ap.add_argument("--name", default=None, help="result file name (default: bench_<rows>_<time>.json)")
    a = ap.parse_args(argv)
    ref_rows = a.ref_rows or a.rows
    a.work_dir, a.out = a.work_dir.resolve(), a.out.resolve()
    a.work_dir.mkdir(parents=True, exist_ok=True)
    a.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result: dict = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
                    "load_average_at_start": load_average(), "rows": a.rows, "ref_rows": ref_rows,
                    "repeat": a.repeat, "evidently_repeat": a.evidently_repeat or a.repeat,
                    "duckdb_memory_limit": a.duckdb_memory_limit}
    run_ev = a.evidently == "on" or (a.evidently == "auto" and max(a.rows, ref_rows) <= 2_000_000)
    if run_ev and not EVIDENTLY_PY.exists():
        log(f"Evidently venv {EVIDENTLY_PY.parent.parent} not found: skipping (f). Create it with:\n"
            f"  python3 -m venv bench/.venv-evidently && bench/.venv-evidently/bin/pip install "
            f"'evidently>=0.7,<0.8' 'pandas<3' pyarrow")
        run_ev = False
        result["evidently_skipped"] = "venv not found"

    if not a.skip_main:
        ctx = prepare(a.work_dir, a.rows, ref_rows, 10, 5, a.seed, memory_limit=a.duckdb_memory_limit)
        result["freeze_baseline_seconds"] = ctx["freeze_seconds"]
        approaches = ["raw_scan", "suite_sql", "dbt_build", "baseline_sql", "baseline_build"]
        if not a.no_pandas:
            approaches.append("pandas")
        if run_ev:
            approaches.append("evidently")
        if a.approaches:
            wanted = [x.strip() for x in a.approaches.split(",") if x.strip()]
            unknown = sorted(set(wanted) - set(LABELS))
            if unknown:
                ap.error(f"unknown approaches: {unknown}")
            approaches = [x for x in wanted if x != "evidently" or run_ev]
        res = measure(ctx, approaches, a.repeat, a.evidently_repeat)
        c_values = run_worker("stored_observations", {"db": str(ctx["db"])})["values"]
        ev_mode = evidently_mode_psi(ctx["p_ref"], ctx["numeric"] + ctx["categorical"]) if run_ev else None
        res["ratios"] = ratios(res["summary"])
        res["agreement"] = agreement(res["values"], c_values, ev_mode, ctx["numeric"] + ctx["categorical"])
        result["main"] = {k: v for k, v in res.items() if k != "values"}
        print(f"\nml_monitor benchmark: {a.rows:,} current + {ref_rows:,} reference rows, 10 numeric + 5 "
              f"categorical features, 8 segments; medians of {a.repeat} runs"
              f"{f' (Evidently: {a.evidently_repeat})' if run_ev and a.evidently_repeat else ''}; load average at start "
              f"{result['load_average_at_start']}")
        print(print_main_table(res))
        print()
        print(print_agreement(res["agreement"]))

    if a.scaling:
        srep = a.scaling_repeat or a.repeat
        result["scaling_rows"] = []
        for n in [int(x) for x in a.scaling_rows.split(",") if x]:
            ctx = prepare(a.work_dir, n, n, 10, 5, a.seed, baseline=False, parquet=False,
                          memory_limit=a.duckdb_memory_limit)
            res = measure(ctx, ["raw_scan", "suite_sql", "dbt_build"], srep)
            result["scaling_rows"].append({"rows": n, "ref_rows": n, **{k: {"seconds": v["seconds"],
                                           "peak_rss_mb": v["peak_rss_mb"]} for k, v in res["summary"].items()}})
        result["scaling_columns"] = []
        for k_num, k_cat in ((3, 2), (10, 5), (20, 10)):
            ctx = prepare(a.work_dir, a.rows, ref_rows, 20, 10, a.seed,
                          numeric=generate.numeric_names(k_num), categorical=generate.categorical_names(k_cat),
                          baseline=False, parquet=False)
            res = measure(ctx, ["raw_scan", "suite_sql", "dbt_build"], srep)
            result["scaling_columns"].append({"columns": k_num + k_cat, "rows": a.rows, **{
                k: {"seconds": v["seconds"], "peak_rss_mb": v["peak_rss_mb"]} for k, v in res["summary"].items()}})
        print("\nScaling in rows (current = reference):")
        print(f"  {'rows':>12} {'raw scan':>10} {'suite SQL':>10} {'dbt build':>10}")
        for p in result["scaling_rows"]:
            print(f"  {p['rows']:>12,} {fmt_s(p['raw_scan']['seconds']):>10} {fmt_s(p['suite_sql']['seconds']):>10} "
                  f"{fmt_s(p['dbt_build']['seconds']):>10}")
        print(f"Scaling in monitored columns ({a.rows:,} + {ref_rows:,} rows):")
        print(f"  {'columns':>12} {'raw scan':>10} {'suite SQL':>10} {'dbt build':>10}")
        for p in result["scaling_columns"]:
            print(f"  {p['columns']:>12} {fmt_s(p['raw_scan']['seconds']):>10} {fmt_s(p['suite_sql']['seconds']):>10} "
                  f"{fmt_s(p['dbt_build']['seconds']):>10}")

    import resource
    # what every approach reported before bench/launch.py: the peak of this process
    result["benchmark_process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    result["peak_memory_method"] = ("ru_maxrss from wait4 of each approach's process, forked from bench/launch.py "
                                    "(a fresh ~15 MB interpreter), not from this process")
    result["load_average_at_end"] = load_average()
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    name = a.name or f"bench_{a.rows}_{datetime.now().strftime('%Y%m%d_%H%M%S')}.json"
    path = a.out / name
    path.write_text(json.dumps(result, indent=1, default=float))
    print(f"\nresults: {path} (total {result['total_seconds']} s; load average at end {result['load_average_at_end']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
