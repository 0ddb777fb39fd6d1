{#- Fails when a prediction service misses its SLOs in the window: latency percentiles above
    max_p50_ms / max_p95_ms / max_p99_ms, error rate above max_error_rate, throughput below
    min_throughput / min_throughput_per_second. Wraps ml_monitor.serving_slo. -#}
{% test serving_slo(model, column_name=none, latency_column=none, status_column=none, error_values=none,
                    max_p50_ms=none, max_p95_ms=none, max_p99_ms=none, max_error_rate=none,
                    min_throughput=none, min_throughput_per_second=none, where=none, segment_by=none,
                    timestamp_column=none, window=none, min_rows=none, windows=none, fail_on=none,
                    fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'serving_slo', model)) }}
  {%- if execute %}
  {#- an argument not in the signature above (a misspelling) is an error for this test alone -#}
  {%- do ml_monitor._check_known_args('serving_slo', model, kwargs, ml_monitor.test_serving_slo) -%}
  {{ ml_monitor.serving_slo(model, latency_column=latency_column if latency_column is not none else column_name,
                            status_column=status_column, error_values=error_values, max_p50_ms=max_p50_ms,
                            max_p95_ms=max_p95_ms, max_p99_ms=max_p99_ms, max_error_rate=max_error_rate,
                            min_throughput=min_throughput, min_throughput_per_second=min_throughput_per_second,
                            where=where, segment_by=segment_by, timestamp_column=timestamp_column,
                            window=window, min_rows=min_rows, windows=windows, fail_on=fail_on) }}
  {%- endif %}
{% endtest %}
