{#- Per case of monitor calls with `anomaly:` (see models/anomaly/anomaly_every_*.sql): how many
    series its rows have, how many anomaly rows, and verdict 'ok' (null otherwise: the not_null
    tests in anomaly.yml fail) when there is one anomaly row per series, each on the newest window,
    deciding, with a defined status. -#}
{% macro anomaly_verdicts(cases) -%}
with all_rows as (
{{ union_cases(cases) }}
),

per_case as (
  select
    case_name,
    count(distinct case when metric not like '%_anomaly' then
      coalesce(column_name, '') || '|' || coalesce(segment_column, '') || '|' || coalesce(segment_value, '~') || '|' || metric end) as n_series,
    sum(case when metric like '%_anomaly' then 1 else 0 end) as n_anomaly_rows,
    sum(case when metric like '%_anomaly'
              and (status not in ('pass', 'fail', 'skipped', 'no_data') or not is_deciding
                   or window_start <> {{ ml_monitor.timestamp_literal(modules.datetime.datetime(2026, 1, 30)) }}) then 1 else 0 end) as n_bad
  from all_rows
  group by case_name
)

select case_name, n_series, n_anomaly_rows,
       case when n_series > 0 and n_anomaly_rows = n_series and n_bad = 0 then 'ok' end as verdict
from per_case
{%- endmacro %}

{#- The volume cases of actual_anomaly (scripts/gen_anomaly.py, CASES, says what each shows):
    (case name, series in anomaly_events, anomaly settings). -#}
{% macro anomaly_volume_cases() -%}
  {{ return([
    ('clean', 'clean', {}),
    ('spike_mad', 'spike', {'method': 'mad'}),
    ('drop', 'drop', {'direction': 'drop'}),
    ('drop_watching_spikes', 'drop', {'direction': 'spike'}),
    ('level_shift_mad', 'level_shift', {'method': 'mad'}),
    ('weekly_by_weekday', 'weekly', {'seasonality': 'day_of_week', 'training_windows': 4, 'min_training_windows': 3, 'sensitivity': 2}),
    ('weekly_without_season', 'weekly', {'sensitivity': 2}),
    ('incident_excluded', 'incident', {}),
    ('incident_included', 'incident', {'exclude_anomalies': false}),
    ('hidden', 'hidden', {'training_windows': 5, 'exclude_anomalies': false}),
    ('tiny_with_floor', 'tiny', {'min_abs_change': 5}),
    ('tiny_without_floor', 'tiny', {}),
    ('constant', 'constant', {}),
    ('constant_with_floor', 'constant', {'min_abs_change': 2}),
    ('constant_same', 'constant_same', {}),
    ('relative_floor', 'relative', {'min_rel_change': 0.05}),
  ]) }}
{%- endmacro %}

{#- The observation rows of the volume cases [first, last) on anomaly_events, anomaly rows only. -#}
{% macro anomaly_volume_part(first, last) -%}
  {%- set cases = [] -%}
  {%- if execute -%}
    {%- for name, series, settings in anomaly_volume_cases()[first:last] -%}
      {%- do cases.append((name, ml_monitor.volume(ref('anomaly_events'), 'event_ts', {'period': 'day', 'count': 1},
                                                   anomaly=settings, where="case_name = '" ~ series ~ "'"))) -%}
    {%- endfor -%}
  {%- endif %}
select * from (
{{ union_cases(cases) }}
) as all_rows
where metric like '%_anomaly'
{%- endmacro %}
