{#- case cls_drop_rel: accuracy against reference_where rows, relative max_drop -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
select cast('cls_drop_rel' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, metric='accuracy', prediction_column='predicted_label',
      max_drop={'relative': 0.1}, reference_where="prediction_ts < '2026-01-10'", segment_by=['region'], **common) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
