{#- case cls_all: every classification metric by region and tier (null tier is a segment; solo has one class, quiet never predicts positive, fresh has no labels) -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
select cast('cls_all' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, metric=['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'pr_auc', 'log_loss', 'brier'],
      score_column='score', prediction_column='predicted_label', segment_by=['region', 'tier'], **common) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
