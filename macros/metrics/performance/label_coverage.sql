{#- Share of eligible predictions (older than label_delay, in the window) that have a label,
    overall and per segment; fails below min_coverage.

    {{ ml_monitor.label_coverage(ref('predictions'), labels=ref('labels'), join_key='id',
         label_column='label', label_timestamp_column='label_ts', timestamp_column='prediction_ts',
         label_delay={'period': 'day', 'count': 7}, min_coverage=0.9, segment_by=['region']) }} -#}
{% macro label_coverage(relation, test='label_coverage') -%}
  {%- set accepted = ['labels', 'join_key', 'label_column', 'min_coverage', 'label_timestamp_column', 'label_join_key',
                      'timestamp_column', 'label_delay', 'window', 'where', 'segment_by', 'min_rows', 'windows', 'fail_on', 'anomaly'] -%}
  {{ return(ml_monitor.performance(relation, test=test, **ml_monitor._perf_args(test, relation, kwargs, accepted))) }}
{%- endmacro %}
