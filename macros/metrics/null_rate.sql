{#- Share of null values per column, overall and per segment, in one scan.

    {{ ml_monitor.null_rate(ref('predictions'), columns=['age', 'income'], max_null_rate=0.05) }}
-#}
{% macro null_rate(relation, columns, max_null_rate=none, where=none, segment_by=none,
                   timestamp_column=none, window=none, min_rows=none, windows=none, fail_on=none, anomaly=none,
                   test='null_rate') -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, min_rows,
                                    windows=windows, fail_on=fail_on, anomaly=anomaly) -%}
  {%- set names = ml_monitor._monitored_columns(test, relation, none, columns) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_null_rate', max_null_rate, min=0, max=1) -%}
  {%- set cols = ml_monitor._column_specs(names) -%}
  {%- set aggregates -%}
    {%- for c in cols %},
    sum(case when {{ c.sql }} is null then 1 else 0 end) as n_null_{{ loop.index }}
    {%- endfor %}
  {%- endset -%}

{{ ml_monitor._scan_aggregate(scope, relation, cols | map(attribute='sql') | list, aggregates,
     comment="every column's null count in the same aggregate: one scan for all columns and segments") }},

{{ ml_monitor._complete_windows(scope, 'aggregated_rows') }},

-- unpivot the few aggregated rows into one observation per column and segment
long as (
  {%- for c in cols %}
  {%- set rate = ml_monitor.safe_divide('n_null_' ~ loop.index, 'n_rows') %}
  {%- set check = ml_monitor._bound_check(rate, max_null_rate, '>', 'max_null_rate') %}
  {%- set detail -%}
    {{ ml_monitor.to_string('n_null_' ~ loop.index) }} || ' of ' || {{ ml_monitor.to_string('n_rows') }} || ' rows null ('
      || {{ ml_monitor._fmt('100.0 * n_null_' ~ loop.index ~ ' / nullif(n_rows, 0)', 2) }} || '%)'
      {{ check.note }}
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, c.name, 'null_rate', value=rate, threshold=max_null_rate,
         sample_size='n_rows', is_fail=check.is_fail, detail=detail) }}
  from aggregated
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
)

{{ ml_monitor._finalize_observations('null_rate', 'long', scope) }}
{%- endmacro %}
