{#- Fails when a column's Jensen-Shannon distance (base 2) against the reference exceeds
    `threshold` (default 0.1). Same bins as psi_drift. The other arguments are those of
    ml_monitor.js_distance, forwarded as they are. -#}
{% test js_drift(model, column_name=none, columns=none, where=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'js_drift', model)) }}
  {%- if execute %}
  {%- do ml_monitor._check_known_args('js_drift', model, kwargs, ml_monitor.js_distance, ['column_name', 'fail_on_no_data']) -%}
  {%- set m = ml_monitor._drift_test_model(model, where) -%}
  {{ ml_monitor.js_distance(m.relation, ml_monitor._monitored_columns('js_drift', m.relation, column_name, columns),
                            where=m.where, **kwargs) }}
  {%- endif %}
{% endtest %}
