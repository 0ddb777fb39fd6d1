"""estimated_performance (CBPE, issue #16) in DuckDB vs NannyML 0.13.1's CBPE, side by side.

    python bench/cbpe_bench.py                                  # 1M current rows
    python bench/cbpe_bench.py --rows 1000000,10000000 --repeat 3
    python bench/cbpe_bench.py --rows 20000 --ref-rows 5000     # a smoke run (seconds)

Data (numpy, seeded): a labelled reference of ``--ref-rows`` rows (a miscalibrated binary
classifier: NannyML's rule calibrates it, so the isotonic map is exercised) and ``--rows`` current
predictions spread evenly over ``--days`` daily windows ending at 2026-01-31, written once to
Parquet (what NannyML reads) and to a DuckDB file (what the SQL reads).

Each approach runs in its own process started from bench/launch.py (wall time and its own peak
RSS); medians of ``--repeat`` runs:

  raw_scan      DuckDB reads the columns the estimate needs (score, prediction, timestamp): the floor
  sql           the SQL of ``ml_monitor.estimated_performance(..., windows: days)`` (compiled once by
                dbt, replayed here): one scan of the current windows, all six metrics per window
  dbt_compile   ``dbt compile --inline`` of that call: dbt's start plus the fit on the reference
                (calibration decision, isotonic map, sampling-error components) - the cost a
                frozen calibration map (freeze_calibration) removes from every run
  nannyml       NannyML: ``CBPE(chunk_period='D').fit(reference)`` then ``.estimate(current)``,
                reading the same rows from Parquet; fit and estimate timed inside the process too

NannyML above ``--nannyml-max-rows`` current rows is run on the first windows only (whole days,
as many as fit under the cap) and its estimate time scaled linearly by rows; the result says so
(``nannyml.extrapolated``). The estimates of the two are compared window by window (max absolute
difference of the six metrics; NannyML rounds its ROC curve counts, so ~1e-6 is agreement).
Results: bench/results/cbpe_<rows>.json and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

METRICS = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy"]
AS_OF = "2026-01-31 00:00:00"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# data


def make_data(work: Path, rows: int, ref_rows: int, days: int, seed: int = 16) -> dict:
    """Parquet + DuckDB copies of the reference and the current rows (reused when present)."""
    import duckdb
    import numpy as np
    import pandas as pd

    work.mkdir(parents=True, exist_ok=True)
    db = work / "cbpe_bench.duckdb"
    manifest = work / "data.json"
    want = {"rows": rows, "ref_rows": ref_rows, "days": days, "seed": seed}
    if manifest.is_file() and json.loads(manifest.read_text()) == want and db.is_file():
        return {"db": db, "work": work, **want}
    rng = np.random.default_rng(seed)

    def model(n, shift):
        x1 = rng.normal(shift, 1.0, n)
        x2 = rng.normal(0.0, 1.0, n)
        logit = 1.2 * x1 - 0.8 * x2 - 0.2
        y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int32)
        score = 1 / (1 + np.exp(-(2.5 * logit + 0.8)))          # over-confident, shifted up
        return score, (score >= 0.5).astype(np.int32), y

    s, p, y = model(ref_rows, 0.0)
    ref = pd.DataFrame({"ts": pd.Timestamp("2025-06-01") + pd.to_timedelta(np.arange(ref_rows) * 60, unit="s"),
                        "score": s, "pred": p, "label": y})
    s, p, _ = model(rows, 0.4)
    start = pd.Timestamp(AS_OF) - pd.Timedelta(days=days)
    step = days * 86400 / rows
    cur = pd.DataFrame({"ts": start + pd.to_timedelta(np.arange(rows) * step, unit="s"), "score": s, "pred": p})
    ref.to_parquet(work / "reference.parquet", index=False)
    cur.to_parquet(work / "current.parquet", index=False)
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute(f"create table raw.reference as select * from read_parquet('{work / 'reference.parquet'}')")
    con.execute(f"create table raw.current as select * from read_parquet('{work / 'current.parquet'}')")
    con.close()
    manifest.write_text(json.dumps(want))
    return {"db": db, "work": work, **want}


# ---------------------------------------------------------------------------------------------
# the dbt side: one project, the call compiled once


def make_project(ctx: dict, package: Path = REPO, proj: Path | None = None) -> Path:
    """The bench's dbt project (DuckDB, the data's file) installing ``package`` (this checkout)."""
    proj = proj or ctx["work"] / "project"
    (proj / "models").mkdir(parents=True, exist_ok=True)
    (proj / "dbt_project.yml").write_text(
        "name: cbpe_bench\nversion: '1.0'\nconfig-version: 2\nprofile: cbpe_bench\n"
        f"vars:\n  ml_monitor_as_of: '{AS_OF}'\n")
    (proj / "profiles.yml").write_text(
        f"cbpe_bench:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: \"{ctx['db']}\"\n      threads: 1\n")
    (proj / "packages.yml").write_text(f"packages:\n  - local: \"{package}\"\n")
    if not (proj / "dbt_packages" / "ml_monitor").exists():
        subprocess.run([str(Path(sys.executable).with_name("dbt")), "deps", "--project-dir", str(proj),
                        "--profiles-dir", str(proj)], check=True, capture_output=True)
    return proj


def call(days: int) -> str:
    rel = "api.Relation.create(database=target.database, schema='raw', identifier='{}')"
    return ("{{ ml_monitor.estimated_performance(" + rel.format("current") + ", reference=" + rel.format("reference")
            + ", label_column='label', score_column='score', prediction_column='pred', metric=" + repr(METRICS)
            + ", timestamp_column='ts', window={'period': 'day', 'count': 1}, windows=" + str(days) + ") }}")


def compile_sql(proj: Path, days: int, out: Path) -> None:
    """(in its own process) dbt compile --inline of the call; the compiled SQL to `out`."""
    from dbt.cli.main import dbtRunner

    res = dbtRunner().invoke(["compile", "--inline", call(days), "--project-dir", str(proj),
                              "--profiles-dir", str(proj), "--quiet"])
    if not res.success:
        raise SystemExit(f"dbt compile failed: {res.exception}")
    out.write_text(res.result.results[0].node.compiled_code)


def run_sql(db: Path, sql_file: Path) -> None:
    """(in its own process) run a statement, print its rows as JSON."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    t0, c0 = time.perf_counter(), time.process_time()
    cur = con.execute(sql_file.read_text())
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    inner = {"query": time.perf_counter() - t0, "cpu": time.process_time() - c0}
    print(json.dumps({"inner": inner, "rows": rows}, default=str))


# ---------------------------------------------------------------------------------------------
# NannyML (runs inside its virtualenv)


def run_nannyml(work: Path, max_rows: int) -> None:
    import warnings

    warnings.filterwarnings("ignore")
    import nannyml as nml
    import pandas as pd

    t0, c0 = time.perf_counter(), time.process_time()
    ref = pd.read_parquet(work / "reference.parquet")
    cur = pd.read_parquet(work / "current.parquet")
    t_read = time.perf_counter() - t0
    total = len(cur)
    used = cur
    if total > max_rows:       # whole days, as many as fit under the cap
        day = cur.ts.dt.floor("D")
        per_day = day.value_counts().sort_index()
        keep = per_day.index[per_day.cumsum() <= max_rows]
        used = cur[day.isin(keep)]
    est = nml.CBPE(y_pred_proba="score", y_pred="pred", y_true="label", timestamp_column_name="ts",
                   metrics=METRICS, chunk_period="D", problem_type="classification_binary")
    t1 = time.perf_counter()
    est.fit(ref)
    t_fit = time.perf_counter() - t1
    t2 = time.perf_counter()
    res = est.estimate(used).filter(period="analysis").data
    t_est = time.perf_counter() - t2
    chunks = {str(r[("chunk", "start_date")])[:10]: {m: float(r[(m, "value")]) for m in METRICS}
              for _, r in res.iterrows()}
    print(json.dumps({"read": t_read, "fit": t_fit, "estimate": t_est, "cpu": time.process_time() - c0, "rows_estimated": len(used),
                      "rows_total": total, "needs_calibration": bool(est.needs_calibration), "chunks": chunks}))


# ---------------------------------------------------------------------------------------------
# the measurements


def measured(cmd: list[str]) -> dict:
    from run_bench import run_measured

    r = run_measured(cmd)
    if r["returncode"] != 0:
        raise RuntimeError(f"{cmd[:3]} failed:\n{r['stderr'][-3000:]}")
    return r


def nannyml_python() -> str:
    out = subprocess.run(["bash", str(REPO / "scripts" / "nannyml_venv.sh")], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def bench_size(ctx: dict, repeat: int, with_nannyml: bool, max_rows: int, compiled: Path | None = None) -> dict:
    me = str(Path(__file__).resolve())
    work, days = ctx["work"], ctx["days"]
    proj = make_project(ctx)
    sql_file, scan_file = work / "estimate.sql", work / "raw_scan.sql"
    scan_file.write_text("select count(*) as n, sum(score) as s, sum(pred) as p, max(ts) as t from raw.current")
    runs: dict[str, list[dict]] = {"dbt_compile": [], "raw_scan": [], "sql": [], "nannyml": []}
    values = None
    for i in range(repeat):
        log(f"{ctx['rows']:,} rows: run {i + 1}/{repeat}")
        if compiled is None:
            runs["dbt_compile"].append(measured([sys.executable, me, "_compile", str(proj), str(days), str(sql_file)]))
        elif i == 0:    # the SQL does not depend on the current rows: reuse a compile of the same call
            sql_file.write_text(compiled.read_text())
        for name, f in (("raw_scan", scan_file), ("sql", sql_file)):
            r = measured([sys.executable, me, "_sql", str(ctx["db"]), str(f)])
            got = json.loads(r["stdout"].strip().splitlines()[-1])
            r.update(got["inner"])
            runs[name].append(r)
            if name == "sql":
                values = got["rows"]
        if with_nannyml:
            r = measured([nannyml_python(), me, "_nannyml", str(work), str(max_rows)])
            r["inner"] = json.loads(r["stdout"].strip().splitlines()[-1])
            runs["nannyml"].append(r)

    def med(rs, key):
        xs = [x[key] for x in rs if x.get(key) is not None]
        return round(statistics.median(xs), 3) if xs else None

    out = {"rows": ctx["rows"], "ref_rows": ctx["ref_rows"], "days": days, "repeat": repeat,
           "load_average_after": [round(x, 2) for x in os.getloadavg()]}
    for k in ("raw_scan", "sql", "dbt_compile"):
        out[k] = {"seconds": med(runs[k], "wall"), "peak_rss_mb": med(runs[k], "peak_rss_mb")}
    for k in ("raw_scan", "sql"):   # the statement alone, timed inside its process (no start-up)
        out[k].update(query=med(runs[k], "query"), cpu=med(runs[k], "cpu"))
    ours = {}
    for r in values:
        if r["segment_column"] is None and r["metric"] in METRICS:
            ours.setdefault(str(r["window_start"])[:10], {})[r["metric"]] = r["value"]
    out["sql"]["windows"] = len(ours)
    if with_nannyml:
        inner = [r["inner"] for r in runs["nannyml"]]
        last = inner[-1]
        scale = last["rows_total"] / last["rows_estimated"]
        fit, est, read, cpu = (statistics.median(x[k] for x in inner) for k in ("fit", "estimate", "read", "cpu"))
        out["nannyml"] = {
            "seconds": med(runs["nannyml"], "wall"), "peak_rss_mb": med(runs["nannyml"], "peak_rss_mb"),
            "read": round(read, 3), "fit": round(fit, 3), "estimate": round(est, 3), "cpu": round(cpu, 3),
            "rows_estimated": last["rows_estimated"], "extrapolated": scale > 1,
            # the whole run if NannyML had estimated every row: read + fit + estimate scaled by rows
            "seconds_all_rows": round(med(runs["nannyml"], "wall") + est * (scale - 1), 3),
            "needs_calibration": last["needs_calibration"]}
        diffs = [abs(ours[d][m] - c[m]) for d, c in last["chunks"].items() if d in ours for m in METRICS
                 if ours[d].get(m) is not None and c[m] == c[m]]
        out["agreement"] = {"windows_compared": len([d for d in last["chunks"] if d in ours]),
                            "max_abs_diff": max(diffs) if diffs else None}
    # ratios of the work itself (statement / fit + estimate timed inside each process): process
    # start-up (Python, DuckDB, pandas imports) is a constant that hides the scan at small sizes
    scan = out["raw_scan"]["query"]
    out["ratios_to_raw_scan"] = {"sql": round(out["sql"]["query"] / scan, 1)}
    if with_nannyml:
        n = out["nannyml"]
        n["work_all_rows"] = round(n["fit"] + n["estimate"] * (n["rows_estimated"] and last["rows_total"] / n["rows_estimated"]), 3)
        out["ratios_to_raw_scan"]["nannyml"] = round(n["work_all_rows"] / scan, 1)
        out["nannyml_over_sql"] = round(n["work_all_rows"] / out["sql"]["query"], 1)
    return out


def table(results: list[dict]) -> str:
    lines = ["| current rows | raw scan | estimated_performance SQL | × scan | NannyML fit + estimate | × scan "
             "| NannyML / SQL | wall: SQL process / NannyML process / dbt compile | peak RSS SQL / NannyML | max diff |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        n = r.get("nannyml")
        cells = [f"{r['rows']:,}", f"{r['raw_scan']['query']:.3f} s", f"{r['sql']['query']:.2f} s",
                 str(r["ratios_to_raw_scan"]["sql"])]
        compile_s = r["dbt_compile"]["seconds"]
        if n:
            cells += [f"{n['work_all_rows']:.1f} s" + (" (extrapolated)" if n["extrapolated"] else ""),
                      str(r["ratios_to_raw_scan"]["nannyml"]), str(r["nannyml_over_sql"]),
                      f"{r['sql']['seconds']:.1f} / {n['seconds_all_rows']:.1f} / " + (f"{compile_s:.0f} s" if compile_s else "(reused)"),
                      f"{r['sql']['peak_rss_mb']:.0f} / {n['peak_rss_mb']:.0f} MB",
                      f"{r['agreement']['max_abs_diff']:.1e}"]
        else:
            cells += ["—", "—", "—", f"{r['sql']['seconds']:.1f} / — / " + (f"{compile_s:.0f} s" if compile_s else "(reused)"),
                      f"{r['sql']['peak_rss_mb']:.0f} MB", "—"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_compile":
        compile_sql(Path(argv[1]), int(argv[2]), Path(argv[3]))
        return 0
    if argv and argv[0] == "_sql":
        run_sql(Path(argv[1]), Path(argv[2]))
        return 0
    if argv and argv[0] == "_nannyml":
        run_nannyml(Path(argv[1]), int(argv[2]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default="1000000", help="current rows, comma-separated sizes")
    ap.add_argument("--ref-rows", type=int, default=50000, help="labelled reference rows")
    ap.add_argument("--days", type=int, default=10, help="daily windows (windows: N)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--nannyml", choices=["on", "off"], default="on")
    ap.add_argument("--nannyml-max-rows", type=int, default=10_000_000)
    ap.add_argument("--compiled-sql", default=None,
                    help="reuse estimate.sql of an earlier run (same --ref-rows and --days): skips dbt compile")
    ap.add_argument("--work-dir", default=str(HERE / "work" / "cbpe"))
    ap.add_argument("--out", default=str(HERE / "results"))
    a = ap.parse_args(argv)
    results = []
    for rows in [int(x) for x in a.rows.split(",")]:
        ctx = make_data(Path(a.work_dir) / str(rows), rows, a.ref_rows, a.days)
        res = bench_size(ctx, a.repeat, a.nannyml == "on", a.nannyml_max_rows,
                         Path(a.compiled_sql) if a.compiled_sql else None)
        results.append(res)
        Path(a.out).mkdir(parents=True, exist_ok=True)
        (Path(a.out) / f"cbpe_{rows}.json").write_text(json.dumps(res, indent=2))
        log(json.dumps(res))
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
