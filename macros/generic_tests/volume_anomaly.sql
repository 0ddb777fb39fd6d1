{#- Fails when the newest window's row count is anomalous against the earlier windows (no fixed
    bound needed): ml_monitor.volume with `anomaly`. The anomaly settings (method, sensitivity,
    training_windows, ... see docs/anomaly-detection.md) are given flat or as `anomaly: {...}`;
    every other argument is volume's, forwarded as it is. -#}
{% test volume_anomaly(model, timestamp_column=none, window=none, anomaly=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'volume_anomaly', model)) }}
  {%- if execute %}
  {%- set split = ml_monitor._anomaly_split_args('volume_anomaly', model, anomaly, kwargs, ml_monitor.volume) -%}
  {{ ml_monitor.volume(model, timestamp_column, window, anomaly=split.anomaly, test='volume_anomaly', **split.rest) }}
  {%- endif %}
{% endtest %}
