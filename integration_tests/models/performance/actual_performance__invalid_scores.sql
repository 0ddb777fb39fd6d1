{#- case invalid_scores: scores outside [0, 1] and all-null scores; duplicate labels without a timestamp -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
{%- set r_perf_invalid = ref('perf_invalid') -%}
{%- set r_perf_invalid_labels = ref('perf_invalid_labels') -%}
select cast('invalid_scores' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(r_perf_invalid, metric=['roc_auc', 'pr_auc', 'log_loss', 'brier'],
      labels=r_perf_invalid_labels, join_key='id', label_column='label', score_column='score', segment_by=['region']) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
