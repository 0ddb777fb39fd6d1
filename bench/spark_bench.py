"""ml_monitor on Spark (local session) side by side with DuckDB, in one run (issue #19 item 5).

    python bench/spark_bench.py                      # 1M + 1M rows
    python bench/spark_bench.py --rows 1000000,5000000 --repeat 1
    python bench/spark_bench.py --rows 5000000 --psi baseline     # psi_drift against a frozen baseline
    python bench/spark_bench.py --rows 5000000 --psi baseline --spark-defaults --driver-memory 6g
    python bench/spark_bench.py --rows 5000000 --psi baseline --driver-memory 6g \
        --spark-conf spark.sql.codegen.wholeStage=true              # the profile's settings, Spark's codegen

For each size: the data of bench/generate.py (the parquet files), then

  DuckDB   (a) raw scan, (b) suite SQL, (c) dbt build            as bench/run_bench.py
  Spark    (a) raw scan of the same columns (the parquet files), (b) the suite's SQL as dbt-spark
           sent it, replayed in one Spark session, (c) dbt build with dbt-spark's session method

The Spark project is bench/suite.py's suite (``--psi reference``: psi_drift computes the reference's
quantiles at every run; ``--psi baseline``: against a baseline frozen once with
``ml_monitor.freeze_baseline`` on each engine, the setup docs/benchmarks.md recommends on a cluster;
its freeze time is reported apart) with models that read the same
parquet files (``select * from parquet.`...```), a local session with the settings of
integration_tests/profiles.yml (UTC, 2 shuffle partitions, no UI, no whole-stage codegen, no
adaptive execution, 2 GB driver; ``--spark-defaults``: Spark's own codegen, adaptive execution and
shuffle partitions, as on a cluster) and its own warehouse and Derby metastore under the data
directory. Spark (a)/(b) exclude the JVM start (reported apart); (c) is the whole dbt process,
JVM start included. Peak memory is not reported for Spark: the JVM is a separate process.
Per-test times: dbt's run_results (c) and the replay (b). Results: bench/results/spark_<rows>_<time>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run_bench  # noqa: E402
import suite  # noqa: E402

log = run_bench.log
fmt_s = run_bench.fmt_s


def spark_conf(spark_dir: Path, codegen: bool = False, driver_memory: str = "2g", defaults: bool = False,
               extra: dict | None = None) -> dict:
    """The local session's settings: the integration profile's (2 shuffle partitions, no whole-stage
    codegen, no adaptive execution: right for its tiny tables) or, with `defaults`, Spark's own for
    those three (what a cluster user runs: codegen and the vectorized parquet reader, which needs
    it, and adaptive execution on). ``extra`` (``--spark-conf``) overrides any of them."""
    conf = {"spark.sql.warehouse.dir": str(spark_dir / "warehouse"),
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={spark_dir / 'derby'}",
            "spark.sql.session.timeZone": "UTC", "spark.ui.enabled": "false", "spark.driver.memory": driver_memory}
    if not defaults:
        conf.update({"spark.sql.shuffle.partitions": "2", "spark.sql.codegen.wholeStage": "true" if codegen else "false",
                     "spark.sql.adaptive.enabled": "false"})
    conf.update(extra or {})
    return conf


def statement_sizes(project: Path) -> dict:
    """Bytes of SQL per test as dbt-spark sent it: compile-time queries and the test query."""
    sizes: dict = {}
    for s in json.loads((project / "statements.json").read_text()):
        key = s["node"].split(".")[2] if s["node"].startswith("test.") else s["node"]
        sizes.setdefault(key, {"compile_time_queries": 0, "test_query": 0})
        sizes[key]["compile_time_queries" if s["kind"] == "compile-time" else "test_query"] += len(s["sql"].encode())
    return sizes


def write_spark_project(data_dir: Path, numeric: list[str], categorical: list[str], psi: str = "reference",
                        driver_memory: str = "2g", defaults: bool = False, extra: dict | None = None) -> Path:
    project = data_dir / ("project_spark" if psi == "reference" else f"project_spark_{psi}")
    suite.write_project(project, data_dir / "unused.duckdb", numeric, categorical, psi)
    spark_dir = data_dir / "spark"
    conf = "".join(f"        {json.dumps(k)}: {json.dumps(v)}\n"
                   for k, v in spark_conf(spark_dir, driver_memory=driver_memory, defaults=defaults, extra=extra).items())
    (project / "profiles.yml").write_text(
        "ml_monitor_bench:\n  target: spark\n  outputs:\n    spark:\n      type: spark\n      method: session\n"
        "      host: localhost\n      schema: bench\n      threads: 1\n      server_side_parameters:\n" + conf)
    (project / "models" / "sources.yml").unlink(missing_ok=True)
    for name in ("predictions", "reference", "labels"):
        (project / "models" / f"{name}.sql").write_text(f"select * from parquet.`{data_dir / (name + '.parquet')}`\n")
    return project


def run_spark_worker(approach: str, cfg: dict) -> dict:
    r = run_bench.run_measured([sys.executable, str(HERE / "spark_worker.py"), approach, json.dumps(cfg)])
    if r["returncode"] != 0:
        raise RuntimeError(f"spark worker {approach} failed:\n{r['stderr'][-3000:]}")
    res = json.loads(r["stdout"].strip().splitlines()[-1])
    res["wall"] = r["wall"]
    return res


def median(xs):
    return run_bench.statistics.median(xs) if xs else None


def one_size(work: Path, rows: int, repeat: int, seed: int, spark_repeat: int, codegen_compare: bool = False,
             psi: str = "reference", driver_memory: str = "2g", defaults: bool = False,
             extra_conf: dict | None = None) -> dict:
    baseline = psi == "baseline"
    ctx = run_bench.prepare(work, rows, rows, 10, 5, seed, baseline=baseline, parquet=True)
    features = ctx["numeric"] + ctx["categorical"]
    approaches = ["raw_scan", "baseline_sql", "baseline_build"] if baseline else ["raw_scan", "suite_sql", "dbt_build"]
    duck = run_bench.measure(ctx, approaches, repeat)["summary"]
    duck = {{"baseline_sql": "suite_sql", "baseline_build": "dbt_build"}.get(k, k): v for k, v in duck.items()}
    # Spark: warm-up build at debug level (captures the SQL), then the timed runs
    project = write_spark_project(ctx["data_dir"], ctx["numeric"], ctx["categorical"], psi, driver_memory, defaults,
                                  extra_conf)
    spark_freeze = None
    if baseline:
        log("Spark: dbt run (the models), then freezing the baseline (dbt run-operation ml_monitor.freeze_baseline)")
        suite.run_dbt(project, ["run"], check=True)
        t0 = time.perf_counter()
        suite.freeze_baseline(project, features)
        spark_freeze = round(time.perf_counter() - t0, 2)
    log("Spark: warm-up dbt build (debug log, captures the SQL)")
    run_bench.dbt_build(project, log_level_file="debug")
    run_bench.capture_statements(project)
    cfg = {"spark_conf": spark_conf(ctx["data_dir"] / "spark", driver_memory=driver_memory, defaults=defaults,
                                    extra=extra_conf),
           "data_dir": str(ctx["data_dir"]),
           "numeric": ctx["numeric"], "categorical": ctx["categorical"], "project": str(project)}
    spark: dict = {"raw_scan": [], "suite_sql": [], "dbt_build": []}
    for i in range(spark_repeat):
        log(f"Spark run {i + 1}/{spark_repeat}: raw scan (load {run_bench.load_average()[0]})")
        spark["raw_scan"].append(run_spark_worker("raw_scan", cfg))
        log(f"Spark run {i + 1}/{spark_repeat}: suite SQL")
        spark["suite_sql"].append(run_spark_worker("suite_sql", cfg))
        log(f"Spark run {i + 1}/{spark_repeat}: dbt build")
        spark["dbt_build"].append(run_bench.dbt_build(project))
    if codegen_compare:
        # the same replay with whole-stage code generation on (Spark's default; the profile has it off)
        log("Spark: suite SQL with whole-stage codegen on")
        spark["suite_sql_codegen_on"] = [run_spark_worker("suite_sql", {**cfg, "spark_conf": spark_conf(ctx["data_dir"] / "spark", codegen=True,
                                                                          driver_memory=driver_memory,
                                                                          extra=extra_conf)})]
    s = {k: median([r["seconds"] for r in v]) for k, v in spark.items()}
    d = {k: v["seconds"] for k, v in duck.items()}
    out = {"rows": rows, "ref_rows": rows, "features": features, "psi": psi, "spark_defaults": defaults,
           "spark_conf": cfg["spark_conf"],
           "freeze_baseline_seconds": {"duckdb": ctx.get("freeze_seconds"), "spark": spark_freeze} if baseline else None,
           "duckdb": {k: {"seconds": v["seconds"], "peak_rss_mb": v["peak_rss_mb"], "runs_seconds": v["runs_seconds"],
                          "per_test_last_run": v.get("per_test_last_run")} for k, v in duck.items()},
           "spark": {"raw_scan": {"seconds": s["raw_scan"], "runs_seconds": [r["seconds"] for r in spark["raw_scan"]],
                                  "session_start_seconds": median([r["session_start_seconds"] for r in spark["raw_scan"]])},
                     "suite_sql": {"seconds": s["suite_sql"], "runs_seconds": [r["seconds"] for r in spark["suite_sql"]],
                                   "per_test_last_run": spark["suite_sql"][-1]["per_test"]},
                     "dbt_build": {"seconds": s["dbt_build"], "runs_seconds": [r["seconds"] for r in spark["dbt_build"]],
                                   "per_test_last_run": spark["dbt_build"][-1]["per_test"],
                                   "failed_tests": spark["dbt_build"][-1]["failed_tests"]},
                     "sql_bytes_per_test": statement_sizes(project)}}
    if codegen_compare:
        out["spark"]["suite_sql_codegen_on"] = {"seconds": s["suite_sql_codegen_on"],
                                                "per_test_last_run": spark["suite_sql_codegen_on"][-1]["per_test"]}

    def ratio(x, y):
        return round(x / y, 2) if x is not None and y else None
    out["ratios"] = {
        "spark suite_sql / spark raw_scan": ratio(s["suite_sql"], s["raw_scan"]),
        "spark dbt_build / spark raw_scan": ratio(s["dbt_build"], s["raw_scan"]),
        "duckdb suite_sql / duckdb raw_scan": ratio(d["suite_sql"], d["raw_scan"]),
        "duckdb dbt_build / duckdb raw_scan": ratio(d["dbt_build"], d["raw_scan"]),
        "spark suite_sql / duckdb suite_sql": ratio(s["suite_sql"], d["suite_sql"]),
        "spark dbt_build / duckdb dbt_build": ratio(s["dbt_build"], d["dbt_build"]),
    }
    return out


def print_size(r: dict) -> str:
    lines = [f"{r['rows']:,} current + {r['ref_rows']:,} reference rows, psi_drift against "
             + ("a frozen baseline" if r.get("psi") == "baseline" else "the reference (quantiles at every run)"),
             f"  {'':34} {'DuckDB':>10} {'Spark':>10}"]
    for k, label in (("raw_scan", "(a) raw scan of the same columns"), ("suite_sql", "(b) suite SQL alone"),
                     ("dbt_build", "(c) dbt build")):
        lines.append(f"  {label:34} {fmt_s(r['duckdb'][k]['seconds']):>10} {fmt_s(r['spark'][k]['seconds']):>10}")
    lines.append(f"  Spark session start (excluded from Spark (a), (b)): {fmt_s(r['spark']['raw_scan']['session_start_seconds'])}")
    if "suite_sql_codegen_on" in r["spark"]:
        lines.append(f"  Spark (b) with whole-stage codegen on: {fmt_s(r['spark']['suite_sql_codegen_on']['seconds'])}")
    if r.get("freeze_baseline_seconds"):
        f = r["freeze_baseline_seconds"]
        lines.append(f"  freeze_baseline, once (excluded from (b), (c)): DuckDB {fmt_s(f['duckdb'])}, Spark {fmt_s(f['spark'])}"
                     " (Spark: the whole dbt run-operation, JVM start included)")
    for t, v in sorted(r["spark"].get("sql_bytes_per_test", {}).items()):
        lines.append(f"  SQL bytes {t:34} compile-time {v['compile_time_queries']:>8} test query {v['test_query']:>8}")
    for k, v in r["ratios"].items():
        lines.append(f"  {k}: {v}")
    lines.append("  per test, SQL replay (compile-time queries + test query), DuckDB vs Spark:")
    dp = r["duckdb"]["suite_sql"].get("per_test_last_run") or {}
    sp = r["spark"]["suite_sql"]["per_test_last_run"]
    for t in sorted(set(dp) | set(sp)):
        def tot(x):
            return None if x is None else x["compile_time_queries"] + x["test_query"]
        lines.append(f"    {t:34} {fmt_s(tot(dp.get(t))):>10} {fmt_s(tot(sp.get(t))):>10}")
    lines.append("  per test, dbt build (run_results execution_time), DuckDB vs Spark:")
    db_ = r["duckdb"]["dbt_build"].get("per_test_last_run") or {}
    sb = r["spark"]["dbt_build"]["per_test_last_run"]
    for t in sorted(set(db_) | set(sb)):
        lines.append(f"    {t:34} {fmt_s(db_.get(t)):>10} {fmt_s(sb.get(t)):>10}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ml_monitor on Spark vs DuckDB",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--rows", default="1000000", help="comma list of sizes (current = reference rows)")
    ap.add_argument("--repeat", type=int, default=3, help="DuckDB runs per approach (medians)")
    ap.add_argument("--spark-repeat", type=int, default=1, help="Spark runs per approach (medians)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--driver-memory", default="2g", help="the local session's spark.driver.memory (default 2g)")
    ap.add_argument("--psi", choices=["reference", "baseline"], default="reference",
                    help="psi_drift against ref('reference') (quantiles at every run) or a frozen baseline")
    ap.add_argument("--codegen-compare", action="store_true",
                    help="also replay the suite SQL with whole-stage codegen on (the profile has it off)")
    ap.add_argument("--spark-defaults", action="store_true",
                    help="Spark's own whole-stage codegen, adaptive execution and shuffle partitions (a cluster's "
                         "settings) instead of the integration profile's")
    ap.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                    help="a session setting on top of the others (repeatable), e.g. "
                         "spark.sql.codegen.wholeStage=true: the profile's settings with Spark's default codegen")
    ap.add_argument("--work-dir", type=Path, default=HERE / "work")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--name", default=None)
    a = ap.parse_args(argv)
    bad = [kv for kv in a.spark_conf if "=" not in kv]
    if bad:
        ap.error(f"--spark-conf takes KEY=VALUE, got {bad[0]!r}")
    extra_conf = dict(kv.split("=", 1) for kv in a.spark_conf)
    a.work_dir, a.out = a.work_dir.resolve(), a.out.resolve()
    a.work_dir.mkdir(parents=True, exist_ok=True)
    a.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    import pyspark
    result: dict = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "machine": run_bench.machine(), "pyspark": pyspark.__version__,
                    "load_average_at_start": run_bench.load_average(), "repeat": a.repeat,
                    "spark_repeat": a.spark_repeat, "psi": a.psi, "driver_memory": a.driver_memory,
                    "spark_defaults": a.spark_defaults, "spark_conf_extra": extra_conf, "sizes": []}
    for rows in [int(x) for x in a.rows.split(",") if x]:
        r = one_size(a.work_dir, rows, a.repeat, a.seed, a.spark_repeat, a.codegen_compare, a.psi, a.driver_memory,
                     a.spark_defaults, extra_conf)
        result["sizes"].append(r)
        print(print_size(r), flush=True)
    result["load_average_at_end"] = run_bench.load_average()
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    name = a.name or f"spark_{a.rows.replace(',', '_')}_{datetime.now().strftime('%Y%m%d_%H%M%S')}"
    name = name if name.endswith(".json") else name + ".json"
    (a.out / name).write_text(json.dumps(result, indent=1, default=float))
    print(f"\nresults: {a.out / name} (total {result['total_seconds']} s; load average at start "
          f"{result['load_average_at_start']}, at end {result['load_average_at_end']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
