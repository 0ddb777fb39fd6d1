{{ config(enabled=(target.type not in ['spark', 'databricks'])) }}  {#- Spark: see docs/anomaly-detection.md, Cost -#}
-- The null_rate and freshness cases of actual_anomaly (scripts/gen_anomaly.py).
{%- set input = ref('anomaly_events') %}
{%- set day = {'period': 'day', 'count': 1} %}
{%- set cases = [] %}
{%- if execute %}
  {%- do cases.append(('null_rate_mad', ml_monitor.null_rate(input, ['x'], timestamp_column='event_ts', window=day,
                                                             anomaly={'method': 'mad'}, where="case_name = 'null_rate'"))) %}
  {%- do cases.append(('short_history', ml_monitor.null_rate(input, ['x'], timestamp_column='event_ts', window=day,
                                                             anomaly={}, where="case_name = 'short'"))) %}
  {%- do cases.append(('stale', ml_monitor.freshness(input, 'event_ts', window=day, anomaly={'direction': 'spike'},
                                                     where="case_name = 'stale'"))) %}
{%- endif %}
select * from (
{{ union_cases(cases) }}
) as all_rows
where metric like '%_anomaly'
