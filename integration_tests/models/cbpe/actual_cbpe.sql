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
{%- endif %}
{{ union_cases(cases) }}
