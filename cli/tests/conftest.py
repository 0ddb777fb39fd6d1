"""Shared pytest fixtures.

Alerting / CLI fixtures (issue 5), each in its own clearly named function:
  dbt_fixture_project   a tiny dbt project on DuckDB in a tmp dir that installs this package
  failing_run_report    RunReport of `dbt build` on it: one failing ml_monitor test (warn), one
                        failing not_null (error), passing ones
  healthy_run_report    the same with var fixture_healthy=true: everything passes
  http_receiver         a real HTTP server on 127.0.0.1 recording JSON POSTs, scriptable statuses/delays
  smtp_receiver         a real SMTP server (aiosmtpd) on 127.0.0.1, scriptable failures
Other issues may add their own fixtures below; keep them in separately named functions.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

VENV_BIN = Path(sys.executable).parent

# ------------------------------------------------------------------ dbt fixture project

FIXTURE_SEED = """id,segment,score,label
1,a,0.1,0
2,a,,1
3,b,0.7,1
4,b,,0
5,b,0.4,
"""

FIXTURE_MODEL = """{#- fixture_healthy: drop the rows with nulls (every check passes);
    fixture_broken: reference a table that does not exist (the run itself fails). -#}
{% if var('fixture_broken', false) %}
select * from table_that_does_not_exist
{% else %}
select * from {{ ref('raw_predictions') }}
{% if var('fixture_healthy', false) %} where score is not null and label is not null {% endif %}
{% endif %}
"""

FIXTURE_SCHEMA = """models:
  - name: predictions
    columns:
      - name: score
        data_tests:
          - ml_monitor.null_rate:
              arguments:
                max_null_rate: 0.1
                segment_by: [segment]
              config:
                severity: warn
                tags: [scores, ml]
                meta: {owner: ml-team, runbook: "https://runbooks.example/score-nulls"}
      - name: id
        data_tests:
          - ml_monitor.null_rate:
              arguments:
                max_null_rate: 0.0
          - not_null
      - name: label
        data_tests:
          - not_null:
              config:
                tags: [labels]
                meta: {owner: data-eng, runbook: "https://runbooks.example/labels"}
"""


def _write_fixture_project(root: Path) -> None:
    from ml_monitor.paths import package_root

    (root / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "models").mkdir(exist_ok=True)
    (root / "dbt_project.yml").write_text(
        "name: fixture_proj\nversion: '1.0'\nconfig-version: 2\nprofile: fixture_proj\n"
        "seed-paths: [seeds]\nmodel-paths: [models]\n"
        "models:\n  fixture_proj:\n    +materialized: table\n"
        "data_tests:\n  fixture_proj:\n    +store_failures: true\n")
    (root / "profiles.yml").write_text(
        "fixture_proj:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: \"{root / 'fixture.duckdb'}\"\n      threads: 1\n")
    (root / "packages.yml").write_text(f"packages:\n  - local: \"{package_root()}\"\n")
    (root / "seeds" / "raw_predictions.csv").write_text(FIXTURE_SEED)
    (root / "models" / "predictions.sql").write_text(FIXTURE_MODEL)
    (root / "models" / "schema.yml").write_text(FIXTURE_SCHEMA)


@pytest.fixture(scope="session")
def dbt_fixture_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dbt project (DuckDB, profiles.yml inside) installing ml_monitor with `local:`; deps done."""
    from dbt.cli.main import dbtRunner

    root = tmp_path_factory.mktemp("fixture_proj")
    _write_fixture_project(root)
    res = dbtRunner().invoke(["deps", "--project-dir", str(root), "--profiles-dir", str(root),
                              "--log-level", "none"])
    assert res.success, res.exception
    return root


@pytest.fixture(scope="session")
def failing_run_report(dbt_fixture_project: Path):
    from ml_monitor import api
    from ml_monitor.config import default_config

    report = api.run_checks(str(dbt_fixture_project), profiles_dir=str(dbt_fixture_project),
                            config=default_config(dbt_fixture_project))
    assert report.exit_code == 1, report.to_dict()
    return report


@pytest.fixture(scope="session")
def healthy_run_report(dbt_fixture_project: Path):
    from ml_monitor import api
    from ml_monitor.config import default_config

    report = api.run_checks(str(dbt_fixture_project), profiles_dir=str(dbt_fixture_project),
                            vars={"fixture_healthy": True}, config=default_config(dbt_fixture_project))
    assert report.exit_code == 0, report.to_dict()
    return report


# ------------------------------------------------------------------------- HTTP server

@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """Records every POST; `script[path]` is a list of statuses served in order (then 200)."""

    server: ThreadingHTTPServer
    requests: list[ReceivedRequest] = field(default_factory=list)
    script: dict[str, list[int]] = field(default_factory=dict)
    delay: dict[str, Any] = field(default_factory=dict)    # seconds, or a list served per request
    arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def at(self, path: str) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.path == path]


def _make_handler(receiver_ref: list) -> type:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            rec: HttpReceiver = receiver_ref[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            rec.requests.append(ReceivedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            rec.arrived.set()
            wait = rec.delay.get(self.path)
            if isinstance(wait, list):
                wait = wait.pop(0) if wait else 0
            if wait:
                time.sleep(wait)
            queue = rec.script.get(self.path)
            status = queue.pop(0) if queue else 200
            text = b"ok" if status < 400 else f"no such hook {self.path}".encode()
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "7")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            try:
                self.wfile.write(text)
            except OSError:
                pass

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def http_receiver():
    ref: list = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(ref))
    server.daemon_threads = True
    receiver = HttpReceiver(server)
    ref.append(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------- SMTP server

@dataclass
class SmtpReceiver:
    host: str
    port: int
    messages: list[Any] = field(default_factory=list)      # (envelope.mail_from, rcpt_tos, bytes)
    fail_next: int = 0                                      # answer 451 to this many DATA commands


@pytest.fixture
def smtp_receiver():
    from aiosmtpd.controller import Controller

    receiver = SmtpReceiver("127.0.0.1", free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            if receiver.fail_next > 0:
                receiver.fail_next -= 1
                return "451 4.3.0 try again later"
            receiver.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname=receiver.host, port=receiver.port)
    controller.start()
    yield receiver
    controller.stop()


def write_monitor_config(project: Path, text: str, name: str = "ml_monitor.yml") -> Path:
    """Write an ml_monitor.yml (or another name) for a test; returns its path."""
    path = project / name
    path.write_text(text)
    return path


def console_script() -> str:
    """The installed `ml-monitor` console script of this virtualenv."""
    path = VENV_BIN / "ml-monitor"
    assert path.exists(), f"console script missing: {path} (pip install -e .)"
    return str(path)


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_MONITOR_")}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


# ------------------------------------------------------------------ PostgreSQL in a test's own schema

def sql_adapters() -> list[str]:
    """The adapters of ML_MONITOR_ADAPTERS a tiny-project test runs on: DuckDB and PostgreSQL (a
    Spark session per test would cost a JVM start each; Spark runs the integration project)."""
    return [a for a in os.environ.get("ML_MONITOR_ADAPTERS", "duckdb").split() if a in ("duckdb", "postgres")]


def pg_profile(profile: str, target: str, schema: str) -> str:
    """profiles.yml text: `profile` with one PostgreSQL `target` writing to `schema`, connection
    settings from ML_MONITOR_PG_* (the password from ML_MONITOR_PG_PASSWORD, never in the file)."""
    return f"""{profile}:
  target: {target}
  outputs:
    {target}:
      type: postgres
      host: "{{{{ env_var('ML_MONITOR_PG_HOST', '127.0.0.1') }}}}"
      port: "{{{{ env_var('ML_MONITOR_PG_PORT', '5432') | int }}}}"
      user: "{{{{ env_var('ML_MONITOR_PG_USER', 'ml_monitor') }}}}"
      password: "{{{{ env_var('ML_MONITOR_PG_PASSWORD') }}}}"
      dbname: "{{{{ env_var('ML_MONITOR_PG_DBNAME', 'ml_monitor') }}}}"
      schema: "{schema}"
      threads: 1
"""


def pg_connect():
    """A psycopg2 connection to the test PostgreSQL (ML_MONITOR_PG_*)."""
    import psycopg2

    return psycopg2.connect(host=os.environ.get("ML_MONITOR_PG_HOST", "127.0.0.1"),
                            port=int(os.environ.get("ML_MONITOR_PG_PORT", "5432")),
                            user=os.environ.get("ML_MONITOR_PG_USER", "ml_monitor"),
                            password=os.environ["ML_MONITOR_PG_PASSWORD"],
                            dbname=os.environ.get("ML_MONITOR_PG_DBNAME", "ml_monitor"))


def pg_rows(sql: str) -> list[tuple]:
    """The rows of one query on the test PostgreSQL."""
    conn = pg_connect()
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def drop_pg_schemas(*schemas: str, terminate_sessions: bool = False) -> None:
    """Drop a test's PostgreSQL schemas (and what dbt's store_failures put beside them);
    `terminate_sessions`: first end the sessions whose query names one (a statement a failed test
    left running would hold its locks and block the drop)."""
    conn = pg_connect()
    conn.autocommit = True
    with conn.cursor() as cur:
        for schema in schemas:
            if terminate_sessions:
                cur.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                            "where pid <> pg_backend_pid() and strpos(query, %s) > 0", (schema,))
            cur.execute(f'drop schema if exists "{schema}" cascade')
    conn.close()


# ------------------------------------------------------------------ test tiers (pytest markers)
#
# Markers are assigned here, centrally, not in the test files (registered in pyproject.toml):
#   unit         no dbt, no subprocess of ours: seconds in total    `pytest -m unit`
#   integration  runs dbt (plus an engine marker: duckdb / postgres / spark)
#   e2e          through the CLI, the demo, the report in Chromium or the benchmark
#   docs         the docs check (cli/tests/test_docs.py)
# A test is dbt-bound when its own source, any fixture it depends on (autouse included) or the
# cli/tests helpers they call run dbt; e2e when that code also drives the CLI, the demo or the
# report, opens Chromium, or runs the benchmark. Engine of a dbt-bound test: the value of a
# parameter that names an adapter (test_integration's `adapter`), else duckdb.

import inspect
import io as _io
import re as _re
import textwrap as _textwrap
import tokenize as _tokenize

# Looked for in the code only (string literals and comments are dropped): `name(` is a call.
_DBT_SIGNS = ("run_dbt(", "dbtRunner", "run_checks(", "run_demo(", "run_project(", "build_report(",
              "console_script(", "failing_run_report", "healthy_run_report", "dbt_fixture_project")
_E2E_SIGNS = ("console_script(", "run_demo(", "CliRunner", "build_report(")   # with dbt: e2e
_BROWSER_SIGNS = ("open_report(", "CHROMIUM", "chromium")                     # e2e, dbt or not
_TESTS_DIR = str(Path(__file__).resolve().parent)
# modules whose dbt/e2e nature is not visible in their sources (a subprocess of a script)
_E2E_MODULES = {"test_bench_smoke", "test_bench_stats", "test_bench_slo", "test_snowflake_emulated"}
_ENGINES = ("duckdb", "postgres", "spark")
_source_cache: dict = {}


def _code(source: str) -> str:
    """The source without string literals and comments, tokens separated by spaces."""
    skip = {_tokenize.STRING, _tokenize.COMMENT}
    skip |= {getattr(_tokenize, t) for t in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(_tokenize, t)}
    try:
        tokens = _tokenize.generate_tokens(_io.StringIO(_textwrap.dedent(source)).readline)
        return " ".join(t.string for t in tokens if t.type not in skip)
    except (_tokenize.TokenError, IndentationError, SyntaxError):
        return source


def _source(obj) -> str:
    key = id(obj)
    if key not in _source_cache:
        try:
            _source_cache[key] = _code(inspect.getsource(obj))
        except (OSError, TypeError):
            _source_cache[key] = ""
    return _source_cache[key]


def _has(text: str, signs: tuple[str, ...]) -> bool:
    return any(_re.search(r"\b" + _re.escape(s[:-1]) + r"\s*\(" if s.endswith("(") else r"\b" + _re.escape(s) + r"\b",
                          text) for s in signs)


def _reachable_source(item) -> str:
    """Source of the test, of every fixture in its closure, and of the functions of cli/tests/
    they call (transitively, e.g. dbt_project_runner.build_family)."""
    roots = [getattr(item, "function", None)]
    for defs in getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}).values():
        roots += [d.func for d in defs]
    seen, texts, todo = set(), [], [r for r in roots if r is not None]
    while todo:
        func = todo.pop()
        func = getattr(func, "__wrapped__", func)
        if id(func) in seen:
            continue
        seen.add(id(func))
        text = _source(func)
        texts.append(text)
        namespace = getattr(func, "__globals__", {})
        for name in set(_re.findall(r"\b([A-Za-z_]\w*)\s*\(", text)):
            helper = namespace.get(name)
            if inspect.isfunction(helper) and _TESTS_DIR in str(inspect.getsourcefile(helper) or ""):
                todo.append(helper)
    return "\n".join(texts)


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = getattr(getattr(item, "module", None), "__name__", "")
        text = _reachable_source(item)
        e2e = (module in _E2E_MODULES or _has(text, _BROWSER_SIGNS)
               or (_has(text, _DBT_SIGNS) and _has(text, _E2E_SIGNS)))
        dbt_bound = e2e or _has(text, _DBT_SIGNS)
        if module == "test_docs":
            item.add_marker("docs")
        if e2e:
            item.add_marker("e2e")
        elif dbt_bound:
            item.add_marker("integration")
        else:
            item.add_marker("unit")
        if dbt_bound:
            params = getattr(getattr(item, "callspec", None), "params", {})
            engines = [v for v in params.values() if isinstance(v, str) and v in _ENGINES]
            for engine in engines or ["duckdb"]:
                item.add_marker(engine)
    _schedule_for_workers(items)


def _schedule_for_workers(items) -> None:
    """For `pytest -n 2 --dist loadgroup` (scripts/test.sh): a module's tests stay on one worker
    (its module fixtures build once), every Spark test goes to one group that runs first, on its
    own worker (one JVM at a time on two cores), while the other worker takes the rest."""
    for item in items:
        group = "spark" if item.get_closest_marker("spark") else item.module.__name__
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: 0 if item.get_closest_marker("spark") else 1)
