"""Run dbt as a subprocess against the integration project and read its run_results.json."""

from __future__ import annotations

import hashlib
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
            extra_env: dict | None = None, timeout: int = 3600, target_path: Path | None = None) -> DbtRun:
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


def _once_per_test_run(name: str, action) -> None:
    """Run `action` once per test session, also across pytest-xdist workers: the first worker
    runs it under an exclusive lock, the others wait and then see the stamp of this test run
    (PYTEST_XDIST_TESTRUNUID, shared by the workers of one `pytest -n`)."""
    import fcntl
    import tempfile

    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run_id:
        action()
        return
    key = hashlib.sha256(str(REPO).encode()).hexdigest()[:12]
    base = Path(tempfile.gettempdir()) / f"ml_monitor_tests_{key}_{name}"
    with open(f"{base}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = Path(f"{base}.stamp")
        if stamp.exists() and stamp.read_text() == run_id:
            return
        action()
        stamp.write_text(run_id)


def ensure_integration_deps() -> None:
    """`dbt deps` for the integration project, once per test session (a fresh clone has none)."""
    global _deps_done
    if _deps_done:
        return

    def deps() -> None:
        proc = subprocess.run([DBT, "deps", "--project-dir", str(INTEGRATION), "--profiles-dir", str(INTEGRATION)],
                              cwd=INTEGRATION, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
        assert proc.returncode == 0, proc.stdout + proc.stderr

    _once_per_test_run("deps", deps)
    _deps_done = True


def family_files(family: str) -> list[Path]:
    """The seeds a family's generator writes: its inputs and its expected observations."""
    return sorted((INTEGRATION / "seeds" / family).glob("*.csv")) + [
        INTEGRATION / "seeds" / "expected" / f"expected_{family}.csv"]


class SeedSnapshot(dict):
    """{file name: its CSV rows}, equal to another snapshot when every cell is the same text or
    both cells are numbers within SEED_RTOL of each other. The generators compute their expected
    values with numpy / scipy, whose SIMD math (exp, log, pow) may differ in the last bit from one
    CPU to another (AVX2 vs AVX-512 kernels): the committed seeds must be reproduced to far better
    than the 1e-9 every comparison uses, not bit for bit."""

    def __eq__(self, other) -> bool:
        if not isinstance(other, dict) or set(self) != set(other):
            return False
        return all(_same_rows(self[k], other[k]) for k in self)

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)


SEED_RTOL = 1e-12


def _same_cell(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if x != x or y != y:                      # nan only equals nan, spelled either way
        return x != x and y != y
    return abs(x - y) <= SEED_RTOL * max(abs(x), abs(y))


def _same_rows(a: list, b: list) -> bool:
    return len(a) == len(b) and all(len(r) == len(q) and all(_same_cell(x, y) for x, y in zip(r, q))
                                    for r, q in zip(a, b))


def seed_snapshot(paths) -> SeedSnapshot:
    import csv
    return SeedSnapshot({p.name: list(csv.reader(p.read_text().splitlines())) for p in paths if p.exists()})


def build_family(family: str, work: Path, extra_select: tuple = (), exclude: tuple = ()) -> dict:
    """Regenerate one family's seeds (recording them before and after, so a test can prove the
    generator reproduces the committed files: SeedSnapshot) and `dbt build` only that family on DuckDB
    (plus `extra_select`, e.g. the inputs it borrows from other families, minus `exclude`)."""
    def digest() -> SeedSnapshot:
        return seed_snapshot(family_files(family))

    before = digest()
    subprocess.run([sys.executable, str(INTEGRATION / "scripts" / f"gen_{family}.py")],
                   cwd=INTEGRATION / "scripts", check=True, capture_output=True)
    after = digest()
    db = work / f"{family}.duckdb"
    selection = [f"path:seeds/{family}", f"path:models/{family}", f"path:seeds/expected/expected_{family}.csv",
                 *extra_select]
    run = run_dbt(["build", "--full-refresh", "--select", *selection, *(["--exclude", *exclude] if exclude else [])],
                  "duckdb", work,
                  extra_env={"ML_MONITOR_DUCKDB_PATH": str(db)})
    return {"run": run, "work": work, "db": db, "before": before, "after": after}


def build_tiny_project(root: Path, models: dict[str, str], schema_yml: str,
                       project_vars: str = "", settings: dict[str, str] | None = None,
                       project_yaml: str = "", adapter: str = "duckdb",
                       schema: str = "") -> tuple[bool, dict[str, dict]]:
    """A throwaway dbt project under `root` that installs this package (`local:`), with
    `models` ({name: select}) and `schema_yml`: `dbt deps` then `dbt build` in process.
    `project_vars`: YAML lines of the project's `vars:` block; `settings`: DuckDB settings of the
    connection (e.g. default_null_order); `project_yaml`: more top-level YAML of dbt_project.yml
    (e.g. `data_tests:` configs). On DuckDB (the file root/e.duckdb), or with adapter="postgres"
    on the test PostgreSQL in `schema`.
    Returns (build succeeded, {test name: its run result}) for argument-error tests."""
    from dbt.cli.main import dbtRunner

    from ml_monitor.paths import package_root

    name = root.name
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        f"name: {name}\nversion: '1.0'\nconfig-version: 2\nprofile: {name}\n"
        f"models:\n  {name}:\n    +materialized: table\n" + (f"vars:\n{project_vars}" if project_vars else "")
        + (("\n" + project_yaml) if project_yaml else ""))
    (root / "profiles.yml").write_text(_pg_profile(name, "dev", schema) if adapter == "postgres" else (
        f"{name}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: \"{root / 'e.duckdb'}\"\n      threads: 2\n"
        + ("      settings:\n" + "".join(f"        {k}: {v}\n" for k, v in settings.items()) if settings else "")))
    (root / "packages.yml").write_text(f"packages:\n  - local: \"{package_root()}\"\n")
    for model, sql in models.items():
        (root / "models" / f"{model}.sql").write_text(sql)
    (root / "models" / "schema.yml").write_text(schema_yml)
    common = ["--project-dir", str(root), "--profiles-dir", str(root), "--log-path", str(root / "logs"),
              "--target-path", str(root / "target")]
    deps = dbtRunner().invoke(["deps", *common[:4], "--log-level", "none"])
    assert deps.success, deps.exception
    res = dbtRunner().invoke(["build", *common, "--log-level", "none"])
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    return res.success, {r["unique_id"].split(".")[2]: r for r in results if r["unique_id"].startswith("test.")}


def duckdb_rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """The rows of `sql` on a DuckDB file built by a test. Opened read-write: an in-process dbt
    (inline compiles) may hold the file open, and DuckDB refuses a second connection with
    another configuration in the same process."""
    import duckdb

    con = duckdb.connect(str(db))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def inline_compiler(build: dict):
    """A generator for a module fixture: an in-process dbt with the parsed manifest of the
    integration project on `build`'s DuckDB file (from build_family), yielding
    compile(sql) -> (succeeded, messages); compile.compiled_sql(sql) -> the compiled SQL.
    Each `compile --inline` then takes ~1 s."""
    from dbt.cli.main import dbtRunner

    work = build["work"]
    common = ["--project-dir", str(INTEGRATION), "--profiles-dir", str(INTEGRATION),
              "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    saved = os.environ.get("ML_MONITOR_DUCKDB_PATH")
    os.environ["ML_MONITOR_DUCKDB_PATH"] = str(build["db"])
    parsed = dbtRunner().invoke(["parse", *common])
    assert parsed.success, parsed.exception
    messages: list[str] = []
    runner = dbtRunner(manifest=parsed.result, callbacks=[lambda e: messages.append(e.info.msg)])

    def forget_inline_queries() -> None:
        # an error raised while dbt renders the inline node can leave it in the shared manifest,
        # and the next call then fails with "two sql_operations with the name inline_query"
        for uid in [u for u in parsed.result.nodes if u.startswith("sql_operation.")]:
            del parsed.result.nodes[uid]

    def compile_inline(sql: str):
        messages.clear()
        forget_inline_queries()
        result = runner.invoke(["compile", "--inline", sql, *common])
        return result.success, "\n".join(messages)

    def compiled_sql(sql: str) -> str:
        forget_inline_queries()
        result = runner.invoke(["compile", "--inline", sql, *common])
        assert result.success, "\n".join(messages)[-2000:]
        return result.result.results[0].node.compiled_code

    compile_inline.compiled_sql = compiled_sql
    try:
        yield compile_inline
    finally:
        if saved is None:
            os.environ.pop("ML_MONITOR_DUCKDB_PATH", None)
        else:
            os.environ["ML_MONITOR_DUCKDB_PATH"] = saved


def write_package_project(root: Path, name: str, db: Path | None = None, extra_project_yaml: str = "",
                          hooks: int = 1, adapter: str = "duckdb", schema: str = "") -> Path:
    """A dbt project at `root` (seeds/ and models/ made) that installs this package (`local:`),
    with profile `name` and one target named after `adapter`: DuckDB in the file `db`, or
    PostgreSQL writing to `schema` (ML_MONITOR_PG_*; the test fails when ML_MONITOR_PG_PASSWORD is
    not set). `hooks`: how many times on-run-end records the observations with the history hook
    (0: no hook; 2: twice, to prove the hook idempotent); `extra_project_yaml`: more top-level
    keys of dbt_project.yml (models/seeds config, vars), dedented. Returns root; run
    `run_dbt(["deps"], adapter, work, project=root)` next."""
    import textwrap

    (root / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "models").mkdir(exist_ok=True)
    (root / "dbt_project.yml").write_text(
        f'name: {name}\nversion: "1.0"\nconfig-version: 2\nprofile: {name}\n'
        + ("on-run-end:\n" + '  - "{{ ml_monitor.record_observations(results) }}"\n' * hooks if hooks else "")
        + textwrap.dedent(extra_project_yaml))
    (root / "packages.yml").write_text(f"packages:\n  - local: {REPO}\n")
    if adapter == "postgres":
        (root / "profiles.yml").write_text(_pg_profile(name, "postgres", schema))
    else:
        (root / "profiles.yml").write_text(
            f"{name}:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n      path: {db}\n")
    return root


def _pg_profile(name: str, target: str, schema: str) -> str:
    """conftest.pg_profile's text (profile `name`, target `target`, writing to `schema`); fails
    the test when ML_MONITOR_PG_PASSWORD is not set."""
    import pytest

    from conftest import pg_profile

    if not os.environ.get("ML_MONITOR_PG_PASSWORD"):
        pytest.fail("ML_MONITOR_PG_PASSWORD is not set: start PostgreSQL with scripts/postgres.sh")
    return pg_profile(name, target, schema)


def project_rows(adapter: str, sql: str, db: Path | None = None, schema: str = "") -> list[tuple]:
    """The rows of `sql` on the warehouse of a write_package_project project: `{s}` in `sql`
    stands for its schema (main in the DuckDB file `db`, `schema` on PostgreSQL)."""
    if adapter == "postgres":
        from conftest import pg_rows

        return pg_rows(sql.format(s=schema))
    return duckdb_rows(db, sql.format(s="main"))


def named_data_test(name: str, yaml_text: str, indent: int) -> str:
    """One list entry of a schema.yml `data_tests:` block: `yaml_text` (the test's key line, then
    its body) with `name: <name>`, indented by `indent` spaces."""
    import textwrap

    head, rest = yaml_text.split("\n", 1)
    body = f"- {head}\n    name: {name}\n  " + rest.replace("\n", "\n  ")
    return textwrap.indent(body, " " * indent)
