"""`ml-monitor schedule`: slots, one run at a time, locks between processes, stale locks, signals."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import console_script, subprocess_env
from ml_monitor import api
from ml_monitor.config import ConfigError, load_config
from ml_monitor.locks import FileLock, LockHeld
from ml_monitor.scheduler import Schedule, run_schedule


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def _wait_for(path: Path, text: str, timeout: float = 90.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and text in path.read_text():
            return True
        time.sleep(0.1)
    return False


def test_cron_and_interval_slots():
    cron = Schedule.parse("*/15 * * * *", None)
    assert cron.next_after(_ts("2026-01-31 10:07:00")) == _ts("2026-01-31 10:15:00")
    assert cron.next_after(_ts("2026-01-31 10:15:00")) == _ts("2026-01-31 10:30:00")
    every = Schedule.parse(None, "15m", now=_ts("2026-01-31 10:00:00"))
    assert every.every == 900
    assert every.next_after(_ts("2026-01-31 10:00:00")) == _ts("2026-01-31 10:15:00")
    assert every.next_after(_ts("2026-01-31 10:31:00")) == _ts("2026-01-31 10:45:00")
    for cron_text, every_text in ((None, None), ("* * * * *", "1m"), ("not a cron", None), (None, "0s")):
        with pytest.raises(ConfigError):
            Schedule.parse(cron_text, every_text)


def test_file_lock_excludes_and_recovers_a_stale_lock(tmp_path):
    path = tmp_path / "x.lock"
    path.write_text("pid 999999 on somewhere since 2026-01-01T00:00:00+00:00\n")   # left by a dead process
    first = FileLock(path)
    first.acquire()                                   # a stale lock file is simply taken over
    assert f"pid {os.getpid()}" in path.read_text()
    with pytest.raises(LockHeld, match=f"pid {os.getpid()}"):
        FileLock(path).acquire()                      # a live holder excludes everybody else
    first.release()
    with FileLock(path):
        pass


@pytest.fixture
def ml_monitor_caplog(caplog, monkeypatch):
    """caplog for the ml_monitor logger (the CLI turns its propagation off in-process)."""
    monkeypatch.setattr(logging.getLogger("ml_monitor"), "propagate", True)
    return caplog


def test_overrunning_run_is_not_started_twice(tmp_path, ml_monitor_caplog):
    caplog = ml_monitor_caplog
    config = load_config(tmp_path)
    starts = []

    def slow_run():
        starts.append(time.monotonic())
        time.sleep(1.6)                               # longer than the 1 s slot

    with caplog.at_level(logging.INFO, logger="ml_monitor"):
        code = run_schedule(config, Schedule.parse(None, "1s"), run_now=True, max_runs=2, run=slow_run)
    assert code == 0 and len(starts) == 2
    assert starts[1] - starts[0] >= 1.6               # the second run began only after the first ended
    assert "missed slot(s) skipped, not run twice" in caplog.text


def test_a_slot_is_skipped_while_another_run_holds_the_run_lock(tmp_path, ml_monitor_caplog):
    caplog = ml_monitor_caplog
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    config = load_config(tmp_path)
    with FileLock(api.lock_path(config, "run")):
        with caplog.at_level(logging.INFO, logger="ml_monitor"):
            code = run_schedule(config, Schedule.parse(None, "1h"), run=lambda: api.monitor(config), run_now=True,
                                max_runs=1)
    assert code == 0
    assert "skipped: another ml-monitor run is in progress" in caplog.text


def test_two_schedulers_and_a_killed_one(tmp_path):
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    (tmp_path / "ml_monitor.yml").write_text("state_path: state.sqlite\nchannels: {out: {type: stdout}}\n")
    args = [console_script(), "schedule", "--cron", "0 0 1 1 *", "--project-dir", str(tmp_path)]
    procs = []

    def start(name):
        err = tmp_path / f"{name}.err"
        proc = subprocess.Popen(args, env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=err.open("w"))
        procs.append(proc)
        return proc, err

    try:
        first, first_err = start("first")
        assert _wait_for(first_err, "scheduler started"), first_err.read_text()
        second, second_err = start("second")
        assert second.wait(timeout=60) == 2
        text = second_err.read_text()
        assert "another scheduler is running" in text and f"pid {first.pid}" in text

        os.kill(first.pid, signal.SIGKILL)            # dies holding the lock
        first.wait(timeout=30)
        lock_file = Path(f"{tmp_path / 'state.sqlite'}.scheduler.lock")
        assert f"pid {first.pid}" in lock_file.read_text()
        third, third_err = start("third")             # recovers the stale lock at once
        assert _wait_for(third_err, "scheduler started"), third_err.read_text()
        assert f"pid {third.pid}" in lock_file.read_text()

        third.send_signal(signal.SIGTERM)             # idle: exits promptly and cleanly
        assert third.wait(timeout=30) == 0
        assert "received SIGTERM" in third_err.read_text()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def test_sigterm_during_a_run_finishes_it(tmp_path, dbt_fixture_project):
    config_file = tmp_path / "ml_monitor.yml"
    config_file.write_text(f"state_path: state.sqlite\nchannels:\n  log: {{type: jsonl, path: alerts.jsonl}}\n")
    err = tmp_path / "schedule.err"
    proc = subprocess.Popen(
        [console_script(), "schedule", "--every", "1h", "--run-now", "--project-dir", str(dbt_fixture_project),
         "--profiles-dir", str(dbt_fixture_project), "--config", str(config_file)],
        env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=err.open("w"))
    try:
        assert _wait_for(err, "running dbt build"), err.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = err.read_text()
    # the run was completed (one log line with duration and counts), then the scheduler exited
    assert "build finished in" in text and "4 checks (2 passed, 1 warned, 1 failed)" in text
    # the signal is said when it arrives (the run may take minutes), the exit once the run has ended
    assert text.index("received SIGTERM: the current run finishes") < text.index("build finished in") \
        < text.index("scheduler exiting after 1 run(s)")
    lines = (tmp_path / "alerts.jsonl").read_text().splitlines()
    assert len(lines) == 2
    cfg = load_config(dbt_fixture_project, config_file)
    assert len(api.list_alerts(cfg, "open")) == 2


def test_a_cron_run_evaluates_at_its_slot_unless_as_of_is_set(tmp_path):
    """`0 0 * * *` runs a few seconds after midnight; as_of = dbt's run start would key every night's
    daily windows a few seconds apart (a new unaligned series each run). A cron run's as_of is
    its slot; a user's ml_monitor_as_of (flag, ml_monitor.yml, dbt_project.yml) wins."""
    from ml_monitor.config import load_config
    from ml_monitor.scheduler import Schedule, with_slot_as_of

    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    config = load_config(tmp_path)
    now = 1_772_323_207.5                                     # 2026-03-01 00:00:07.5 UTC
    cron, every = Schedule.parse("0 0 * * *", None, now=now), Schedule.parse(None, "1h", now=now)
    assert with_slot_as_of(config, cron, now=now).dbt.vars == {"ml_monitor_as_of": "2026-03-01 00:00:00"}
    assert config.dbt.vars == {}                              # the loaded config is left as it was
    assert with_slot_as_of(config, every, now=now).dbt.vars == {}
    mine = load_config(tmp_path, overrides={"vars": {"ml_monitor_as_of": "2026-02-01"}})
    assert with_slot_as_of(mine, cron, now=now).dbt.vars == {"ml_monitor_as_of": "2026-02-01"}
    (tmp_path / "dbt_project.yml").write_text("name: p\nvars:\n  ml_monitor:\n    ml_monitor_as_of: '2026-01-31'\n")
    assert with_slot_as_of(config, cron, now=now).dbt.vars == {}


def test_a_null_as_of_counts_as_unset_for_the_cron_slot(tmp_path):
    """`dbt: {vars: {ml_monitor_as_of: null}}` (as an example config once showed) or a null in
    dbt_project.yml is "not set" (the package reads it as the run's start): the slot still wins."""
    from ml_monitor.scheduler import with_slot_as_of

    (tmp_path / "dbt_project.yml").write_text("name: p\nvars:\n  ml_monitor_as_of: null\n"
                                              "  ml_monitor: {ml_monitor_as_of: ''}\n")
    (tmp_path / "ml_monitor.yml").write_text("dbt: {vars: {ml_monitor_as_of: null}}\n")
    config = load_config(tmp_path)
    assert config.dbt.vars == {"ml_monitor_as_of": None}
    now = 1_772_323_207.5                                     # 2026-03-01 00:00:07.5 UTC
    cron = Schedule.parse("0 0 * * *", None, now=now)
    assert with_slot_as_of(config, cron, now=now).dbt.vars == {"ml_monitor_as_of": "2026-03-01 00:00:00"}


def test_the_scheduler_retries_a_failed_delivery_after_its_backoff_not_at_the_next_slot(
        tmp_path, http_receiver, failing_run_report):
    """A 500 with `initial_backoff: 2s` under `--cron "0 0 1 1 *"`: the retry goes out while the
    scheduler waits for its (far) next slot, without running dbt, and only when no run holds the
    run lock (a concurrent `ml-monitor run` delivers it itself)."""
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    (tmp_path / "ml_monitor.yml").write_text(
        "state_path: state.sqlite\ndelivery: {initial_backoff: 2s}\n"
        f"channels:\n  hook: {{type: webhook, url: \"{http_receiver.url('/hook')}\"}}\n")
    config = load_config(tmp_path)
    http_receiver.script["/hook"] = [500]
    first = api.deliver(failing_run_report, config)          # what the last run left: one retry due in 2 s
    assert first.delivery.sent == 1 and first.delivery.retrying == 1
    err = tmp_path / "schedule.err"
    run_lock = FileLock(api.lock_path(config, "run"))
    run_lock.acquire()                                        # a manual `ml-monitor run` in progress
    proc = subprocess.Popen([console_script(), "schedule", "--cron", "0 0 1 1 *", "-v", "--project-dir", str(tmp_path)],
                            env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=err.open("w"))
    try:
        assert _wait_for(err, "due notifications left to the run in progress"), err.read_text()
        assert len(http_receiver.at("/hook")) == 2            # the lock is respected: nothing sent
        run_lock.release()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(http_receiver.at("/hook")) < 3:
            time.sleep(0.1)
        assert len(http_receiver.at("/hook")) == 3, err.read_text()
        assert _wait_for(err, "between runs, due notifications: 1 sent, 0 retrying, 0 failed"), err.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        run_lock.release()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "running dbt" not in err.read_text()
    assert api.list_deliveries(config) == []
    assert [r.json["alert"]["fingerprint"] for r in http_receiver.at("/hook")][2] == \
        http_receiver.at("/hook")[0].json["alert"]["fingerprint"]


def test_signal_arrived_counts_the_signals_a_worker_thread_received():
    # the runner's canceller learns of the aborting signal from the wakeup fd, even when a worker
    # thread received it and the main thread has not run its handler: the n-th of abort_after
    import threading

    from ml_monitor import signals

    seen = []
    with signals.handlers(lambda signum, frame: seen.append(signum), abort_after=2):
        assert not signals.signal_arrived()
        worker = threading.Thread(target=lambda: signal.pthread_kill(threading.get_ident(), signal.SIGTERM))
        worker.start()
        worker.join()
        time.sleep(0.05)
        assert not signals.signal_arrived()                 # the first of two: the run finishes
        worker = threading.Thread(target=lambda: signal.pthread_kill(threading.get_ident(), signal.SIGINT))
        worker.start()
        worker.join()
        time.sleep(0.05)
        assert signals.signal_arrived()
    assert not signals.signal_arrived() and seen == [signal.SIGTERM, signal.SIGINT]
    with signals.handlers(lambda signum, frame: None):        # no abort_after: never
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        assert not signals.signal_arrived()
