"""The floor of issue #14's (iii): what one new window's exact label-joined AUC costs, hand-written.

    python bench/incremental_floor.py                       # 30 + 1 daily windows x 1M rows
    python bench/incremental_floor.py --rows-per-window 200000 --repeat 5

(iii) asks the incremental run of the windows benchmark (bench/windows_bench.py) to cost at most
3x a raw scan of the new window's rows. That run includes `performance` by segment: accuracy and
an **exact** ROC AUC over the window's predictions joined to their labels, overall and per
segment. This script measures the least SQL that can compute that AUC exactly, written by hand
for DuckDB with nothing of the package around it (no dbt, no compile-time queries, no other
metric), against the same raw scan windows_bench.py uses as the denominator:

  raw scan            count/sum of every column the suite reads, of the new window's predictions
                      (a time-range filter on the 31-day table) and of its labels
  label join          the window's predictions joined to their labels, one label per key
  AUC overall         label join + one grouping by score + one running sum (exact, ties averaged)
  AUC by segment      the same, partitioned by segment
  AUC overall + by segment
  Mann-Whitney        label join + rank() and a tie count over the score (exact, ties averaged)
  rank only           label join + rank() (not exact with ties: a lower bound of any rank method)
  sort only           the window's scores ranked, no labels (a lower bound of any sort)

Each is checked against scikit-learn's roc_auc_score (1e-9) where it is exact. Data: bench/
generate.py's predictions (continuous scores, 8 segments, labels for 70% of the rows), one day of
``--rows-per-window`` rows copied into ``--windows`` + 1 days (ids shifted, a ``ts`` column spread
over each day), stored in one DuckDB file under ``--work-dir``. Timings are warm medians of
``--repeat`` runs in one connection. Results: bench/results/incremental_floor_<rows>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402


def build(work: Path, rows: int, windows: int) -> Path:
    """One DuckDB file with raw.predictions (windows + 1 days) and raw.labels."""
    import duckdb
    day = work / f"day_{rows}"
    generate.generate(day, rows, 10, parquet=False)
    db = work / f"floor_{rows}x{windows + 1}.duckdb"
    if db.exists():
        return db
    con = duckdb.connect(str(db))
    con.execute(f"attach '{day / 'bench.duckdb'}' as src (read_only)")
    con.execute("create schema raw")
    shift = 10 ** len(str(rows))
    con.execute(f"""create table raw.predictions as
        select p.* replace (p.id + d * {shift} as id),
               timestamp '2026-01-01' + to_days(d::int)
                 + to_microseconds((row_number() over (partition by d order by p.id) * 86400000000 // ({rows} + 1))::bigint) as ts
        from range({windows + 1}) t(d), src.raw.predictions p order by d, p.id""")
    con.execute(f"""create table raw.labels as
        select l.id + d * {shift} as id, l.label from range({windows + 1}) t(d), src.raw.labels l order by d, l.id""")
    con.close()
    return db


def statements(rows: int, windows: int, numeric: list[str], categorical: list[str]) -> dict[str, list[str]]:
    day = f"2026-01-{windows + 1:02d}" if windows < 31 else None
    if day is None:
        raise SystemExit("--windows must be at most 30 (the days of January 2026)")
    nxt = f"2026-01-{windows + 2:02d}" if windows + 2 <= 31 else "2026-02-01"
    shift = 10 ** len(str(rows))
    pw = f"(select * from raw.predictions where ts >= timestamp '{day}' and ts < timestamp '{nxt}')"
    lw = f"(select * from raw.labels where id >= {windows * shift} and id < {(windows + 1) * shift})"
    num = numeric + ["score", "predicted_label"]
    txt = categorical + ["segment"]
    parts = ["count(*)", "count(id)", "sum(id)"] + [f'count("{c}"), sum("{c}")' for c in num] + [f'count("{c}")' for c in txt]
    # one label per key (the package keeps one; any deterministic choice costs the same grouping)
    join = (f"with l as (select id, max(label) as label from {lw} group by id), "
            f"j as (select p.segment, p.score, l.label from {pw} p join l using (id))")
    by_score = ("g as (select {part}score, count(*) filter (where label = 1) as pos, "
                "count(*) filter (where label = 0) as neg from j group by all), "
                "r as (select {part}pos, neg, sum(neg) over ({over}order by score rows between unbounded preceding and 1 preceding) as below from g) "
                "select {sel}sum(pos * (coalesce(below, 0) + neg / 2.0)) / (sum(pos) * sum(neg)) as auc from r{grp} order by 1")
    auc_all = join + ", " + by_score.format(part="", over="", sel="", grp="")
    auc_seg = join + ", " + by_score.format(part="segment, ", over="partition by segment ", sel="segment, ", grp=" group by segment")
    mann_whitney = join + (", r as (select label, rank() over (order by score) as rk, count(*) over (partition by score) as ties from j) "
                           "select (sum(rk + (ties - 1) / 2.0) filter (where label = 1) "
                           "- count(*) filter (where label = 1) * (count(*) filter (where label = 1) + 1) / 2.0) "
                           "/ (count(*) filter (where label = 1) * count(*) filter (where label = 0)) from r")
    return {
        "raw scan of the new window (predictions + labels)": [f"select {', '.join(parts)} from {pw}",
                                                               f"select count(*), count(id), sum(id), count(label), sum(label) from {lw}"],
        "label join (one label per key)": [join + " select count(*), sum(score), sum(label) from j"],
        "exact AUC overall": [auc_all],
        "exact AUC by segment": [auc_seg],
        "exact AUC overall + by segment": [auc_all, auc_seg],
        "exact AUC overall, Mann-Whitney (rank + tie count)": [mann_whitney],
        "rank only, label join (ties not averaged)": [join + ", r as (select label, rank() over (order by score) as rk from j) "
                                                       "select sum(rk) filter (where label = 1) from r"],
        "sort only: rank the window's scores, no labels": [f"select max(rk) from (select rank() over (order by score) as rk from {pw})"],
        "_oracle": [f"select p.segment, p.score, l.label from {pw} p join (select id, max(label) as label from {lw} group by id) l using (id)"],
    }


def check_against_sklearn(con, stmts: dict[str, list[str]]) -> tuple[int, float, dict]:
    """The hand-written AUCs (overall, Mann-Whitney, by segment) against scikit-learn's
    roc_auc_score on the same joined rows; pops the oracle's statement. (rows, max |diff|, diffs)"""
    import numpy as np
    from sklearn.metrics import roc_auc_score
    seg, score, label = (np.array(c) for c in zip(*con.execute(stmts.pop("_oracle")[0]).fetchall()))
    want_all = roc_auc_score(label, score)
    got_all = con.execute(stmts["exact AUC overall"][0]).fetchall()[0][0]
    got_mw = con.execute(stmts["exact AUC overall, Mann-Whitney (rank + tie count)"][0]).fetchall()[0][0]
    got_seg = dict(con.execute(stmts["exact AUC by segment"][0]).fetchall())
    diffs = {"overall": abs(got_all - want_all), "mann_whitney": abs(got_mw - want_all)}
    diffs.update({s: abs(got_seg[s] - roc_auc_score(label[seg == s], score[seg == s])) for s in sorted(set(seg))})
    return len(label), max(diffs.values()), diffs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows-per-window", type=int, default=1_000_000)
    ap.add_argument("--windows", type=int, default=30, help="windows before the new one (<= 30)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--work-dir", type=Path, default=HERE / "work")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    import duckdb

    args.work_dir.mkdir(parents=True, exist_ok=True)
    db = build(args.work_dir, args.rows_per_window, args.windows)
    manifest = json.loads((args.work_dir / f"day_{args.rows_per_window}" / "manifest.json").read_text())
    stmts = statements(args.rows_per_window, args.windows, manifest["numeric"], manifest["categorical"])
    con = duckdb.connect(str(db), read_only=True)

    # exactness first: the hand-written AUCs against scikit-learn on the same joined rows
    joined, worst, diffs = check_against_sklearn(con, stmts)
    print(f"joined rows {joined:,}; max |AUC - scikit-learn| {worst:.2e}")
    if worst > 1e-9:
        raise SystemExit(f"a hand-written AUC disagrees with scikit-learn: {diffs}")

    def timed(sqls: list[str]) -> float:
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for s in sqls:
                con.execute(s).fetchall()
            runs.append(time.perf_counter() - t0)
        return statistics.median(runs)

    for sqls in stmts.values():           # warm every statement once
        for s in sqls:
            con.execute(s).fetchall()
    seconds = {name: timed(sqls) for name, sqls in stmts.items()}
    raw = seconds["raw scan of the new window (predictions + labels)"]
    print(f"\n{args.windows} + 1 daily windows x {args.rows_per_window:,} rows, DuckDB {duckdb.__version__}, "
          f"warm medians of {args.repeat}; load average {os.getloadavg()[0]:.2f}")
    print(f"{'':52} {'seconds':>9} {'x raw scan':>11}")
    for name, s in seconds.items():
        print(f"{name:52} {s:9.4f} {s / raw:10.1f}x")
    out = {"rows_per_window": args.rows_per_window, "windows": args.windows, "repeat": args.repeat,
           "duckdb": duckdb.__version__, "load_average_end": os.getloadavg(), "joined_rows": joined,
           "max_abs_diff_vs_sklearn": worst, "seconds": seconds,
           "x_raw_scan": {k: round(v / raw, 2) for k, v in seconds.items()},
           "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    path = args.out or HERE / "results" / f"incremental_floor_{args.rows_per_window}.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
