"""`ml-monitor report` run as a command (a subprocess, as on-call people run it): exit codes,
--all-history, --select, --format json, and the errors that must exit 2 (issue #13, item 11).
The project is test_report_e2e's tiny two-run project (4 ml_monitor tests, 2 failing in run 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from test_report_e2e import dbt_project  # noqa: F401 - the module-scoped fixture

ML_MONITOR = str(Path(sys.executable).with_name("ml-monitor"))


def _report(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ML_MONITOR, "report", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_report_command_writes_the_whole_history(dbt_project, tmp_path):  # noqa: F811
    out = tmp_path / "all.html"
    p = _report("--project-dir", str(dbt_project), "--profiles-dir", str(dbt_project), "--all-history",
                "--out", str(out), "--format", "json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout)
    assert result["runs"] == 2 and result["checks"] == 4 and result["failing"] == 2, result
    assert out.exists() and out.stat().st_size == result["size_bytes"]
    assert "<html" in out.read_text()[:2000].lower()


def test_report_command_select_keeps_the_selected_test(dbt_project, tmp_path):  # noqa: F811
    p = _report("--project-dir", str(dbt_project), "--profiles-dir", str(dbt_project), "--all-history",
                "--select", "ml_monitor_null_rate_predictions_region__0_25", "--out", str(tmp_path / "s.html"),
                "--format", "json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout)
    assert result["checks"] == 1 and result["runs"] == 2, result


def test_report_command_human_summary_on_stderr(dbt_project, tmp_path):  # noqa: F811
    p = _report("--project-dir", str(dbt_project), "--profiles-dir", str(dbt_project),
                "--out", str(tmp_path / "d.html"), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    assert "4 checks, 2 failing" in p.stderr and "2 runs" in p.stderr


def test_report_command_exit_2_without_history_or_project(dbt_project, tmp_path):  # noqa: F811
    out = tmp_path / "none.html"
    p = _report("--project-dir", str(dbt_project), "--profiles-dir", str(dbt_project), "--target", "empty",
                "--out", str(out), cwd=tmp_path)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "ml_monitor_observations does not exist yet" in p.stderr
    assert not out.exists()
    p = _report("--project-dir", str(tmp_path), "--out", str(out), cwd=tmp_path)
    assert p.returncode == 2 and "no dbt_project.yml" in p.stderr, p.stderr
    # a usage error is exit 2 as well (click)
    p = _report("--project-dir", str(dbt_project), "--days", "0", cwd=tmp_path)
    assert p.returncode == 2 and "--days" in p.stderr


def test_report_command_unreadable_trigger_state_or_config(dbt_project, tmp_path):  # noqa: F811
    """A state file that cannot be read leaves the triggers out (stderr and the page say so) and the
    report is still written; a --config asked for by name that does not exist is exit 2."""
    bad = tmp_path / "state.sqlite"
    bad.write_bytes(b"not a database, " * 100)
    out = tmp_path / "t.html"
    p = _report("--project-dir", str(dbt_project), "--profiles-dir", str(dbt_project), "--state-path", str(bad),
                "--out", str(out), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "the triggers are left out" in p.stderr and "not a database" in p.stderr
    assert "The triggers could not be read: file is not a database" in out.read_text(encoding="utf-8")
    p = _report("--project-dir", str(dbt_project), "--config", str(tmp_path / "missing.yml"),
                "--out", str(tmp_path / "m.html"), cwd=tmp_path)
    assert p.returncode == 2 and "configuration file not found" in p.stderr, p.stderr
    assert not (tmp_path / "m.html").exists()
