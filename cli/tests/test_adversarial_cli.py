"""Hardening of the CLI (issue 13): each test reproduces a defect found by attacking the CLI and
fails on the code before its fix. Real parts only: local HTTP / SMTP servers, a real state file,
dbt really runs (fixture project of conftest.py), signals sent to a real `ml-monitor` process.

Run just this group: pytest -m adversarial
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import console_script, drop_pg_schemas, pg_profile, subprocess_env
from ml_monitor import api
from ml_monitor.alerts.model import Alert, Notification, alert_text, build_alerts, describe_observation
from ml_monitor.cli import main
from ml_monitor.config import ConfigError, load_config
from ml_monitor.outbox import Outbox

pytestmark = pytest.mark.adversarial

ADAPTERS = os.environ.get("ML_MONITOR_ADAPTERS", "duckdb").split()


def _pg_env() -> dict[str, str]:
    """The ML_MONITOR_PG_* settings a PostgreSQL profile reads (subprocess_env drops ML_MONITOR_*)."""
    return {k: v for k, v in os.environ.items() if k.startswith("ML_MONITOR_PG_")}


SECRET = "tok3n-S3CRET-value"


# ------------------------------------------------------------------ helpers: any-method servers

class _Server:
    """A local HTTP server recording every request, whatever its method; `answer(handler)` may
    send its own response (a redirect), else 200."""

    def __init__(self, answer: Any = None):
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append({"method": self.command, "path": self.path,
                                       "headers": {k.lower(): v for k, v in self.headers.items()},
                                       "body": self.rfile.read(length) if length else b""})
                if answer is not None:
                    answer(self)
                    return
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST = do_PUT = do_HEAD = _any  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _project(tmp_path: Path, config: str) -> Path:
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    (tmp_path / "ml_monitor.yml").write_text(config)
    return tmp_path


def _deliveries(state: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(str(state))
    db.row_factory = sqlite3.Row
    try:
        return db.execute("select * from deliveries order by created_at").fetchall()
    finally:
        db.close()


def _state_bytes(state: Path) -> bytes:
    return b"".join(p.read_bytes() for p in state.parent.glob(state.name + "*") if p.is_file())


# ------------------------------------------------- 1. a redirect loses the alert, leaks credentials

@pytest.mark.parametrize("status", [301, 302])
def test_a_redirect_fails_the_delivery_and_nothing_goes_to_the_other_location(status, tmp_path, failing_run_report):
    target = _Server()                                          # another port: "another host"

    def redirect(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", target.url("/elsewhere"))
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    hook = _Server(redirect)
    try:
        cfg = load_config(_project(tmp_path, f"""
state_path: state.sqlite
channels:
  hook:
    type: webhook
    url: "{hook.url('/hook')}"
    headers: {{Authorization: "Bearer {SECRET}"}}
"""))
        outcome = api.deliver(failing_run_report, cfg)
        n = len(build_alerts(failing_run_report))
        assert n == 2
        # the channel's server got the POSTs with their bodies; the other location got nothing
        assert [r["method"] for r in hook.requests] == ["POST"] * n
        assert all(json.loads(r["body"])["event"] == "trigger" for r in hook.requests)
        assert target.requests == []
        # not sent: a configuration error, kept in the outbox until `alerts retry`
        assert outcome.delivery.sent == 0 and outcome.delivery.failed == n
        assert all(f"HTTP {status} redirect" in e and "configuration error" in e for e in outcome.delivery.errors)
        rows = _deliveries(tmp_path / "state.sqlite")
        assert [r["state"] for r in rows] == ["failed"] * n
        assert all("not followed" in r["last_error"] for r in rows)
        # `alerts retry` tries again and still sends nothing elsewhere
        result = CliRunner().invoke(main, ["alerts", "retry", "--project-dir", str(tmp_path)])
        assert result.exit_code == 1, result.output
        assert target.requests == [] and len(hook.requests) == 2 * n
    finally:
        hook.close()
        target.close()


# ------------------------------------------------------------- 3. secrets inside URLs leak

def _deliver_logged(report, cfg, capsys):
    """Deliver `report` with the CLI's logging set up: the outcome, and what a user is shown (the
    log on stderr and the `--format json` output) for the leak checks."""
    api.setup_logging(cfg)
    try:
        outcome = api.deliver(report, cfg)
    finally:
        api.setup_logging(None)
    return outcome, {"stderr": capsys.readouterr().err, "--format json": json.dumps(outcome.to_dict(cfg))}


def test_a_token_in_a_webhook_url_query_never_leaks(tmp_path, http_receiver, failing_run_report, capsys):
    path = f"/hook?token={SECRET}"
    http_receiver.script[path] = [404] * 20           # the server echoes the path: "no such hook /hook?token=..."
    env = {"HOOK_URL": http_receiver.url(path)}
    project = _project(tmp_path, "state_path: state.sqlite\nchannels:\n  hook: {type: webhook, url: '${HOOK_URL}'}\n")
    cfg = load_config(project, environ=env)
    outcome, shown = _deliver_logged(failing_run_report, cfg, capsys)
    assert len(http_receiver.at(path)) == 2 and outcome.delivery.failed == 2   # 404: configuration error
    assert all("HTTP 404" in e for e in outcome.delivery.errors)
    runner = CliRunner()
    for args in (["alerts", "list"], ["alerts", "list", "--format", "json"], ["alerts", "retry", "--format", "json"]):
        result = runner.invoke(main, [*args, "--project-dir", str(project)], env=env)
        assert result.exit_code in (0, 1), result.output
        shown[" ".join(args)] = result.output
    assert "HTTP 404" in shown["alerts list"]
    shown["state file"] = _state_bytes(project / "state.sqlite").decode("utf-8", "replace")
    assert "no such hook" in shown["state file"]                       # the error is kept ...
    for where, text in shown.items():
        assert SECRET not in text, where                               # ... without the token


@pytest.mark.parametrize("url", [f"http://127.0.0.1:8/hook?token={SECRET} x",       # a space
                                 f"http://127.0.0.1:99999/hook?token={SECRET}",     # port out of range
                                 f"http://127.0.0.1:port/hook?token={SECRET}"])     # not a port
def test_an_invalid_url_is_a_configuration_error_that_does_not_repeat_it(tmp_path, url):
    project = _project(tmp_path, "channels:\n  hook: {type: webhook, url: '${HOOK_URL}'}\n")
    with pytest.raises(ConfigError) as err:
        load_config(project, environ={"HOOK_URL": url})
    assert err.value.key == "channels.hook.url" and SECRET not in str(err.value)
    result = CliRunner().invoke(main, ["alerts", "list", "--project-dir", str(project)], env={"HOOK_URL": url})
    assert result.exit_code == 2 and "configuration error" in result.output
    assert SECRET not in result.output


def test_query_values_of_every_endpoint_are_redacted(tmp_path):
    project = _project(tmp_path, """
channels:
  slack: {type: slack, url: "https://hooks.example/services/T/B?sig=abcd1234"}
  pager: {type: pagerduty, routing_key: rk-0123, url: "https://events.example/v2/enqueue?key=pd-key-99"}
  hook: {type: webhook, url: "https://hooks.example/x", headers: {Authorization: "Bearer literalTOKEN12345"}}
""")
    cfg = load_config(project, environ={})
    text = cfg.redact("HTTP 400: bad sig=abcd1234, key pd-key-99 at /v2/enqueue; unknown token literalTOKEN12345")
    for secret in ("abcd1234", "pd-key-99", "literalTOKEN12345"):   # a header's token echoed alone too
        assert secret not in text
    assert "/v2/enqueue" in text                                   # a short, token-free path stays readable


def test_a_url_token_echoed_percent_encoded_or_as_written_never_leaks(tmp_path, failing_run_report, capsys):
    """A query token with `/`, `+`, `=` (base64) was hidden only as given and as decoded: a server
    echoing the request URL percent-encoded (`ab%2FCD%2Bef%3Dgh1234`) or a literal token as written
    (`ab/CD+ef1234`, which decodes to `ab/CD ef1234`) showed it in the error, the log, the state
    file and `alerts list`."""
    token = "ab/CD+ef=gh1234"
    echoed: list[str] = []

    def echo_encoded(handler: BaseHTTPRequestHandler) -> None:
        body = f"no such hook {urllib.parse.quote(handler.path, safe='')}".encode()
        echoed.append(body.decode())
        handler.send_response(500)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    hook = _Server(echo_encoded)
    try:
        env = {"HOOK_TOKEN": token}
        project = _project(tmp_path, f"state_path: state.sqlite\ndelivery: {{initial_backoff: 1h}}\nchannels:\n"
                                     f"  hook: {{type: webhook, url: '{hook.url('/hook')}?token=${{HOOK_TOKEN}}&team=ml'}}\n")
        cfg = load_config(project, environ=env)
        outcome, shown = _deliver_logged(failing_run_report, cfg, capsys)
        assert outcome.delivery.retrying == 2 and urllib.parse.quote(token, safe="") in echoed[0]
        assert all("HTTP 500" in e and "no such hook" in e for e in outcome.delivery.errors)
        for args in (["alerts", "list"], ["alerts", "list", "--format", "json"]):
            result = CliRunner().invoke(main, [*args, "--project-dir", str(project)], env=env)
            assert result.exit_code == 0, result.output
            shown[" ".join(args)] = result.output
        shown["state file"] = _state_bytes(project / "state.sqlite").decode("utf-8", "replace")
        assert "no such hook" in shown["state file"]
        for where, text in shown.items():
            for form in (token, urllib.parse.quote(token, safe=""), urllib.parse.quote(token, safe="").lower(), "gh1234"):
                assert form not in text, (where, form)
    finally:
        hook.close()
    # a literal token as written in the URL, echoed alone
    (tmp_path / "literal").mkdir()
    literal = load_config(_project(tmp_path / "literal", "channels:\n  hook: {type: webhook, "
                                   "url: 'https://hooks.example/x?sig=ab/CD+ef1234'}\n"), environ={})
    assert literal.redact("HTTP 403: bad signature ab/CD+ef1234") == "HTTP 403: bad signature ***"


def test_credentials_in_a_url_are_a_configuration_error_never_repeated(tmp_path):
    """urllib would take user:password@ for part of the host name and never deliver: refused when
    the file is read, naming the key, without the password."""
    project = _project(tmp_path, """
channels:
  slack: {type: slack, url: "https://user:pa55word@hooks.example/services/T/B"}
""")
    with pytest.raises(ConfigError) as err:
        load_config(project, environ={})
    assert err.value.key == "channels.slack.url" and "credentials" in str(err.value)
    assert "pa55word" not in str(err.value)


# ----------------------------------------------------- 4. a selector that matches nothing

def test_run_with_a_selection_that_matches_no_test_exits_2(dbt_fixture_project, tmp_path):
    state = tmp_path / "state.sqlite"
    result = CliRunner().invoke(main, ["run", "--project-dir", str(dbt_fixture_project), "--profiles-dir",
                                       str(dbt_fixture_project), "--state-path", str(state), "-s", "tag:typo"])
    assert result.exit_code == 2, result.output
    assert "tag:typo" in result.output and "matched no test" in result.output
    assert not state.exists() or _deliveries(state) == []


def test_report_with_a_selection_that_matches_no_test_exits_2(dbt_fixture_project, failing_run_report, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--project-dir", str(dbt_fixture_project), "--profiles-dir",
                                       str(dbt_fixture_project), "--select", "typo_model", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "typo_model" in result.output and "matches no test" in result.output
    assert not out.exists()


# ------------------------------------------------------------------ 5. signals

@pytest.fixture(scope="module")
def slow_project(tmp_path_factory, dbt_fixture_project) -> Path:
    """A copy of the fixture project with a model that keeps DuckDB busy for a few seconds."""
    root = tmp_path_factory.mktemp("slow_proj")
    # symlinks=True: dbt_packages/ml_monitor is a symlink to this repository; followed, it would
    # copy the repository (its .venv, and integration_tests/dbt_packages recursing into itself)
    shutil.copytree(dbt_fixture_project, root, dirs_exist_ok=True, symlinks=True,
                    ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*", ".ml_monitor"))
    (root / "profiles.yml").write_text((root / "profiles.yml").read_text().replace(
        str(dbt_fixture_project / "fixture.duckdb"), str(root / "fixture.duckdb")))
    (root / "models" / "slow.sql").write_text(
        "select sum(hash(i)) as h from range(0, 40000000000) t(i)\n")
    return root


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    # PYTHONFAULTHANDLER: a hung run dumps every thread's stack on SIGABRT (_finish)
    return subprocess.Popen([console_script(), *args], cwd=cwd, env=subprocess_env(PYTHONFAULTHANDLER="1"),
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _finish(proc: subprocess.Popen, lines: list[str], timeout: float = 120) -> str:
    """Wait for the run to end; its stderr (after `lines`). A run still going after `timeout` is
    made to dump its threads' stacks (SIGABRT), killed, and the test fails with them."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            _, err = proc.communicate()
        pytest.fail(f"the run did not end {timeout:.0f} s after the signal:\n" + "".join(lines) + err[-8000:])
    return "".join(lines) + err


def _wait_for_line(proc: subprocess.Popen, needle: str, lines: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return
    proc.kill()
    raise AssertionError(f"{needle!r} not seen:\n{''.join(lines)}")


def _alert_kinds(state: Path) -> list[str]:
    if not state.exists():
        return []
    db = sqlite3.connect(str(state))
    try:
        return [r[0] for r in db.execute("select kind from alerts")]
    finally:
        db.close()


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_second_signal_aborts_the_scheduled_run_with_its_exit_code_and_no_alert(slow_project, tmp_path, sig, code):
    state = tmp_path / "state.sqlite"
    proc = _start(["schedule", "--every", "1h", "--run-now", "--project-dir", str(slow_project),
                   "--profiles-dir", str(slow_project), "--state-path", str(state)], slow_project)
    lines: list[str] = []
    _wait_for_line(proc, "running dbt build", lines)
    time.sleep(1.0)
    proc.send_signal(sig)                       # first: finish the current run ...
    time.sleep(5.0)                             # (dbt is inside the slow model by now)
    proc.send_signal(sig)                       # ... second: abort it
    err = _finish(proc, lines)
    assert proc.returncode == code, err
    assert "aborted" in err and "no run left unfinished" not in err
    assert "monitoring_failed" not in _alert_kinds(state), err
    assert "KeyboardInterrupt" not in err


def test_run_under_sigterm_exits_143_cleanly(slow_project, tmp_path):
    state = tmp_path / "state.sqlite"
    proc = _start(["run", "--project-dir", str(slow_project), "--profiles-dir", str(slow_project),
                   "--state-path", str(state)], slow_project)
    lines: list[str] = []
    _wait_for_line(proc, "running dbt build", lines)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    err = _finish(proc, lines)
    assert proc.returncode == 143, err
    assert "run aborted by SIGTERM" in err
    assert "leaked semaphore" not in err and "resource_tracker" not in err and "Traceback" not in err
    assert _alert_kinds(state) == []


_CANCEL_RACE = """
import faulthandler, os, signal, sys, threading, time
from ml_monitor import runner
from ml_monitor.signals import interruptible

faulthandler.dump_traceback_later(100)          # every thread's stack in stderr if it hangs
cancelled = threading.Event()
t0 = time.monotonic()

def say(what):
    print(f"{time.monotonic() - t0:7.2f} {threading.current_thread().name}: {what}", file=sys.stderr, flush=True)

def on_event(event):
    if event.info.name in ("LogCancelLine", "QueryCancelationUnsupported", "SQLQuery", "NodeFinished",
                           "AdapterEventDebug"):
        say(f"{event.info.name} {event.info.msg[:100]!r}")
    if event.info.name in ("LogCancelLine", "QueryCancelationUnsupported"):
        cancelled.set()
    node = getattr(getattr(event.data, "node_info", None), "unique_id", "")
    if event.info.name == "NodeStart" and node.endswith(".slow"):
        say("NodeStart: SIGTERM")
        # to the main thread itself (os.kill lets the kernel pick any thread: the case of
        # test_a_signal_a_worker_thread_received_still_cancels_the_running_query), which cancels ...
        signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)
        cancelled.wait(20)                      # ... before this worker sends the slow query
        say(f"worker goes on, cancel seen: {cancelled.is_set()}")

t = time.monotonic()
try:
    with interruptible():
        runner.run_dbt("build", project_dir=sys.argv[1], profiles_dir=sys.argv[1], select=["slow"],
                       on_event=on_event)
except KeyboardInterrupt:
    print(f"aborted in {time.monotonic() - t:.0f} s, cancel seen before the query: {cancelled.is_set()}")
say("exiting")
"""


def _slow_pg_project(root: Path, schema: str) -> Path:
    """A PostgreSQL project whose one model sleeps for ten minutes."""
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: pgslow\nversion: '1.0'\nprofile: pgslow\n")
    (root / "profiles.yml").write_text(pg_profile("pgslow", "dev", schema))
    (root / "models" / "slow.sql").write_text(
        "{{ config(materialized='table') }}\nselect 1 as x from pg_sleep(600)\n")
    return root


def _run_slow_script(text: str, adapter: str, request, tmp_path: Path, schema_prefix: str,
                     hung: str) -> tuple[str, str]:
    """Run `text` (a script that builds the slow model of `adapter` through ml_monitor's runner)
    in a process of its own; (stdout, stderr). Still going after 120 s: killed, and the test
    fails with `hung`, the head of stderr (the script's timeline) and its tail (the thread dump)."""
    if adapter == "postgres":
        schema = f"{schema_prefix}_{os.getpid()}"
        project = _slow_pg_project(tmp_path / "pgslow", schema)
        request.addfinalizer(lambda: drop_pg_schemas(schema, terminate_sessions=True))
    else:
        project = request.getfixturevalue("slow_project")
    script = tmp_path / "script.py"
    script.write_text(text)
    proc = subprocess.Popen([str(Path(console_script()).parent / "python"), str(script), str(project)],
                            cwd=project, env={**subprocess_env(), **_pg_env()}, text=True, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        return proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(hung + ":\n" + out + err[:4000] + "\n...\n" + err[-6000:])


@pytest.mark.parametrize("adapter", [a for a in ADAPTERS if a in ("duckdb", "postgres")])
def test_a_query_sent_after_dbts_cancel_is_cancelled_too(adapter, request, tmp_path):
    """dbt cancels the open queries once, then waits for its workers: a worker between two
    statements sends its query after the cancel, and dbt waited for it (CI: a SIGTERM during
    the slow model did not end the run in 120 s). Here the worker is held until dbt's cancel has
    happened, then sends the slow query (minutes of work): the run must still end promptly."""
    out, err = _run_slow_script(_CANCEL_RACE, adapter, request, tmp_path, "pgslow",
                                "the run went on with the query dbt had not cancelled")
    assert "aborted" in out and "cancel seen before the query: True" in out, out + err[-2000:]
    assert "FATAL" not in err and "terminate called" not in err, err[-2000:]


_SIGNAL_TO_A_WORKER = """
import faulthandler, os, signal, sys, threading, time
from ml_monitor import runner
from ml_monitor.signals import interruptible

faulthandler.dump_traceback_later(100)
t0 = time.monotonic()
sent = []

def on_event(event):
    node = getattr(getattr(event.data, "node_info", None), "unique_id", "")
    if event.info.name == "NodeStart" and node.endswith(".slow") and not sent:
        sent.append(1)
        # the kernel may give a process's SIGTERM to any thread: here, this worker's; dbt's main
        # thread sleeps in its wait for the workers and runs no handler until the model ends
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)
        print(f"{time.monotonic() - t0:.2f} SIGTERM to worker", file=sys.stderr, flush=True)

try:
    with interruptible() as state:
        runner.run_dbt("build", project_dir=sys.argv[1], profiles_dir=sys.argv[1], select=["slow"],
                       on_event=on_event)
    print("not aborted")
except KeyboardInterrupt:
    print(f"aborted in {time.monotonic() - t0:.0f} s by {state.name}")
"""


@pytest.mark.parametrize("adapter", [a for a in ADAPTERS if a in ("duckdb", "postgres")])
def test_a_signal_a_worker_thread_received_still_cancels_the_running_query(adapter, request, tmp_path):
    """CI once hung here: the SIGTERM went to a worker thread, dbt's main thread slept in its wait
    for the workers (a Python handler runs only in the main thread, when it runs Python code), and
    the slow model's query ran on uncancelled. The runner's canceller learns of the signal from
    the wakeup fd the C handler writes at once, cancels the query, the worker returns and the
    main thread handles the signal: the run aborts in seconds, not after the model."""
    out, err = _run_slow_script(_SIGNAL_TO_A_WORKER, adapter, request, tmp_path, "pgslow2",
                                "the signal a worker received did not stop the run")
    assert "aborted in" in out and "by SIGTERM" in out and "SIGTERM to worker" in err, out + err[-2000:]
    assert int(out.split("aborted in ")[1].split()[0]) < 60, out


def test_an_interrupt_that_library_code_turned_into_another_error_still_aborts(dbt_fixture_project):
    """A second signal can land in dbt's main thread inside library code with a bare `except:`
    (mashumaro, deserialising a relation), which re-raises the KeyboardInterrupt as an error of
    its own: dbt then reports a failed run, and a scheduler once raised a monitoring_failed alert
    for the user's own Ctrl-C. Here the interrupt lands in an event callback that converts it the
    same way (and _safe_callback swallows the result): the run must still end as an abort."""
    from ml_monitor import runner
    from ml_monitor.signals import interruptible

    def swallow(event: Any) -> None:
        if not swallow.fired:
            swallow.fired = True
            try:
                os.kill(os.getpid(), signal.SIGINT)     # the handler runs here and raises
                time.sleep(1.0)
            except BaseException as e:                  # noqa: BLE001 - what a bare except does
                raise ValueError("Field 'path' has invalid value") from e

    def run() -> Any:
        swallow.fired = False
        with interruptible() as interrupted:
            try:
                return runner.run_dbt("parse", project_dir=dbt_fixture_project,
                                      profiles_dir=str(dbt_fixture_project), on_event=swallow)
            finally:
                assert swallow.fired and interrupted.signum == signal.SIGINT

    with pytest.raises(KeyboardInterrupt):
        run()
    # the comparison can fail: without the flag the same run comes back as a normal report
    real = runner.abort_requested
    runner.abort_requested = lambda: False
    try:
        assert isinstance(run(), runner.RunReport)
    finally:
        runner.abort_requested = real


# ------------------------------------------------------------------ 8. alert texts

def test_and_n_more_counts_no_data_rows(failing_run_report):
    from ml_monitor.runner import CheckResult, RunReport

    obs = [{"metric": "null_rate", "column_name": "x", "value": 0.5, "threshold": 0.1, "status": "fail"},
           {"metric": "null_rate", "column_name": "x", "segment_column": "s", "segment_value": "a",
            "status": "no_data", "sample_size": 0},
           {"metric": "null_rate", "column_name": "x", "segment_column": "s", "segment_value": "b",
            "status": "no_data", "sample_size": 0}]
    # dbt's failures = fail + no_data rows (fail_on_no_data, the default): all three are shown
    check = CheckResult(unique_id="test.p.t", name="t", status="fail", severity="error", monitor="null_rate",
                        package="ml_monitor", model="m", column="x", failures=3, observations=obs)
    report = RunReport(command="build", project_dir=".", project="p", target=None, started_at="2026-01-31T00:00:00",
                       checks=[check])
    (alert,) = build_alerts(report)
    assert "more failing observation" not in alert.summary, alert.summary
    assert len(alert.summary.splitlines()) == 3


def test_the_profiles_default_target_is_named_not_called_default(failing_run_report):
    text = alert_text(Notification("trigger", build_alerts(failing_run_report)[0]))
    assert "(target dev)" in text, text                     # profiles.yml of the fixture: target: dev
    assert "default" not in text


JS = "javascript:alert(1)"


def test_a_javascript_runbook_is_never_sent_as_a_link(tmp_path, http_receiver, smtp_receiver):
    alert = Alert(fingerprint="f" * 20, kind="check_failed", severity="error", title="psi failed on m.x",
                  summary="psi of x overall is 0.5 (threshold 0.2)", project="p", model="m", column="x",
                  runbook=JS)
    cfg = load_config(_project(tmp_path, f"""
state_path: state.sqlite
channels:
  slack: {{type: slack, url: "{http_receiver.url('/slack')}"}}
  teams: {{type: teams, url: "{http_receiver.url('/teams')}"}}
  pager: {{type: pagerduty, routing_key: rk-1234, url: "{http_receiver.url('/pd')}"}}
  mail: {{type: email, host: {smtp_receiver.host}, port: {smtp_receiver.port}, security: none,
          from: a@example.com, to: [b@example.com]}}
"""))
    with Outbox(cfg.state_path) as outbox:
        outbox.record([alert], [], {alert.fingerprint: list(cfg.channels)}, 3600, set())
        result = api.deliver_pending(cfg, outbox)
    assert result.sent == 4, result.errors
    slack = json.dumps(http_receiver.at("/slack")[0].json)
    teams = http_receiver.at("/teams")[0].json["attachments"][0]["content"]
    pager = http_receiver.at("/pd")[0].json
    mail = smtp_receiver.messages[0][2].decode()
    assert f"<{JS}" not in slack and "|Runbook>" not in slack
    assert "actions" not in teams and "Action.OpenUrl" not in json.dumps(teams)
    assert "links" not in pager
    assert "href" not in mail
    # the runbook text itself is still shown, as text
    assert JS in slack and JS in json.dumps(teams) and JS in json.dumps(pager) and JS in mail


def test_large_bin_edges_print_in_full():
    obs = {"metric": "psi", "column_name": "amount", "segment_column": "bin", "segment_value": 1.7e12,
           "value": 1712345678901.5, "threshold": 2.5e12, "baseline_value": 1.5e16, "status": "fail"}
    text = describe_observation(obs)
    assert "e+" not in text, text
    assert "1,712,345,678,902" in text and "2,500,000,000,000" in text and "15,000,000,000,000,000" in text


def test_run_outside_a_dbt_project_says_so_and_creates_nothing(tmp_path):
    home, nowhere = tmp_path / "home", tmp_path / "nowhere"
    home.mkdir()
    nowhere.mkdir()
    result = CliRunner().invoke(main, ["run", "--project-dir", str(nowhere)], env={"HOME": str(home)})
    assert result.exit_code == 2, result.output
    assert f"no dbt_project.yml in {nowhere}" in result.output
    assert ".dbt" not in result.output and "profiles" not in result.output
    assert list(home.iterdir()) == [] and list(nowhere.iterdir()) == []
    result = CliRunner().invoke(main, ["schedule", "--every", "1h", "--project-dir", str(nowhere)],
                                env={"HOME": str(home)})
    assert result.exit_code == 2 and "no dbt_project.yml" in result.output
    assert list(nowhere.iterdir()) == []


# ----------------------------------------------------- a state file or config that cannot be read

@pytest.mark.parametrize("case", ["corrupt_state", "state_is_a_directory", "state_under_missing_dir", "config_not_utf8"])
def test_unusable_state_or_config_is_a_message_and_exit_2(tmp_path, case):
    """Never a traceback, never exit 1 (which means failing checks)."""
    state = tmp_path / "state.sqlite"
    config = "channels: {out: {type: stdout}}\n"
    if case == "corrupt_state":
        state.write_bytes(b"this is not a database" * 100)
        config += f"state_path: {state}\n"
    elif case == "state_is_a_directory":
        config += f"state_path: {tmp_path}\n"
    elif case == "state_under_missing_dir":
        config += "state_path: /proc/no-such-dir/x.sqlite\n"
    project = _project(tmp_path, config)
    if case == "config_not_utf8":
        (project / "ml_monitor.yml").write_bytes(b"channels: {out: {type: stdout}}\n# caf\xe9\n")
    # `alerts list` of a state file that does not exist lists nothing (and creates nothing):
    # the missing directory is met by a command that writes the state
    command = "retry" if case == "state_under_missing_dir" else "list"
    result = CliRunner().invoke(main, ["alerts", command, "--project-dir", str(project)])
    assert result.exit_code == 2, (case, result.output, result.exception)
    assert "Traceback" not in result.output and result.output.startswith("ml-monitor: "), result.output


@pytest.mark.parametrize("cron", ["0 0 30 2 *", "* * * * * *"])
def test_a_cron_that_never_matches_or_has_six_fields_is_refused(cron):
    from ml_monitor.scheduler import Schedule
    with pytest.raises(ConfigError) as err:
        Schedule.parse(cron, None)
    assert err.value.key == "--cron"


@pytest.mark.parametrize("n", ["0", "-1"])
def test_max_runs_below_one_is_refused_not_forever(tmp_path, n):
    project = _project(tmp_path, "channels: {out: {type: stdout}}\n")
    result = CliRunner().invoke(main, ["schedule", "--every", "1h", "--max-runs", n, "--project-dir", str(project)])
    assert result.exit_code == 2 and "--max-runs" in result.output, result.output


# ------------------------------------------- 9. a secret quoted by dbt or the warehouse

BEARER = "BEARERsecret67890"        # a channel's header token, also a data value and in a dbt error


@pytest.fixture(scope="module")
def leaky_project(tmp_path_factory, dbt_fixture_project) -> Path:
    """A copy of the fixture project, with the history hook, where the secret is a segment value
    (null_rate by g on the seed ctl) and, with var leak, in a model's error and a test's error."""
    root = tmp_path_factory.mktemp("leaky_proj")
    shutil.copytree(dbt_fixture_project, root, dirs_exist_ok=True, symlinks=True,
                    ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*", ".ml_monitor"))
    (root / "profiles.yml").write_text((root / "profiles.yml").read_text().replace(
        str(dbt_fixture_project / "fixture.duckdb"), str(root / "fixture.duckdb")))
    with (root / "dbt_project.yml").open("a") as f:
        f.write("on-run-end: [\"{{ ml_monitor.record_observations(results) }}\"]\n")
    (root / "seeds" / "ctl.csv").write_text(f"id,g,x\n1,{BEARER},\n2,{BEARER},\n3,b,3\n")
    (root / "seeds" / "schema.yml").write_text(
        "seeds:\n  - name: ctl\n    columns:\n      - name: x\n        data_tests:\n"
        "          - ml_monitor.null_rate:\n              arguments: {max_null_rate: 0.1, segment_by: [g]}\n")
    leak = f"select cast('token: Bearer {BEARER}' as integer) as x"
    (root / "models" / "leak.sql").write_text(
        f"{{% if var('leak', false) %}}{leak}{{% else %}}select 1 as x{{% endif %}}\n")
    (root / "tests").mkdir(exist_ok=True)
    (root / "tests" / "leak_check.sql").write_text(
        f"{{% if var('leak', false) %}}{leak}{{% else %}}select 1 as x where 1 = 0{{% endif %}}\n")
    return root


def _leaky_config(tmp_path: Path, project: Path, http_receiver: Any, smtp_receiver: Any) -> Any:
    cfg = tmp_path / "ml_monitor.yml"
    cfg.write_text(f"""
state_path: state.sqlite
dbt: {{profiles_dir: "{project}"}}
channels:
  hook: {{type: webhook, url: "{http_receiver.url('/hook')}", headers: {{Authorization: "Bearer ${{HOOK_BEARER}}"}}}}
  slack: {{type: slack, url: "{http_receiver.url('/slack')}"}}
  mail: {{type: email, host: {smtp_receiver.host}, port: {smtp_receiver.port}, security: none,
          from: a@example.com, to: [b@example.com]}}
  cmd: {{type: command, command: ["sh", "-c", "cat >> '{tmp_path / 'stdin.txt'}'; echo >> '{tmp_path / 'stdin.txt'}'"]}}
  log: {{type: jsonl, path: alerts.jsonl}}
""")
    return load_config(project, cfg, environ={"HOOK_BEARER": BEARER})


def _mail_texts(smtp_receiver: Any) -> list[str]:
    """Every message as people read it (headers and decoded parts: a base64 body would hide the secret)."""
    import email
    from email import policy

    out = []
    for _, _, raw in smtp_receiver.messages:
        msg = email.message_from_bytes(raw, policy=policy.default)
        out.append(str(msg["Subject"]) + "\n" + "\n".join(
            part.get_content() for part in msg.walk() if part.get_content_maintype() == "text"))
    return out


def test_a_secret_in_data_or_a_dbt_error_reaches_no_channel_and_no_state(leaky_project, tmp_path, http_receiver,
                                                                        smtp_receiver):
    """The secret of a webhook header is also a segment value and is quoted by a dbt error: it was
    redacted only on stdout and in logs, while the state file, the webhook, Slack, the email and the
    command's stdin carried it, and the resolve of a suppressed monitoring_failed alert sent the
    latest error text. Alerts are now redacted when they are built; fingerprints stay the dedup
    key: the second run re-alerts nothing, the third resolves what passes again."""
    cfg = _leaky_config(tmp_path, leaky_project, http_receiver, smtp_receiver)
    runs = []
    for leak in (True, True, False):
        report = api.run_checks(str(leaky_project), config=cfg, vars={"leak": leak})
        runs.append(api.deliver(report, cfg))
    first, second, third = (run.lifecycle for run in runs)
    by_kind = {(a.kind, a.model): a for a in first.new}
    ctl = by_kind[("check_failed", "ctl")]
    failed = by_kind[("monitoring_failed", None)]
    assert "in g = ***" in ctl.title and "segment g = ***" in ctl.summary, ctl.summary
    assert "model leak errored" in failed.summary and "test leak_check errored" in failed.summary
    assert "Could not convert string 'token: ***'" in failed.summary, failed.summary   # the header value, whole
    # the same fingerprints in every run: nothing new or re-sent in the second (no "spread" either),
    # monitoring_failed resolves in the third while ctl stays suppressed
    assert second.new == [] and second.repeated == [] and second.resolved == []
    assert {a.fingerprint for a in second.suppressed} == {a.fingerprint for a in first.new}
    assert [a.fingerprint for a in third.resolved] == [failed.fingerprint]
    assert ctl.fingerprint in {a.fingerprint for a in third.suppressed}
    assert all(run.delivery.failed == run.delivery.retrying == 0 for run in runs), [r.delivery.errors for r in runs]
    # the secret was really used ...
    hooks = http_receiver.at("/hook")
    assert hooks and hooks[0].headers["authorization"] == f"Bearer {BEARER}"
    assert {r.json["event"] for r in hooks} == {"trigger", "resolve"}
    # ... and is in no payload, message, stdin, file or state
    shown = {"webhook": b"".join(r.body for r in hooks).decode(),
             "slack": b"".join(r.body for r in http_receiver.at("/slack")).decode(),
             "email": "\n".join(_mail_texts(smtp_receiver)),
             "command stdin": (tmp_path / "stdin.txt").read_text(),
             "jsonl": (tmp_path / "alerts.jsonl").read_text(),
             "state file": _state_bytes(tmp_path / "state.sqlite").decode("utf-8", "replace")}
    assert "token: ***" in shown["webhook"] and "g = ***" in shown["email"] and "***" in shown["command stdin"]
    assert "RESOLVED" in shown["email"]
    assert [where for where, text in shown.items() if BEARER in text] == []


def test_the_report_hides_the_configured_secrets_of_the_history(leaky_project, tmp_path, http_receiver,
                                                                smtp_receiver):
    """The history keeps dbt's message of an errored test and the segment values: the report wrote
    `Bearer <secret>` in the test_error detail while the alert said `***`. With a configuration,
    every text of the history is redacted with its secrets before the page is made."""
    cfg = _leaky_config(tmp_path, leaky_project, http_receiver, smtp_receiver)
    report = api.run_checks(str(leaky_project), config=cfg, vars={"leak": True})
    assert report.exit_code == 2
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--project-dir", str(leaky_project), "--profiles-dir",
                                       str(leaky_project), "--config", str(cfg.source_file), "-o", str(out)],
                                env={"HOOK_BEARER": BEARER})
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "leak_check" in page and "token: ***" in page          # the errored test is there, redacted
    assert BEARER not in page
