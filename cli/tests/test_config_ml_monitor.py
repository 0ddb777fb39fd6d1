"""ml_monitor.yml: substitution, strict keys, clear errors (exit 2 naming key and file), precedence."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ml_monitor.cli import main
from ml_monitor.config import ConfigError, load_config, parse_duration

FULL = """
version: 1
state_path: state/alerts.sqlite
suppression_interval: 2h
send_resolved: true
dbt:
  command: test
  select: [tag:ml]
  target: dev
  vars: {as_of: "2026-01-31"}
  failing_rows: 3
delivery:
  timeout: 5s
  initial_backoff: 10s
  max_backoff: 10m
channels:
  console: {type: stdout}
  log: {type: jsonl, path: alerts.jsonl}
  slack: {type: slack, url: "https://hooks.slack.com/services/${SLACK_TOKEN}"}
  teams: {type: teams, url: "${TEAMS_URL}"}
  hook:
    type: webhook
    url: https://example.com/hook
    headers: {Authorization: "Bearer ${HOOK_TOKEN}"}
  mail:
    type: email
    host: smtp.example.com
    port: 587
    security: starttls
    username: alerts
    password: ${SMTP_PASSWORD}
    from: ml-monitor@example.com
    to: [oncall@example.com]
  pager: {type: pagerduty, routing_key: "${PD_KEY}"}
  retrain: {type: command, command: ["python", "retrain.py"], timeout: 5m}
routes:
  - channels: [console, log]
  - severity: [error]
    channels: [pager, mail]
  - tags: [drift]
    owner: ml-team
    channels: [slack, retrain]
  - kind: monitoring_failed
    channels: [teams, hook]
"""

ENV = {"SLACK_TOKEN": "T000/B000/slacksecret", "TEAMS_URL": "https://teams.example/wf/teamssecret",
       "HOOK_TOKEN": "hooksecret", "SMTP_PASSWORD": "smtpsecret", "PD_KEY": "pdroutingsecret"}


def _project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    (tmp_path / "ml_monitor.yml").write_text(text)
    return tmp_path


def test_full_config_loads_with_every_channel(tmp_path):
    cfg = load_config(_project(tmp_path, FULL), environ=ENV)
    assert set(cfg.channels) == {"console", "log", "slack", "teams", "hook", "mail", "pager", "retrain"}
    assert cfg.channels["slack"].url == "https://hooks.slack.com/services/T000/B000/slacksecret"
    assert cfg.channels["hook"].headers == {"Authorization": "Bearer hooksecret"}
    assert cfg.channels["mail"].sender == "ml-monitor@example.com"
    assert cfg.channels["mail"].to == ["oncall@example.com"]
    assert cfg.channels["retrain"].timeout == 300.0
    assert cfg.channels["log"].path == str(tmp_path / "alerts.jsonl")
    assert cfg.state_path == (tmp_path / "state" / "alerts.sqlite").resolve()
    assert cfg.suppression_interval == 7200.0
    assert cfg.delivery.timeout == 5.0 and cfg.delivery.max_backoff == 600.0
    assert cfg.dbt.command == "test" and cfg.dbt.select == ["tag:ml"] and cfg.dbt.failing_rows == 3
    assert cfg.routes[2].owner == ["ml-team"] and cfg.routes[3].kind == ["monitoring_failed"]
    # every value of a secret field, and every ${VAR} substituted into one, is a secret and is redacted
    for secret in ENV.values():
        assert secret in cfg.secrets
        assert cfg.redact(f"x {secret} y") == "x *** y"


@pytest.mark.parametrize("text, key, words", [
    ("channels:\n  s: {type: slack, urll: 'https://x'}\n", "channels.s.urll", "unknown key 'urll'"),
    ("chanels: {}\n", "chanels", "unknown key 'chanels'"),
    ("channels:\n  s: {type: slack}\n", "channels.s.url", "required key 'url' is missing"),
    ("channels:\n  s: {type: webhook, url: ''}\n", "channels.s.url", "needs a non-empty 'url'"),
    ("channels:\n  s: {type: sms, url: x}\n", "channels.s.type", "unknown channel type 'sms'"),
    ("channels:\n  a: {type: stdout}\nroutes:\n  - channels: [b]\n", "routes[0].channels", "unknown channel 'b'"),
    ("channels:\n  s: {type: slack, url: '${NOPE_NOT_SET}'}\n", "channels.s.url",
     "environment variable NOPE_NOT_SET is not set"),
    ("suppression_interval: soon\n", "suppression_interval", "expected a duration"),
    ("channels:\n  m: {type: email, host: h, to: [a@b], from: c@d, security: tls}\n", "channels.m.security",
     "expected starttls, ssl or none"),
    ("routes:\n  - channels: [stdout]\n    severity: [fatal]\n", "routes[0].severity", "unknown value 'fatal'"),
    ("dbt: {command: run}\n", "dbt.command", "expected build or test"),
    ("channels:\n  s: {type: slack, url: 'hooks.slack.com/x'}\n", "channels.s.url", "must start with http"),
    ("channels:\n  m: {type: email, host: h, to: [a@b], from: c@d, port: 99999}\n", "channels.m.port",
     "expected a TCP port 1-65535, got 99999"),
    # PyYAML keeps the last of two equal keys: the first block's channels would vanish unseen
    ("channels:\n  a: {type: stdout}\nchannels:\n  b: {type: stdout}\n", "line 3", "duplicate key 'channels'"),
    ("channels:\n  a: {type: stdout, type: slack}\n", "line 2", "duplicate key 'type'"),
    ("report_url: https://me:pw@reports.example.com/\n", "report_url", "without credentials"),
    ("report_url: reports.example.com\n", "report_url", "expected an http(s) URL"),
    # a timeout of 0 meant the default 10s for HTTP channels (and an immediate kill for a command)
    ("channels:\n  h: {type: webhook, url: 'https://x.example/h', timeout: 0s}\n", "channels.h.timeout",
     "must be longer than 0 (a duration such as 10s), got 0s"),
    ("channels:\n  c: {type: command, command: ['true'], timeout: 0}\n", "channels.c.timeout", "must be longer than 0"),
    ("delivery: {timeout: 0s}\n", "delivery.timeout", "must be longer than 0"),
])
def test_config_errors_name_the_key_and_the_file(tmp_path, text, key, words):
    project = _project(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(project, environ={})
    message = str(err.value)
    assert err.value.key == key
    assert key in message and words in message
    assert str(project / "ml_monitor.yml") in message


def test_cli_config_error_exits_2_with_key_and_file(tmp_path):
    project = _project(tmp_path, "channels:\n  s: {type: slack, url: '${SLACK_HOOK_MISSING}'}\n")
    result = CliRunner().invoke(main, ["alerts", "list", "--project-dir", str(project)], env={})
    assert result.exit_code == 2
    assert "channels.s.url" in result.output
    assert "SLACK_HOOK_MISSING" in result.output
    assert str(project / "ml_monitor.yml") in result.output
    result = CliRunner().invoke(main, ["run", "--project-dir", str(project), "--vars", "[1, 2]"])
    assert result.exit_code == 2 and "--vars" in result.output
    result = CliRunner().invoke(main, ["run", "--project-dir", str(project), "--vars", "{a: 1, a: 2}"])
    assert result.exit_code == 2 and "--vars" in result.output and "duplicate key 'a'" in result.output


def test_alerts_list_without_a_state_file_creates_nothing(tmp_path):
    project = _project(tmp_path, "state_path: sub/state.sqlite\n")
    for args in (["alerts", "list"], ["alerts", "list", "--format", "json"]):
        result = CliRunner().invoke(main, [*args, "--project-dir", str(project)], env={})
        assert result.exit_code == 0, result.output
    assert "no state file yet" in CliRunner().invoke(main, ["alerts", "list", "--project-dir", str(project)]).output
    assert not (project / "sub").exists()


def test_no_file_means_stdout_channel_and_local_state(tmp_path):
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    cfg = load_config(tmp_path)
    assert list(cfg.channels) == ["stdout"] and cfg.routes == []
    assert cfg.state_path == tmp_path.resolve() / ".ml_monitor" / "state.sqlite"
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path, tmp_path / "missing.yml")


def test_precedence_flag_over_env_over_file(tmp_path):
    project = _project(tmp_path, "suppression_interval: 1h\ndbt: {target: from_file, select: [a]}\n")
    cfg = load_config(project)
    assert cfg.dbt.target == "from_file" and cfg.suppression_interval == 3600
    cfg = load_config(project, overrides={"target": "from_flag", "suppression_interval": "30m", "select": ()})
    assert cfg.dbt.target == "from_flag" and cfg.suppression_interval == 1800 and cfg.dbt.select == ["a"]

    # through the CLI: ML_MONITOR_STATE_PATH env beats the file, the flag beats the env
    from_env = tmp_path / "env.sqlite"
    from_flag = tmp_path / "flag.sqlite"
    runner = CliRunner()
    result = runner.invoke(main, ["alerts", "list", "--project-dir", str(project)],
                           env={"ML_MONITOR_STATE_PATH": str(from_env)})
    assert result.exit_code == 0, result.output
    assert str(from_env) in result.output and not from_env.exists()     # listing creates nothing
    result = runner.invoke(main, ["alerts", "list", "--project-dir", str(project), "--state-path", str(from_flag)],
                           env={"ML_MONITOR_STATE_PATH": str(from_env)})
    assert result.exit_code == 0 and str(from_flag) in result.output and not from_flag.exists()


def test_the_readme_example_loads(tmp_path):
    """The complete ml_monitor.yml of docs/cli.md is valid."""
    from ml_monitor.paths import package_root

    doc = (package_root() / "docs" / "cli.md").read_text()
    example = doc.split("## A complete `ml_monitor.yml`", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    env = {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x", "TEAMS_WEBHOOK_URL": "https://t.example/w",
           "INCIDENTS_TOKEN": "tok-123", "SMTP_USER": "mailer", "SMTP_PASSWORD": "pw-456",
           "PAGERDUTY_ROUTING_KEY": "R0123456789"}
    cfg = load_config(_project(tmp_path, example), environ=env)
    assert {s.type for s in cfg.channels.values()} == {"stdout", "jsonl", "slack", "teams", "webhook", "email",
                                                       "pagerduty", "command"}
    assert [r.channels for r in cfg.routes][1] == ["pagerduty", "oncall-mail"]
    assert cfg.suppression_interval == 6 * 3600 and cfg.channels["retrain"].send_resolved is False
    assert "tok-123" in cfg.secrets and "pw-456" in cfg.secrets


def test_only_channel_values_are_secrets(tmp_path):
    project = _project(tmp_path, "dbt: {target: '${DBT_TARGET}'}\n"
                                 "channels:\n  h: {type: webhook, url: 'http://h/${TOKEN}', headers: {X-Key: '${KEY}'}}\n")
    cfg = load_config(project, environ={"DBT_TARGET": "prod", "TOKEN": "tok-abc", "KEY": "key-xyz"})
    assert cfg.dbt.target == "prod"
    assert cfg.redact("target prod: http://h/tok-abc key-xyz") == "target prod: *** ***"


def test_a_var_in_a_field_that_is_no_secret_is_not_redacted(tmp_path):
    """Every ${VAR} of 4+ characters under channels: was a secret: subject_prefix "[${DEPLOY_ENV}]"
    with DEPLOY_ENV=demo turned every alert into `relation ***.main.ctl`, `project ml_monitor_***`.
    Only secret fields make secrets (each channel's SECRET_FIELDS, docs/alerting.md#secrets)."""
    project = _project(tmp_path, """
channels:
  mail: {type: email, host: "${SMTP_HOST}", port: 2525, username: "${SMTP_USER}",
         password: "${SMTP_PASSWORD}", from: "${MAIL_FROM}", to: ["${MAIL_TO}"], subject_prefix: "[${DEPLOY_ENV}]"}
  log: {type: jsonl, path: "${LOG_DIR}/alerts.jsonl"}
  retrain: {type: command, command: ["python", "${RETRAIN_SCRIPT}"], env: {TOKEN: "${RETRAIN_TOKEN}", MODE: full}}
  hook: {type: webhook, url: "https://hooks.example/h/${HOOK_PATH}", headers: {X-Key: "${KEY}"}}
  pager: {type: pagerduty, routing_key: "${PD_KEY}", url: "https://${PD_HOST}/v2/enqueue"}
""")
    env = {"SMTP_HOST": "mailhost", "SMTP_USER": "mailer", "SMTP_PASSWORD": "pw-4567",
           "MAIL_FROM": "ml@example.com", "MAIL_TO": "oncall@example.com", "DEPLOY_ENV": "demo",
           "LOG_DIR": "/var/log/ml", "RETRAIN_SCRIPT": "retrain.py", "RETRAIN_TOKEN": "rt-0123",
           "HOOK_PATH": "hp-42", "KEY": "key-xyz", "PD_KEY": "R0123", "PD_HOST": "events.example"}
    cfg = load_config(project, environ=env)
    assert cfg.channels["mail"].subject_prefix == "[demo]"
    text = ("null_rate failed on ctl.x: relation demo.main.ctl, project: ml_monitor_demo, mailhost, "
            "mailer, ml@example.com, oncall@example.com, /var/log/ml, python, full, events.example")
    assert cfg.redact(text) == text
    # secret fields, the ${VAR}s in them, and a ${VAR} of the command (not its literal MODE: full)
    for secret in ("pw-4567", "rt-0123", "retrain.py", "hp-42", "key-xyz", "R0123"):
        assert secret in cfg.secrets and cfg.redact(f"x {secret} y") == "x *** y", secret
    short = load_config(_project(tmp_path, "channels:\n  m: {type: email, host: h, to: [a@b], from: c@d, "
                                            "password: '${PW}'}\n"), environ={"PW": "pw1"})
    assert short.secrets == set() and short.redact("pw1") == "pw1"         # under 4 characters: no secret


def test_a_line_break_in_a_webhook_header_is_a_configuration_error_naming_it(tmp_path):
    """A header value with CR/LF (a token read from a file, with its newline) failed every delivery
    as `invalid url for the webhook (ValueError)`: now the file is refused, naming the header,
    never repeating its value."""
    project = _project(tmp_path, "channels:\n  hook: {type: webhook, url: 'https://hooks.example/x', "
                                 "headers: {X-Team: ml, Authorization: 'Bearer ${TOKEN}'}}\n")
    for token in ("tok-0123456789\n", "tok-0123456789\r\nX-Evil: 1"):
        with pytest.raises(ConfigError) as err:
            load_config(project, environ={"TOKEN": token})
        assert err.value.key == "channels.hook.headers.Authorization"
        assert "header Authorization contains a line break" in str(err.value)
        assert "tok-0123456789" not in str(err.value)
        result = CliRunner().invoke(main, ["alerts", "list", "--project-dir", str(project)], env={"TOKEN": token})
        assert result.exit_code == 2 and "header Authorization contains a line break" in result.output
        assert "tok-0123456789" not in result.output


@pytest.mark.parametrize("channel, key", [
    ("{type: webhook, url: 'https://hooks.example/x', headers: 'Authorization: Bearer ${TOKEN}'}", "headers"),
    ("{type: webhook, url: 'https://hooks.example/x', headers: {Authorization: ['Bearer ${TOKEN}']}}",
     "headers.Authorization"),
    ("{type: pagerduty, routing_key: ['${TOKEN}']}", "routing_key"),
    ("{type: email, host: h, from: a@b, to: [c@d], password: ['${TOKEN}']}", "password"),
    ("{type: command, command: 'python retrain.py \"--token=${TOKEN}'}", "command"),
    ("{type: command, command: [python], env: 'TOKEN=${TOKEN}'}", "env"),
])
def test_a_configuration_error_never_repeats_a_secret_from_the_environment(tmp_path, channel, key):
    """A secret field of the wrong shape (`headers:` written as one string, a password in a list)
    was refused with "expected a mapping, got 'Authorization: Bearer <the token>'": the token from
    the environment on stderr, in the cron mail and the CI log. The error names the key and the
    shape; the value from the environment is ***."""
    project = _project(tmp_path, f"channels:\n  ch: {channel}\n")
    token = "tok-0123456789abcdef"
    with pytest.raises(ConfigError) as err:
        load_config(project, environ={"TOKEN": token})
    assert err.value.key == f"channels.ch.{key}" and "***" in str(err.value)
    assert "0123456789" not in str(err.value)
    result = CliRunner().invoke(main, ["alerts", "list", "--project-dir", str(project)], env={"TOKEN": token})
    assert result.exit_code == 2 and f"channels.ch.{key}" in result.output and "0123456789" not in result.output


def test_a_plain_query_setting_of_a_url_is_not_redacted_from_every_alert(tmp_path):
    """Every query value of an endpoint URL was a secret: a webhook at `...?env=prod&format=json`
    turned `project: shop (target prod)` into `(target ***)` and every "json" into *** in every
    alert, log line and report. A value is hidden on its own when its parameter is named like a
    credential or it looks like one; the whole URL and query stay secret."""
    project = _project(tmp_path, "channels:\n  hook: {type: webhook, url: 'https://hooks.example/in?env=prod"
                                 "&format=json&source=ml-monitor&k=a1b2c3d4e5&apikey=shrt&sig=ab%2Fcd'}\n"
                                 "  teams: {type: teams, url: 'https://x.logic.example/workflows/1/invoke"
                                 "?api-version=2016-06-01&sv=1.0&sig=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5'}\n")
    cfg = load_config(project, environ={})
    text = "project: shop (target prod), --format json, sent by ml-monitor"
    assert cfg.redact(text) == text
    for token in ("a1b2c3d4e5", "shrt", "ab/cd", "ab%2Fcd", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5"):
        assert cfg.redact(f"HTTP 403: bad {token}") == "HTTP 403: bad ***", token
    assert "***" in cfg.redact("POST /in?env=prod&format=json&source=ml-monitor&k=a1b2c3d4e5&apikey=shrt&sig=ab%2Fcd")


def test_env_default_syntax_and_durations(tmp_path):
    project = _project(tmp_path, "channels:\n  h: {type: webhook, url: '${HOOK_URL:-http://127.0.0.1:9/x}'}\n")
    assert load_config(project, environ={}).channels["h"].url == "http://127.0.0.1:9/x"
    assert load_config(project, environ={"HOOK_URL": "http://h/y"}).channels["h"].url == "http://h/y"
    assert [parse_duration(v) for v in ("90", "90s", "15m", "6h", "1d", 2.5)] == [90, 90, 900, 21600, 86400, 2.5]
    with pytest.raises(ConfigError):
        parse_duration("-5m")


def test_integer_and_boolean_fields_take_a_vars_text(tmp_path):
    # a ${VAR} yields text: `port: ${SMTP_PORT}` was "expected an integer, got '2525'"
    project = _project(tmp_path, "send_resolved: ${RESOLVED}\ndbt: {failing_rows: '${ROWS}'}\nchannels:\n"
                                 "  m: {type: email, host: h, to: [a@b], from: c@d, port: '${SMTP_PORT}'}\n")
    cfg = load_config(project, environ={"RESOLVED": "False", "ROWS": "7", "SMTP_PORT": "2525"})
    assert cfg.channels["m"].port == 2525 and cfg.send_resolved is False and cfg.dbt.failing_rows == 7
    assert load_config(project, environ={"RESOLVED": "true", "ROWS": "7", "SMTP_PORT": "2525"}).send_resolved is True
    for env, key, words in [({"SMTP_PORT": "25.0"}, "channels.m.port", "expected an integer, got '25.0'"),
                            ({"SMTP_PORT": "99999"}, "channels.m.port", "expected a TCP port 1-65535"),
                            ({"RESOLVED": "yes"}, "send_resolved", "expected true or false, got 'yes'")]:
        with pytest.raises(ConfigError) as err:
            load_config(project, environ={"RESOLVED": "false", "ROWS": "7", "SMTP_PORT": "25", **env})
        assert err.value.key == key and words in str(err.value)


def test_redact_hides_url_passwords_it_does_not_know(tmp_path):
    project = _project(tmp_path, "channels:\n  h: {type: webhook, url: 'http://h/${TOKEN}'}\n")
    cfg = load_config(project, environ={"TOKEN": "tok-abc"})
    assert cfg.redact("http://h/tok-abc failed; dsn postgres://app:hunter2@db/x") == \
        "*** failed; dsn postgres://app:***@db/x"
