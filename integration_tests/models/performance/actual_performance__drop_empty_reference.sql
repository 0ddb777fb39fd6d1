{#- case drop_empty_reference: max_drop against an empty reference window: no_data, and the detail names the reference window -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
select cast('drop_empty_reference' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, metric='roc_auc', score_column='score',
      max_drop={'absolute': 0.1}, reference_window={'period': 'day', 'count': 14}, reference_where='1 = 0', **common) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
