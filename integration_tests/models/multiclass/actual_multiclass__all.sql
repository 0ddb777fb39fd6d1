{#- case mc_all: every multiclass metric and per-class rows by region and channel (rare: highstreet_card neither labelled nor predicted; east never predicts upmarket_card; probabilities in hundredths: tied scores) -#}
{%- set labels = ref('mc_labels') -%}
{%- set preds = ref('mc_predictions') -%}
select cast('mc_all' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, problem='multiclass',
      metric=['accuracy', 'micro_f1', 'macro_f1', 'weighted_f1', 'macro_precision', 'weighted_precision', 'macro_recall',
              'weighted_recall', 'roc_auc_ovr_macro', 'roc_auc_ovr_weighted', 'log_loss'],
      per_class=true, labels=labels, join_key='id', label_column='y_true', prediction_column='y_pred',
      score_columns={'prepaid_card': 'p_prepaid_card', 'highstreet_card': 'p_highstreet_card', 'upmarket_card': 'p_upmarket_card'},
      label_timestamp_column='label_ts', timestamp_column='prediction_ts',
      label_delay={'period': 'day', 'count': 7}, window={'period': 'day', 'count': 14}, segment_by=['region', 'channel']) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
