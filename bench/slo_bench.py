"""serving_slo benchmark: the per-window SLO check vs the raw scan vs pandas.

    python bench/slo_bench.py --rows 10000000          # 10M requests over 24 hourly windows
    python bench/slo_bench.py --rows 1000000 --repeat 3

Data (DuckDB, generated in SQL with a fixed seed): ``requests`` (id, requested_at spread evenly
over one UTC day, model_version of 3 values, endpoint of 2, latency_ms exponential around
40-160 ms by version, http_status 200 / 1% 500 / 0.5% 503 as an INTEGER column); 1% of
latencies NULL, 0.05% NaN and 0.01% +inf (left out of the percentiles and counted in the
detail).

Measured (medians of --repeat runs, one DuckDB connection, threads 2):
  (a) raw scan   a sum over every value of every column the check reads (the floor)
  (b) SLO SQL    ml_monitor.serving_slo(requests, latency_column=latency_ms, status_column=
                 http_status, error_values=[500, 503], max_p95_ms=300, max_error_rate=0.01,
                 min_throughput=1, segment_by=[model_version, endpoint], timestamp_column=
                 requested_at, window={period: hour, count: 1}, windows=24) compiled by dbt, run
                 without dbt: p50 / p95 / p99 (exact), error rate, throughput (and per second) per hour and segment
  (c) pandas     the same numbers: hour floor, group by window (overall and per segment column),
                 np.quantile over the finite latencies, error share, row counts; the table is read
                 into a DataFrame first (timed apart as "pandas load"), in a process of its own
Checks that (b) and (c) agree (every value to 1e-9 relative, no row missing). Results:
bench/results/slo_<rows>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from skew_bench import LoadSampler, compile_inline, median_time, run_pandas_child, timed_connection  # noqa: E402

HERE = Path(__file__).resolve().parent
SEGMENTS = ["model_version", "endpoint"]
ERRORS = [500, 503]
AS_OF = "2026-01-02T00:00:00Z"
QUANTILES = {"latency_p50": 0.5, "latency_p95": 0.95, "latency_p99": 0.99}


def make_data(db: Path, rows: int) -> None:
    con = duckdb.connect(str(db))
    con.execute("set threads to 2")
    con.execute("select setseed(0.19)")
    con.execute(f"""
        create or replace table requests as
        select id,
          timestamp '2026-01-01' + to_microseconds(((id - 1) * 86400000000 // {rows})::bigint) as requested_at,
          (['churn-v7', 'churn-v8', 'churn-v9'])[1 + (hash(id) % 3)::int] as model_version,
          (['predict', 'batch'])[1 + (hash(id * 3) % 2)::int] as endpoint,
          case when random() < 0.01 then null
               when random() < 0.0005 then 'nan'::double
               when random() < 0.0001 then 'inf'::double
               else round(-ln(1 - random()) * (40 + 60 * (hash(id) % 3)), 3) end as latency_ms,
          case when random() < 0.01 then 500 when random() < 0.005 then 503 else 200 end::integer as http_status
        from range(1, {rows} + 1) t(id)""")
    con.execute("checkpoint")
    con.close()


def compile_slo(db: Path, work: Path) -> str:
    inline = ("{{ ml_monitor.serving_slo(source('bench', 'requests'), latency_column='latency_ms', "
              f"status_column='http_status', error_values={ERRORS!r}, max_p95_ms=300, max_error_rate=0.01, "
              f"min_throughput=1, segment_by={SEGMENTS!r}, timestamp_column='requested_at', "
              "window={'period': 'hour', 'count': 1}, windows=24) }}")
    return compile_inline(db, work, ["requests"], inline, vars_yaml=f"{{ml_monitor_as_of: '{AS_OF}'}}")


def raw_scan(con) -> None:
    # every value of every column read (a min or a count could come from the block statistics)
    con.execute("select count(*), sum(epoch_us(requested_at)), sum(length(model_version)), sum(length(endpoint)), "
                "sum(latency_ms), count(latency_ms), sum(http_status) from requests").fetchall()


def pandas_slo(df: pd.DataFrame) -> dict:
    """serving_slo's numbers in pandas: (window start, segment column, segment value, metric) -> value."""
    df = df.assign(window=df["requested_at"].dt.floor("h"),
                   finite=np.isfinite(df["latency_ms"].to_numpy(dtype=float, na_value=np.nan)),
                   error=df["http_status"].isin(ERRORS))
    out = {}
    groupings = [(None, ["window"])] + [(c, ["window", c]) for c in SEGMENTS]
    for column, keys in groupings:
        for key, g in df.groupby(keys, sort=False):
            key = key if isinstance(key, tuple) else (key,)
            window, value = pd.Timestamp(key[0]).isoformat(), (key[1] if column else None)
            lat = g.loc[g["finite"], "latency_ms"].to_numpy(dtype=float)
            for metric, q in QUANTILES.items():
                out[(window, column, value, metric)] = float(np.quantile(lat, q)) if len(lat) else None
            out[(window, column, value, "error_rate")] = float(g["error"].mean())
            out[(window, column, value, "throughput")] = float(len(g))
            out[(window, column, value, "throughput_per_second")] = len(g) / 3600.0
    return out


def pandas_child(db: str, repeat: int) -> int:
    """(c) in this process: load the table, run pandas_slo `repeat` times, print JSON."""
    con = duckdb.connect(db, read_only=True)
    load_s, frame = median_time(lambda: con.execute("select * from requests").df(), 1)
    con.close()
    pandas_s, expected = median_time(lambda: pandas_slo(frame), repeat)
    print(json.dumps({"pandas_load_s": load_s, "pandas_s": pandas_s,
                      "pandas_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "expected": [[*k, v] for k, v in expected.items()]}))
    return 0


def agreement(got: list[dict], expected: dict) -> tuple[float, int]:
    """The largest relative difference between (b) and (c) over the metrics both compute, and how
    many of (c)'s values (b) lacks."""
    seen, worst = set(), 0.0
    for r in got:
        start = pd.Timestamp(r["window_start"]).isoformat()
        key = (start, r["segment_column"], r["segment_value"], r["metric"])
        if key not in expected:
            continue
        seen.add(key)
        want, value = expected[key], r["value"]
        if want is None or value is None:
            worst = max(worst, 0.0 if want is None and value is None else float("inf"))
        else:
            worst = max(worst, abs(value - want) / max(1.0, abs(want)))
    return worst, len(set(expected) - seen)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work-dir", default=str(HERE / "work"))
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--name", default=None, help="result file name (default slo_<rows>.json)")
    ap.add_argument("--no-pandas", action="store_true", help="time the SQL and the raw scan only")
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory_limit for the timed queries, e.g. 4GB")
    ap.add_argument("--pandas-child", default=None, help=argparse.SUPPRESS)   # internal: (c) in its own process
    args = ap.parse_args(argv)
    if args.pandas_child:
        return pandas_child(args.pandas_child, args.repeat)
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"slo_{args.rows}.duckdb"
    gen_s, _ = median_time(lambda: make_data(db, args.rows), 1)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        sql = compile_slo(db, Path(tmp))
    with LoadSampler() as load:
        # pandas first, while this process holds no DuckDB database (both never in memory at once)
        c = None if args.no_pandas else run_pandas_child(__file__, db, args.repeat)
        load_s, pandas_s, pandas_peak_mb = (None, None, None) if c is None else \
            (c["pandas_load_s"], c["pandas_s"], c["pandas_peak_rss_mb"])
        expected = {} if c is None else {tuple(e[:4]): e[4] for e in c["expected"]}
        con = timed_connection(db, args.memory_limit)
        scan_s, _ = median_time(lambda: raw_scan(con), args.repeat)
        slo_s, rows = median_time(lambda: con.execute(sql).fetchall(), args.repeat)
        cols = [d[0] for d in con.description]
        con.close()
        sql_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    got = [dict(zip(cols, r)) for r in rows]
    worst, missing = agreement(got, expected)
    if not args.no_pandas:
        assert worst < 1e-9 and missing == 0, f"serving_slo and pandas disagree by {worst} ({missing} values missing)"
    result = {"rows": args.rows, "windows": 24, "repeat": args.repeat, "generate_s": gen_s,
              "raw_scan_s": scan_s, "slo_sql_s": slo_s, "slo_over_scan": slo_s / scan_s,
              "pandas_load_s": load_s, "pandas_s": pandas_s,
              "pandas_over_scan": None if pandas_s is None else pandas_s / scan_s,
              "pandas_with_load_over_slo": None if pandas_s is None else (pandas_s + load_s) / slo_s,
              "max_relative_diff": None if args.no_pandas else worst, "values_compared": len(expected),
              "observation_rows": len(got), "duckdb": duckdb.__version__, "pandas": pd.__version__,
              "machine": platform.platform(), "load_avg": list(os.getloadavg()),
              "load_avg_1min_during_median": statistics.median(load.samples),
              "load_avg_1min_during_max": max(load.samples),
              "memory_limit": args.memory_limit,
              "peak_rss_mb": sql_peak_mb, "pandas_peak_rss_mb": pandas_peak_mb}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / (args.name or f"slo_{args.rows}.json")).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    db.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
