"""Reading the observation history through the dbt project's own connection.

The history table `ml_monitor_observations` is read with `dbt show --inline` run through
dbt's programmatic runner, so the report works on every adapter the project's profile
points at (DuckDB, PostgreSQL, Spark, ...) without knowing where the data lives. The
project is parsed once; the same manifest serves the query, the optional `--select`
(through `dbt ls`) and the owners / runbooks from the test nodes' `meta`.

Everything here returns plain data (a pandas DataFrame and dicts) so that the shaping and
rendering can be tested without dbt.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from ml_monitor.runner import release_connections
from ml_monitor.schema import HISTORY_COLUMNS

log = logging.getLogger("ml_monitor")

# Every non-numeric value is read as text with this prefix. dbt's agate conversion turns the
# strings '' and 'null' into NULL (a category named "null" would vanish); a prefixed string is
# always kept as it is, and a NULL stays NULL.
_PREFIX = "v"


class ReportError(Exception):
    """The report could not be built (dbt failed, the history table is missing, ...)."""


@dataclass
class LoadedHistory:
    frame: pd.DataFrame
    checks_meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    project: str | None = None
    target: str | None = None
    #: test unique_id -> reliability rows (segment_column, segment_value, bin, bin_lower,
    #: bin_upper, n_rows, mean_score, fraction_positive) of that calibration test, now
    reliability: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def history_sql(since: dt.datetime | None, source: str | None = None) -> str:
    """The inline dbt SQL that reads the history (every column as prefixed text or double).

    A column the table does not have yet (a history table made by an older version, before
    `facts` existed) is read as null: the Jinja asks the warehouse which columns exist.
    `source`: what to read instead of the history table, with its columns: a relation or an
    aliased subquery, Jinja allowed, `mm_rel` being the history table (the triggers read the
    metric store `ml_monitor.metric_store_sql(mm_rel)` this way)."""
    cols = []
    for name, kind in HISTORY_COLUMNS.items():
        if kind == "double":
            expr = f"cast({name} as {{{{ ml_monitor.type_double() }}}})"
        else:
            expr = (f"case when {name} is null then null else '{_PREFIX}' || "
                    f"cast({name} as {{{{ ml_monitor.type_string() }}}}) end")
        cols.append(f"{{% if '{name}' in mm_have %}}{expr}{{% else %}}null{{% endif %}} as {name}")
    sql = ("{%- set mm_rel = ref('ml_monitor', 'ml_monitor_observations') -%}"
           "{%- set mm_have = (adapter.get_columns_in_relation(mm_rel) | map(attribute='name') "
           "| map('lower') | list) if execute else [] -%}"
           "{%- if not mm_have -%}{%- set mm_have = " + repr(list(HISTORY_COLUMNS)) + " -%}{%- endif -%}"
           "select " + ", ".join(cols) + " from " + (source or "{{ mm_rel }}"))
    if since is not None:
        since_txt = since.replace(tzinfo=None, microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
        sql += (f" where run_started_at >= cast('{since_txt}' as "
                "{{ ml_monitor.type_timestamp() }})")
    return sql


def frame_from_rows(column_names: Iterable[str], rows: Iterable[Iterable[Any]]) -> pd.DataFrame:
    """Decode the rows read by history_sql() into a typed DataFrame."""
    names = list(column_names)
    data: dict[str, list[Any]] = {n: [] for n in names}
    for row in rows:
        for n, v in zip(names, row):
            data[n].append(v)
    out = {}
    for n in names:
        kind = HISTORY_COLUMNS.get(n, "string")
        values = data[n]
        if kind == "double":
            out[n] = pd.Series([None if v is None else float(v) for v in values], dtype="float64")
            continue
        text = [None if v is None else _unprefix(v) for v in values]
        if kind == "bigint":
            out[n] = pd.Series([_int(t) for t in text], dtype="Int64")
        elif kind == "timestamp":
            out[n] = pd.to_datetime(pd.Series(text, dtype="object"), errors="coerce",
                                    utc=True, format="mixed").dt.tz_localize(None)
        else:
            out[n] = pd.Series(text, dtype="object")
    return pd.DataFrame(out, columns=names)


def _int(text: str | None) -> int | None:
    if text in (None, ""):
        return None
    try:
        return int(text)
    except ValueError:
        return int(float(text))


def _unprefix(v: Any) -> str:
    s = str(v)
    return s[len(_PREFIX):] if s.startswith(_PREFIX) else s


def checks_meta_from_manifest(manifest: Any) -> dict[str, dict[str, Any]]:
    """Owner, runbook, severity, tags and description of every test node, by unique_id.

    `manifest` is dbt's Manifest object or the parsed target/manifest.json. The test's
    `config.meta` (or `meta`) wins; the owner / runbook of the model it is attached to is the
    fallback.
    """
    nodes = _nodes(manifest)
    out: dict[str, dict[str, Any]] = {}
    for uid, node in nodes.items():
        if _get(node, "resource_type") != "test":
            continue
        meta = dict(_get(node, "meta") or {})
        meta.update(_get(_get(node, "config"), "meta") or {})
        attached = _get(node, "attached_node")
        if not attached:
            deps = _get(_get(node, "depends_on"), "nodes") or []
            attached = deps[0] if deps else None
        parent_meta: dict[str, Any] = {}
        if attached and attached in nodes:
            parent = nodes[attached]
            parent_meta = dict(_get(parent, "meta") or {})
            parent_meta.update(_get(_get(parent, "config"), "meta") or {})
        owner = meta.get("owner", parent_meta.get("owner"))
        runbook = meta.get("runbook", meta.get("runbook_url",
                           parent_meta.get("runbook", parent_meta.get("runbook_url"))))
        out[uid] = {
            "owner": _text_list(owner),
            "runbook": None if runbook is None else str(runbook),
            "severity": str(_get(_get(node, "config"), "severity") or "").lower() or None,
            "tags": [str(t) for t in (_get(node, "tags") or [])],
            "description": _get(node, "description") or None,
        }
    return out


def _nodes(manifest: Any) -> Mapping[str, Any]:
    if manifest is None:
        return {}
    if isinstance(manifest, Mapping):
        nodes = dict(manifest.get("nodes") or {})
        nodes.update(manifest.get("sources") or {})
        return nodes
    nodes = dict(getattr(manifest, "nodes", {}) or {})
    nodes.update(getattr(manifest, "sources", {}) or {})
    return nodes


def _get(obj: Any, key: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _text_list(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def read_manifest_file(path: str | Path) -> dict[str, Any] | None:
    """target/manifest.json as a dict, or None when it is missing or unreadable."""
    p = Path(path)
    if not p.is_file():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("could not read %s: %s", p, exc)
        return None


def _dbt_args(project_dir: str | Path, profiles_dir: str | Path | None, target: str | None,
              target_path: str | Path | None, vars_: str | None) -> list[str]:
    args = ["--project-dir", str(project_dir)]
    if profiles_dir is not None:
        args += ["--profiles-dir", str(profiles_dir)]
    if target:
        args += ["--target", target]
    if target_path is not None:
        args += ["--target-path", str(target_path)]
    if vars_:
        args += ["--vars", vars_]
    return args


def _dbt_error(res: Any, what: str) -> str:
    parts = []
    if getattr(res, "exception", None) is not None:
        parts.append(str(res.exception))
    result = getattr(res, "result", None)
    for r in getattr(result, "results", None) or []:
        msg = getattr(r, "message", None)
        if msg:
            parts.append(str(msg))
    text = "; ".join(p.strip() for p in parts if p and p.strip()) or "no message from dbt"
    return f"{what} failed: {text}"


# ---------------------------------------------------------------------------------------------
# the reliability table of calibration tests, from the test's own arguments

_RELIABILITY_ARGS = ("labels", "join_key", "label_column", "score_column", "bins", "positive_label",
                     "label_timestamp_column", "label_join_key", "timestamp_column", "label_delay",
                     "window", "where", "segment_by")
# dbt renders a generic test's string argument that looks like one of these calls
_LOOKS_LIKE_CALL = re.compile(r"^\s*(env_var|ref|var|source|doc)\s*\(.+\)\s*$", re.S)
_ONE_EXPRESSION = re.compile(r"^\s*\{\{(.*)\}\}\s*$", re.S)
_WHERE_SUBQUERY = re.compile(r"^\s*get_where_subquery\((.*)\)\s*$", re.S)


def jinja_literal(value: Any) -> str:
    """A generic test's argument (as test_metadata.kwargs stores it) as a Jinja expression."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if _LOOKS_LIKE_CALL.match(value):
            return value.strip()
        m = _ONE_EXPRESSION.match(value)
        if m and "{{" not in m.group(1) and "}}" not in m.group(1):
            return "(" + m.group(1).strip() + ")"
        if "{{" in value or "{%" in value:
            raise ValueError(f"cannot pass the templated argument {value!r}")
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(jinja_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{str(k)!r}: {jinja_literal(v)}" for k, v in value.items()) + "}"
    raise ValueError(f"cannot pass the argument {value!r}")


def reliability_sql(kwargs: Mapping[str, Any], column_name: str | None = None) -> str:
    """Inline dbt SQL running ml_monitor.reliability_table with a calibration test's arguments."""
    model = str(kwargs.get("model") or "")
    m = _ONE_EXPRESSION.match(model)
    model_expr = m.group(1).strip() if m else model
    w = _WHERE_SUBQUERY.match(model_expr)
    if w:
        model_expr = w.group(1).strip()
    if not model_expr:
        raise ValueError("the test has no model argument")
    args = [model_expr]
    for k in _RELIABILITY_ARGS:
        if kwargs.get(k) is not None:
            args.append(f"{k}={jinja_literal(kwargs[k])}")
    if kwargs.get("score_column") is None and (column_name or kwargs.get("column_name")):
        args.append(f"score_column={jinja_literal(column_name or kwargs.get('column_name'))}")
    inner = "{{ ml_monitor.reliability_table(" + ", ".join(args) + ") }}"
    text = "{{ ml_monitor.type_string() }}"
    return (f"select case when rt.segment_column is null then null else '{_PREFIX}' || "
            f"cast(rt.segment_column as {text}) end as segment_column, "
            f"case when rt.segment_value is null then null else '{_PREFIX}' || "
            f"cast(rt.segment_value as {text}) end as segment_value, "
            "cast(rt.bin as {{ ml_monitor.type_double() }}) as bin, "
            "cast(rt.bin_lower as {{ ml_monitor.type_double() }}) as bin_lower, "
            "cast(rt.bin_upper as {{ ml_monitor.type_double() }}) as bin_upper, "
            "cast(rt.n_rows as {{ ml_monitor.type_double() }}) as n_rows, "
            "cast(rt.mean_score as {{ ml_monitor.type_double() }}) as mean_score, "
            "cast(rt.fraction_positive as {{ ml_monitor.type_double() }}) as fraction_positive "
            f"from ({inner}) as rt")


def _reliability_rows(table: Any) -> list[dict[str, Any]]:
    rows = []
    for r in table.rows:
        d = dict(zip(table.column_names, r))
        rows.append({
            "segment_column": None if d["segment_column"] is None else _unprefix(d["segment_column"]),
            "segment_value": None if d["segment_value"] is None else _unprefix(d["segment_value"]),
            **{k: (None if d[k] is None else float(d[k]))
               for k in ("bin", "bin_lower", "bin_upper", "n_rows", "mean_score",
                         "fraction_positive")},
        })
    return rows


def load_reliability(runner: Any, manifest: Any, test_ids: Iterable[str], dbt_args: list[str],
                     limit: int = 12) -> dict[str, list[dict[str, Any]]]:
    """The current reliability table of each ml_monitor calibration test in `test_ids`, computed
    with the test's own arguments. A test whose table cannot be computed is left out (logged):
    the report then shows what the observation's detail says."""
    nodes = _nodes(manifest)
    out: dict[str, list[dict[str, Any]]] = {}
    for uid in sorted(set(test_ids)):
        node = nodes.get(uid)
        meta = _get(node, "test_metadata")
        if meta is None or _get(meta, "namespace") != "ml_monitor" \
                or _get(meta, "name") != "calibration":
            continue
        if len(out) >= limit:
            log.info("report: reliability tables of only %d calibration tests", limit)
            break
        try:
            sql = reliability_sql(_get(meta, "kwargs") or {}, _get(node, "column_name"))
        except ValueError as exc:
            log.warning("report: no reliability table for %s: %s", uid, exc)
            continue
        res = runner.invoke(["show", "--inline", sql, "--limit", "-1", *dbt_args])
        if not res.success:
            log.warning("report: no reliability table for %s: %s", uid,
                        _dbt_error(res, "dbt show"))
            continue
        out[uid] = _reliability_rows(res.result.results[0].agate_table)
    return out


# The one function that closes what dbt-duckdb keeps open in this process (shared with the
# runner and the demo), so that the file can be opened again with another configuration.
release_duckdb = release_connections


def load_history(project_dir: str | Path = ".", *, profiles_dir: str | Path | None = None,
                 target: str | None = None, target_path: str | Path | None = None,
                 vars: str | Mapping[str, Any] | None = None, days: float | None = 30,
                 select: Iterable[str] | str | None = None,
                 now: dt.datetime | None = None, reliability: bool = True) -> LoadedHistory:
    """The history of the last `days` days (all of it when None), through dbt.

    `select` (dbt selection syntax, e.g. `my_model` or `tag:critical`) keeps only the rows
    of the tests it selects (`dbt ls --resource-type test`). With `reliability`, the current
    reliability table of every calibration test in the history is computed too. Raises
    ReportError with dbt's message when parsing or the query fails.
    """
    try:
        return _load_history(Path(project_dir), profiles_dir, target, target_path, vars, days,
                             select, now, reliability)
    finally:
        release_duckdb()


def _load_history(project_dir: Path, profiles_dir: str | Path | None, target: str | None,
                  target_path: str | Path | None, vars: str | Mapping[str, Any] | None,
                  days: float | None, select: Iterable[str] | str | None,
                  now: dt.datetime | None, reliability: bool) -> LoadedHistory:
    from dbt.cli.main import dbtRunner  # imported here: dbt is slow to import

    if isinstance(vars, Mapping):
        vars = json.dumps(dict(vars), default=str)
    if not (project_dir / "dbt_project.yml").is_file():
        raise ReportError(f"no dbt_project.yml in {project_dir.resolve()}")
    common = _dbt_args(project_dir, profiles_dir, target, target_path, vars)
    quiet = ["--quiet", "--log-level", "none"]

    res = dbtRunner().invoke(["parse", *common, *quiet])
    if not res.success or res.result is None:
        raise ReportError(_dbt_error(res, "dbt parse"))
    manifest = res.result
    runner = dbtRunner(manifest=manifest)

    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    since = None if days is None else now - dt.timedelta(days=float(days))
    res = runner.invoke(["show", "--inline", history_sql(since), "--limit", "-1",
                         *common, *quiet])
    if not res.success:
        msg = _dbt_error(res, "reading the history table ml_monitor_observations")
        low = msg.lower()
        if "does not exist" in low or "not found" in low or "no such table" in low:
            msg = ("the history table ml_monitor_observations does not exist yet: add the "
                   "on-run-end hook `{{ ml_monitor.record_observations(results) }}` to "
                   "dbt_project.yml and run `dbt build` first. " + msg)
        raise ReportError(msg)
    table = res.result.results[0].agate_table
    frame = frame_from_rows(table.column_names, table.rows)

    if select:
        sel = [select] if isinstance(select, str) else list(select)
        res = runner.invoke(["ls", "--resource-type", "test", "--output", "json",
                             "--output-keys", "unique_id", "--select", *sel, *common, *quiet])
        if not res.success:
            raise ReportError(_dbt_error(res, "dbt ls --select " + " ".join(sel)))
        wanted = {json.loads(line)["unique_id"] for line in (res.result or [])}
        if not wanted:   # a typo must not give an all-green page "the history is empty"
            raise ReportError(f"the selection {' '.join(sel)!r} matches no test: no report written "
                              "(list what it selects with `dbt ls --resource-type test --select ...`)")
        frame = frame[frame["test_unique_id"].isin(wanted)].reset_index(drop=True)

    rel = {}
    if reliability and not frame.empty:
        rel = load_reliability(runner, manifest, frame["test_unique_id"].dropna(), [*common, *quiet])
    project = getattr(getattr(manifest, "metadata", None), "project_name", None)
    return LoadedHistory(frame=frame, checks_meta=checks_meta_from_manifest(manifest),
                         project=project, target=target, reliability=rel)
