{#- Compares a model of observation rows with an expected seed. Guarantees (each proven by a
    negative control in models/controls/, which must fail):
      - every expected row appears exactly once in the model and no other row appears
        (a missing, extra or duplicated row fails);
      - status, sample_size, window_start and window_end are equal;
      - value, threshold and baseline_value are within `tolerance` (relative above 1 in
        absolute value, absolute below); equal infinities are equal;
      - every comparison is NULL-safe: NULL equals only NULL, so NULL vs a number (either
        way) fails. An empty cell in the expected seed means NULL, never "don't care".
    Rows are matched on (case_name, monitor, column_name, segment_column, segment_value,
    metric) with GROUP BY, which matches nulls with nulls on every engine (PostgreSQL
    cannot FULL JOIN on IS NOT DISTINCT FROM).
    compare_threshold=false is the only opt-out, for cases whose threshold is not a fixed
    number; compare_windows=false for expected seeds written before windows were compared
    (none left). by_window: rows are also matched on window_start / window_end (a per-window
    series has one row per window and key). -#}
{% test equal_observations(model, expected, tolerance=1e-9, compare_threshold=true, compare_windows=true, by_window=false) %}
{%- set keys = ['case_name', 'monitor', 'column_name', 'segment_column', 'segment_value', 'metric'] -%}
{%- set dbl = ml_monitor.type_double() -%}
{%- set ts = ml_monitor.type_timestamp() -%}
{%- set key_sql = keys | list -%}
{%- if by_window -%}
  {%- set keys = keys + ['window_start', 'window_end'] -%}
  {%- set key_sql = key_sql + [ml_monitor.to_timestamp('window_start') ~ ' as window_start', ml_monitor.to_timestamp('window_end') ~ ' as window_end'] -%}
{%- endif -%}
{%- set numbers = ['value', 'baseline_value'] + (['threshold'] if compare_threshold else []) -%}
{%- set exact = ['status', 'sample_size'] + (['window_start', 'window_end'] if (compare_windows and not by_window) else []) -%}
with both_sides as (
  {%- for side, rel in [('actual', model), ('expected', expected)] %}
  select '{{ side }}' as side, {{ key_sql | join(', ') }},
         cast(value as {{ dbl }}) as value,
         cast(threshold as {{ dbl }}) as threshold,
         cast(baseline_value as {{ dbl }}) as baseline_value,
         cast(status as {{ ml_monitor.type_string() }}) as status,
         cast(sample_size as {{ ml_monitor.type_bigint() }}) as sample_size,
         {%- if by_window %}
         1 as ml_window_keyed
         {%- elif compare_windows %}
         cast(window_start as {{ ts }}) as window_start,
         cast(window_end as {{ ts }}) as window_end
         {%- else %}
         cast(null as {{ ts }}) as window_start,
         cast(null as {{ ts }}) as window_end
         {%- endif %}
  from {{ rel }}
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
),

-- one row per key: how often each side has it, and each side's columns
paired as (
  select
    {{ keys | join(', ') }},
    sum(case when side = 'actual' then 1 else 0 end) as n_actual,
    sum(case when side = 'expected' then 1 else 0 end) as n_expected
    {%- for c in numbers + exact %},
    max(case when side = 'actual' then {{ c }} end) as actual_{{ c }},
    max(case when side = 'expected' then {{ c }} end) as expected_{{ c }}
    {%- endfor %}
  from both_sides
  group by {{ keys | join(', ') }}
),

-- which comparisons differ (1) or agree (0); NULL agrees only with NULL
compared as (
  select
    paired.*,
    case when n_actual = 1 and n_expected = 1 then 0 else 1 end as bad_count
    {%- for c in numbers %},
    case
      when actual_{{ c }} is null and expected_{{ c }} is null then 0
      when actual_{{ c }} is null or expected_{{ c }} is null then 1
      when actual_{{ c }} = expected_{{ c }} then 0
      when abs(actual_{{ c }} - expected_{{ c }})
           <= {{ tolerance }} * (case when abs(expected_{{ c }}) > 1 then abs(expected_{{ c }}) else 1 end) then 0
      else 1
    end as bad_{{ c }}
    {%- endfor %}
    {%- for c in exact %},
    case
      when actual_{{ c }} is null and expected_{{ c }} is null then 0
      when actual_{{ c }} is null or expected_{{ c }} is null then 1
      when actual_{{ c }} = expected_{{ c }} then 0
      else 1
    end as bad_{{ c }}
    {%- endfor %}
  from paired
)

select * from compared
where bad_count = 1
  {%- for c in numbers + exact %}
   or bad_{{ c }} = 1
  {%- endfor %}
{% endtest %}
