{#- Fails when the expected calibration error of a probability score exceeds max_ece.
    Arguments: those of ml_monitor.calibration, forwarded as they are. -#}
{% test calibration(model, fail_on_no_data=none) %}
  {{ config(fail_calc=ml_monitor._fail_calc(fail_on_no_data), store_failures=true) }}
  {%- if execute %}
  {{ ml_monitor.calibration(model, **kwargs) }}
  {%- endif %}
{% endtest %}
