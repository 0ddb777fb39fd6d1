-- depends_on: {{ ref('cbpe_labels') }}
{#- Every estimated_performance (CBPE) case, compared with seeds/expected/expected_cbpe.csv
    (NannyML 0.13.1's own estimates, scripts/gen_cbpe.py) by cbpe.yml. -#}
{%- set cur = ref('cbpe_current') -%}
{%- set common = {'reference': ref('cbpe_reference'), 'label_column': 'label', 'timestamp_column': 'ts',
                  'window': {'period': 'month', 'count': 1}} -%}
{%- set all = ['roc_auc', 'f1', 'precision', 'recall', 'specificity', 'accuracy'] -%}
{%- set cases = [] -%}
{%- if execute -%}
  {#- miscalibrated scores: NannyML fits isotonic regression; every metric, cells and band rows, by region -#}
  {%- do cases.append(('miscal_all', ml_monitor.estimated_performance(cur, score_column='score_mis', prediction_column='pred_mis',
        metric=all, segment_by=['region'], confusion_matrix=true, band_rows=true, min_value=0.6, **common))) -%}
  {#- calibrated scores: NannyML's rule keeps them as they are -#}
  {%- do cases.append(('cal_all', ml_monitor.estimated_performance(cur, score_column='score_cal', prediction_column='pred_cal',
        metric=all, band_rows=true, max_drop={'absolute': 0.05}, **common))) -%}
  {#- threshold: band fails where the reference's realized value is outside the estimate's band -#}
  {%- do cases.append(('miscal_band', ml_monitor.estimated_performance(cur, score_column='score_mis', prediction_column='pred_mis',
        metric=['roc_auc', 'f1'], threshold='band', **common))) -%}
  {#- a reference with one class: no_data with the reason -#}
  {%- do cases.append(('one_class', ml_monitor.estimated_performance(cur, score_column='score_mis', metric='roc_auc',
        reference_where='label = 0', **common))) -%}
  {#- an empty window: no_data -#}
  {%- do cases.append(('empty_window', ml_monitor.estimated_performance(cur, score_column='score_mis', metric='roc_auc',
        where="region = 'nowhere'", **common))) -%}
  {#- windows: 5 daily windows in one scan (NannyML: chunk_period='D'), 2026-01-28 left empty by
      `where`; with labels: realized_<metric> where labels arrived (before 2026-01-29) and the
      label coverage of every window -#}
  {%- set daily = {'reference': ref('cbpe_reference'), 'label_column': 'label', 'timestamp_column': 'ts',
                   'window': {'period': 'day', 'count': 1}, 'labels': ref('cbpe_labels'), 'join_key': 'id'} -%}
  {%- do cases.append(('windows_mis', ml_monitor.estimated_performance(cur, score_column='score_mis', prediction_column='pred_mis',
        metric=all, segment_by=['region'], band_rows=true, min_value=0.6, windows=5,
        where="ts < '2026-01-28' or ts >= '2026-01-29'", **daily))) -%}
  {%- do cases.append(('windows_cal', ml_monitor.estimated_performance(cur, score_column='score_cal', prediction_column='pred_cal',
        metric=['roc_auc', 'precision', 'recall'], max_drop={'absolute': 0.05}, windows=3, fail_on='any', **daily))) -%}
{%- endif %}
{{ union_cases(cases) }}
