{#- Fails when the two-sample Kolmogorov-Smirnov statistic D of a numeric column against
    the reference exceeds `threshold` (default 0.1). reference: previous_window compares each
    window (windows: N) with the one before it. -#}
{% test ks_drift(model, column_name=none, columns=none, reference=none, reference_where=none, reference_window=none,
                 threshold=0.1, where=none, segment_by=none, timestamp_column=none, window=none, min_rows=none,
                 windows=none, fail_on=none, fail_on_no_data=none) %}
  {{ config(fail_calc=ml_monitor._fail_calc(fail_on_no_data), store_failures=true) }}
  {%- if execute %}
  {%- set m = ml_monitor._drift_test_model(model, where) -%}
  {{ ml_monitor.ks(m.relation, ml_monitor._monitored_columns('ks_drift', m.relation, column_name, columns),
                   reference=reference, reference_where=reference_where, reference_window=reference_window,
                   threshold=threshold, where=m.where, segment_by=segment_by, timestamp_column=timestamp_column,
                   window=window, min_rows=min_rows, windows=windows, fail_on=fail_on) }}
  {%- endif %}
{% endtest %}
