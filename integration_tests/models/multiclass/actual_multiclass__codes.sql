{#- case mc_codes: integer classes declared with `classes` (no probabilities): prediction metrics and per-class precision / recall / f1 -#}
{%- set labels = ref('mc_labels') -%}
{%- set preds = ref('mc_predictions') -%}
select cast('mc_codes' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, problem='multiclass', metric=['accuracy', 'macro_f1', 'weighted_recall'], per_class=true,
      classes=[1, 2, 3], labels=labels, join_key='id', label_column='y_code', prediction_column='y_pred_code',
      label_timestamp_column='label_ts', timestamp_column='prediction_ts',
      label_delay={'period': 'day', 'count': 7}, window={'period': 'day', 'count': 14}, segment_by=['region']) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
