"""Hostile strings from the warehouse, end to end on DuckDB: segment values with a terminal escape
sequence, CR/LF, a bidirectional override, Slack and Teams markup, HTML, and 10,000 characters,
and a dbt error message quoting an escape sequence, run through `ml-monitor run` to the terminal
(stdout channel, log), Slack, Teams and email (local HTTP and SMTP receivers), `alerts list`,
and the HTML report opened in headless Chromium.

What a reader must get: the value shown as text, on its line, never acted on (a terminal not
cleared, no line forged, no link or mention made, no script run), and a page that a 10,000-character
value does not push off the screen."""

from __future__ import annotations

import email
import json
import subprocess
from email import policy
from pathlib import Path

import pytest

from conftest import console_script, subprocess_env, write_monitor_config
from test_report_e2e import needs_chromium, open_report

pytestmark = pytest.mark.adversarial

ESC = "\x1b[2J\x1b[31mRED\rover"                      # clears the screen, red, back to the line start
FORGED = "em\r\n[ERROR] forged line"                  # a second line that looks like another alert
RTL = "\u202egnp.exe"                                 # shown reversed: "exe.png"
SLACK = "<!channel> @here"
TEAMS = "[Runbook](https://evil.example)"
HTML = "</script><script>alert(1)</script>"
QUOTES = "q\"uo'te --> <!-- a\u2028b"                 # ends an attribute, a comment; a JS line break
LONG = "L" * 10_000
SEGMENTS = [ESC, FORGED, RTL, SLACK, TEAMS, HTML, QUOTES, LONG]
BOOM = "boom \x1b]0;pwned\x07\x1b[2J"                  # a dbt error message: sets the title, clears


def _sql_text(value: str) -> str:
    """A DuckDB expression for `value` (control characters through chr())."""
    parts, plain = [], ""
    for ch in value:
        if ord(ch) < 32 or ord(ch) > 126:
            if plain:
                parts.append("'" + plain.replace("'", "''") + "'")
                plain = ""
            parts.append(f"chr({ord(ch)})")
        else:
            plain += ch
    if plain:
        parts.append("'" + plain.replace("'", "''") + "'")
    return " || ".join(parts)


# accepted_values sees the rows of ESC only (k = 0): its detail quotes it as an example
MODEL = ("with v as (select * from (values "
         + ", ".join(f"({i}, {_sql_text(s)})" for i, s in enumerate(SEGMENTS))
         + f") as t(k, seg))\nselect i as id, v.seg, case when i % 3 = 0 then null else i * 1.0 end as score\n"
         f"from range(0, {20 * len(SEGMENTS)}) as r(i) join v on v.k = i % {len(SEGMENTS)}\n")

SCHEMA = """models:
  - name: t
    columns:
      - name: score
        data_tests:
          - ml_monitor.null_rate:
              arguments: {max_null_rate: 0.1, segment_by: [seg]}
      - name: seg
        data_tests:
          - ml_monitor.accepted_values:
              arguments: {values: [x], where: "id % 7 = 0"}
"""


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory) -> Path:
    """The project, built once by dbt (the history holds every segment); a model that fails with
    BOOM in its message beside it."""
    from dbt.cli.main import dbtRunner

    from ml_monitor.paths import package_root
    from ml_monitor.report.loader import release_duckdb

    root = tmp_path_factory.mktemp("hostile")
    (root / "models").mkdir()
    (root / "dbt_project.yml").write_text(
        "name: hostile\nversion: '1.0'\nconfig-version: 2\nprofile: hostile\n"
        "models:\n  hostile:\n    +materialized: table\n"
        "data_tests:\n  +store_failures: true\n"
        'on-run-end: ["{{ ml_monitor.record_observations(results) }}"]\n')
    (root / "profiles.yml").write_text(
        f"hostile:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: \"{root / 'h.duckdb'}\"\n"
        "      threads: 1\n")
    (root / "packages.yml").write_text(f"packages:\n  - local: \"{package_root()}\"\n")
    (root / "models" / "t.sql").write_text(MODEL)
    (root / "models" / "boom.sql").write_text(f"select error({_sql_text(BOOM)})")
    (root / "models" / "schema.yml").write_text(SCHEMA)
    common = ["--project-dir", str(root), "--profiles-dir", str(root), "--log-level", "none"]
    try:
        assert dbtRunner().invoke(["deps", *common]).success
        res = dbtRunner().invoke(["build", *common])
    finally:
        release_duckdb()
    assert res.exception is None, res.exception
    statuses = {r.node.name: str(r.status) for r in res.result.results}
    assert statuses["boom"] == "error" and statuses["t"] == "success", statuses
    assert len([s for s in statuses.values() if s == "fail"]) == 2, statuses
    return root


def _no_raw_controls(text: str, where: str) -> None:
    for ch in ("\x1b", "\r", "\x07", "\u202e"):
        assert ch not in text, f"{ch!r} reaches {where} as itself"


def test_hostile_segment_values_reach_every_reader_as_text(hostile_project, tmp_path, http_receiver, smtp_receiver):
    root = hostile_project
    config = write_monitor_config(tmp_path, f"""
dbt: {{failing_rows: 20}}
channels:
  out: {{type: stdout}}
  slack: {{type: slack, url: "{http_receiver.url('/slack')}"}}
  teams: {{type: teams, url: "{http_receiver.url('/teams')}"}}
  mail: {{type: email, host: {smtp_receiver.host}, port: {smtp_receiver.port}, security: none,
          from: ml-monitor@example.com, to: [oncall@example.com]}}
""")
    state = ["--config", str(config), "--state-path", str(tmp_path / "state.sqlite"), "--project-dir", str(root)]
    done = subprocess.run([console_script(), "run", *state, "--profiles-dir", str(root)],
                          capture_output=True, env=subprocess_env(), timeout=600)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 2, err[-3000:]          # the check fails and model boom errors

    # the terminal: the stdout channel and the log show every value escaped, each on its line
    _no_raw_controls(out, "stdout")
    _no_raw_controls(err, "the log on stderr")
    assert "seg = \\x1b[2J\\x1b[31mRED\\rover is 0.3" in out
    assert "seg = em\\r\\n[ERROR] forged line is" in out
    assert not any(line.startswith("[ERROR] forged line") for line in out.splitlines())
    assert "seg = \\u202egnp.exe is" in out and "seg = q\"uo'te --> <!-- a\\u2028b is" in out
    assert "e.g. '\\x1b[2J\\x1b[31mRED\\rover'" in out         # a detail quoting the value
    assert "boom \\x1b]0;pwned\\x07\\x1b[2J" in out and "boom \\x1b]0;pwned\\x07\\x1b[2J" in err

    # Slack: no mention, no link from the data
    slack = [r.json for r in http_receiver.at("/slack")]
    check = next(m for m in slack if "null_rate" in m["text"])
    section = check["blocks"][1]["text"]["text"]
    assert "&lt;!channel&gt; @here" in section and "<!channel>" not in json.dumps(slack)
    _no_raw_controls(json.dumps(slack, ensure_ascii=False), "Slack")

    # Teams reads Markdown: `[Runbook](https://evil.example)` must not become a link named Runbook
    teams = [r.json for r in http_receiver.at("/teams")]
    card = next(m for m in teams if "null_rate" in json.dumps(m))["attachments"][0]["content"]
    text = card["body"][1]["text"]
    assert "](https://evil.example)" not in json.dumps(teams)
    assert "[Runbook]\u200b(https://evil.example)" in text
    _no_raw_controls(json.dumps(teams, ensure_ascii=False), "Teams")

    # email: one line per observation in the text and the HTML, nothing raw
    mails = [email.message_from_bytes(raw, policy=policy.default) for _, _, raw in smtp_receiver.messages]
    mail = next(m for m in mails if "null_rate" in m["Subject"])
    # (SMTP ends every line with CRLF: those are not the data's)
    body, html = (mail.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))
    _no_raw_controls(body, "the email's text")
    _no_raw_controls(html, "the email's HTML")
    assert "<li>[ERROR] forged line" not in html and "seg = em\\r\\n[ERROR] forged line is" in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html and HTML not in html

    listed = subprocess.run([console_script(), "alerts", "list", *state], capture_output=True,
                            env=subprocess_env(), timeout=120)
    assert listed.returncode == 0
    _no_raw_controls(listed.stdout.decode(), "alerts list")


@needs_chromium
def test_hostile_segment_values_in_the_report_in_chromium(hostile_project, tmp_path):
    from ml_monitor.report import build_report

    root = hostile_project
    out = tmp_path / "report.html"
    build_report(root, profiles_dir=root, out=out, days=None)
    page = open_report(out, tmp_path, probe="""JSON.stringify({
        width: document.documentElement.scrollWidth,
        details: Array.from(document.querySelectorAll('td.detail, p.detail')).map(e => e.textContent),
        cells: Array.from(document.querySelectorAll('article.check table.obs tbody tr'))
            .map(tr => Array.from(tr.cells).map(c => c.textContent)),
        titles: Array.from(document.querySelectorAll('article.check table.obs td[title]')).map(c => c.title),
        valueVisible: Array.from(document.querySelectorAll('article.check table.obs tbody tr'))
            .every(tr => tr.cells[3].getBoundingClientRect().right <= window.innerWidth),
        legend: Array.from(document.querySelectorAll('.js-plotly-plot .legendtext')).map(e => e.textContent),
    })""")
    assert page["xss"] == [] and page["dialogs"] == [] and page["console_errors"] == []
    assert page["state"]["errors"] == [] and page["state"]["rendered"] == page["state"]["total"] > 0
    probe = page["probe"]
    # a 10,000-character value does not push value, threshold and status off the screen
    assert probe["width"] <= 1400 and probe["valueVisible"]
    segments = {row[1] for row in probe["cells"]}
    assert "seg = " + HTML in segments                          # markup shown as the text it is
    assert "seg = \\x1b[2J\\x1b[31mRED\\rover" in segments      # control characters visible, escaped
    assert "seg = em\\r\\n[ERROR] forged line" in segments
    assert "seg = \\u202egnp.exe" in segments                    # no override reversing the cell
    assert "seg = q\"uo'te --> <!-- a\\u2028b" in segments
    for detail in probe["details"]:
        _no_raw_controls(detail, "a detail in the report")
    assert any("e.g. '\\x1b[2J\\x1b[31mRED\\rover'" in d for d in probe["details"])
    long_cell = next(s for s in segments if s.startswith("seg = LLL"))
    assert len(long_cell) == 200 and long_cell.endswith("…")
    assert "seg = " + LONG in probe["titles"]                   # the whole value on hover
    legend = [t for t in probe["legend"] if t.startswith("seg = ")]
    assert "seg = " + HTML in legend and "seg = q\"uo'te --> <!-- a\\u2028b" in legend
    assert max(map(len, legend)) == 80
