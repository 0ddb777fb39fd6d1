{#- Fails when a column's PSI against the reference exceeds `threshold` (default 0.2;
    binning: evidently -> fails at psi >= 0.1 like Evidently). The other arguments are those of
    ml_monitor.psi, forwarded as they are. -#}
{% test psi_drift(model, column_name=none, columns=none, where=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'psi_drift', model)) }}
  {%- if execute %}
  {%- do ml_monitor._check_known_args('psi_drift', model, kwargs, ml_monitor.psi, ['column_name', 'fail_on_no_data']) -%}
  {%- set m = ml_monitor._drift_test_model(model, where) -%}
  {{ ml_monitor.psi(m.relation, ml_monitor._monitored_columns('psi_drift', m.relation, column_name, columns),
                    where=m.where, **kwargs) }}
  {%- endif %}
{% endtest %}
