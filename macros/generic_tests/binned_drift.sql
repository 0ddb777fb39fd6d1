{#- Fails when a column's `statistic` on the psi bins crosses `threshold`: hellinger (default),
    total_variation, linf (categorical), psi, js_distance (fail above the threshold) or
    chi2_pvalue (categorical; fails below it, default 0.05). The other arguments are those of
    ml_monitor.binned_drift, forwarded as they are. -#}
{% test binned_drift(model, column_name=none, columns=none, where=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'binned_drift', model)) }}
  {%- if execute %}
  {%- do ml_monitor._check_known_args('binned_drift', model, kwargs, ml_monitor.binned_drift, ['column_name', 'fail_on_no_data']) -%}
  {%- set m = ml_monitor._drift_test_model(model, where) -%}
  {{ ml_monitor.binned_drift(m.relation, ml_monitor._monitored_columns('binned_drift', m.relation, column_name, columns),
                             where=m.where, **kwargs) }}
  {%- endif %}
{% endtest %}
