{#- Fails when the share of eligible predictions (older than label_delay) with a label is below min_coverage. -#}
{% test label_coverage(model, labels=none, join_key=none, label_column=none, min_coverage=none,
                       label_timestamp_column=none, label_join_key=none, timestamp_column=none, label_delay=none,
                       window=none, where=none, segment_by=none, min_rows=none, windows=none, fail_on=none,
                       fail_on_no_data=none) %}
  {{ config(fail_calc=ml_monitor._fail_calc(fail_on_no_data), store_failures=true) }}
  {%- if execute %}
  {{ ml_monitor.label_coverage(model, labels=labels, join_key=join_key, label_column=label_column,
      min_coverage=min_coverage, label_timestamp_column=label_timestamp_column, label_join_key=label_join_key,
      timestamp_column=timestamp_column, label_delay=label_delay, window=window, where=where,
      segment_by=segment_by, min_rows=min_rows, windows=windows, fail_on=fail_on) }}
  {%- endif %}
{% endtest %}
