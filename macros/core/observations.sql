{#- The observation row: one shape for every monitor (see docs/history.md).

    A metric macro builds a CTE of "long" rows with these columns:
      column_name, segment_column, segment_value, metric, value, threshold,
      baseline_value, sample_size, is_fail (boolean), detail (text when computed),
      undefined_reason (text, why value is null, or null), and optionally facts
      (JSON text: what programs need, see docs/history.md)
    and ends with _finalize_observations(), which decides the status the same way
    for everyone and casts every column to its documented type. -#}

{#- THE schema of observation rows, declared once: (name, type kind) in column order. The history
    table adds history_stamp_columns() (macros/history). The Python side (cli/ml_monitor/schema.py)
    is checked against these by cli/tests/test_schema.py. -#}
{% macro observation_schema() -%}
  {{ return([
    ('monitor', 'string'), ('column_name', 'string'), ('segment_column', 'string'),
    ('segment_value', 'string'), ('metric', 'string'), ('value', 'double'),
    ('threshold', 'double'), ('baseline_value', 'double'), ('sample_size', 'bigint'),
    ('window_start', 'timestamp'), ('window_end', 'timestamp'), ('status', 'string'),
    ('detail', 'string'), ('facts', 'string')
  ]) }}
{%- endmacro %}

{% macro observation_columns() -%}
  {%- set names = [] -%}
  {%- for name, kind in ml_monitor.observation_schema() -%}{%- do names.append(name) -%}{%- endfor -%}
  {{ return(names) }}
{%- endmacro %}

{#- The select list of one long row (the columns above, in order) for the common case: an
    observation of `metric` on one monitored column, with the segment (and, with windows: N, the
    window) columns of the frame it selects from.
      column: the column's name as users wrote it (none: the row is about no single column), or
      column_sql: an SQL expression for it (rows of several columns from one frame);
      metric: the metric's name; threshold: the number the value is checked against (none: none);
      value, sample_size, is_fail, detail, undefined_reason, baseline_value: SQL expressions
      (undefined_reason / baseline_value none: null), facts (JSON text, see has_facts below);
      frame: the alias to read the segment and window columns from ('' : unqualified). -#}
{% macro _long_row(scope, column, metric, value, threshold, sample_size, is_fail, detail,
                   undefined_reason=none, baseline_value=none, frame='', column_sql=none, facts=none) -%}
  {%- set f = (frame ~ '.') if frame else '' -%}
  {%- if column_sql is none -%}
    {%- set column_sql = ml_monitor.string_literal(column) if column is not none else ml_monitor.null_string() -%}
  {%- endif %}
    {{ column_sql }} as column_name,
    {{ f }}segment_column,
    {{ f }}segment_value{{ ml_monitor._window_columns(scope, frame) }},
    {{ ml_monitor.string_literal(metric) }} as metric,
    {{ value }} as value,
    {{ ml_monitor.double_literal(threshold) }} as threshold,
    {{ baseline_value if baseline_value is not none else ml_monitor.null_double() }} as baseline_value,
    {{ sample_size }} as sample_size,
    {{ is_fail }} as is_fail,
    {{ detail }} as detail,
    {{ undefined_reason if undefined_reason is not none else ml_monitor.null_string() }} as undefined_reason
    {%- if facts is not none %},
    {{ facts }} as facts
    {%- endif %}
{%- endmacro %}

{#- Status, in order: no rows -> no_data; fewer than min_rows -> skipped;
    metric undefined -> no_data; breach -> fail; else pass.
    empty_is_data: for monitors where zero rows is itself the observation (volume).
    has_facts: the long CTE has a `facts` column (JSON text); else facts is null. -#}
{% macro _finalize_observations(monitor, long_cte, scope, empty_is_data=false, has_facts=false) -%}
  {%- set s = ml_monitor.type_string() -%}
  {%- set multi = scope.multi is defined and scope.multi -%}
  {%- if scope.anomaly is defined and scope.anomaly is not none %}
  {#- anomaly: these rows become the CTE ml_observed, followed by the anomaly rows (core/anomaly.sql) -#}
, ml_observed as (
  {%- endif %}
  {%- if multi -%}
    {%- set empty_reason = "'no rows in window ' || ml_window_label" -%}
  {%- else -%}
    {%- set empty_reason = ml_monitor.string_literal(ml_monitor._empty_reason(scope)) -%}
  {%- endif -%}
  select
    cast({{ ml_monitor.string_literal(monitor) }} as {{ s }}) as monitor,
    cast(column_name as {{ s }}) as column_name,
    cast(segment_column as {{ s }}) as segment_column,
    cast(segment_value as {{ s }}) as segment_value,
    cast(metric as {{ s }}) as metric,
    {{ ml_monitor.to_double('value') }} as value,
    {{ ml_monitor.to_double('threshold') }} as threshold,
    {{ ml_monitor.to_double('baseline_value') }} as baseline_value,
    {{ ml_monitor.to_bigint('coalesce(sample_size, 0)') }} as sample_size,
    {%- if multi %}
    {{ ml_monitor.to_timestamp('window_start') }} as window_start,
    {{ ml_monitor.to_timestamp('window_end') }} as window_end,
    {%- else %}
    {{ scope.window_start_sql }} as window_start,
    {{ scope.window_end_sql }} as window_end,
    {%- endif %}
    cast(case
      {%- if not empty_is_data %}
      when coalesce(sample_size, 0) = 0 then 'no_data'
      when sample_size < {{ scope.min_rows }} then 'skipped'
      {%- endif %}
      when value is null then 'no_data'
      when is_fail then 'fail'
      else 'pass'
    end as {{ s }}) as status,
    cast(case
      {%- if not empty_is_data %}
      when coalesce(sample_size, 0) = 0 then coalesce(undefined_reason, {{ empty_reason }})
      when sample_size < {{ scope.min_rows }} then
        {{ ml_monitor.to_string('sample_size') }} || ' rows, below min_rows {{ scope.min_rows }}'
      {%- endif %}
      when value is null then coalesce(undefined_reason, 'metric undefined')
      else detail
    end{% if multi %} || coalesce(ml_window_note, ''){% endif %} as {{ s }}) as detail,
    cast({{ 'facts' if has_facts else 'null' }} as {{ s }}) as facts,
    {#- which rows decide the test (fail_calc): with windows and fail_on latest, the newest
        window's only; earlier windows keep their own status for the series -#}
    {%- if multi and scope.fail_on == 'latest' %}
    window_start = {{ scope.windows[-1].start_sql }} as is_deciding
    {%- else %}
    true as is_deciding
    {%- endif %}
  from {{ long_cte }}
  {%- if scope.anomaly is defined and scope.anomaly is not none %}
),
{{ ml_monitor._anomaly_sql(scope.anomaly) }}
  {%- endif %}
{%- endmacro %}

{#- The dbt config of every ml_monitor generic test: its fail_calc (below), its rows stored
    (the history reads them) and no row limit: a project's `data_tests: +limit: N` is meant for
    failing rows of plain tests, and would cut the observation rows before fail_calc counts
    them (a failing row past the limit made the test pass). dbt ignores limit=none, so the
    limit is one no set of observation rows reaches.
    fail_on_no_data (and the var ml_monitor_fail_on_no_data) must be true or false: the string
    "false" is truthy and meant true. Checked when the test is compiled (`execute`), so that a
    wrong value is an error of that test alone, naming `test` on `relation`. -#}
{% macro _test_config(fail_on_no_data=none, test=none, relation=none) -%}
  {%- if execute and test is not none -%}
    {%- do ml_monitor._check_bool(test, relation, 'fail_on_no_data', fail_on_no_data, required=false) -%}
    {%- if fail_on_no_data is none -%}
      {%- set v = var('ml_monitor_fail_on_no_data', true) -%}
      {%- if v is not boolean -%}
        {{ exceptions.raise_compiler_error("ml_monitor." ~ test ~ ((" on " ~ relation) if relation is not none else "")
            ~ ": var 'ml_monitor_fail_on_no_data' must be true or false (got " ~ v ~ ")") }}
      {%- endif -%}
    {%- endif -%}
  {%- endif -%}
  {{ return({'fail_calc': ml_monitor._fail_calc(fail_on_no_data), 'store_failures': true, 'limit': 2147483647}) }}
{%- endmacro %}

{#- dbt's fail_calc for every ml_monitor test: the number of failing observations
    (plus no_data ones unless fail_on_no_data is false) among the deciding rows
    (is_deciding: with windows: N and fail_on: latest, the newest window's rows). -#}
{% macro _fail_calc(fail_on_no_data=none) -%}
  {%- set f = var('ml_monitor_fail_on_no_data', true) if fail_on_no_data is none else fail_on_no_data -%}
  {%- if f -%}
    {{ return("coalesce(sum(case when is_deciding and status in ('fail', 'no_data') then 1 else 0 end), 0)") }}
  {%- else -%}
    {{ return("coalesce(sum(case when is_deciding and status = 'fail' then 1 else 0 end), 0)") }}
  {%- endif -%}
{%- endmacro %}

{#- Whether the test node being parsed or compiled was declared with this package's namespace
    (`ml_monitor.accepted_values`), not by the bare name of dbt's built-in test. Called from a
    generic test's body, where `model` is the test's own argument: inside this macro `model` is
    the node. Unknown (no test metadata) counts as declared here. -#}
{% macro _declared_in_package() -%}
  {%- set meta = none -%}
  {%- if model is mapping -%}
    {%- set meta = model.get('test_metadata') -%}
  {%- elif model is defined and model is not none and model.test_metadata is defined -%}
    {%- set meta = model.test_metadata -%}
  {%- endif -%}
  {%- if meta is none -%}{{ return(true) }}{%- endif -%}
  {%- set namespace = meta.get('namespace') if meta is mapping else meta.namespace -%}
  {{ return(namespace == 'ml_monitor') }}
{%- endmacro %}

{#- A number rendered for a detail text: rounded, as a string. -#}
{% macro _fmt(expr, digits=4) -%}{{ ml_monitor.format_number(expr, digits) }}{%- endmacro %}

{#- "1 training window" / "3 training windows": a count (SQL) and its noun for a detail text. -#}
{% macro _count_text(count_sql, noun, plural=none) -%}
  ({{ ml_monitor.to_string(count_sql) }} || case when {{ count_sql }} = 1 then {{ ml_monitor.string_literal(' ' ~ noun) }}
     else {{ ml_monitor.string_literal(' ' ~ (plural if plural is not none else noun ~ 's')) }} end)
{%- endmacro %}

{#- A typed null of the observation's double / string columns, for long CTEs. -#}
{% macro null_double() %}{{ ml_monitor.to_double('null') }}{% endmacro %}
{% macro null_string() %}{{ ml_monitor.to_string('null') }}{% endmacro %}
