"""Run one command from this small process and report the command's own peak memory.

    python bench/launch.py <result.json> -- <command> [args...]

Why a launcher: on Linux a child's peak RSS (``ru_maxrss`` from ``wait4``) starts at the RSS of
the process it was forked from: ``fork`` copies the parent's address space and ``exec`` keeps its
high-water mark (``signal->maxrss``). A worker started directly by the benchmark, which has just
generated the data (~0.9 GB at 1M rows, ~2.8 GB at 10M), therefore reported the benchmark's size,
not its own. This launcher is a fresh interpreter of ~10-15 MB; the command is forked from it, so
the command's ``ru_maxrss`` is its own peak (with a floor of the launcher's size, ~15 MB).

The command inherits stdin/stdout/stderr. The launcher writes ``{"returncode", "wall",
"peak_rss_mb"}`` to ``result.json`` and exits with the command's exit code. ``wall`` is measured
here, around the command only (the launcher's own start is excluded).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    out, cmd = sys.argv[1], sys.argv[3:]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    with open(out, "w") as f:
        json.dump({"returncode": code, "wall": wall, "peak_rss_mb": usage.ru_maxrss / 1024.0}, f)
    return code if code >= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
