{#- case challenger_columns: champion score / predicted_label vs challenger score_v2 / predicted_label_v2 on the same rows -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
select cast('challenger_columns' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, metric=['roc_auc', 'accuracy'], score_column='score',
      prediction_column='predicted_label', challenger_score_column='score_v2', challenger_prediction_column='predicted_label_v2',
      challenger_margin={'absolute': 0.02}, segment_by=['region'], **common) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
