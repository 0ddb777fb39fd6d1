"""The benchmark's peak memory is each approach's own (issue #13, item 9).

A child forked from a large process reports that process's size as its own peak RSS on Linux
(``fork`` copies the address space; ``exec`` keeps the high-water mark). The benchmark used to
start its workers directly after generating the data, so every approach reported ~0.9 GB at 1M
rows. It now starts them through bench/launch.py. These tests hold a large allocation in the test
process (the "parent") and check that a trivial worker is reported at its own size.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
import run_bench  # noqa: E402

PARENT_MB = 400
TRIVIAL = [sys.executable, "-c", "pass"]


@pytest.fixture(scope="module")
def large_parent():
    """Touch every page of a PARENT_MB buffer so that it is resident in this process."""
    if not sys.platform.startswith("linux"):
        pytest.skip("ru_maxrss semantics checked on Linux")
    buf = bytearray(PARENT_MB * 2**20)
    for i in range(0, len(buf), 4096):
        buf[i] = 1
    yield buf
    del buf


def test_old_accounting_reports_the_parent(large_parent):
    """The bug this fixes: wait4 on a child forked from this process reports this process's size."""
    proc = subprocess.Popen(TRIVIAL)
    _, _, usage = os.wait4(proc.pid, 0)
    assert usage.ru_maxrss / 1024.0 > PARENT_MB


def test_launcher_reports_the_workers_own_peak(large_parent):
    r = run_bench.run_measured(TRIVIAL)
    assert r["returncode"] == 0
    # a bare interpreter is ~10 MB; the launcher's floor ~15 MB; far below the 400 MB parent
    assert 3 < r["peak_rss_mb"] < 60, r
    assert r["wall"] > 0


def test_launcher_sees_the_workers_allocation(large_parent):
    """The launcher does not hide real memory use: a worker that allocates 200 MB reports >= 200 MB
    and still not the parent's 400 MB on top."""
    code = "b = bytearray(200 * 2**20)\nfor i in range(0, len(b), 4096): b[i] = 1\nprint('done')"
    r = run_bench.run_measured([sys.executable, "-c", code])
    assert r["returncode"] == 0 and r["stdout"].strip() == "done"
    assert 200 <= r["peak_rss_mb"] < 200 + 60, r


def test_worker_reports_matching_own_peak(large_parent, tmp_path):
    """A bench worker (the raw scan on a tiny DuckDB file) through the launcher: its ru_maxrss and
    its own VmHWM agree to within the launcher's size, and both are far below the parent."""
    import duckdb
    db = tmp_path / "t.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute("create table raw.predictions as select range as id, 'seg_0' as segment, 0.5 as score,"
                " 1 as predicted_label, 1.0 as num_0, 'a' as cat_0 from range(1000)")
    con.execute("create table raw.reference as select * from raw.predictions")
    con.execute("create table raw.labels as select id, 1 as label from raw.predictions")
    con.close()
    r = run_bench.run_worker("raw_scan", {"db": str(db), "numeric": ["num_0"], "categorical": ["cat_0"]})
    assert r["values"] == {"rows": 1000, "ref_rows": 1000, "label_rows": 1000}
    assert r["peak_rss_mb"] < PARENT_MB / 2, r
    assert r["own_vmhwm_mb"] <= r["peak_rss_mb"] + 1
    assert r["peak_rss_mb"] - r["own_vmhwm_mb"] < 30, r
