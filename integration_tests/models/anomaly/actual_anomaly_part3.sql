-- The null_rate, freshness and hourly cases of actual_anomaly (scripts/gen_anomaly.py).
{%- set input = ref('anomaly_events') %}
{%- set day = {'period': 'day', 'count': 1} %}
{%- set hour = {'period': 'hour', 'count': 1} %}
{%- set cases = [] %}
{%- if execute %}
  {%- do cases.append(('null_rate_mad', ml_monitor.null_rate(input, ['x'], timestamp_column='event_ts', window=day,
                                                             anomaly={'method': 'mad'}, where="case_name = 'null_rate'"))) %}
  {%- do cases.append(('short_history', ml_monitor.null_rate(input, ['x'], timestamp_column='event_ts', window=day,
                                                             anomaly={}, where="case_name = 'short'"))) %}
  {%- do cases.append(('stale', ml_monitor.freshness(input, 'event_ts', window=day, anomaly={'direction': 'spike'},
                                                     where="case_name = 'stale'"))) %}
  {%- do cases.append(('hourly_by_hour', ml_monitor.volume(input, 'event_ts', hour, where="case_name = 'hourly'",
                                                           anomaly={'seasonality': 'hour_of_day', 'training_windows': 3,
                                                                    'min_training_windows': 3, 'exclude_anomalies': false}))) %}
  {%- do cases.append(('hourly_without_season', ml_monitor.volume(input, 'event_ts', hour, anomaly={},
                                                                  where="case_name = 'hourly'"))) %}
{%- endif %}
select * from (
{{ union_cases(cases) }}
) as all_rows
where metric like '%_anomaly'
