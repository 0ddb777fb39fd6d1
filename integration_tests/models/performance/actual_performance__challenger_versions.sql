{#- case challenger_versions: model_version v1 vs v2 of a shadow deployment, paired on the ids both scored -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
{%- set r_perf_labels = ref('perf_labels') -%}
{%- set r_perf_shadow = ref('perf_shadow') -%}
select cast('challenger_versions' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(r_perf_shadow, metric=['accuracy', 'recall'],
      labels=r_perf_labels, join_key='id', label_column='label', label_timestamp_column='label_ts',
      prediction_column='predicted_label', model_version_column='model_version', champion_version='v1',
      challenger_version='v2', challenger_margin={'relative': 0.05}, segment_by=['region']) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
