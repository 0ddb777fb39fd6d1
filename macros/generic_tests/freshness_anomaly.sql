{#- Fails when the data is unusually stale: the age of the newest row at as_of (hours since the
    last row) against the ages at the end of the earlier windows (the usual gaps), with no fixed
    max_age needed: ml_monitor.freshness with window and `anomaly` (direction spike by default).
    The anomaly settings are given flat or as `anomaly: {...}`; every other argument is
    freshness's, forwarded as it is. -#}
{% test freshness_anomaly(model, timestamp_column=none, window=none, anomaly=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'freshness_anomaly', model)) }}
  {%- if execute %}
  {%- set split = ml_monitor._anomaly_split_args('freshness_anomaly', model, anomaly, kwargs, ml_monitor.freshness, {'direction': 'spike'}) -%}
  {%- if window is none -%}
    {%- do ml_monitor._arg_error('freshness_anomaly', model, 'window', 'is required: a mapping like {period: hour, count: 1} (the age is measured at each window end)', 'nothing') -%}
  {%- endif %}
  {{ ml_monitor.freshness(model, timestamp_column, window=window, anomaly=split.anomaly, test='freshness_anomaly', **split.rest) }}
  {%- endif %}
{% endtest %}
