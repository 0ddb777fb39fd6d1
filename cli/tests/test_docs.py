"""The docs check: every page of README.md and docs/ is checked against the code.

* every relative link resolves (file, and `#anchor` against the target page's headings), and
  every repository path written in backticks in the text exists;
* every ```yaml block parses, and its `ml_monitor.<test>` entries name real generic tests with real
  arguments (under `arguments:`);
* every YAML example on the demo's models (a `models:` document, or a fragment listing tests or
  columns, placed on `predictions`) runs: all of them merged into one schema file of a copy of the
  demo project, one `dbt test`, every test must pass, warn or fail, never error. An example that
  cannot run on the demo says so on the line before its fence: `<!-- docs-check: not run (why) -->`;
* every `ml-monitor ...` line parses with the CLI (commands, options, choices), every ```python
  block parses and its `ml_monitor` imports and calls match the code;
* every `dbt show --inline "..."` example runs (`dbt show --inline ... --limit 1`: compiled and
  executed, so a wrong column fails too; as fast as `dbt compile` on the demo's 35k rows) and every
  `dbt run-operation ... --args '...'` example runs, against the demo project
  (`ml_monitor.demo`: DuckDB, the demo's seeded data, models predictions / training_set / labels).

Failures name the page and the line. Examples must therefore use the demo project's models and
columns. The static checks take a few seconds; the dbt part about two minutes on a loaded 2-core
machine (dbt run of the demo's views, ~2 s per `dbt show` example, one `dbt test` of the YAML)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def doc_pages(root: Path = REPO) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


@dataclass
class Block:
    page: Path
    line: int          # line number of the first line inside the fence (1-based)
    lang: str
    text: str


def fenced_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a markdown page (``` fences at the start of a line)."""
    blocks, current, lines = [], None, []
    for number, line in enumerate(page.read_text(encoding="utf-8").split("\n"), 1):
        if line.startswith("```"):
            if current is None:
                current = Block(page, number + 1, line[3:].strip().lower(), "")
                lines = []
            else:
                current.text = "\n".join(lines)
                blocks.append(current)
                current = None
        elif current is not None:
            lines.append(line)
    assert current is None, f"{_rel(page)}:{current.line - 1}: code fence never closed"
    return blocks


def _prose_lines(page: Path):
    """(line number, text) of the lines outside code fences."""
    fence = False
    for number, line in enumerate(page.read_text(encoding="utf-8").split("\n"), 1):
        if line.startswith("```"):
            fence = not fence
            continue
        if not fence:
            yield number, line


def heading_anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of a page: lowercase, punctuation dropped, spaces -> '-'."""
    anchors: set[str] = set()
    for _, line in _prose_lines(page):
        m = re.match(r"#{1,6} (.*)", line)
        if m:
            anchors.add(re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-"))
    return anchors


LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def link_problems(page: Path) -> list[str]:
    """Every relative link of the page whose file or anchor does not exist, as 'page:line: ...'."""
    problems = []
    for number, line in _prose_lines(page):
        # inline code may show link syntax; it is not a link
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if re.match(r"[a-zA-Z][a-zA-Z+.-]*:", target):     # http:, https:, mailto:, ...
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path) if path else page
            if not resolved.exists():
                problems.append(f"{_rel(page)}:{number}: link to {target}: {_rel(resolved)} does not exist")
            elif anchor and resolved.suffix == ".md" and anchor not in heading_anchors(resolved):
                problems.append(f"{_rel(page)}:{number}: link to {target}: no heading with anchor "
                                f"#{anchor} in {_rel(resolved)}")
    return problems


# Backticked repository paths in prose (`bench/suite.py`, `cli/tests/test_x.py::test_y`) must exist.
# Placeholders (`<family>`, `*`) pass; so do generated, git-ignored paths (`bench/work/`) and paths
# of the integration and demo projects written relative to them (`models/churn_model.yml`).
PATH_ROOTS = ("macros/", "models/", "cli/", "bench/", "docs/", "integration_tests/", "scripts/", ".ci/")
PROJECT_ROOTS = (REPO, REPO / "integration_tests", REPO / "cli" / "ml_monitor" / "demo" / "project")


def _git_ignored(path: str) -> bool:
    import subprocess

    return any(subprocess.run(["git", "check-ignore", "-q", "--no-index", candidate], cwd=REPO).returncode == 0
               for candidate in (path, path.rstrip("/") + "/"))


def path_problems(page: Path) -> list[str]:
    problems = []
    for number, line in _prose_lines(page):
        for token in re.findall(r"`([^`\s]+)`", line):
            if not token.startswith(PATH_ROOTS):
                continue
            path = token.split("::")[0]
            if any(c in path for c in "*<>{}") or "..." in path:
                continue
            if any((root / path).exists() for root in PROJECT_ROOTS) or _git_ignored(path):
                continue
            problems.append(f"{_rel(page)}:{number}: `{token}` does not exist")
    return problems


@pytest.mark.parametrize("page", doc_pages(), ids=_rel)
def test_paths_in_the_text_exist(page):
    problems = path_problems(page)
    assert not problems, "\n".join(problems)


def test_the_path_check_catches_a_missing_file(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("See `bench/suite.py`, `bench/work/`, `macros/metrics/<name>.sql` and\n"
                    "`cli/tests/test_gone.py::test_x`; `models/churn_model.yml` of the demo.\n")
    assert path_problems(page) == [f"{page}:2: `cli/tests/test_gone.py::test_x` does not exist"]


def yaml_problems(page: Path) -> list[str]:
    problems = []
    for block in fenced_blocks(page):
        if block.lang not in ("yaml", "yml"):
            continue
        try:
            yaml.safe_load(block.text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            line = block.line + (mark.line if mark else 0)
            problems.append(f"{_rel(page)}:{line}: YAML example does not parse: {e}")
    return problems


@dataclass
class DbtExample:
    page: Path
    line: int
    kind: str        # "show" (compiled) or "run-operation" (run)
    text: str        # the SQL of --inline, or the macro name
    args: str = ""   # run-operation --args

    @property
    def where(self) -> str:
        return f"{_rel(self.page)}:{self.line}"


SHOW = re.compile(r'dbt show --inline "((?:[^"\\]|\\.)*)"', re.S)
RUN_OPERATION = re.compile(r"dbt run-operation (\S+) --args '([^']*)'", re.S)


def not_run(page_lines: list[str], block: Block) -> bool:
    """Whether the line before the block's fence exempts it: `<!-- docs-check: not run (why) -->`."""
    before = page_lines[block.line - 3].strip() if block.line >= 3 else ""
    return before.startswith("<!-- docs-check: not run")


def dbt_examples(page: Path) -> list[DbtExample]:
    """`dbt show --inline "..."` and `dbt run-operation x --args '...'` in the page's shell blocks
    (not those exempted by `<!-- docs-check: not run (why) -->`)."""
    found = []
    lines = page.read_text(encoding="utf-8").split("\n")
    for block in fenced_blocks(page):
        if block.lang not in ("bash", "sh", "shell", "console", "") or not_run(lines, block):
            continue
        for m in SHOW.finditer(block.text):
            line = block.line + block.text.count("\n", 0, m.start())
            found.append(DbtExample(page, line, "show", m.group(1).replace('\\"', '"')))
        for m in RUN_OPERATION.finditer(block.text):
            line = block.line + block.text.count("\n", 0, m.start())
            found.append(DbtExample(page, line, "run-operation", m.group(1), m.group(2)))
    return found


# ----------------------------------------------------------------------- links and YAML

@pytest.mark.parametrize("page", doc_pages(), ids=_rel)
def test_relative_links_resolve(page):
    problems = link_problems(page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", doc_pages(), ids=_rel)
def test_yaml_examples_parse(page):
    problems = yaml_problems(page)
    assert not problems, "\n".join(problems)


def test_every_topic_has_its_page_and_the_readme_starts_with_the_two_commands():
    names = {p.name for p in doc_pages()}
    for topic in ("quickstart", "data-quality", "drift", "model-performance", "monitoring-over-time",
                  "history", "alerting", "cli", "report", "warehouses", "architecture", "benchmarks",
                  "contributing"):
        assert f"{topic}.md" in names, topic
    head = (REPO / "README.md").read_text(encoding="utf-8").split("\n")[:6]
    assert any(line.startswith("make demo") for line in head), head
    assert any(line.startswith("make test ") for line in head), head
    # every page is reachable from the README's index
    index = (REPO / "README.md").read_text(encoding="utf-8")
    unlisted = [p.name for p in doc_pages()[1:] if f"docs/{p.name}" not in index]
    assert not unlisted, f"pages missing from the README's documentation index: {unlisted}"


def test_the_checks_catch_a_broken_link_a_missing_anchor_and_bad_yaml(tmp_path):
    """The checks themselves fail on wrong input, naming page and line."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other page\n\n## A section\n")
    page = tmp_path / "README.md"
    page.write_text("# Title\n\n[ok](docs/other.md#a-section) [web](https://example.com)\n"
                    "`[not a link](nowhere.md)`\n"
                    "[gone](docs/missing.md)\n[anchor](docs/other.md#no-such-section)\n"
                    "```yaml\nmodels:\n  - name: x\n    data_tests: [a\n```\n"
                    "```bash\ndbt show --inline \"{{ ml_monitor.null_rate(ref('predictions'),\n"
                    "    columns=['age']) }}\" --limit 5\n```\n")
    problems = link_problems(page)
    assert len(problems) == 2, problems
    assert problems[0].startswith(f"{page}:5: link to docs/missing.md")
    assert problems[1].startswith(f"{page}:6: link to docs/other.md#no-such-section")
    yaml_errors = yaml_problems(page)
    assert len(yaml_errors) == 1 and yaml_errors[0].startswith(f"{page}:1"), yaml_errors
    examples = dbt_examples(page)
    assert [(e.line, e.kind) for e in examples] == [(13, "show")]
    assert "columns=['age']" in examples[0].text


def yaml_test_problems(page: Path) -> list[str]:
    """Every `ml_monitor.<test>:` in the page's YAML examples names a generic test of the package and
    passes only arguments the test takes, under `arguments:` (dbt 1.11), beside `name` / `config`."""
    tests = macro_signatures(REPO / "macros" / "generic_tests", "test")
    problems = []

    def walk(node, line):
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.startswith("ml_monitor."):
                    name = key.split(".", 1)[1]
                    if name not in tests:
                        problems.append(f"{line}: {key} is not a generic test of the package")
                    elif isinstance(value, dict):
                        extra = set(value) - {"name", "arguments", "config", "description"}
                        if extra:
                            problems.append(f"{line}: {key}: {sorted(extra)} must go under arguments: or config:")
                        unknown = set(value.get("arguments") or {}) - set(tests[name]) - {"model"}
                        if unknown:
                            problems.append(f"{line}: {key} has no argument {sorted(unknown)} "
                                            f"(it takes {[a for a in tests[name] if a != 'model']})")
                walk(value, line)
        elif isinstance(node, list):
            for value in node:
                walk(value, line)

    for block in fenced_blocks(page):
        if block.lang in ("yaml", "yml"):
            try:
                document = yaml.safe_load(block.text)
            except yaml.YAMLError:
                continue   # reported by test_yaml_examples_parse
            walk(document, f"{_rel(page)}:{block.line}")
    return problems


@pytest.mark.parametrize("page", doc_pages(), ids=_rel)
def test_yaml_examples_use_real_tests_and_arguments(page):
    problems = yaml_test_problems(page)
    assert not problems, "\n".join(problems)


def test_the_test_usage_check_catches_a_wrong_argument(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("```yaml\nmodels:\n  - name: predictions\n    data_tests:\n"
                    "      - ml_monitor.null_rate:\n          arguments: {max_nul_rate: 0.1}\n"
                    "      - ml_monitor.psi_drift:\n          threshold: 0.2\n"
                    "      - ml_monitor.no_such_test: {}\n```\n")
    problems = yaml_test_problems(page)
    assert len(problems) == 3, problems
    assert "max_nul_rate" in problems[0] and "under arguments" in problems[1] and "no_such_test" in problems[2]


# ----------------------------------------------------------- CLI and Python examples vs the code

def cli_examples(page: Path) -> list[tuple[int, list[str]]]:
    """(line, argv after `ml-monitor`) of every `ml-monitor ...` line in the page's shell blocks."""
    import shlex

    found = []
    for block in fenced_blocks(page):
        if block.lang not in ("bash", "sh", "shell"):
            continue
        for offset, line in enumerate(block.text.split("\n")):
            if line.startswith("ml-monitor "):
                found.append((block.line + offset, shlex.split(line, comments=True)[1:]))
    return found


def cli_problem(argv: list[str]) -> str | None:
    """Why `ml-monitor <argv>` would be refused by the CLI's parser (unknown command or option, a bad
    choice, a missing value), or None. Parses only: nothing runs."""
    import click

    from ml_monitor.cli import main

    command, path, rest = main, ["ml-monitor"], list(argv)
    while isinstance(command, click.Group):
        if not rest:
            return f"`{' '.join(path)}` needs a command"
        sub = command.get_command(click.Context(command, info_name=path[-1]), rest[0])
        if sub is None:
            return f"`{' '.join(path)}` has no command {rest[0]!r}"
        command, path, rest = sub, [*path, rest[0]], rest[1:]
    try:
        command.make_context(" ".join(path), rest)
    except click.ClickException as e:
        return f"`{' '.join(path)}`: {e.format_message()}"
    return None


@pytest.mark.parametrize("page", doc_pages(), ids=_rel)
def test_cli_examples_parse(page):
    problems = [f"{_rel(page)}:{line}: ml-monitor {' '.join(argv)}: {problem}"
                for line, argv in cli_examples(page) if (problem := cli_problem(argv))]
    assert not problems, "\n".join(problems)


def test_the_cli_check_catches_unknown_commands_and_options():
    assert cli_problem(["report", "--days", "7", "--select", "predictions", "--out", "x.html"]) is None
    assert cli_problem(["alerts", "resolve", "96af573f"]) is None
    assert "no command 'rerun'" in cli_problem(["rerun"])
    assert "--colour" in cli_problem(["run", "--colour"])
    assert "xml" in cli_problem(["run", "--format", "xml"])


def python_problems(page: Path) -> list[str]:
    """In every ```python block: the code parses, `from ml_monitor... import x` names exist, and
    calls of those functions (or of `api.f(...)` after `from ml_monitor import api`) bind to their
    signatures (argument names and counts; values are not evaluated)."""
    import ast
    import importlib
    import inspect

    problems = []
    for block in fenced_blocks(page):
        if block.lang != "python":
            continue
        where = lambda node: f"{_rel(page)}:{block.line + getattr(node, 'lineno', 1) - 1}"  # noqa: E731
        try:
            tree = ast.parse(block.text.replace("{...}", "{}"))
        except SyntaxError as e:
            problems.append(f"{where(e)}: Python example does not parse: {e.msg}")
            continue
        names: dict[str, object] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ml_monitor"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if not hasattr(module, alias.name):
                        try:
                            importlib.import_module(f"{node.module}.{alias.name}")
                        except ImportError:
                            problems.append(f"{where(node)}: {node.module} has no {alias.name}")
                            continue
                    names[alias.asname or alias.name] = getattr(module, alias.name, None) or \
                        importlib.import_module(f"{node.module}.{alias.name}")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            target = None
            if isinstance(node.func, ast.Name):
                target = names.get(node.func.id)
            elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                    and inspect.ismodule(names.get(node.func.value.id)):
                target = getattr(names[node.func.value.id], node.func.attr, None)
                if target is None:
                    problems.append(f"{where(node)}: {node.func.value.id} has no {node.func.attr}")
                    continue
            if not callable(target) or inspect.isclass(target) and issubclass(target, BaseException):
                continue
            try:
                inspect.signature(target).bind(*node.args, **{k.arg: k.value for k in node.keywords if k.arg})
            except TypeError as e:
                problems.append(f"{where(node)}: {ast.unparse(node.func)}(...) does not match its signature: {e}")
    return problems


@pytest.mark.parametrize("page", doc_pages(), ids=_rel)
def test_python_examples_match_the_api(page):
    problems = python_problems(page)
    assert not problems, "\n".join(problems)


def test_the_python_check_catches_a_wrong_name_and_a_wrong_argument(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("```python\nfrom ml_monitor.report import build_report, no_such_thing\n"
                    "from ml_monitor import api\n"
                    "build_report('p', days=3, colour='red')\napi.run_checks('p', selekt=['x'])\n"
                    "api.nothing()\n```\n")
    problems = python_problems(page)
    assert any(p.endswith("ml_monitor.report has no no_such_thing") and ":2:" in p for p in problems), problems
    assert any(":4: build_report(...)" in p and "colour" in p for p in problems), problems
    assert any(":5: api.run_checks(...)" in p and "selekt" in p for p in problems), problems
    assert any(":6: api has no nothing" in p for p in problems), problems


# ----------------------------------------------------------- dbt examples vs the demo project

EXAMPLES = [e for page in doc_pages() for e in dbt_examples(page)]


def test_the_docs_have_dbt_examples():
    assert len([e for e in EXAMPLES if e.kind == "show"]) >= 4, EXAMPLES


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory):
    """The demo project (ml_monitor.demo) with its data and views, ready for `dbt compile`."""
    from dbt.cli.main import dbtRunner

    from ml_monitor.demo import data as demo_data
    from ml_monitor.demo.project import DUCKDB_FILE, write_project

    root = tmp_path_factory.mktemp("docs_demo") / "demo"
    root.mkdir()
    write_project(root, demo_data.AS_OF.strftime("%Y-%m-%d %H:%M:%S"))
    demo_data.generate_duckdb(root / DUCKDB_FILE, seed=7)
    for args in (["deps"], ["run"]):   # run: the three views and the package's tables
        res = dbtRunner().invoke([*args, "--project-dir", str(root), "--profiles-dir", str(root),
                                  "--log-level", "none"])
        assert res.success, f"dbt {args[0]} of the demo project failed: {res.exception}"
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _dbt(root: Path, *args: str):
    """dbt in-process; the result carries dbt's error-level log messages as `errors`."""
    from dbt.cli.main import dbtRunner

    errors: list[str] = []

    def collect(event) -> None:
        if event.info.level == "error":
            errors.append(event.info.msg)

    res = dbtRunner(callbacks=[collect]).invoke([*args, "--project-dir", str(root), "--profiles-dir", str(root),
                                                 "--log-level", "none"])
    res.errors = errors
    return res


def _failure(res) -> str:
    parts = [str(res.exception)] if res.exception is not None else []
    parts += [str(getattr(r, "message", r)) for r in (getattr(res.result, "results", None) or [])
              if getattr(r, "message", None)]
    parts += [e for e in getattr(res, "errors", []) if not any(e in p for p in parts)]
    return "\n".join(parts) or "dbt reported failure"


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.kind == "show"], ids=lambda e: e.where)
def test_dbt_show_example_runs_against_the_demo_project(example, demo_project):
    res = _dbt(demo_project, "show", "--inline", example.text, "--limit", "1")
    assert res.success, f"{example.where}: `dbt show --inline` example fails: {_failure(res)}"


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.kind == "run-operation"], ids=lambda e: e.where)
def test_dbt_run_operation_example_runs_against_the_demo_project(example, demo_project):
    res = _dbt(demo_project, "run-operation", example.text, "--args", example.args)
    assert res.success, f"{example.where}: `dbt run-operation` example fails: {_failure(res)}"


# YAML examples: every `models:` document (and every fragment listing tests or columns, which are
# placed on `predictions`) on the demo's models is merged into one schema file of a copy of the
# demo project and run with one `dbt test`: each test must pass, warn or fail, never error.
# An example that cannot run on the demo says so on the line before its fence:
#   <!-- docs-check: not run (why) -->
DEMO_MODELS = {"predictions", "training_set", "labels"}


@dataclass
class YamlExample:
    page: Path
    line: int
    models: list

    @property
    def where(self) -> str:
        return f"{_rel(self.page)}:{self.line}"


def runnable_yaml_examples(page: Path) -> list[YamlExample]:
    lines = page.read_text(encoding="utf-8").split("\n")
    found = []
    for block in fenced_blocks(page):
        if block.lang not in ("yaml", "yml"):
            continue
        if not_run(lines, block):
            continue
        try:
            document = yaml.safe_load(block.text)
        except yaml.YAMLError:
            continue
        if isinstance(document, dict) and isinstance(document.get("models"), list):
            models = document["models"]
        elif isinstance(document, list) and document and all(isinstance(d, dict) for d in document):
            if all("name" in d for d in document):        # columns of a model
                models = [{"name": "predictions", "columns": document}]
            elif all(len(d) == 1 and str(next(iter(d))).startswith("ml_monitor.") for d in document):
                models = [{"name": "predictions", "data_tests": document}]
            else:
                continue
        else:
            continue
        if all(m.get("name") in DEMO_MODELS for m in models):
            found.append(YamlExample(page, block.line, models))
    return found


def merge_yaml_examples(examples: list[YamlExample]) -> tuple[list[dict], dict[str, str]]:
    """One `models:` list from all examples; every test gets a unique name. Returns the models and
    {test name: page:line}."""
    import copy

    merged: dict[str, dict] = {}
    origin: dict[str, str] = {}

    def named(tests: list, example: YamlExample) -> list:
        out = []
        for n, test in enumerate(tests or []):
            test = {test: {}} if isinstance(test, str) else copy.deepcopy(test)
            (kind, body), = test.items()
            body = dict(body or {})
            name = body.get("name") or f"docs_{example.page.stem}_{example.line}_{n}".replace("-", "_").lower()
            while name in origin:
                name += "_again"
            body["name"] = name
            origin[name] = example.where
            out.append({kind: body})
        return out

    for example in examples:
        for model in example.models:
            target = merged.setdefault(model["name"], {"name": model["name"], "data_tests": [], "columns": []})
            target["data_tests"] += named(model.get("data_tests"), example)
            if model.get("config"):
                target.setdefault("config", {}).update(model["config"])
            for column in model.get("columns") or []:
                existing = next((c for c in target["columns"] if c["name"] == column["name"]), None)
                if existing is None:
                    existing = {"name": column["name"], "data_tests": []}
                    target["columns"].append(existing)
                existing["data_tests"] += named(column.get("data_tests"), example)
    return list(merged.values()), origin


def test_yaml_examples_run_on_the_demo_project(demo_project, tmp_path_factory):
    examples = [e for page in doc_pages() for e in runnable_yaml_examples(page)]
    assert len(examples) >= 10, [e.where for e in examples]
    models, origin = merge_yaml_examples(examples)
    # a copy of the demo project (same DuckDB file) whose only tests are the examples'
    root = tmp_path_factory.mktemp("docs_yaml") / "demo"
    shutil.copytree(demo_project, root, symlinks=True, ignore=shutil.ignore_patterns("target", "logs"))
    schema = root / "models" / "churn_model.yml"
    demo = yaml.safe_load(schema.read_text(encoding="utf-8"))
    schema.write_text(yaml.safe_dump({"version": 2, "sources": demo["sources"], "models": models},
                                     sort_keys=False), encoding="utf-8")
    for example in (e for e in EXAMPLES if e.kind == "run-operation"):   # e.g. the frozen baseline
        res = _dbt(root, "run-operation", example.text, "--args", example.args)
        assert res.success, f"{example.where}: {_failure(res)}"
    res = _dbt(root, "test")
    assert res.result is not None, f"the YAML examples do not parse as a dbt project: {_failure(res)}"
    statuses = {r.node.name: (str(r.status), r.message) for r in res.result.results
                if r.node.resource_type == "test"}
    problems = [f"{where}: test {name} did not run" for name, where in origin.items() if name not in statuses]
    problems += [f"{origin.get(name, '?')}: test {name}: {status} {message}"
                 for name, (status, message) in statuses.items() if status not in ("pass", "fail", "warn")]
    assert not problems, "\n".join(problems)


def test_yaml_examples_are_found_merged_and_named(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("```yaml\nmodels:\n  - name: predictions\n    columns:\n      - name: age\n"
                    "        data_tests: [not_null]\n```\n"
                    "```yaml\n      - name: age\n        data_tests:\n"
                    "          - ml_monitor.value_range: {arguments: {min_value: 0}}\n```\n"
                    "<!-- docs-check: not run (no such model) -->\n```yaml\nmodels: [{name: nope}]\n```\n"
                    "```yaml\nmodels: [{name: other_model}]\n```\n")
    examples = runnable_yaml_examples(page)
    assert [e.line for e in examples] == [2, 9]
    models, origin = merge_yaml_examples(examples)
    assert [m["name"] for m in models] == ["predictions"]
    tests = models[0]["columns"][0]["data_tests"]
    assert tests == [{"not_null": {"name": "docs_p_2_0"}},
                     {"ml_monitor.value_range": {"arguments": {"min_value": 0}, "name": "docs_p_9_0"}}]
    assert origin == {"docs_p_2_0": f"{page}:2", "docs_p_9_0": f"{page}:9"}


@pytest.mark.parametrize("sql, expected", [
    # a column the table does not have (null_rate checks it when the SQL runs)
    ("{{ ml_monitor.null_rate(ref('predictions'), columns=['no_such_column']) }}", "no_such_column"),
    # a model the project does not have
    ("{{ ml_monitor.null_rate(ref('no_such_model'), columns=['age']) }}", "no_such_model"),
    # a drift column that does not exist: refused at compile time by the macro
    ("{{ ml_monitor.psi(ref('predictions'), columns=['agee'], reference=ref('training_set')) }}", "agee"),
])
def test_a_wrong_example_fails(demo_project, sql, expected):
    """The example check is not vacuous: wrong names fail and the error names them."""
    res = _dbt(demo_project, "show", "--inline", sql, "--limit", "1")
    assert not res.success
    assert expected in _failure(res)


# ------------------------------------------------------- macros/*.yml vs the macro signatures

# Macros without a leading underscore that are not for users: the package's own models call them.
INTERNAL_MACROS = {"baseline_columns", "baselines_empty_select", "baselines_relation", "type_family",
                   "history_columns", "history_empty_select", "history_relation", "history_stamp_columns"}
SIGNATURE = r"\{%-?\s*KIND\s+([A-Za-z]\w*)\s*\((.*?)\)\s*-?%\}"


def _split_args(args: str) -> list[str]:
    """Argument names of a Jinja signature: split on commas outside brackets (defaults may be
    lists or dicts)."""
    parts, depth, current = [], 0, ""
    for ch in args:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.split("=")[0].strip() for p in parts if p.strip()]


def _declared_arguments(root: Path) -> dict[str, list[str]]:
    """Keyword arguments declared once in a `_<name>_arguments()` dictionary (the macro reads them
    from `kwargs`), e.g. `_perf_arguments()`: {macro name prefix: [names]}."""
    found = {}
    for path in sorted(root.rglob("*.sql")):
        for m in re.finditer(r"\{%-?\s*macro\s+_(\w+)_arguments\s*\(\s*\)\s*-?%\}(.*?)\{%-?\s*endmacro",
                             path.read_text(encoding="utf-8"), re.S):
            found[m.group(1)] = re.findall(r"'(\w+)'\s*:", m.group(2))
    return found


# macros / tests that take keyword arguments beyond their signature (`kwargs`): their docs may list
# any accepted subset, in any order (filled by macro_signatures)
TAKES_KWARGS: set[str] = set()


def macro_signatures(folder: Path, kind: str) -> dict[str, list[str]]:
    """{name: [argument names]} of the `{% macro %}` / `{% test %}` blocks of folder/**/*.sql that
    are public (no leading `_`, not an adapter implementation `engine__name`). A macro that reads
    its arguments from `kwargs` through a declared `_<x>_arguments()` dictionary takes those too; a
    generic test that forwards `**kwargs` to a metric macro takes that macro's arguments too."""
    macros_root = REPO / "macros"
    declared = _declared_arguments(macros_root)
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(SIGNATURE.replace("KIND", kind), text, re.S):
            name, args = m.group(1), _split_args(m.group(2))
            if "__" in name:
                continue
            body = text[m.end():text.find("end" + kind, m.end())]
            for prefix, names in declared.items():
                if f"ml_monitor._{prefix}_args(" in body:
                    # the declared ones, plus any added to the accepted list (`+ ['max_ece']`)
                    extra = [a for lst in re.findall(r"\+\s*\[([^\]]*)\]", body) for a in re.findall(r"'(\w+)'", lst)]
                    args += [a for a in names + extra if a not in args]
                    TAKES_KWARGS.add(name)
            found[name] = args
    if kind == "test":
        metrics = macro_signatures(macros_root / "metrics", "macro")
        for path in sorted(folder.rglob("*.sql")):
            text = path.read_text(encoding="utf-8")
            for m in re.finditer(SIGNATURE.replace("KIND", kind), text, re.S):
                body = text[m.end():text.find("endtest", m.end())]
                for target in re.findall(r"ml_monitor\.(\w+)\([^{}]*?\*\*kwargs", body, re.S):
                    forwarded = [a for a in metrics.get(target, [])[1:] if a != "test"]
                    found[m.group(1)] += [a for a in forwarded if a not in found[m.group(1)]]
                    TAKES_KWARGS.add(m.group(1))
    return found


def documented_macros(path: Path) -> dict[str, dict]:
    return {m["name"]: m for m in yaml.safe_load(path.read_text(encoding="utf-8"))["macros"]}


@pytest.mark.parametrize("yml, folder, kind, prefix", [
    ("macros/metrics.yml", "macros/metrics", "macro", ""),
    ("macros/generic_tests.yml", "macros/generic_tests", "test", "test_"),
    ("macros/history.yml", "macros/history", "macro", ""),
], ids=["metrics", "generic_tests", "history"])
def test_macro_docs_match_the_signatures(yml, folder, kind, prefix):
    """Every public macro / generic test is documented for `dbt docs`, with exactly its arguments,
    in order, each with a type and a description (dbt itself only warns about unknown macros)."""
    signatures = {prefix + name: args for name, args in macro_signatures(REPO / folder, kind).items()
                  if name not in INTERNAL_MACROS}
    documented = documented_macros(REPO / yml)
    problems = [f"{yml}: {name} is not documented (arguments {args})"
                for name, args in signatures.items() if name not in documented]
    problems += [f"{yml}: {name} is documented but is no public macro of {folder}/"
                 for name in documented if name not in signatures]
    for name, entry in documented.items():
        if name not in signatures:
            continue
        if not (entry.get("description") or "").strip():
            problems.append(f"{yml}: {name} has no description")
        # dbt renders descriptions with Jinja: a `{{ ... }}` example there breaks every dbt run
        if re.search(r"\{\{|\{%", yaml.safe_dump(entry)):
            problems.append(f"{yml}: {name}: Jinja braces in a description (dbt renders them)")
        names = [a["name"] for a in entry.get("arguments") or []]
        bare = name[len(prefix):]
        if bare in TAKES_KWARGS:
            missing = [a for a in names if a not in signatures[name]]
            if missing:
                problems.append(f"{yml}: {name} documents arguments {missing} it does not take")
        elif names != signatures[name]:
            problems.append(f"{yml}: {name} documents arguments {names}, the macro takes {signatures[name]}")
        problems += [f"{yml}: {name}.{a['name']} needs a type and a description"
                     for a in entry.get("arguments") or []
                     if not (a.get("type") and (a.get("description") or "").strip())]
    assert not problems, "\n".join(problems)


def test_the_macro_docs_check_catches_a_missing_argument(tmp_path):
    (tmp_path / "m.sql").write_text("{% macro f(relation, columns=['a', 'b'], window={'period': 'day'}, x=none) -%}"
                                    "{%- endmacro %}{% macro _private(a) %}{% endmacro %}"
                                    "{% macro spark__f(a) %}{% endmacro %}")
    assert macro_signatures(tmp_path, "macro") == {"f": ["relation", "columns", "window", "x"]}


# ------------------------------------------------ test tiers (docs/contributing.md, make test-fast)

_MARKER_PLUGIN = """
def pytest_collection_finish(session):
    for item in session.items:
        print("MARKERS", item.nodeid, ",".join(sorted(m.name for m in item.iter_markers())))
"""


def test_markers_sort_the_tests_by_what_they_run(tmp_path):
    """The markers documented in docs/contributing.md are assigned as documented (conftest.py)."""
    import os
    import subprocess
    import sys

    (tmp_path / "print_markers.py").write_text(_MARKER_PLUGIN)
    files = ["cli/tests/test_report.py", "cli/tests/test_demo.py", "cli/tests/test_drift.py",
             "cli/tests/test_integration.py", "cli/tests/test_report_e2e.py"]
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-p", "print_markers", *files], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})
    markers = {}
    for line in proc.stdout.splitlines():
        if line.startswith("MARKERS "):
            _, nodeid, names = (line.split(" ", 2) + [""])[:3]
            markers[nodeid] = set(names.split(",")) - {"parametrize", "skipif", ""}
    assert markers, proc.stdout[-2000:] + proc.stderr[-2000:]
    tiers = {nodeid: names & {"unit", "integration", "e2e"} for nodeid, names in markers.items()}
    assert all(len(t) == 1 for t in tiers.values()), {k: v for k, v in tiers.items() if len(v) != 1}
    # no dbt: synthetic report history, the demo's data generator
    assert tiers["cli/tests/test_report.py::test_summary_counts"] == {"unit"}
    assert tiers["cli/tests/test_demo.py::test_generator_is_deterministic"] == {"unit"}
    # dbt through a fixture (drift_build -> dbt_project_runner.build_family), and in the test itself
    assert markers["cli/tests/test_drift.py::test_every_drift_node_passed"] >= {"integration", "duckdb"}
    assert tiers["cli/tests/test_drift.py::test_argument_errors_name_the_test_and_the_argument"] == {"integration"}
    assert markers["cli/tests/test_integration.py::test_integration_project[duckdb]"] >= {"integration", "duckdb"}
    # the demo end to end, the report in Chromium
    assert tiers["cli/tests/test_demo.py::test_exactly_the_injected_problems_fail"] == {"e2e"}
    assert tiers["cli/tests/test_report_e2e.py::test_report_from_dbt_history_in_chromium"] == {"e2e"}
