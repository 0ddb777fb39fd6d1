{#- Hours from the newest timestamp to ml_monitor_as_of, overall and per segment.

    {{ ml_monitor.freshness(ref('predictions'), 'prediction_ts', max_age={'period': 'hour', 'count': 6}) }}
-#}
{% macro freshness(relation, timestamp_column, max_age=none, where=none, segment_by=none,
                   min_rows=none, test='freshness') -%}
  {%- if timestamp_column is none -%}
    {%- do ml_monitor._arg_error(test, relation, 'timestamp_column', 'is required', 'nothing') -%}
  {%- endif -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, none, min_rows) -%}
  {%- set spec = ml_monitor._check_period(test, relation, 'max_age', max_age) if max_age is not none else none -%}
  {%- set max_hours = (ml_monitor._period_seconds(spec) / 3600.0) if spec is not none else none -%}
  {%- set as_of = ml_monitor.as_of() -%}
  {%- set age = '(' ~ ml_monitor.epoch_seconds(ml_monitor.timestamp_literal(as_of)) ~ ' - ' ~ ml_monitor.epoch_seconds('latest') ~ ') / 3600.0' -%}

with source as (
  select {{ ml_monitor._select_list(scope, [scope.timestamp_sql]) }}
  from {{ relation }}
  where {{ scope.filter }}
    -- rows stamped after the evaluation time do not make the data fresher
    and {{ scope.timestamp_sql }} <= {{ ml_monitor.timestamp_literal(as_of) }}
),

aggregated as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    count(*) as n_rows,
    max({{ ml_monitor.to_timestamp(scope.timestamp_sql) }}) as latest
  from source
  {{ ml_monitor._group_by_segments(scope) }}
),

long as (
  select
    {{ ml_monitor.string_literal(ml_monitor.unquoted(timestamp_column)) }} as column_name,
    segment_column,
    segment_value,
    'hours_since_latest' as metric,
    {{ age }} as value,
    {{ ml_monitor.double_literal(max_hours) }} as threshold,
    {{ ml_monitor.null_double() }} as baseline_value,
    n_rows as sample_size,
    {% if max_hours is none %}false{% else %}{{ age }} > {{ max_hours }}{% endif %} as is_fail,
    'latest row at ' || {{ ml_monitor.to_string('latest') }} || ', ' || {{ ml_monitor._fmt(age, 2) }}
      || ' hours before {{ as_of }}' as detail,
    {{ ml_monitor.null_string() }} as undefined_reason
  from aggregated
)

{{ ml_monitor._finalize_observations('freshness', 'long', scope) }}
{%- endmacro %}
