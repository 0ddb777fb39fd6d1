{#- Model performance on labelled predictions (accuracy, precision, recall, f1, roc_auc, pr_auc,
    log_loss, brier, ece, mae, rmse, mape, r2) by segment, against min_value / max_value, a
    reference (max_drop) or a champion (challenger_margin). See ml_monitor.performance. -#}
{% test performance(model, column_name=none, metric=none, labels=none, join_key=none, label_column=none,
                    score_column=none, prediction_column=none, positive_label=1, decision_threshold=none,
                    label_timestamp_column=none, label_join_key=none, timestamp_column=none, label_delay=none,
                    window=none, where=none, segment_by=none, min_rows=none,
                    min_value=none, max_value=none, max_drop=none,
                    reference=none, reference_where=none, reference_window=none,
                    challenger_score_column=none, challenger_prediction_column=none,
                    model_version_column=none, champion_version=none, challenger_version=none, paired=true,
                    challenger_margin=none, min_coverage=none, bins=10, windows=none, fail_on=none,
                    fail_on_no_data=none) %}
  {{ config(fail_calc=ml_monitor._fail_calc(fail_on_no_data), store_failures=true) }}
  {%- if execute %}
  {{ ml_monitor.performance(model, metric=metric, labels=labels, join_key=join_key, label_column=label_column,
      score_column=score_column, prediction_column=prediction_column, positive_label=positive_label,
      decision_threshold=decision_threshold, label_timestamp_column=label_timestamp_column,
      label_join_key=label_join_key, timestamp_column=timestamp_column, label_delay=label_delay,
      window=window, where=where, segment_by=segment_by, min_rows=min_rows,
      min_value=min_value, max_value=max_value, max_drop=max_drop,
      reference=reference, reference_where=reference_where, reference_window=reference_window,
      challenger_score_column=challenger_score_column, challenger_prediction_column=challenger_prediction_column,
      model_version_column=model_version_column, champion_version=champion_version,
      challenger_version=challenger_version, paired=paired, challenger_margin=challenger_margin,
      min_coverage=min_coverage, bins=bins, column_name=column_name,
      windows=windows, fail_on=fail_on) }}
  {%- endif %}
{% endtest %}
