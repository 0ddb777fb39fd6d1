{#- case drop_reference_relation: max_drop against another relation (the shadow table's v1 rows): only north / south exist there -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
{%- set r_perf_shadow = ref('perf_shadow') -%}
select cast('drop_reference_relation' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, metric='accuracy', prediction_column='predicted_label',
      max_drop={'absolute': 0.05}, reference=r_perf_shadow, reference_where="model_version = 'v1'", segment_by=['region'], **common) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
