"""feature_skew benchmark (issue #18): the one-join skew check vs the raw scan vs pandas.

    python bench/skew_bench.py --rows 10000000          # 10M logged rows x 10 features, 10M offline
    python bench/skew_bench.py --rows 1000000 --repeat 3

Data (DuckDB, generated in SQL with a fixed seed): ``serving`` (id, channel of 4 values, f0..f9
doubles) and ``offline`` (the same keys and features recomputed): 1% of rows disagree beyond
the tolerance on f0, channel 'partner' logs f1 in thousands, 0.5% of serving keys have no
offline row, 0.1% of keys are duplicated on each side, 1% of values are NULL.

Measured (medians of --repeat runs, one DuckDB connection, threads 2):
  (a) raw scan   count, sum and null count of every feature of both tables (the floor)
  (b) skew SQL   ml_monitor.feature_skew(serving, offline, entity_key=id, features=f0..f9,
                 rel_tolerance=0.001, segment_by=[channel]) compiled by dbt, run without dbt
  (b0) the same with n_examples: 0 (no worst-example keys in the detail)
  (c) pandas     the same numbers with pandas: both tables' keys counted and reduced to one row
                 per key, an outer merge, per-feature mismatch / mean |diff| by channel and overall
                 (the tables are read into DataFrames first: timed apart as "pandas load"), in a
                 process of its own started before the SQL (its peak RSS is pandas' alone, load
                 included, not the DuckDB connection's)
Checks that (b) and (c) agree (mismatch rates to 1e-12). Results: bench/results/skew_<rows>.json
(the load average is sampled every 5 s during the timed runs: its median and max are recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FEATURES = [f"f{i}" for i in range(10)]
TOL = 0.001


def make_data(db: Path, rows: int) -> None:
    con = duckdb.connect(str(db))
    con.execute("set threads to 2")
    con.execute("select setseed(0.18)")
    feats = ", ".join(f"case when random() < 0.01 then null else round(random() * 1000, 3) end as {f}" for f in FEATURES)
    con.execute(f"""
        create or replace table serving as
        select id, (['web', 'app', 'partner', 'store'])[1 + (hash(id) % 4)::int] as channel, {feats}
        from range(1, {rows} + 1) t(id)""")
    off = ", ".join(
        "case when random() < 0.01 then f0 + 5 else f0 end as f0" if f == "f0" else
        "case when channel = 'partner' then f1 * 1000 else f1 end as f1" if f == "f1" else f
        for f in FEATURES)
    con.execute(f"""
        create or replace table offline as
        select id, {off} from serving where hash(id * 7) % 200 <> 0""")
    dup = max(rows // 1000, 1)
    con.execute(f"insert into serving select * from serving where id <= {dup}")
    con.execute(f"insert into offline select * from offline where id > {rows} - {dup}")
    con.execute("checkpoint")
    con.close()


def compile_inline(db: Path, work: Path, tables: list[str], inline: str, vars_yaml: str | None = None) -> str:
    """`inline` (a macro call over `source('bench', <table>)`) compiled by dbt against a throwaway
    project over the bench's DuckDB file `db` (`vars_yaml`: dbt's --vars)."""
    project = work / "bench_project"
    (project / "models").mkdir(parents=True, exist_ok=True)
    (project / "dbt_project.yml").write_text("name: skew_bench\nversion: '1.0'\nconfig-version: 2\nprofile: skew_bench\n")
    (project / "profiles.yml").write_text(
        f"skew_bench:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: \"{db}\"\n      threads: 2\n")
    (project / "packages.yml").write_text(f"packages:\n  - local: \"{REPO}\"\n")
    (project / "models" / "sources.yml").write_text(
        "version: 2\nsources:\n  - name: bench\n    schema: main\n    tables: ["
        + ", ".join(f"{{name: {t}}}" for t in tables) + "]\n")
    dbt = str(Path(sys.executable).with_name("dbt"))
    common = ["--project-dir", str(project), "--profiles-dir", str(project)]
    subprocess.run([dbt, "deps", *common], check=True, capture_output=True)
    extra = ["--vars", vars_yaml] if vars_yaml else []
    return subprocess.run([dbt, "compile", "--inline", inline, "--quiet", *extra, *common], check=True,
                          capture_output=True, text=True).stdout


def compile_skew(db: Path, work: Path, n_examples: int | None = None) -> str:
    """The feature_skew SQL (`n_examples`: the argument, when given; 0 leaves out the worst-example keys)."""
    inline = ("{{ ml_monitor.feature_skew(source('bench', 'serving'), offline=source('bench', 'offline'), "
              f"entity_key='id', features={FEATURES!r}, rel_tolerance={TOL}, segment_by=['channel']"
              + (f", n_examples={n_examples}" if n_examples is not None else "") + ") }}")
    return compile_inline(db, work, ["serving", "offline"], inline)


def raw_scan(con) -> None:
    aggs = ", ".join(f"count(*), sum({f}), count({f})" for f in FEATURES)
    for t in ("serving", "offline"):
        con.execute(f"select {aggs} from {t}").fetchall()


def pandas_skew(s: pd.DataFrame, o: pd.DataFrame) -> dict:
    """feature_skew's rules in pandas: keys counted per side, one row per key, outer merge."""
    sk = s.groupby("id", sort=False).agg(n_s=("id", "size"), channel=("channel", "max"),
                                         **{f"s_{f}": (f, "max") for f in FEATURES})
    ok = o.groupby("id", sort=False).agg(n_o=("id", "size"), **{f"o_{f}": (f, "max") for f in FEATURES})
    j = sk.join(ok, how="outer")
    compared = (j["n_s"] == 1) & (j["n_o"] == 1)
    c = j[compared]
    out = {}
    groups = [("overall", c)] + [(v, g) for v, g in c.groupby("channel")]
    for name, g in groups:
        for f in FEATURES:
            a, b = g[f"s_{f}"], g[f"o_{f}"]
            diff = (a - b).abs()
            equal = (a.isna() & b.isna()) | (diff <= np.maximum(0.0, TOL * b.abs()))
            out[(name, f)] = (float((~equal).mean()), float(diff.mean()))
    srv = j[j["n_s"].notna()]
    out[("overall", "missing_offline_rate")] = float(srv["n_o"].isna().mean())
    return out


def pandas_child(db: str, repeat: int) -> int:
    """(c) in this process: load both tables, run pandas_skew `repeat` times, print JSON."""
    con = duckdb.connect(db, read_only=True)
    load_s, frames = median_time(lambda: (con.execute("select * from serving").df(),
                                          con.execute("select * from offline").df()), 1)
    con.close()
    pandas_s, expected = median_time(lambda: pandas_skew(*frames), repeat)
    print(json.dumps({"pandas_load_s": load_s, "pandas_s": pandas_s,
                      "pandas_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "expected": [[k[0], k[1], v[0] if isinstance(v, tuple) else v] for k, v in expected.items()]}))
    return 0


class LoadSampler:
    """The 1-minute load average every `every` seconds while the timed runs last."""

    def __init__(self, every: float = 5.0):
        import threading
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)

    def _run(self, every: float) -> None:
        while not self._stop.is_set():
            self.samples.append(os.getloadavg()[0])
            self._stop.wait(every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_pandas_child(script: str, db: Path, repeat: int) -> dict:
    """`script --pandas-child db`: (c) in a process of its own (its peak RSS is pandas' alone);
    the JSON it prints last."""
    child = subprocess.run([sys.executable, script, "--pandas-child", str(db), "--repeat", str(repeat)],
                           check=True, capture_output=True, text=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


def timed_connection(db: Path, memory_limit: str | None):
    """A read-only DuckDB connection for the timed queries: 2 threads, `memory_limit` if given."""
    con = duckdb.connect(str(db), read_only=True)
    con.execute("set threads to 2")
    if memory_limit:
        con.execute(f"set memory_limit = '{memory_limit}'")
    return con


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work-dir", default=str(HERE / "work"))
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--no-pandas", action="store_true",
                    help="time the SQL and the raw scan only (pandas needs ~1 GB per million rows per side)")
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory_limit for the timed queries, e.g. 4GB")
    ap.add_argument("--pandas-child", default=None, help=argparse.SUPPRESS)   # internal: (c) in its own process
    args = ap.parse_args(argv)
    if args.pandas_child:
        return pandas_child(args.pandas_child, args.repeat)
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"skew_{args.rows}.duckdb"
    t0 = time.perf_counter()
    make_data(db, args.rows)
    gen_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        sql = compile_skew(db, Path(tmp))
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        sql_no_examples = compile_skew(db, Path(tmp), n_examples=0)
    with LoadSampler() as load:
        # pandas first, while this process holds no DuckDB database (both never in memory at once)
        c = None if args.no_pandas else run_pandas_child(__file__, db, args.repeat)
        load_s, pandas_s, pandas_peak_mb = (None, None, None) if c is None else \
            (c["pandas_load_s"], c["pandas_s"], c["pandas_peak_rss_mb"])
        expected = {} if c is None else {(g, f): (v,) for g, f, v in c["expected"]}
        con = timed_connection(db, args.memory_limit)
        scan_s, _ = median_time(lambda: raw_scan(con), args.repeat)
        skew_s, rows = median_time(lambda: con.execute(sql).fetchall(), args.repeat)
        cols = [d[0] for d in con.description] if con.description else []
        skew0_s, _ = median_time(lambda: con.execute(sql_no_examples).fetchall(), args.repeat)
        con.close()
        sql_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # agreement: every mismatch_rate of (b) equals (c)'s
    got = [dict(zip(cols, r)) for r in rows]
    worst = 0.0
    for r in got:
        if r["metric"] != "mismatch_rate":
            continue
        key = ("overall" if r["segment_column"] is None else r["segment_value"], r["column_name"])
        if key in expected:
            worst = max(worst, abs(r["value"] - expected[key][0]))
    assert worst < 1e-12, f"feature_skew and pandas disagree by {worst}"
    result = {"rows": args.rows, "features": len(FEATURES), "repeat": args.repeat, "generate_s": gen_s,
              "raw_scan_s": scan_s, "skew_sql_s": skew_s,
              "skew_sql_no_examples_s": skew0_s, "skew_no_examples_over_scan": skew0_s / scan_s, "pandas_load_s": load_s, "pandas_s": pandas_s,
              "skew_over_scan": skew_s / scan_s,
              "pandas_over_scan": None if pandas_s is None else pandas_s / scan_s,
              "pandas_with_load_over_skew": None if pandas_s is None else (pandas_s + load_s) / skew_s,
              "max_mismatch_rate_diff": None if args.no_pandas else worst,
              "observation_rows": len(got), "duckdb": duckdb.__version__, "pandas": pd.__version__,
              "machine": platform.platform(), "load_avg": list(os.getloadavg()),
              "load_avg_1min_during_median": statistics.median(load.samples),
              "load_avg_1min_during_max": max(load.samples),
              "memory_limit": args.memory_limit,
              "peak_rss_mb": sql_peak_mb, "pandas_peak_rss_mb": pandas_peak_mb}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"skew_{args.rows}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    db.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
