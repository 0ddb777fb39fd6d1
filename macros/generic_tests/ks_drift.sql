{#- Fails when the two-sample Kolmogorov-Smirnov statistic D of a numeric column against
    the reference exceeds `threshold` (default 0.1), or with statistic: ks_pvalue when its
    p-value falls below `threshold` (default 0.05). The other arguments are those of
    ml_monitor.ks, forwarded as they are. -#}
{% test ks_drift(model, column_name=none, columns=none, where=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'ks_drift', model)) }}
  {%- if execute %}
  {%- do ml_monitor._check_known_args('ks_drift', model, kwargs, ml_monitor.ks, ['column_name', 'fail_on_no_data']) -%}
  {%- set m = ml_monitor._drift_test_model(model, where) -%}
  {{ ml_monitor.ks(m.relation, ml_monitor._monitored_columns('ks_drift', m.relation, column_name, columns),
                   where=m.where, **kwargs) }}
  {%- endif %}
{% endtest %}
