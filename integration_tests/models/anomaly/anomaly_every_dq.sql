-- `anomaly:` on every windowed monitor (dq part) (on the windows and late_labels families' inputs): one
-- `<metric>_anomaly` row per series of the monitor's rows, with a defined status, deciding.
-- Checked structurally here (anomaly.yml: every case 'ok'); the numbers of the rule are
-- compared with the numpy oracle in actual_anomaly.
{%- set day = {'period': 'day', 'count': 1} %}
{%- set a = {'training_windows': 2, 'min_training_windows': 2} %}
{%- set ev = ref('window_events') %}
{%- set cases = [
  ('volume', ml_monitor.volume(ev, 'event_ts', day, segment_by=['segment'], anomaly=a)),
  ('freshness', ml_monitor.freshness(ev, 'event_ts', window=day, segment_by=['segment'], anomaly=a)),
  ('null_rate', ml_monitor.null_rate(ev, ['x'], segment_by=['segment'], timestamp_column='event_ts', window=day, anomaly=a)),
  ('value_range', ml_monitor.value_range(ev, ['amount'], min_value=0, max_value=100, max_violation_rate=1,
                                         timestamp_column='event_ts', window=day, anomaly=a)),
  ('accepted_values', ml_monitor.accepted_values(ev, 'cat', values=['a', 'b', 'c'], max_violation_rate=1,
                                                 segment_by='segment', timestamp_column='event_ts', window=day, anomaly=a)),
  ('cardinality', ml_monitor.cardinality(ev, ['cat'], min_distinct=1, timestamp_column='event_ts', window=day, anomaly=a)),
] if execute else [] %}
{{ anomaly_verdicts(cases) }}
