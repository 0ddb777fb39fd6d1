{#- case composite_key: a composite join_key with differently named label columns (label_join_key) -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
{%- set r_perf_labels_renamed = ref('perf_labels_renamed') -%}
{%- set r_perf_shadow = ref('perf_shadow') -%}
select cast('composite_key' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(r_perf_shadow, metric=['accuracy', 'roc_auc'], labels=r_perf_labels_renamed,
      join_key=['id', 'model_version'], label_join_key=['label_id', 'version'], label_column='outcome',
      label_timestamp_column='recorded_at', prediction_column='predicted_label', score_column='score', segment_by=['model_version']) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
