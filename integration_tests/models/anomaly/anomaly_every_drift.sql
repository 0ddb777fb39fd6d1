-- `anomaly:` on every windowed monitor (drift part) (on the windows and late_labels families' inputs): one
-- `<metric>_anomaly` row per series of the monitor's rows, with a defined status, deciding.
-- Checked structurally here (anomaly.yml: every case 'ok'); the numbers of the rule are
-- compared with the numpy oracle in actual_anomaly.
{%- set day = {'period': 'day', 'count': 1} %}
{%- set a = {'training_windows': 2, 'min_training_windows': 2} %}
{%- set drift = ref('window_drift_events') %}
{%- set drift_ref = ref('window_drift_reference') %}
{%- set cases = [
  ('psi', ml_monitor.psi(drift, ['f', 'device'], reference=drift_ref, timestamp_column='scored_at', window=day, anomaly=a)),
  ('js', ml_monitor.js_distance(drift, ['f'], reference=drift_ref, timestamp_column='scored_at', window=day, anomaly=a)),
  ('ks', ml_monitor.ks(drift, ['f'], reference='previous_window', segment_by=['segment'], timestamp_column='scored_at',
                       window=day, anomaly=a)),
  ('prediction_drift', ml_monitor.prediction_drift(drift, score_column='f', score_threshold=0.5, reference=drift_ref,
                                                    timestamp_column='scored_at', window=day, anomaly=a)),
] if execute else [] %}
{{ anomaly_verdicts(cases) }}
