{#- case cls_drop_abs: roc_auc against the previous 14 days (reference_window), absolute max_drop -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
select cast('cls_drop_abs' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, metric='roc_auc', score_column='score',
      max_drop={'absolute': 0.1}, reference_window={'period': 'day', 'count': 14}, segment_by=['region'], **common) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
