"""Does psi_drift's query compile under Spark's default whole-stage codegen? (issue #19 item 3)

    python bench/spark_codegen.py                      # 1M + 1M rows (bench/generate.py's data)
    python bench/spark_codegen.py --rows 200000 --no-timing
    python bench/spark_codegen.py --methods sums,stack     # the two ways of counting bins on Spark

On the data of bench/generate.py (parquet), the benchmark suite's Spark project
(bench/spark_bench.py) is compiled for its `psi_drift` test only (dbt-spark session: the views,
then `dbt compile`, which runs the reference quantiles). Then, in one Spark session:

  1. the size of the Java code Spark generates for each whole-stage-codegen stage of that query
     (`org.apache.spark.sql.execution.debug.codegenStringSeq`: compiled, not run): the largest
     method's bytecode against HotSpot's JIT limit (8,000 bytes: a larger method is never
     JIT-compiled and runs interpreted) and Spark's `spark.sql.codegen.hugeMethodLimit`
     (65,535: above it Spark drops whole-stage codegen for the plan, logging "Found too long
     generated codes");
  2. unless --no-timing: the query run with whole-stage codegen off (integration profile),
     then on (Spark's default), and a raw scan of the same columns.

``--methods sums,stack`` compiles the test once per bin counting method (var
ml_monitor_drift_count_method) and measures each, checking that all return the same rows.

Results: bench/results/spark_codegen_<rows>.json (or --name).
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
import generate  # noqa: E402
import run_bench  # noqa: E402
import spark_bench  # noqa: E402
import suite  # noqa: E402

JIT_LIMIT = 8000          # HotSpot -XX:-DontCompileHugeMethods: methods above 8,000 bytes stay interpreted


def compile_psi(data_dir: Path, numeric: list[str], categorical: list[str], method: str | None = None) -> str:
    """The psi_drift test's SQL as dbt-spark compiles it (``method``: the bin counting method,
    var ml_monitor_drift_count_method; None = the engine's default)."""
    project = spark_bench.write_spark_project(data_dir, numeric, categorical)
    common = ["--project-dir", str(project), "--profiles-dir", str(project)]
    if method:
        common += ["--vars", json.dumps({"ml_monitor_drift_count_method": method})]
    for args in (["run"], ["compile", "--select", "bench_psi_drift"]):
        r = run_bench.run_measured([suite.DBT, *args, *common], cwd=project)
        if r["returncode"] != 0:
            raise RuntimeError(f"dbt {args[0]} failed:\n{r['stdout'][-3000:]}{r['stderr'][-2000:]}")
        run_bench.log(f"dbt {args[0]}: {r['wall']:.1f} s")
    return next((project / "target" / "compiled").rglob("bench_psi_drift*.sql")).read_text()


def codegen_stats(spark, sql: str) -> list[dict]:
    """Per whole-stage-codegen stage: the largest generated method's bytecode bytes and the
    number of inner classes (Spark splits expressions into methods and classes as it can)."""
    plan = spark.sql(sql)._jdf.queryExecution().executedPlan()
    seq = spark._jvm.org.apache.spark.sql.execution.debug.package.codegenStringSeq(plan)
    out = []
    it = seq.iterator()
    while it.hasNext():
        t = it.next()
        stats = t._3()
        out.append({"max_method_bytes": int(stats.maxMethodCodeSize()),
                    "max_constant_pool": int(stats.maxConstPoolSize()),
                    "inner_classes": int(stats.numInnerClasses()),
                    "java_chars": len(t._2())})
    return out


def timed(spark, sql: str) -> float:
    t0 = time.perf_counter()
    spark.sql(sql).collect()
    return round(time.perf_counter() - t0, 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-timing", action="store_true", help="only the generated code's size")
    ap.add_argument("--methods", default="default",
                    help="comma list of bin counting methods to compare (var ml_monitor_drift_count_method: "
                         "sums, stack; 'default' = the engine's choice)")
    ap.add_argument("--work-dir", type=Path, default=HERE / "work")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--name", default=None, help="results file name (default spark_codegen_<rows>.json)")
    a = ap.parse_args(argv)
    data_dir = a.work_dir.resolve() / f"data_{a.rows}_{a.rows}_10n5c_s{a.seed}"
    manifest = generate.generate(data_dir, a.rows, a.rows, 10, 5, a.seed, parquet=True, quiet=True)
    result: dict = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "rows": a.rows,
                    "machine": run_bench.machine(), "load_average_at_start": run_bench.load_average()}
    methods = [m.strip() for m in a.methods.split(",") if m.strip()]
    sqls = {m: compile_psi(data_dir, manifest["numeric"], manifest["categorical"], None if m == "default" else m)
            for m in methods}
    out = a.out / (a.name or f"spark_codegen_{a.rows}.json")
    a.out.mkdir(parents=True, exist_ok=True)

    from pyspark.sql import SparkSession
    builder = SparkSession.builder.enableHiveSupport()
    for k, v in spark_bench.spark_conf(data_dir / "spark", codegen=True).items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    try:
        result["spark"] = spark.version
        result["huge_method_limit"] = int(spark.conf.get("spark.sql.codegen.hugeMethodLimit"))
        result["methods"] = {}
        for m, sql in sqls.items():
            stages = codegen_stats(spark, sql)
            largest = max(st["max_method_bytes"] for st in stages)
            result["methods"][m] = {"sql_bytes": len(sql.encode()),
                                    "codegen": {"stages": stages, "largest_method_bytes": largest,
                                                "jit_compiled": largest <= JIT_LIMIT,
                                                "whole_stage_kept": largest <= result["huge_method_limit"]}}
            run_bench.log(f"psi_drift [{m}]: {len(sql.encode()):,} bytes of SQL; {len(stages)} codegen stages, "
                          f"largest method {largest:,} bytes (JIT limit {JIT_LIMIT:,}, Spark's limit "
                          f"{result['huge_method_limit']:,})")
            for st in sorted(stages, key=lambda x: -x["max_method_bytes"])[:3]:
                run_bench.log(f"  stage: largest method {st['max_method_bytes']:,} bytes, {st['java_chars']:,} chars of Java")
        out.write_text(json.dumps(result, indent=1))      # the sizes survive a run cut short
        if not a.no_timing:
            # the raw scan of the same columns: count of each, sum of the numeric ones, both tables
            cols = [f"count(`{c}`), sum(`{c}`)" for c in manifest["numeric"]] + [f"count(`{c}`)" for c in manifest["categorical"]]
            scan = " union all ".join(f"select count(*), {', '.join(cols)} from parquet.`{data_dir / (t + '.parquet')}`"
                                      for t in ("predictions", "reference"))
            timed(spark, scan)                             # warm: the first read of the files
            rows = {}
            for label, on in (("codegen_off", False), ("codegen_on", True)):
                spark.conf.set("spark.sql.codegen.wholeStage", "true" if on else "false")
                result.setdefault("raw_scan_seconds", {})[label] = timed(spark, scan)
                for m, sql in sqls.items():
                    t0 = time.perf_counter()
                    got = spark.sql(sql).collect()
                    result["methods"][m].setdefault("seconds", {})[label] = round(time.perf_counter() - t0, 2)
                    rows[(m, label)] = sorted(tuple(str(v) for v in r) for r in got)
                    run_bench.log(f"{label} [{m}]: psi_drift {result['methods'][m]['seconds'][label]} s "
                                  f"(raw scan {result['raw_scan_seconds'][label]} s, load {run_bench.load_average()[0]})")
            # every method and setting must return the same observation rows
            first = next(iter(rows.values()))
            result["same_rows"] = all(v == first for v in rows.values())
            run_bench.log(f"same observation rows from every method and setting: {result['same_rows']}")
    finally:
        spark.stop()
    result["load_average_at_end"] = run_bench.load_average()
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=1))
    return 0 if result.get("same_rows", True) else 1


if __name__ == "__main__":
    sys.exit(main())
