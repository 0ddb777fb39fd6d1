"""The cost of estimated_performance's fit on the reference (issue #16): dbt compile of the
bench call for references of N distinct scores (the fit runs at compile time: calibration
decision, isotonic map, realized metrics, sampling-error components).

    python bench/cbpe_fit_bench.py                                  # 10k, 50k, 100k distinct scores
    python bench/cbpe_fit_bench.py --sizes 1000,10000 --package /path/to/an/older/checkout

Each compile runs in its own process (bench/launch.py: wall time and peak RSS) and reports its
CPU time (all threads, the fairer number on a loaded machine). ``--package`` points the bench
project at another copy of the package (e.g. ``git worktree add /tmp/old <commit>``) to compare
before and after a change. The data is cbpe_bench.py's (reference only; 20,000 current rows).
Results: a JSON line per size on stdout and bench/results/cbpe_fit.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cbpe_bench  # noqa: E402


def _compile(proj: Path, out: Path) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    cbpe_bench.compile_sql(proj, 10, out)
    print(json.dumps({"inner_wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_compile":
        _compile(Path(argv[1]), Path(argv[2]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,50000,100000", help="reference rows (all scores distinct)")
    ap.add_argument("--package", default=str(HERE.parent), help="the ml_monitor package to compile with")
    ap.add_argument("--work-dir", default=str(HERE / "work" / "cbpe_fit"))
    ap.add_argument("--out", default=str(HERE / "results" / "cbpe_fit.json"))
    a = ap.parse_args(argv)
    from run_bench import run_measured

    results = []
    for n in [int(x) for x in a.sizes.split(",")]:
        ctx = cbpe_bench.make_data(Path(a.work_dir) / str(n), 20000, n, 10)
        package = Path(a.package).resolve()
        proj = cbpe_bench.make_project(ctx, package, Path(a.work_dir) / str(n) / f"project_{abs(hash(str(package))) % 10**8}")
        r = run_measured([sys.executable, str(Path(__file__).resolve()), "_compile", str(proj),
                          str(Path(a.work_dir) / str(n) / "estimate.sql")])
        if r["returncode"] != 0:
            raise SystemExit(r["stderr"][-3000:])
        inner = json.loads(r["stdout"].strip().splitlines()[-1])
        res = {"distinct_scores": n, "package": str(Path(a.package).resolve()), "wall": round(r["wall"], 2),
               "cpu": round(inner["cpu"], 2), "peak_rss_mb": r.get("peak_rss_mb"),
               "load_average": round(os.getloadavg()[0], 1)}
        print(json.dumps(res), flush=True)
        results.append(res)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
