{#- Model performance on labelled predictions (accuracy, precision, recall, f1, roc_auc, pr_auc,
    log_loss, brier, ece, mae, rmse, mape, r2) by segment, against min_value / max_value, a
    reference (max_drop) or a champion (challenger_margin). Arguments: those of
    ml_monitor.performance (declared once in _perf_arguments), forwarded as they are. -#}
{% test performance(model, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'performance', model)) }}
  {%- if execute %}
  {{ ml_monitor.performance(model, **kwargs) }}
  {%- endif %}
{% endtest %}
