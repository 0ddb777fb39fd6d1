{#- case mc_drop: against the previous 14 days (max_drop absolute 0.05): south degraded in the current window -#}
{%- set labels = ref('mc_labels') -%}
{%- set preds = ref('mc_predictions') -%}
select cast('mc_drop' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, problem='multiclass', metric=['macro_f1', 'roc_auc_ovr_weighted', 'log_loss'],
      labels=labels, join_key='id', label_column='y_true', prediction_column='y_pred',
      score_columns={'prepaid_card': 'p_prepaid_card', 'highstreet_card': 'p_highstreet_card', 'upmarket_card': 'p_upmarket_card'},
      label_timestamp_column='label_ts', timestamp_column='prediction_ts',
      label_delay={'period': 'day', 'count': 7}, window={'period': 'day', 'count': 14},
      reference_window={'period': 'day', 'count': 14}, max_drop={'absolute': 0.05}, segment_by=['region']) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
