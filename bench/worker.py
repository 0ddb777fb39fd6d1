"""One approach, run in its own process (started by bench/launch.py, which reads its peak RSS from wait4).

    python bench/worker.py <approach> <json config>

Prints one JSON object on the last line of stdout: {"seconds": ..., "values": {...}, ...}.

Approaches:
  raw_scan   (a) DuckDB: count(*) plus count and sum (numeric) / count (text) of every column the
             suite reads, over the current window, the reference and the labels: the physical floor
  suite_sql  (b)/(d) the SQL the suite's tests ran, without dbt: the compile-time queries of the
             tests (reference quantiles, categories, frozen-baseline reads; taken from dbt's debug
             log) and each test's compiled SQL (target/compiled), executed in one DuckDB connection
  pandas     (e) bench/pandas_impl.py
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_LOG_ENTRY = re.compile(r"^\d\d:\d\d:\d\d\.\d+ \[\w+\s*\] \[[^\]]*\]: ", re.M)
_ON_TEST = re.compile(r"^On (test\.[\w.]+): (.*)$", re.S)


def _connect(cfg: dict):
    import duckdb
    con = duckdb.connect(cfg["db"], read_only=True)
    if cfg.get("memory_limit"):
        con.execute(f"set memory_limit = '{cfg['memory_limit']}'")
    return con


def raw_scan(cfg: dict) -> dict:
    """Optional: ``where`` (on predictions), ``labels_where``, ``reference: false`` (skip the
    reference), for the floor of one window (bench/windows_bench.py)."""
    con = _connect(cfg)
    numeric = cfg["numeric"] + ["score", "predicted_label"]
    text = cfg["categorical"] + ["segment"]
    parts = ["count(*) as n", "count(id) as n_id", "sum(id) as s_id"]
    for c in numeric:
        parts += [f'count("{c}") as n_{c}', f'sum("{c}") as s_{c}']
    for c in text:
        parts += [f'count("{c}") as n_{c}']
    where = f" where {cfg['where']}" if cfg.get("where") else ""
    labels_where = f" where {cfg['labels_where']}" if cfg.get("labels_where") else ""
    t0 = time.perf_counter()
    cur = con.execute(f"select {', '.join(parts)} from raw.predictions{where}").fetchall()
    ref = con.execute(f"select {', '.join(parts)} from raw.reference").fetchall() if cfg.get("reference", True) else [[0]]
    lab = con.execute(f"select count(*), count(id), sum(id), count(label), sum(label) from raw.labels{labels_where}").fetchall()
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "values": {"rows": cur[0][0], "ref_rows": ref[0][0], "label_rows": lab[0][0]}}


def _log_statements(log_text: str) -> list[tuple[str, str]]:
    """(node_id, sql) of every statement dbt sent for a test node (debug log)."""
    out = []
    starts = [m.start() for m in _LOG_ENTRY.finditer(log_text)] + [len(log_text)]
    for a, b in zip(starts, starts[1:]):
        entry = log_text[a:b]
        body = _LOG_ENTRY.sub("", entry, count=1)
        m = _ON_TEST.match(body)
        if m:
            out.append((m.group(1), m.group(2).strip()))
    return out


def suite_statements(project: Path) -> list[dict]:
    """The statements to replay for (b)/(d), in the order dbt ran them (per test):
    compile-time reads of data (not catalog / transaction statements) and the compiled test SQL."""
    log = (project / "logs" / "dbt.log").read_text()
    # only the last invocation in the log
    last = log.rfind("Running with dbt=")
    log = log[last:] if last >= 0 else log
    stmts = []
    for node, sql in _log_statements(log):
        low = sql.lower()
        bare = re.sub(r"^/\*.*?\*/\s*", "", sql, flags=re.S).strip()
        if bare.upper() in ("BEGIN", "COMMIT", "ROLLBACK") or bare == "Close" or not bare:
            continue
        if "information_schema" in low or "duckdb_" in low or "dbt_test__audit" in low:
            continue
        if re.match(r"^\s*(show|describe|use)\b", bare, re.I):
            continue       # Spark's catalog reads
        if re.match(r"^\s*(create|insert|delete|drop|alter)\b", bare, re.I):
            continue       # the store_failures table: replaced by the compiled SQL below
        stmts.append({"node": node, "kind": "compile-time", "sql": bare})
    compiled_dir = next((project / "target" / "compiled").glob("*/models/suite.yml"))
    for f in sorted(compiled_dir.glob("*.sql")):
        stmts.append({"node": f.stem, "kind": "test", "sql": f.read_text()})
    return stmts


def _observations(rows, names) -> dict:
    """psi per column, prediction drift, auc per segment from observation rows."""
    vals: dict = {"psi": {}, "performance": {}, "null_rate": {}, "value_range": {}, "prediction_drift": {}}
    for r in rows:
        d = dict(zip(names, r))
        metric, col, seg, value = d["metric"], d["column_name"], d["segment_value"], d["value"]
        if d["monitor"] == "psi_drift" and metric == "psi" and d["segment_column"] is None:
            vals["psi"][col] = value
        elif d["monitor"] == "prediction_drift" and d["segment_column"] is None:
            vals["prediction_drift"][metric] = value
        elif d["monitor"] == "performance" and metric in ("accuracy", "f1", "roc_auc"):
            vals["performance"].setdefault(seg if d["segment_column"] else "(all)", {})[metric] = value
        elif d["monitor"] == "null_rate" and d["segment_column"] is None:
            vals["null_rate"][col] = value
        elif d["monitor"] == "value_range" and d["segment_column"] is None:
            vals["value_range"][col] = value
    return vals


def suite_sql(cfg: dict) -> dict:
    saved = Path(cfg["project"]) / "statements.json"      # captured after a debug-level dbt build
    stmts = json.loads(saved.read_text()) if saved.is_file() else suite_statements(Path(cfg["project"]))
    con = _connect(cfg)
    t0 = time.perf_counter()
    per_node: dict = {}
    rows_all, names = [], None
    for s in stmts:
        t = time.perf_counter()
        cur = con.execute(s["sql"])
        rows = cur.fetchall()
        dt = time.perf_counter() - t
        key = s["node"].split(".")[2] if s["node"].startswith("test.") else s["node"]
        per_node.setdefault(key, {"compile_time_queries": 0.0, "test_query": 0.0})
        per_node[key]["compile_time_queries" if s["kind"] == "compile-time" else "test_query"] += dt
        if s["kind"] == "test":
            names = [d[0] for d in cur.description]
            rows_all += rows
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "statements": len(stmts), "per_test": per_node,
            "values": _observations(rows_all, names) if names else {}}


def suite_sql_many(cfg: dict) -> dict:
    """Several runs of the suite one after the other (e.g. 30 one-window runs): ``statement_files``
    are statements.json files captured as for suite_sql; one connection; total and per-run times."""
    con = _connect(cfg)
    runs = [json.loads(Path(f).read_text()) for f in cfg["statement_files"]]
    per_run = []
    n_rows = 0
    t0 = time.perf_counter()
    for stmts in runs:
        t = time.perf_counter()
        for s in stmts:
            n_rows += len(con.execute(s["sql"]).fetchall())
        per_run.append(time.perf_counter() - t)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "per_run": per_run, "statements": sum(len(r) for r in runs), "result_rows": n_rows}


def statements_profile(cfg: dict) -> dict:
    """Where a captured run's SQL time goes: each statement of ``statement_files`` replayed once
    and timed; per test (compile-time queries vs the test query) and the slowest statements."""
    con = _connect(cfg)
    per_node: dict = {}
    timed = []
    for f in cfg["statement_files"]:
        for s in json.loads(Path(f).read_text()):
            t = time.perf_counter()
            con.execute(s["sql"]).fetchall()
            dt = time.perf_counter() - t
            key = s["node"].split(".")[2] if s["node"].startswith("test.") else s["node"]
            per_node.setdefault(key, {"compile_time_queries": 0.0, "n_compile_time": 0, "test_query": 0.0})
            if s["kind"] == "compile-time":
                per_node[key]["compile_time_queries"] += dt
                per_node[key]["n_compile_time"] += 1
            else:
                per_node[key]["test_query"] += dt
            timed.append((dt, key, s["kind"], " ".join(s["sql"].split())[:160]))
    timed.sort(reverse=True)
    return {"per_test": per_node, "slowest": [list(x) for x in timed[:8]]}


def stored_observations(cfg: dict) -> dict:
    """The observation rows dbt kept (store_failures tables) after a dbt build: values of (c)."""
    import duckdb
    con = duckdb.connect(cfg["db"], read_only=True)
    tables = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main_dbt_test__audit'"
        " and table_name like 'bench_%'").fetchall()]
    rows, names = [], None
    for t in tables:
        cur = con.execute(f'select * from main_dbt_test__audit."{t}"')
        names = [d[0] for d in cur.description]
        rows += cur.fetchall()
    return {"seconds": 0.0, "values": _observations(rows, names) if names else {}}


def pandas(cfg: dict) -> dict:
    import pandas_impl
    t0 = time.perf_counter()
    out = pandas_impl.run(Path(cfg["data_dir"]), cfg["numeric"], cfg["categorical"])
    seconds = time.perf_counter() - t0
    load, compute = out.pop("load_seconds"), out.pop("compute_seconds")
    return {"seconds": seconds, "load_seconds": load, "compute_seconds": compute, "values": out}


APPROACHES = {"raw_scan": raw_scan, "suite_sql": suite_sql, "suite_sql_many": suite_sql_many, "statements_profile": statements_profile, "pandas": pandas,
              "stored_observations": stored_observations}


def own_peak_mb() -> float | None:
    """This process's own RSS high-water mark (VmHWM of its address space, which exec made
    fresh): a cross-check of the launcher's ru_maxrss, which can only be higher (it also counts
    the launcher's address space before exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def main() -> None:
    approach, cfg = sys.argv[1], json.loads(sys.argv[2])
    result = APPROACHES[approach](cfg)
    result["own_vmhwm_mb"] = own_peak_mb()
    print(json.dumps(result, default=float))


if __name__ == "__main__":
    main()
