{#- Compares a model of observation rows with an expected seed: every expected row
    must appear exactly once with the same status, sample_size and threshold and a value
    within `tolerance` (relative above 1, absolute below), and no other row may appear.
    Rows are matched on (case_name, monitor, column_name, segment_column, segment_value,
    metric) with GROUP BY, which matches nulls with nulls on every engine (PostgreSQL
    cannot FULL JOIN on IS NOT DISTINCT FROM). -#}
{% test equal_observations(model, expected, tolerance=1e-9, compare_threshold=true, by_window=false) %}
{#- by_window: rows are also matched on window_start / window_end (per-window series) -#}
{%- set keys = ['case_name', 'monitor', 'column_name', 'segment_column', 'segment_value', 'metric'] -%}
{%- set key_sql = keys | list -%}
{%- if by_window -%}
  {%- set keys = keys + ['window_start', 'window_end'] -%}
  {%- set key_sql = key_sql + [ml_monitor.to_timestamp('window_start') ~ ' as window_start', ml_monitor.to_timestamp('window_end') ~ ' as window_end'] -%}
{%- endif -%}
{%- set dbl = ml_monitor.type_double() -%}
with both_sides as (
  select 'actual' as side, {{ key_sql | join(', ') }},
         cast(value as {{ dbl }}) as value, status, cast(sample_size as bigint) as sample_size,
         cast(threshold as {{ dbl }}) as threshold
  from {{ model }}
  union all
  select 'expected' as side, {{ key_sql | join(', ') }},
         cast(value as {{ dbl }}) as value, status, cast(sample_size as bigint) as sample_size,
         cast(threshold as {{ dbl }}) as threshold
  from {{ expected }}
),
paired as (
  select
    {{ keys | join(', ') }},
    sum(case when side = 'actual' then 1 else 0 end) as n_actual,
    sum(case when side = 'expected' then 1 else 0 end) as n_expected,
    max(case when side = 'actual' then value end) as actual_value,
    max(case when side = 'expected' then value end) as expected_value,
    max(case when side = 'actual' then status end) as actual_status,
    max(case when side = 'expected' then status end) as expected_status,
    max(case when side = 'actual' then sample_size end) as actual_sample_size,
    max(case when side = 'expected' then sample_size end) as expected_sample_size,
    max(case when side = 'actual' then threshold end) as actual_threshold,
    max(case when side = 'expected' then threshold end) as expected_threshold
  from both_sides
  group by {{ keys | join(', ') }}
)
select * from paired
where n_actual <> 1
   or n_expected <> 1
   or actual_status <> expected_status
   or actual_sample_size <> expected_sample_size
   or not (
        (actual_value is null and expected_value is null)
     or abs(actual_value - expected_value) <= {{ tolerance }} * (case when abs(expected_value) > 1 then abs(expected_value) else 1 end)
   )
   {%- if compare_threshold %}
   or not ((actual_threshold is null and expected_threshold is null) or actual_threshold = expected_threshold)
   {%- endif %}
{% endtest %}
