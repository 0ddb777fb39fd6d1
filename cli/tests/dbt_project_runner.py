"""Run dbt as a subprocess against the integration project and read its run_results.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INTEGRATION = REPO / "integration_tests"
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass
class DbtRun:
    returncode: int
    output: str
    results: list[dict]

    def failed_nodes(self) -> list[str]:
        return [f"{r['unique_id']}: {r['status']} {r.get('message') or ''}"
                for r in self.results if r["status"] not in ("pass", "success")]


def run_dbt(args: list[str], target: str, work: Path, project: Path = INTEGRATION,
            extra_env: dict | None = None, timeout: int = 1500, target_path: Path | None = None) -> DbtRun:
    """dbt <args> for one target, with its own target/log paths and DuckDB file under `work`."""
    work.mkdir(parents=True, exist_ok=True)
    if args[0] != "deps" and project == INTEGRATION:
        ensure_integration_deps()
    env = dict(os.environ)
    env.setdefault("ML_MONITOR_DUCKDB_PATH", str(work / "integration.duckdb"))
    env.setdefault("ML_MONITOR_SPARK_DIR", str(work / "spark"))
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env.update(extra_env or {})
    target_path = target_path or work / "target"
    cmd = [DBT, *args, "--project-dir", str(project), "--profiles-dir", str(project),
           "--target", target, "--log-path", str(work / "logs")]
    if args[0] != "deps":
        cmd += ["--target-path", str(target_path)]
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=timeout)
    results_file = target_path / "run_results.json"
    results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
    return DbtRun(proc.returncode, proc.stdout + proc.stderr, results)


_deps_done = False


def ensure_integration_deps() -> None:
    """`dbt deps` for the integration project, once per test session (a fresh clone has none)."""
    global _deps_done
    if _deps_done:
        return
    proc = subprocess.run([DBT, "deps", "--project-dir", str(INTEGRATION), "--profiles-dir", str(INTEGRATION)],
                          cwd=INTEGRATION, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _deps_done = True


def generate_seeds() -> None:
    """Regenerate every integration input and expected seed from the independent oracles."""
    for script in sorted((INTEGRATION / "scripts").glob("gen_*.py")):
        subprocess.run([sys.executable, str(script)], cwd=script.parent, check=True)


def family_files(family: str) -> list[Path]:
    """The seeds a family's generator writes: its inputs and its expected observations."""
    return sorted((INTEGRATION / "seeds" / family).glob("*.csv")) + [
        INTEGRATION / "seeds" / "expected" / f"expected_{family}.csv"]


def build_family(family: str, work: Path) -> dict:
    """Regenerate one family's seeds (recording their digests before and after, so a test can
    prove the generator reproduces the committed files) and `dbt build` only that family on DuckDB."""
    import hashlib

    def digest() -> dict:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in family_files(family) if p.exists()}

    before = digest()
    subprocess.run([sys.executable, str(INTEGRATION / "scripts" / f"gen_{family}.py")],
                   cwd=INTEGRATION / "scripts", check=True, capture_output=True)
    after = digest()
    db = work / f"{family}.duckdb"
    selection = [f"path:seeds/{family}", f"path:models/{family}", f"path:seeds/expected/expected_{family}.csv"]
    run = run_dbt(["build", "--full-refresh", "--select", *selection], "duckdb", work,
                  extra_env={"ML_MONITOR_DUCKDB_PATH": str(db)})
    return {"run": run, "work": work, "db": db, "before": before, "after": after}
