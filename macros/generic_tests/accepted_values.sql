{#- Fails when more than max_violation_rate of the non-null values are not in `values`.

    dbt has a built-in test of the same name, and an installed package's generic test outranks
    dbt's built-in one when a project names it without a namespace: a plain `accepted_values`
    would get this test's config (its fail_calc over observation rows) with dbt's SQL, and break.
    Declared without `ml_monitor.`, it is handed back to dbt's own, untouched. -#}
{% test accepted_values(model, column_name=none, values=none, max_violation_rate=none, where=none, segment_by=none,
                        timestamp_column=none, window=none, min_rows=none, windows=none, fail_on=none, anomaly=none, fail_on_no_data=none) %}
  {%- if not ml_monitor._declared_in_package() %}
  {{ adapter.dispatch('test_accepted_values', 'dbt')(model, column_name, values, kwargs.get('quote', true)) }}
  {%- else %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'accepted_values', model)) }}
  {%- if execute %}
  {#- an argument not in the signature above (a misspelling) is an error for this test alone -#}
  {%- do ml_monitor._check_known_args('accepted_values', model, kwargs, ml_monitor.test_accepted_values) -%}
  {{ ml_monitor.accepted_values(model, column_name, values=values, max_violation_rate=(max_violation_rate if max_violation_rate is not none else (1 if anomaly is not none else 0)),
                                where=where, segment_by=segment_by, timestamp_column=timestamp_column,
                                window=window, min_rows=min_rows, windows=windows, fail_on=fail_on, anomaly=anomaly) }}
  {%- endif %}
  {%- endif %}
{% endtest %}
