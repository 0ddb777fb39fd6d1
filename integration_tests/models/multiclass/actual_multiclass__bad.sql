{#- case mc_bad: probabilities off 1 (sum_off), outside [0, 1] (outside), null (nulls), labels and predictions of an undeclared class (unknown) -#}
{%- set labels = ref('mc_bad_labels') -%}
{%- set preds = ref('mc_bad') -%}
select cast('mc_bad' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(preds, problem='multiclass',
      metric=['accuracy', 'macro_f1', 'weighted_f1', 'roc_auc_ovr_macro', 'roc_auc_ovr_weighted', 'log_loss'],
      labels=labels, join_key='id', label_column='y_true', prediction_column='y_pred',
      score_columns={'prepaid_card': 'p_prepaid_card', 'highstreet_card': 'p_highstreet_card', 'upmarket_card': 'p_upmarket_card'},
      segment_by=['region']) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
