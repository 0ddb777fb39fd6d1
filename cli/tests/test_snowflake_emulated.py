"""Snowflake, emulated: dbt-snowflake against the fakesnow emulator (its own virtualenv,
scripts/fakesnow_venv.sh, built on first use).

Snowflake returns unquoted column aliases in UPPER case, so a compile-time query read by
`row['nd_1']` failed there (found with fakesnow, docs/warehouses.md). Every compile-time query
is now read through `_query_rows` (lower-case names). This builds the two monitors whose
compile-time queries broke (`psi` with `binning: evidently`, `estimated_performance`) on the
emulator, and the same project against a copy of the package without `_query_rows` fails.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dbt_project_runner import REPO

RUN = """import sys, fakesnow
from dbt.cli.main import dbtRunner
with fakesnow.patch(create_database_on_connect=True, create_schema_on_connect=True):
    r = dbtRunner().invoke(sys.argv[1:])
    sys.exit(0 if r.success else 1)
"""

MODELS = {
    "evid": "{{ ml_monitor.psi(ref('fs_data'), columns=['x'], reference=ref('fs_data'), reference_where='id < 120', "
            "where='id >= 120', binning='evidently') }}",
    "cbpe": "{{ ml_monitor.estimated_performance(ref('fs_data'), reference=ref('fs_data'), reference_where='id < 120', "
            "where='id >= 120', label_column='label', score_column='score', prediction_column='pred', "
            "metric=['roc_auc', 'accuracy']) }}",
}


def _python() -> str:
    out = subprocess.run(["bash", str(REPO / "scripts" / "fakesnow_venv.sh")], check=True,
                         capture_output=True, text=True, timeout=900)
    return out.stdout.strip().splitlines()[-1]


def _project(root: Path, package: Path) -> Path:
    import numpy as np

    (root / "seeds").mkdir(parents=True)
    (root / "models").mkdir()
    rng = np.random.default_rng(3)
    lines = ["id,x,score,pred,label"]
    for i in range(240):
        s = round(float(rng.random()), 3)
        lines.append(f"{i},{round(float(rng.normal()), 3)},{s},{int(s > 0.5)},{int(rng.random() < s)}")
    (root / "seeds" / "fs_data.csv").write_text("\n".join(lines) + "\n")
    for name, sql in MODELS.items():
        (root / "models" / f"{name}.sql").write_text("{{ config(materialized='table') }}\n" + sql + "\n")
    (root / "dbt_project.yml").write_text("name: fs\nversion: '1.0'\nconfig-version: 2\nprofile: fs\n")
    (root / "profiles.yml").write_text(
        "fs:\n  target: dev\n  outputs:\n    dev:\n      type: snowflake\n      account: fake\n      user: fake\n"
        "      password: fake\n      database: fsdb\n      schema: fsschema\n      warehouse: wh\n      threads: 1\n")
    (root / "packages.yml").write_text(f"packages:\n  - local: \"{package}\"\n")
    (root / "run.py").write_text(RUN)
    return root


def _build(python: str, root: Path) -> subprocess.CompletedProcess:
    env = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PATH": "/usr/bin:/bin", "HOME": str(root)}
    common = ["--project-dir", str(root), "--profiles-dir", str(root)]
    deps = subprocess.run([python, "run.py", "deps", *common], cwd=root, env=env, capture_output=True, text=True,
                          timeout=600)
    assert deps.returncode == 0, deps.stdout + deps.stderr
    return subprocess.run([python, "run.py", "build", *common, "--select", "fs_data", "evid", "cbpe"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.adversarial
def test_compile_time_queries_work_on_emulated_snowflake(tmp_path):
    python = _python()
    run = _build(python, _project(tmp_path / "fixed", REPO))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "PASS=3" in run.stdout, run.stdout[-3000:]

    # negative control: the package with `_query_rows` returning the rows as the engine names them
    broken = tmp_path / "pkg"
    shutil.copytree(REPO, broken, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", ".venv", "bench", "integration_tests", "cli", "docs", "target"))
    q = broken / "macros" / "cross_db" / "query_rows.sql"
    q.write_text(q.read_text().replace("{%- if lowered == names -%}", "{%- if true -%}"))
    run = _build(python, _project(tmp_path / "broken", broken))
    assert run.returncode != 0
    assert "has no attribute 'nd_1'" in run.stdout or "has no attribute 'fold'" in run.stdout, run.stdout[-3000:]
