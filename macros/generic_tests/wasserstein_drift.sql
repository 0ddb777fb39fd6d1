{#- Fails when a numeric column's Wasserstein-1 distance against the reference, normed by the
    reference's standard deviation (statistic: wasserstein_norm, default threshold 0.1), or in
    the column's units (statistic: wasserstein, threshold required), exceeds `threshold`. The
    other arguments are those of ml_monitor.wasserstein, forwarded as they are. -#}
{% test wasserstein_drift(model, column_name=none, columns=none, where=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'wasserstein_drift', model)) }}
  {%- if execute %}
  {%- do ml_monitor._check_known_args('wasserstein_drift', model, kwargs, ml_monitor.wasserstein, ['column_name', 'fail_on_no_data']) -%}
  {%- set m = ml_monitor._drift_test_model(model, where) -%}
  {{ ml_monitor.wasserstein(m.relation, ml_monitor._monitored_columns('wasserstein_drift', m.relation, column_name, columns),
                            where=m.where, **kwargs) }}
  {%- endif %}
{% endtest %}
