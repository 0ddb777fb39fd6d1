-- `anomaly:` on volume, null_rate and freshness, one case per call (scripts/gen_anomaly.py
-- names what each shows); only the anomaly rows are compared, with
-- seeds/expected/expected_anomaly.csv (numpy / pandas).
{%- set input = ref('anomaly_events') %}
{%- set day = {'period': 'day', 'count': 1} %}
{%- set volume_cases = [
  ('clean', {}),
  ('spike_mad', {'method': 'mad'}),
  ('drop', {'direction': 'drop'}),
  ('drop_watching_spikes', {'direction': 'spike'}),
  ('level_shift_mad', {'method': 'mad'}),
  ('weekly_by_weekday', {'seasonality': 'day_of_week', 'training_windows': 4, 'min_training_windows': 3, 'sensitivity': 2}),
  ('weekly_without_season', {'sensitivity': 2}),
  ('incident_excluded', {}),
  ('incident_included', {'exclude_anomalies': false}),
  ('hidden', {'training_windows': 5, 'exclude_anomalies': false}),
  ('tiny_with_floor', {'min_abs_change': 5}),
  ('tiny_without_floor', {}),
  ('constant', {}),
  ('constant_with_floor', {'min_abs_change': 2}),
  ('constant_same', {}),
  ('relative_floor', {'min_rel_change': 0.05}),
] %}
{%- set series_of = {'spike_mad': 'spike', 'drop_watching_spikes': 'drop', 'level_shift_mad': 'level_shift',
                     'weekly_by_weekday': 'weekly', 'weekly_without_season': 'weekly',
                     'incident_excluded': 'incident', 'incident_included': 'incident',
                     'tiny_with_floor': 'tiny', 'tiny_without_floor': 'tiny', 'constant_with_floor': 'constant',
                     'relative_floor': 'relative'} %}
{%- set cases = [] %}
{%- if execute %}
  {%- for name, settings in volume_cases %}
    {%- do cases.append((name, ml_monitor.volume(input, 'event_ts', day, anomaly=settings,
                                                 where="case_name = '" ~ series_of.get(name, name) ~ "'"))) %}
  {%- endfor %}
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
