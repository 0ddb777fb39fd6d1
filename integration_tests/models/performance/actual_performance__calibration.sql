{#- case calibration: ECE over 10 bins by region -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
select cast('calibration' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.calibration(preds, score_column='score', bins=10, max_ece=0.12, segment_by=['region'], **common) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
