-- depends_on: {{ ref('ll_labels_known') }}
-- depends_on: {{ ref('perf_windows_input_nulls') }}
-- windows: N on the label-joined monitors (performance, calibration, label_coverage): every
-- window of a case in one scan of the predictions, grouped by window; compared with
-- seeds/expected/expected_windows_perf.csv (pandas + scikit-learn per window:
-- scripts/gen_windows_perf.py).
{%- set input = ref('perf_windows_input') %}
{%- set day = {'period': 'day', 'count': 1} %}
{%- set lj = {'labels': ref('ll_labels_known'), 'join_key': 'id', 'label_column': 'label',
              'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts', 'window': day,
              'segment_by': ['region']} %}
{%- set cases = [
  ('perf_w_metrics', ml_monitor.performance(input, metric=['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'pr_auc', 'log_loss', 'brier'],
                                            score_column='score', decision_threshold=0.5, windows=6, **lj)),
  ('perf_w_min_value', ml_monitor.performance(input, metric='roc_auc', score_column='score', min_value=0.6,
                                              windows=5, fail_on='any', **lj)),
  ('perf_w_calibration', ml_monitor.calibration(input, score_column='score', max_ece=0.2, windows=5, **lj)),
  ('perf_w_regression', ml_monitor.performance(input, metric=['mae', 'rmse', 'r2'], prediction_column='score',
                                               windows=4, **lj)),
  ('perf_w_coverage', ml_monitor.label_coverage(input, min_coverage=0.8, windows=6, **lj)),
  ('perf_w_notes', ml_monitor.label_coverage(ref('perf_windows_input_nulls'), min_coverage=0.8, windows=6, **lj)),
  ('perf_w_ref_fixed', ml_monitor.performance(input, metric='roc_auc', score_column='score',
                                              reference_where="prediction_ts < '2026-01-27 00:00:00'",
                                              max_drop={'absolute': 0.05}, windows=5, **lj)),
  ('perf_w_ref_window', ml_monitor.performance(input, metric='roc_auc', score_column='score', reference_window=day,
                                               max_drop={'relative': 0.1}, windows=4, **lj)),
  ('perf_w_ref_overlap', ml_monitor.performance(input, metric='accuracy', prediction_column='predicted',
                                                reference_window={'period': 'day', 'count': 2},
                                                max_drop={'absolute': 0.05}, windows=3, **lj)),
  ('perf_w_challenger', ml_monitor.performance(input, metric='roc_auc', score_column='score',
                                               challenger_score_column='score_b', windows=3, **lj)),
] if execute else [] %}
{{ union_cases(cases) }}
