{#- Fails when a column's distinct count leaves [min_distinct, max_distinct], or when more than
    max_new_categories distinct values are absent from the reference. -#}
{% test cardinality(model, column_name=none, columns=none, min_distinct=none, max_distinct=none,
                    reference=none, reference_where=none, max_new_categories=0, where=none, segment_by=none,
                    timestamp_column=none, window=none, min_rows=none, windows=none, fail_on=none, anomaly=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'cardinality', model)) }}
  {%- if execute %}
  {#- an argument not in the signature above (a misspelling) is an error for this test alone -#}
  {%- do ml_monitor._check_known_args('cardinality', model, kwargs, ml_monitor.test_cardinality) -%}
  {{ ml_monitor.cardinality(model, ml_monitor._monitored_columns('cardinality', model, column_name, columns),
                            min_distinct=min_distinct, max_distinct=max_distinct, reference=reference,
                            reference_where=reference_where, max_new_categories=max_new_categories,
                            where=where, segment_by=segment_by, timestamp_column=timestamp_column,
                            window=window, min_rows=min_rows, windows=windows, fail_on=fail_on, anomaly=anomaly) }}
  {%- endif %}
{% endtest %}
