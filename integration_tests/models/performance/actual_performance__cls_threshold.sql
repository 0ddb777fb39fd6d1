{#- case cls_threshold: decision_threshold on the score instead of a prediction column; apac below min_value -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
select cast('cls_threshold' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, metric=['accuracy', 'f1'], score_column='score',
      decision_threshold=0.5, min_value=0.65, segment_by=['region'], **common) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
