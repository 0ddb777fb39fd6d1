-- depends_on: {{ ref('window_reference') }}
-- depends_on: {{ ref('window_drift_reference') }}
-- depends_on: {{ ref('window_drift_events') }}
-- windows: N on every data-quality monitor, one case per block; compared with
-- seeds/expected/expected_windows.csv (pandas, grouped by window: scripts/gen_windows.py).
{%- set input = ref('window_events') %}
{%- set day = {'period': 'day', 'count': 1} %}
{%- set cases = [
  ('null_rate_windows', ml_monitor.null_rate(input, ['x'], max_null_rate=0.2, segment_by=['segment'], min_rows=3,
                                             timestamp_column='event_ts', window=day, windows=7)),
  ('value_range_windows', ml_monitor.value_range(input, ['amount'], min_value=0, max_value=100, max_violation_rate=0.1,
                                                 timestamp_column='event_ts', window=day, windows=7)),
  ('accepted_values_windows', ml_monitor.accepted_values(input, 'cat', values=['a', 'b', 'c'], max_violation_rate=0.1,
                                                         segment_by='segment', timestamp_column='event_ts',
                                                         window=day, windows=7)),
  ('cardinality_windows', ml_monitor.cardinality(input, ['cat'], min_distinct=2, max_distinct=4,
                                                 reference=ref('window_reference'), timestamp_column='event_ts',
                                                 window=day, windows=7)),
  ('volume_windows', ml_monitor.volume(input, 'event_ts', day, min_count=10, reference_periods=2, min_ratio=0.5,
                                       max_ratio=2, segment_by=['segment'], windows=5)),
  ('null_rate_two_day_windows', ml_monitor.null_rate(input, ['x'], max_null_rate=0.3, timestamp_column='event_ts',
                                                     window={'period': 'day', 'count': 2}, windows=3)),
  ('ks_windows_fixed', ml_monitor.ks(ref('window_drift_events'), ['f'], reference=ref('window_drift_reference'),
                                     threshold=0.2, segment_by=['segment'], timestamp_column='scored_at',
                                     window=day, windows=5)),
  ('ks_windows_previous', ml_monitor.ks(ref('window_drift_events'), ['f'], reference='previous_window',
                                        threshold=0.2, segment_by=['segment'], timestamp_column='scored_at',
                                        window=day, windows=5)),
  ('psi_windows_fixed', ml_monitor.psi(ref('window_drift_events'), ['f', 'device'],
                                       reference=ref('window_drift_reference'), threshold=0.2, segment_by=['segment'],
                                       timestamp_column='scored_at', window=day, windows=5)),
  ('js_windows_fixed', ml_monitor.js_distance(ref('window_drift_events'), ['f', 'device'],
                                              reference=ref('window_drift_reference'), threshold=0.1,
                                              segment_by=['segment'], timestamp_column='scored_at', window=day,
                                              windows=5)),
  ('prediction_drift_windows', ml_monitor.prediction_drift(ref('window_drift_events'), score_column='f',
                                                            score_threshold=0.5, reference=ref('window_drift_reference'),
                                                            threshold=0.2, segment_by=['segment'],
                                                            timestamp_column='scored_at', window=day, windows=5)),
  ('psi_windows_previous', ml_monitor.psi(ref('window_drift_events'), ['f', 'device'], reference='previous_window',
                                          threshold=0.2, segment_by=['segment'], timestamp_column='scored_at',
                                          window=day, windows=5)),
  ('js_windows_previous', ml_monitor.js_distance(ref('window_drift_events'), ['f', 'device'],
                                                 reference='previous_window', threshold=0.1, segment_by=['segment'],
                                                 timestamp_column='scored_at', window=day, windows=5)),
  ('prediction_drift_windows_previous', ml_monitor.prediction_drift(ref('window_drift_events'), score_column='f',
                                                                     score_threshold=0.5, reference='previous_window',
                                                                     threshold=0.2, segment_by=['segment'],
                                                                     timestamp_column='scored_at', window=day,
                                                                     windows=5)),
] if execute else [] %}
{{ union_cases(cases) }}
