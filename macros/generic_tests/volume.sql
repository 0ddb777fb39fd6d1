{#- Fails when the row count of the window leaves [min_count, max_count], or its ratio to the mean
    of the previous `reference_periods` windows leaves [min_ratio, max_ratio]. -#}
{% test volume(model, timestamp_column=none, window=none, min_count=none, max_count=none, reference_periods=none,
               min_ratio=none, max_ratio=none, where=none, segment_by=none, windows=none, fail_on=none, anomaly=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'volume', model)) }}
  {%- if execute %}
  {#- an argument not in the signature above (a misspelling) is an error for this test alone -#}
  {%- do ml_monitor._check_known_args('volume', model, kwargs, ml_monitor.test_volume) -%}
  {{ ml_monitor.volume(model, timestamp_column, window, min_count=min_count, max_count=max_count,
                       reference_periods=reference_periods, min_ratio=min_ratio, max_ratio=max_ratio,
                       where=where, segment_by=segment_by, windows=windows, fail_on=fail_on, anomaly=anomaly) }}
  {%- endif %}
{% endtest %}
