{#- case coverage: label_coverage with min_coverage (fresh has no labels) -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
select cast('coverage' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.label_coverage(preds, min_coverage=0.8, segment_by=['region'], **common) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
