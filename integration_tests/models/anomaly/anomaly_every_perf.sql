-- depends_on: {{ ref('ll_predictions') }}
-- `anomaly:` on the label-joined monitors (late_labels family's inputs): performance, whose rows
-- include label_coverage (calibration and label_coverage take the same path, _performance_series;
-- cli/tests/test_anomaly.py runs them too). One `<metric>_anomaly` row per series, deciding.
-- Checked structurally here (anomaly.yml: every case 'ok'); the numbers of the rule are
-- compared with the numpy oracle in actual_anomaly.
{%- set day = {'period': 'day', 'count': 1} %}
{%- set a = {'training_windows': 2, 'min_training_windows': 2} %}
{%- set coverage = {'labels': ref('ll_labels_known'), 'join_key': 'id', 'label_column': 'label',
                    'timestamp_column': 'prediction_ts', 'window': day, 'segment_by': ['region'], 'anomaly': a} %}
{%- set perf = {'score_column': 'score'} %}
{%- do perf.update(coverage) %}
{%- set cases = [
  ('performance', ml_monitor.performance(ref('ll_predictions'), metric='roc_auc', **perf)),
] if execute else [] %}
{{ anomaly_verdicts(cases) }}
