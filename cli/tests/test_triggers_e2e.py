"""Retraining triggers end to end: real `ml-monitor run` on DuckDB and PostgreSQL (the history hook
and the metric store in the engine), a real HTTP receiver (webhook) and a real subprocess (command
channel). Fire on the first run, stay quiet while the rule holds, resolve when the data clears;
`triggers list`; the report shows the firing trigger with its evidence, then the resolved one; an
unknown test is exit 2. PostgreSQL runs when ML_MONITOR_ADAPTERS lists it (ML_MONITOR_PG_PASSWORD)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from conftest import drop_pg_schemas, pg_profile
from ml_monitor import api
from ml_monitor.config import load_config
from ml_monitor.paths import package_root
from test_cli_run import invoke

ADAPTERS = os.environ.get("ML_MONITOR_ADAPTERS", "duckdb").split()
PG_SCHEMA = f"triggers_{os.getpid()}"
PG_PROFILE = pg_profile("trigger_proj", "dev", PG_SCHEMA)
ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.skipif(
    "postgres" not in ADAPTERS, reason="postgres not in ML_MONITOR_ADAPTERS"))]

# two daily windows ending at as_of; rows with bad = 1 lose x when var trig_bad is set
SEED = """id,ts,segment,x,bad
1,2026-01-08 03:00:00,a,1.0,1
2,2026-01-08 09:00:00,a,2.0,1
3,2026-01-08 12:00:00,b,3.0,0
4,2026-01-08 18:00:00,b,4.0,0
5,2026-01-09 03:00:00,a,5.0,1
6,2026-01-09 09:00:00,a,6.0,1
7,2026-01-09 12:00:00,b,7.0,0
8,2026-01-09 18:00:00,b,8.0,0
"""

MODEL = """select id, ts, segment,
  {% if var('trig_bad', false) %} case when bad = 1 then null else x end {% else %} x {% endif %} as x
from {{ ref('raw_events') }}
"""

SCHEMA = """models:
  - name: events
    columns:
      - name: x
        data_tests:
          - ml_monitor.null_rate:
              name: x_nulls
              arguments:
                max_null_rate: 0.1
                segment_by: [segment]
                timestamp_column: ts
                window: {period: day, count: 1}
                windows: 2
"""

# the command channel: append what it received (event from the environment, payload from stdin)
RECORDER = ("import json, os, sys; data = json.load(sys.stdin); "
            "open(sys.argv[1], 'a').write(json.dumps({'env': os.environ['ML_MONITOR_EVENT'], 'data': data}) + '\\n')")


@pytest.fixture(scope="module")
def trigger_project(tmp_path_factory, request):
    """The project on DuckDB, or on PostgreSQL when parametrized indirectly with "postgres"."""
    adapter = getattr(request, "param", "duckdb")
    if adapter == "postgres" and not os.environ.get("ML_MONITOR_PG_PASSWORD"):
        pytest.fail("ML_MONITOR_PG_PASSWORD is not set: start PostgreSQL with scripts/postgres.sh")
    root = _make_project(tmp_path_factory.mktemp(f"trigger_proj_{adapter}"), adapter)
    try:
        yield root
    finally:
        if adapter == "postgres":
            drop_pg_schemas(PG_SCHEMA, f"{PG_SCHEMA}_dbt_test__audit")


def _make_project(root: Path, adapter: str) -> Path:
    from dbt.cli.main import dbtRunner

    (root / "seeds").mkdir()
    (root / "models").mkdir()
    (root / "dbt_project.yml").write_text(
        "name: trigger_proj\nversion: '1.0'\nconfig-version: 2\nprofile: trigger_proj\n"
        "models:\n  trigger_proj:\n    +materialized: table\n"
        "data_tests:\n  trigger_proj:\n    +store_failures: true\n"
        "vars:\n  ml_monitor_as_of: '2026-01-10 00:00:00'\n"
        "on-run-end:\n  - \"{{ ml_monitor.record_observations(results) }}\"\n")
    (root / "profiles.yml").write_text(PG_PROFILE if adapter == "postgres" else (
        "trigger_proj:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: \"{root / 'trig.duckdb'}\"\n      threads: 1\n"))
    (root / "packages.yml").write_text(f"packages:\n  - local: \"{package_root()}\"\n")
    (root / "seeds" / "raw_events.csv").write_text(SEED)
    (root / "models" / "events.sql").write_text(MODEL)
    (root / "models" / "schema.yml").write_text(SCHEMA)
    res = dbtRunner().invoke(["deps", "--project-dir", str(root), "--profiles-dir", str(root), "--log-level", "none"])
    assert res.success, res.exception
    return root


def _config(path: Path, hook_url: str, recorder_out: Path, test: str = "x_nulls") -> Path:
    path.write_text(f"""
state_path: state.sqlite
dbt: {{failing_rows: 0}}    # the alerts' read-back is not needed here: one dbt call less per run
channels:
  console: {{type: stdout}}
  retrain: {{type: command, command: {json.dumps([sys.executable, "-c", RECORDER, str(recorder_out)])}}}
  pipeline: {{type: webhook, url: "{hook_url}"}}
routes:
  - {{channels: [console], kind: [check_failed, monitoring_failed]}}
triggers:
  x_nulls_two_days:
    description: x loses values two days in a row
    when: {{test: {test}, metric: null_rate, min_count: 2, consecutive_windows: 2}}
    channels: [retrain, pipeline]
    owner: ml-team
  x_nulls_segment_b:
    when: {{test: {test}, segment: segment=b}}
    channels: [retrain]
""")
    return path


HOOK = "/train?token=s3cr3t-pipeline-token"     # a credential in the URL: redacted from every output


def _run(project: Path, config: Path, bad: bool, expect: int) -> dict:
    args = ["run", "--format", "json", "--project-dir", project, "--profiles-dir", project, "--config", config]
    if bad:
        args += ["--vars", "{trig_bad: true}"]
    result = invoke(args, expect=expect)
    assert "s3cr3t-pipeline-token" not in result.stdout + result.stderr
    return json.loads(result.stdout)


def _recorded(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _report(project: Path, config: Path, out: Path) -> str:
    """`ml-monitor report` with the run's configuration: its HTML (the history through the engine,
    the triggers from the state file)."""
    result = invoke(["report", "--project-dir", project, "--profiles-dir", project, "--config", config,
                     "--out", out, "--format", "json"], expect=0)
    assert json.loads(result.stdout)["checks"] == 1
    html = out.read_text(encoding="utf-8")
    assert "s3cr3t-pipeline-token" not in html
    return html


def _section(html: str) -> str:
    m = re.search(r'<section id="triggers".*?</section>', html, flags=re.S)
    assert m, "no triggers section"
    return m.group(0)


@pytest.mark.parametrize("trigger_project", ENGINES, indirect=True)
def test_trigger_fires_once_holds_quietly_and_resolves(tmp_path, trigger_project, http_receiver):
    out = tmp_path / "commands.jsonl"
    config = _config(tmp_path / "ml_monitor.yml", http_receiver.url(HOOK), out)

    # 1. x is null for segment a on both days: overall and segment a fail in both windows -> fires
    first = _run(trigger_project, config, bad=True, expect=1)
    t = first["triggers"]
    assert t["counts"] == {"fired": 1, "held": 0, "resolved": 0, "clear": 1, "not_evaluated": 0, "enqueued": 2}
    assert first["triggers"]["evaluations"]["x_nulls_segment_b"]["holds"] is False   # segment b never fails
    (fired,) = t["fired"]
    assert fired["kind"] == "trigger" and fired["owner"] == "ml-team"
    evidence = fired["evidence"]
    assert [(w["window_start"][:10], w["matching_series"]) for w in evidence["windows"]] == \
        [("2026-01-09", 2), ("2026-01-08", 2)]
    assert sorted((o["window_start"][:10], o["segment_value"] or "", o["value"]) for o in evidence["observations"]) \
        == [("2026-01-08", "", 0.5), ("2026-01-08", "a", 1.0), ("2026-01-09", "", 0.5), ("2026-01-09", "a", 1.0)]
    (cmd,) = _recorded(out)
    assert cmd["env"] == "trigger" and cmd["data"]["event"] == "trigger"
    assert cmd["data"]["alert"]["evidence"]["observation_count"] == 4
    assert "x loses values two days in a row" in cmd["data"]["alert"]["title"]
    assert "null_rate of x in segment segment = a is 1" in cmd["data"]["alert"]["summary"]
    (hook,) = http_receiver.at(HOOK)
    assert hook.json["event"] == "trigger" and hook.json["alert"]["evidence"]["trigger"] == "x_nulls_two_days"

    # 2. still bad: the trigger holds, nothing is sent again (no second training run)
    second = _run(trigger_project, config, bad=True, expect=1)
    assert second["triggers"]["counts"]["held"] == 1 and second["triggers"]["fired"] == []
    assert len(_recorded(out)) == 1 and len(http_receiver.at(HOOK)) == 1

    listed = invoke(["triggers", "list", "--format", "json", "--config", config], expect=0)
    rows = {r["name"]: r for r in json.loads(listed.stdout)["triggers"]}
    assert rows["x_nulls_two_days"]["state"] == "firing" and rows["x_nulls_two_days"]["fired_count"] == 1
    assert rows["x_nulls_two_days"]["deliveries"] == {"pending": 0, "failed": 0, "delivered": 2}
    assert rows["x_nulls_segment_b"]["state"] == "clear"
    text = invoke(["triggers", "list", "--config", config], expect=0).stdout
    assert "x_nulls_two_days" in text and "firing" in text and "s3cr3t" not in text

    # the report shows the firing trigger with its evidence windows, read where `triggers list` reads
    firing_html = _section(_report(trigger_project, config, tmp_path / "firing.html"))
    assert "1 firing" in firing_html
    assert 'data-trigger="x_nulls_two_days" data-state="firing"' in firing_html
    assert 'data-trigger="x_nulls_segment_b"' not in firing_html          # clear, never fired
    since = rows["x_nulls_two_days"]["first_fired"]                         # ISO, UTC
    assert f'<dd data-field="since">{since[:10]} {since[11:16]}' in firing_html
    assert "2026-01-09 00:00:00 → 2026-01-10 00:00:00" in firing_html
    assert "2026-01-08 00:00:00 → 2026-01-09 00:00:00" in firing_html
    assert "2 series with status fail (needs 2)" in firing_html and "ml-team" in firing_html

    # 3. the data clears: the newest window passes -> resolved, one resolve event per channel
    third = _run(trigger_project, config, bad=False, expect=0)
    assert third["triggers"]["counts"]["resolved"] == 1
    events = _recorded(out)
    assert [e["env"] for e in events] == ["trigger", "resolve"]
    assert "no longer" not in events[1]["data"]["alert"]["summary"]   # the summary stays the firing's evidence
    assert events[1]["data"]["alert"]["evidence"]["resolved_reason"].startswith("not at least 2 series")
    assert [r.json["event"] for r in http_receiver.at(HOOK)] == ["trigger", "resolve"]
    rows = {r["name"]: r for r in json.loads(invoke(["triggers", "list", "--format", "json", "--config", config],
                                                    expect=0).stdout)["triggers"]}
    assert rows["x_nulls_two_days"]["state"] == "clear" and rows["x_nulls_two_days"]["resolved_at"]
    # the report now lists it as resolved in the period, with why it cleared
    resolved_html = _section(_report(trigger_project, config, tmp_path / "resolved.html"))
    assert "0 firing" in resolved_html and 'data-state="firing"' not in resolved_html
    assert 'data-trigger="x_nulls_two_days" data-state="resolved"' in resolved_html
    assert "not at least 2 series" in resolved_html


def test_a_trigger_naming_an_unknown_test_is_skipped_and_never_silences_the_alerts(tmp_path, trigger_project,
                                                                                  http_receiver):
    """A typo in a trigger's test (or a test renamed since) is exit 2 naming the key, but only after
    the run's check alerts were recorded and delivered; the other triggers are evaluated as usual."""
    out = tmp_path / "c.jsonl"
    config = _config(tmp_path / "ml_monitor.yml", http_receiver.url(HOOK), out, test="x_nulz")
    text = config.read_text()
    config.write_text(text[:text.rindex("when: {test: x_nulz")] + "when: {test: x_nulls, segment: segment=b}\n"
                      "    channels: [retrain]\n")
    result = invoke(["run", "--project-dir", trigger_project, "--profiles-dir", trigger_project,
                     "--config", config, "--vars", "{trig_bad: true}"], expect=2)
    # the check alert went out (console channel: stdout in text mode) and is recorded as delivered
    assert "[ERROR] null_rate failed on events.x" in result.stdout, result.stdout
    cfg = load_config(trigger_project, config)
    (alert,) = api.list_alerts(cfg, "open")
    assert alert["deliveries"] == {"pending": 0, "failed": 0, "delivered": 1}
    assert "alerts 1 new" in result.stderr
    # the bad trigger is said, with the key, and skipped; the good one was evaluated
    assert "trigger 'x_nulls_two_days' names unknown test 'x_nulz' (did you mean: x_nulls?)" in result.stderr
    assert "triggers.x_nulls_two_days.when.test" in result.stderr and "the trigger is skipped" in result.stderr
    assert "triggers 0 fired, 0 still holding, 0 resolved, 1 clear, 1 not evaluated" in result.stderr
    assert http_receiver.at(HOOK) == [] and not out.exists()
    states = {t["name"]: t["state"] for t in api.list_triggers(cfg)}
    assert states == {"x_nulls_two_days": "unknown", "x_nulls_segment_b": "clear"}
