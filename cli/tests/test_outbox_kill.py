"""A process killed during delivery loses nothing; on restart only the in-flight delivery can repeat."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter

from conftest import console_script, subprocess_env
from ml_monitor import api
from ml_monitor.config import load_config
from ml_monitor.outbox import Outbox


def _wait(predicate, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _config(tmp_path, receiver):
    (tmp_path / "ml_monitor.yml").write_text(f"""
state_path: state.sqlite
channels:
  a: {{type: webhook, url: "{receiver.url('/kill')}", timeout: 120s}}
  b: {{type: webhook, url: "{receiver.url('/kill')}", timeout: 120s}}
""")
    return load_config(tmp_path)


def test_sigkill_during_delivery_loses_nothing(tmp_path, http_receiver, failing_run_report):
    cfg = _config(tmp_path, http_receiver)
    with Outbox(cfg.state_path) as ob:                  # record the alerts, send nothing yet
        lifecycle = api.process(failing_run_report, cfg, ob)
    assert lifecycle.enqueued == 4                       # 2 alerts x 2 channels
    # the 1st request is answered at once, the 2nd hangs until the sender is killed
    http_receiver.delay["/kill"] = [0, 600]
    proc = subprocess.Popen([console_script(), "alerts", "retry", "--project-dir", str(tmp_path)],
                            env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: len(http_receiver.at("/kill")) == 2), "the second delivery never started"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    http_receiver.delay["/kill"] = 0

    states = Counter(d["state"] for d in api.list_deliveries(cfg, undelivered_only=False))
    assert states == {"delivered": 1, "pending": 3}      # the in-flight one is still pending: not lost

    # restart: the dead process's claim is taken over at once, everything undelivered is sent
    result = api.retry(cfg)
    assert (result.sent, result.busy) == (3, 0)
    assert api.list_deliveries(cfg) == []
    received = Counter(r.json["delivery_id"] for r in http_receiver.at("/kill"))
    assert len(received) == 4                            # every delivery arrived
    # at-least-once: only the delivery in flight at the kill arrived twice
    assert sorted(received.values()) == [1, 1, 1, 2]
    in_flight = http_receiver.at("/kill")[1].json["delivery_id"]
    assert received[in_flight] == 2


def test_a_delivery_claimed_by_a_live_process_is_not_sent_twice(tmp_path, http_receiver, failing_run_report):
    cfg = _config(tmp_path, http_receiver)
    with Outbox(cfg.state_path) as ob:
        api.process(failing_run_report, cfg, ob)
        other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            first = ob.due()[0]["id"]
            # claimed by a live process on this host longer ago than the lease (a command channel
            # running a long retraining job): still its own, not sent a second time
            assert cfg.delivery.lease < 3600
            ob.db.execute("update deliveries set claimed_by = ?, claimed_at = ? where id = ?",
                          (f"{socket.gethostname()}:{other.pid}", time.time() - 3600, first))
            result = api.deliver_pending(cfg, ob)
            assert (result.sent, result.busy) == (3, 1)
            assert first not in {r.json["delivery_id"] for r in http_receiver.at("/kill")}
        finally:
            other.kill()
            other.wait()
        # its holder died: the claim is stale and the delivery goes out
        result = api.deliver_pending(cfg, ob)
        assert (result.sent, result.busy) == (1, 0)
    assert Counter(r.json["delivery_id"] for r in http_receiver.at("/kill"))[first] == 1
