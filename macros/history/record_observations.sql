{#- The observation history.

    In the root project's dbt_project.yml, one line enables it:
        on-run-end: ["{{ ml_monitor.record_observations(results) }}"]

    For every ml_monitor test of a `dbt build` / `dbt test` run, the rows the test
    returned (kept by store_failures) are appended to ml_monitor_observations,
    stamped with the invocation, the test and the run time. Every other test of the run (a
    plain `not_null`, a singular test, an ml_monitor test that errored before it stored rows)
    gets one row of its outcome: metric `failing_rows` (its failures) or `test_error` (dbt's
    message in detail), so the report and ml_monitor_metrics show every test an alert can name;
    var ml_monitor_record_all_tests: false keeps the history to ml_monitor's rows. A second call
    for the same invocation adds nothing: rows already recorded for (invocation_id, test) are
    skipped. -#}

{#- What the history adds to every observation row: (name, type kind) in column order. -#}
{% macro history_stamp_columns() -%}
  {{ return([
    ('test_unique_id', 'string'), ('test_name', 'string'),
    ('model_name', 'string'), ('severity', 'string'), ('test_status', 'string'),
    ('invocation_id', 'string'), ('run_started_at', 'timestamp'), ('observation_id', 'string'),
    ('as_of', 'timestamp')
  ]) }}
{%- endmacro %}

{#- The history table: (name, type kind) in table order. Observation columns declared once in
    ml_monitor.observation_schema() (macros/core/observations.sql). -#}
{% macro history_columns() -%}
  {{ return(ml_monitor.observation_schema() + ml_monitor.history_stamp_columns()) }}
{%- endmacro %}

{% macro _type_of(kind) -%}
  {%- if kind == 'string' -%}{{ return(ml_monitor.type_string()) }}
  {%- elif kind == 'double' -%}{{ return(ml_monitor.type_double()) }}
  {%- elif kind == 'bigint' -%}{{ return(ml_monitor.type_bigint()) }}
  {%- else -%}{{ return(ml_monitor.type_timestamp()) }}{%- endif -%}
{%- endmacro %}

{% macro history_empty_select() -%}
  select
  {%- for name, kind in ml_monitor.history_columns() %}
    cast(null as {{ ml_monitor._type_of(kind) }}) as {{ name }}{% if not loop.last %},{% endif %}
  {%- endfor %}
  from (select 1 as one) as empty_history
  where 1 = 0
{%- endmacro %}

{#- The history relation, from the graph (works whatever schema/alias the user configured). -#}
{% macro history_relation() -%}
  {%- for node in graph.nodes.values() -%}
    {%- if node.resource_type == 'model' and node.package_name == 'ml_monitor' and node.name == 'ml_monitor_observations' -%}
      {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(none) }}
{%- endmacro %}

{#- An ml_monitor test result with stored observation rows to record. -#}
{% macro _stores_rows(r) -%}
  {%- set node = r.node -%}
  {{ return(node.resource_type == 'test' and node.test_metadata is defined and node.test_metadata is not none
            and node.test_metadata.namespace == 'ml_monitor'
            and r.status in ['pass', 'fail', 'warn'] and node.relation_name is not none and node.relation_name != '') }}
{%- endmacro %}

{#- The test results of a run to record: the ml_monitor ones with stored rows, then (unless var
    ml_monitor_record_all_tests is false) every other test that ran (pass, fail, warn, error). -#}
{% macro _monitor_results(results) -%}
  {%- set v = var('ml_monitor_record_all_tests', true) -%}
  {%- set all_tests = not (v is false or (v is string and v | lower in ['false', '0', 'no'])) -%}
  {%- set found, others = [], [] -%}
  {%- for r in results if r.node.resource_type == 'test' -%}
    {%- if ml_monitor._stores_rows(r) -%}{%- do found.append(r) -%}
    {%- elif all_tests and r.status in ['pass', 'fail', 'warn', 'error'] -%}{%- do others.append(r) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(found + others) }}
{%- endmacro %}

{% macro record_observations(results) -%}
  {%- if not execute or flags.WHICH not in ['build', 'test', 'retry'] -%}{{ return('') }}{%- endif -%}
  {%- set monitored = ml_monitor._monitor_results(results) -%}
  {%- if monitored | length == 0 -%}{{ return('') }}{%- endif -%}
  {%- set history = ml_monitor.history_relation() -%}
  {%- if history is none -%}
    {{ log("ml_monitor: history model ml_monitor_observations is disabled; nothing recorded", info=true) }}
    {{ return('') }}
  {%- endif -%}
  {%- if adapter.get_relation(history.database, history.schema, history.identifier) is none -%}
    {%- do adapter.create_schema(history) -%}
    {%- do run_query(ml_monitor._create_history_sql(history)) -%}
  {%- else -%}
    {%- do ml_monitor._add_missing_history_columns(history) -%}
  {%- endif -%}
  {#- one insert per batch of tests, not per test: on Spark each statement costs jobs of its own
      (six tests: 2.1-4.6 s of hook in six inserts) -#}
  {%- set batch = var('ml_monitor_record_batch', 50) | int -%}
  {%- for first in range(0, monitored | length, batch) -%}
    {%- do run_query(ml_monitor._insert_history_sql(history, monitored[first:first + batch])) -%}
  {%- endfor -%}
  {%- do adapter.commit() if target.type in ['duckdb'] -%}
  {{ log("ml_monitor: recorded observations of " ~ (monitored | length) ~ " test(s) in " ~ history, info=true) }}
  {{ return('') }}
{%- endmacro %}

{% macro _create_history_sql(history) -%}
  {{ return(ml_monitor._dispatch('_create_history_sql')(history)) }}
{%- endmacro %}
{% macro default___create_history_sql(history) -%}
  {#- if not exists: the relation cache does not see a table made by an earlier hook call -#}
  create table if not exists {{ history }} as {{ ml_monitor.history_empty_select() }}
{%- endmacro %}

{#- A history table made by an older version lacks the newer columns (e.g. facts): add them, so
    that the insert below works without a --full-refresh (which would drop the history). -#}
{% macro _add_missing_history_columns(history) -%}
  {%- set existing = adapter.get_columns_in_relation(history) | map(attribute='name') | map('lower') | list -%}
  {%- if existing | length == 0 -%}{{ return(none) }}{%- endif -%}
  {%- for name, kind in ml_monitor.history_columns() if name not in existing -%}
    {{ log("ml_monitor: adding column " ~ name ~ " to " ~ history, info=true) }}
    {%- do run_query(ml_monitor._add_history_column_sql(history, name, ml_monitor._type_of(kind))) -%}
  {%- endfor -%}
{%- endmacro %}

{% macro _add_history_column_sql(history, name, data_type) -%}
  {{ return(ml_monitor._dispatch('_add_history_column_sql')(history, name, data_type)) }}
{%- endmacro %}
{% macro default___add_history_column_sql(history, name, data_type) -%}
  alter table {{ history }} add column {{ name }} {{ data_type }}
{%- endmacro %}
{% macro spark___add_history_column_sql(history, name, data_type) -%}
  alter table {{ history }} add columns ({{ name }} {{ data_type }})
{%- endmacro %}
{% macro databricks___add_history_column_sql(history, name, data_type) -%}
  {{ return(ml_monitor.spark___add_history_column_sql(history, name, data_type)) }}
{%- endmacro %}

{#- One insert of the stored rows of `results` (a list of run results), stamped, skipping the
    tests already recorded for this invocation (one anti-join with the history for all of them). -#}
{% macro _insert_history_sql(history, results) -%}
  insert into {{ history }} ({% for name, kind in ml_monitor.history_columns() %}{{ name }}{% if not loop.last %}, {% endif %}{% endfor %})
  select {% for name, kind in ml_monitor.history_columns() %}ml_new.{{ name }}{% if not loop.last %}, {% endif %}{% endfor %}
  {#- the outcome rows of tests without stored rows: one VALUES relation (literal_rows), not a
      select each (on Spark one partition per select) -#}
  {%- set names = [] -%}
  {%- for name, kind in ml_monitor.history_columns() -%}{%- do names.append(name) -%}{%- endfor -%}
  {%- set parts, outcomes = [], [] -%}
  {%- for result in results -%}
    {%- if ml_monitor._stores_rows(result) -%}{%- do parts.append(ml_monitor._history_rows_sql(result)) -%}
    {%- else -%}
      {%- set lit = ml_monitor._history_outcome_literals(result) -%}
      {%- set row = [] -%}
      {%- for name in names -%}{%- do row.append(lit[name]) -%}{%- endfor -%}
      {%- do outcomes.append(row) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if outcomes -%}
    {%- do parts.append('select ' ~ (names | join(', ')) ~ ' from ' ~ ml_monitor.literal_rows(outcomes, names, 'ml_outcomes')) -%}
  {%- endif %}
  from (
    {{ parts | join('\n    union all\n    ') }}
  ) as ml_new
  where not exists (
    select 1 from {{ history }} as recorded
    where recorded.invocation_id = {{ ml_monitor.string_literal(invocation_id) }}
      and recorded.test_unique_id = ml_new.test_unique_id
  )
{%- endmacro %}

{#- The name of what a test is attached to ('' when none): a model's (seed's, snapshot's) name,
    or `<source>.<table>` for a source's table, so that a source and a model of the same name
    stay apart in the history and the report (the CLI's runner._model_name says the same). -#}
{% macro _test_model_name(node) -%}
  {%- set uid = node.attached_node if node.attached_node else (node.depends_on.nodes[0] if node.depends_on.nodes else '') -%}
  {%- set parts = uid.split('.') -%}
  {{ return(parts[2:] | join('.') if (parts[0] == 'source' and parts | length > 3) else parts[-1]) }}
{%- endmacro %}

{#- The rows one test stored, as history rows (every history column, named). -#}
{% macro _history_rows_sql(result) -%}
  {%- set node = result.node -%}
  {%- set model_name = ml_monitor._test_model_name(node) -%}
  {%- set obs = ml_monitor.observation_columns() -%}
  {#- lineage (macros/history/lineage.sql): added to each row's facts -#}
  {%- set lineage = ml_monitor._lineage_of(result) -%}
  {%- set versions = ml_monitor._model_versions(node.relation_name, lineage.model_version_column, result) -%}
  select
    {%- for c in obs %}
    {% if c == 'facts' %}{{ ml_monitor._facts_with_lineage_sql(lineage, versions) }}{% else %}stored.{{ c }}{% endif %} as {{ c }},
    {%- endfor %}
    {{ ml_monitor.string_literal(node.unique_id) }} as test_unique_id,
    {{ ml_monitor.string_literal(node.name) }} as test_name,
    {{ ml_monitor.string_literal(model_name) }} as model_name,
    {{ ml_monitor.string_literal(node.config.severity | lower) }} as severity,
    {{ ml_monitor.string_literal(result.status) }} as test_status,
    {{ ml_monitor.string_literal(invocation_id) }} as invocation_id,
    {{ ml_monitor.timestamp_literal(run_started_at.replace(tzinfo=none, microsecond=0)) }} as run_started_at,
    {#- unique per row: invocation, test, metric and the row's number within its metric (a window
        partitioned by metric: no step without `partition by`, which Spark runs in one task) #}
    {{ ml_monitor.string_literal(invocation_id ~ ':' ~ node.unique_id ~ ':') }} || coalesce(stored.metric, '') || ':'
      || {{ ml_monitor.to_string('row_number() over (partition by stored.metric order by stored.monitor, stored.column_name, stored.segment_column, stored.segment_value, stored.window_start)') }} as observation_id,
    {{ ml_monitor.timestamp_literal(ml_monitor.as_of()) }} as as_of
  from {{ node.relation_name }} as stored
{%- endmacro %}

{#- One history row for a test without stored observation rows (a plain dbt test, a singular
    test, an ml_monitor test that errored): its outcome, as SQL literals by history column.
    metric failing_rows (value: dbt's failures) or test_error (value null, dbt's message in
    detail); status fail for fail, warn and error (test_status says which), pass for pass; no
    window; facts {dbt_test, failures}. -#}
{% macro _history_outcome_literals(result) -%}
  {%- set node = result.node -%}
  {%- set meta = node.test_metadata if (node.test_metadata is defined and node.test_metadata is not none) else none -%}
  {%- set column = node.column_name if (node.column_name is defined and node.column_name) else none -%}
  {%- set failures = result.failures if (result.failures is number) else none -%}
  {%- set errored = result.status == 'error' -%}
  {#- dbt's message on one line, without its macro call stack (`> in macro ...` lines) -#}
  {%- set lines = [] -%}
  {%- for line in ((result.message or '') | string).replace('\r', '').split('\n') if line | trim and not (line | trim).startswith('>') -%}
    {%- do lines.append(line | trim) -%}
  {%- endfor -%}
  {#- credentials inside a URL (`scheme://user:secret@host`) never reach the history -#}
  {%- set message = modules.re.sub('(://[^/\\s:@]+):[^@\\s/]+@', '\\1:***@', lines | join(' '))[:500] -%}
  {%- set n = failures if failures is not none else 0 -%}
  {%- set counted = n ~ (' failing row' if n == 1 else ' failing rows') -%}
  {%- if errored -%}
    {%- set detail = 'test error: ' ~ (message or 'no message') -%}
  {%- elif result.status == 'pass' -%}
    {%- set detail = counted -%}
  {%- else -%}
    {%- set detail = (counted if failures is not none else 'failed') ~ ((' (dbt: ' ~ message ~ ')') if message else '') -%}
  {%- endif -%}
  {%- set test_ref = ((meta.namespace ~ '.') if (meta is not none and meta.namespace) else '') ~ (meta.name if meta is not none else 'singular') -%}
  {%- set d = ml_monitor._type_of('double') -%}
  {%- set no_text = ml_monitor.null_string() | trim -%}
  {{ return({
    'monitor': ml_monitor.string_literal(meta.name if meta is not none else 'singular'),
    'column_name': ml_monitor.string_literal(column) if column is not none else no_text,
    'segment_column': no_text, 'segment_value': no_text,
    'metric': ml_monitor.string_literal('test_error' if errored else 'failing_rows'),
    'value': 'cast(' ~ ('null' if (errored or failures is none) else failures) ~ ' as ' ~ d ~ ')',
    'threshold': 'cast(null as ' ~ d ~ ')', 'baseline_value': 'cast(null as ' ~ d ~ ')',
    'sample_size': 'cast(null as ' ~ ml_monitor._type_of('bigint') ~ ')',
    'window_start': ml_monitor.timestamp_literal(none), 'window_end': ml_monitor.timestamp_literal(none),
    'status': ml_monitor.string_literal('pass' if result.status == 'pass' else 'fail'),
    'detail': ml_monitor.string_literal(detail),
    'facts': ml_monitor.json_literal({'dbt_test': test_ref, 'failures': failures}),
    'test_unique_id': ml_monitor.string_literal(node.unique_id),
    'test_name': ml_monitor.string_literal(node.name),
    'model_name': ml_monitor.string_literal(ml_monitor._test_model_name(node)),
    'severity': ml_monitor.string_literal(node.config.severity | lower),
    'test_status': ml_monitor.string_literal(result.status),
    'invocation_id': ml_monitor.string_literal(invocation_id),
    'run_started_at': ml_monitor.timestamp_literal(run_started_at.replace(tzinfo=none, microsecond=0)),
    'observation_id': ml_monitor.string_literal(invocation_id ~ ':' ~ node.unique_id ~ ':outcome'),
    'as_of': ml_monitor.timestamp_literal(ml_monitor.as_of()),
  }) }}
{%- endmacro %}
