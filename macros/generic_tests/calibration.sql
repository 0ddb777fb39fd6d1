{#- Fails when the expected calibration error of a probability score exceeds max_ece.
    Arguments: those of ml_monitor.calibration, forwarded as they are. -#}
{% test calibration(model, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'calibration', model)) }}
  {%- if execute %}
  {{ ml_monitor.calibration(model, **kwargs) }}
  {%- endif %}
{% endtest %}
