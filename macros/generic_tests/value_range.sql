{#- Fails when more than max_violation_rate of the non-null values fall outside
    [min_value, max_value] (NaN and ±inf always count as outside). -#}
{% test value_range(model, column_name=none, columns=none, min_value=none, max_value=none, inclusive=true,
                    max_violation_rate=none, where=none, segment_by=none, timestamp_column=none, window=none,
                    min_rows=none, windows=none, fail_on=none, anomaly=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'value_range', model)) }}
  {%- if execute %}
  {#- an argument not in the signature above (a misspelling) is an error for this test alone -#}
  {%- do ml_monitor._check_known_args('value_range', model, kwargs, ml_monitor.test_value_range) -%}
  {{ ml_monitor.value_range(model, ml_monitor._monitored_columns('value_range', model, column_name, columns),
                            min_value=min_value, max_value=max_value, inclusive=inclusive,
                            max_violation_rate=(max_violation_rate if max_violation_rate is not none else (1 if anomaly is not none else 0)), where=where, segment_by=segment_by,
                            timestamp_column=timestamp_column, window=window, min_rows=min_rows, windows=windows, fail_on=fail_on, anomaly=anomaly) }}
  {%- endif %}
{% endtest %}
