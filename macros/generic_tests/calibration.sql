{#- Fails when the expected calibration error of a probability score exceeds max_ece. -#}
{% test calibration(model, column_name=none, labels=none, join_key=none, label_column=none, score_column=none,
                    bins=10, max_ece=none, positive_label=1, label_timestamp_column=none, label_join_key=none,
                    timestamp_column=none, label_delay=none, window=none, where=none, segment_by=none,
                    min_rows=none, max_drop=none, reference=none, reference_where=none, reference_window=none,
                    challenger_score_column=none, model_version_column=none, champion_version=none,
                    challenger_version=none, paired=true, challenger_margin=none, min_coverage=none,
                    windows=none, fail_on=none, fail_on_no_data=none) %}
  {{ config(fail_calc=ml_monitor._fail_calc(fail_on_no_data), store_failures=true) }}
  {%- if execute %}
  {{ ml_monitor.calibration(model, labels=labels, join_key=join_key, label_column=label_column,
      score_column=score_column, bins=bins, max_ece=max_ece, positive_label=positive_label,
      label_timestamp_column=label_timestamp_column, label_join_key=label_join_key,
      timestamp_column=timestamp_column, label_delay=label_delay, window=window, where=where,
      segment_by=segment_by, min_rows=min_rows, max_drop=max_drop, reference=reference,
      reference_where=reference_where, reference_window=reference_window,
      challenger_score_column=challenger_score_column, model_version_column=model_version_column,
      champion_version=champion_version, challenger_version=challenger_version, paired=paired,
      challenger_margin=challenger_margin, min_coverage=min_coverage, column_name=column_name,
      windows=windows, fail_on=fail_on) }}
  {%- endif %}
{% endtest %}
