{#- Fails when the share of eligible predictions (older than label_delay) with a label is below min_coverage.
    Arguments: those of ml_monitor.label_coverage, forwarded as they are. -#}
{% test label_coverage(model, fail_on_no_data=none) %}
  {{ config(fail_calc=ml_monitor._fail_calc(fail_on_no_data), store_failures=true) }}
  {%- if execute %}
  {{ ml_monitor.label_coverage(model, **kwargs) }}
  {%- endif %}
{% endtest %}
