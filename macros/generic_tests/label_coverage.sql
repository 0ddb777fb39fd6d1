{#- Fails when the share of eligible predictions (older than label_delay) with a label is below min_coverage.
    Arguments: those of ml_monitor.label_coverage, forwarded as they are. -#}
{% test label_coverage(model, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'label_coverage', model)) }}
  {%- if execute %}
  {{ ml_monitor.label_coverage(model, **kwargs) }}
  {%- endif %}
{% endtest %}
