"""Run one of bench/'s scripts on tiny data and read back the JSON result it writes (the smoke
tests of the benchmarks: test_bench_smoke.py, test_bench_stats.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_bench_script(script: str, args: list[str], work: Path, name: str, timeout: int) -> dict:
    """`python bench/<script> <args>` with its work and results under `work`; the result JSON
    `name`, plus the script's stdout under "_stdout"."""
    cmd = [sys.executable, str(REPO / "bench" / script), *args,
           "--work-dir", str(work / "work"), "--out", str(work / "results"), "--name", name]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((work / "results" / name).read_text())
    result["_stdout"] = proc.stdout
    return result
