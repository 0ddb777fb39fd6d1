"""One Spark approach in its own process (started by bench/launch.py; peak RSS of this Python
process plus the JVM it starts: the JVM is a child of this process, reaped when the session stops).

    python bench/spark_worker.py <approach> <json config>

Approaches:
  raw_scan   count(*) plus count and sum (numeric) / count (text) of every column the suite reads,
             of predictions, reference and labels (the parquet files), as DuckDB's (a)
  suite_sql  the statements dbt-spark sent for the suite's tests (compile-time reads from the
             debug log, then each test's compiled SQL), replayed in one Spark session over the
             same metastore as the dbt project; per-test breakdown

Times exclude the JVM start (``SparkSession.getOrCreate``); the last stdout line is JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def session(cfg: dict):
    from pyspark.sql import SparkSession
    builder = SparkSession.builder.enableHiveSupport()          # as dbt-spark's session method
    for k, v in cfg["spark_conf"].items():
        builder = builder.config(k, v)
    return builder.getOrCreate()


def raw_scan(cfg: dict, spark) -> dict:
    numeric = cfg["numeric"] + ["score", "predicted_label"]
    text = cfg["categorical"] + ["segment"]
    parts = ["count(*) as n", "count(id) as n_id", "sum(id) as s_id"]
    for c in numeric:
        parts += [f"count(`{c}`) as n_{c}", f"sum(`{c}`) as s_{c}"]
    for c in text:
        parts += [f"count(`{c}`) as n_{c}"]
    d = cfg["data_dir"]
    t0 = time.perf_counter()
    cur = spark.sql(f"select {', '.join(parts)} from parquet.`{d}/predictions.parquet`").collect()
    ref = spark.sql(f"select {', '.join(parts)} from parquet.`{d}/reference.parquet`").collect()
    lab = spark.sql(f"select count(*), count(id), sum(id), count(label), sum(label) from parquet.`{d}/labels.parquet`").collect()
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "values": {"rows": cur[0][0], "ref_rows": ref[0][0], "label_rows": lab[0][0]}}


def suite_sql(cfg: dict, spark) -> dict:
    stmts = json.loads((Path(cfg["project"]) / "statements.json").read_text())
    per_node: dict = {}
    t0 = time.perf_counter()
    rows = 0
    for s in stmts:
        t = time.perf_counter()
        rows += len(spark.sql(s["sql"]).collect())
        dt = time.perf_counter() - t
        key = s["node"].split(".")[2] if s["node"].startswith("test.") else s["node"]
        per_node.setdefault(key, {"compile_time_queries": 0.0, "test_query": 0.0})
        per_node[key]["compile_time_queries" if s["kind"] == "compile-time" else "test_query"] += dt
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "statements": len(stmts), "result_rows": rows, "per_test": per_node}


def main() -> None:
    approach, cfg = sys.argv[1], json.loads(sys.argv[2])
    t0 = time.perf_counter()
    spark = session(cfg)
    start = time.perf_counter() - t0
    try:
        result = {"raw_scan": raw_scan, "suite_sql": suite_sql}[approach](cfg, spark)
    finally:
        spark.stop()
    result["session_start_seconds"] = start
    print(json.dumps(result, default=float))


if __name__ == "__main__":
    main()
