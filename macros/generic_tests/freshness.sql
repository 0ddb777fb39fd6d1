{#- Fails when the newest `timestamp_column` value is older than max_age at ml_monitor_as_of
    (with window + windows / anomaly: the age at each window's end, see ml_monitor.freshness). -#}
{% test freshness(model, timestamp_column=none, max_age=none, where=none, segment_by=none, min_rows=none,
                  window=none, windows=none, fail_on=none, anomaly=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'freshness', model)) }}
  {%- if execute %}
  {#- an argument not in the signature above (a misspelling) is an error for this test alone -#}
  {%- do ml_monitor._check_known_args('freshness', model, kwargs, ml_monitor.test_freshness) -%}
  {%- if max_age is none and anomaly is none -%}
    {%- do ml_monitor._arg_error('freshness', model, 'max_age', 'is required (or anomaly): a mapping like {period: hour, count: 6}', 'nothing') -%}
  {%- endif %}
  {{ ml_monitor.freshness(model, timestamp_column, max_age=max_age, where=where, segment_by=segment_by,
                          min_rows=min_rows, window=window, windows=windows, fail_on=fail_on, anomaly=anomaly) }}
  {%- endif %}
{% endtest %}
