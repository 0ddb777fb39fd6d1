{#- Fails when the share of nulls in a column (or in each of `columns`) exceeds max_null_rate. -#}
{% test null_rate(model, column_name=none, columns=none, max_null_rate=none, where=none, segment_by=none,
                  timestamp_column=none, window=none, min_rows=none, windows=none, fail_on=none, anomaly=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'null_rate', model)) }}
  {%- if execute %}
  {#- an argument not in the signature above (a misspelling) is an error for this test alone -#}
  {%- do ml_monitor._check_known_args('null_rate', model, kwargs, ml_monitor.test_null_rate) -%}
  {{ ml_monitor.null_rate(model, ml_monitor._monitored_columns('null_rate', model, column_name, columns),
                          max_null_rate=(max_null_rate if max_null_rate is not none else (none if anomaly is not none else 0)), where=where, segment_by=segment_by,
                          timestamp_column=timestamp_column, window=window, min_rows=min_rows, windows=windows, fail_on=fail_on, anomaly=anomaly) }}
  {%- endif %}
{% endtest %}
