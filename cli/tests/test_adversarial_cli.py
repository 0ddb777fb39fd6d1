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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import console_script, subprocess_env
from ml_monitor import api
from ml_monitor.alerts.model import Alert, Notification, alert_text, build_alerts, describe_observation
from ml_monitor.cli import main
from ml_monitor.config import ConfigError, load_config
from ml_monitor.outbox import Outbox

pytestmark = pytest.mark.adversarial

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
