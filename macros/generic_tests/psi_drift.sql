{#- Fails when a column's PSI against the reference exceeds `threshold` (default 0.2;
    binning: evidently -> fails at psi >= 0.1 like Evidently). -#}
{% test psi_drift(model, column_name=none, columns=none, reference=none, reference_where=none, reference_window=none,
                  baseline=none, kind=none, bins=none, binning='quantile', epsilon=0.0001, include_nulls=false,
                  max_categories=200, threshold=none, where=none, segment_by=none, timestamp_column=none,
                  window=none, min_rows=none, windows=none, fail_on=none, fail_on_no_data=none) %}
  {{ config(fail_calc=ml_monitor._fail_calc(fail_on_no_data), store_failures=true) }}
  {%- if execute %}
  {%- set m = ml_monitor._drift_test_model(model, where) -%}
  {{ ml_monitor.psi(m.relation, ml_monitor._monitored_columns('psi_drift', m.relation, column_name, columns),
                    reference=reference, reference_where=reference_where, reference_window=reference_window,
                    baseline=baseline, kind=kind, bins=bins, binning=binning, epsilon=epsilon,
                    include_nulls=include_nulls, max_categories=max_categories, threshold=threshold,
                    where=m.where, segment_by=segment_by, timestamp_column=timestamp_column, window=window,
                    min_rows=min_rows, windows=windows, fail_on=fail_on) }}
  {%- endif %}
{% endtest %}
