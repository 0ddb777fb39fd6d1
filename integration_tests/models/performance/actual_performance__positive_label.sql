{#- case positive_label: class 0 is the positive class (precision / recall of the zeros) -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
select cast('positive_label' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, metric=['precision', 'recall'], prediction_column='predicted_label',
      positive_label=0, **common) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
