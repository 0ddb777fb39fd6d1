{#- Share of eligible predictions (older than label_delay, in the window) that have a label,
    overall and per segment; fails below min_coverage.

    {{ ml_monitor.label_coverage(ref('predictions'), labels=ref('labels'), join_key='id',
         label_column='label', label_timestamp_column='label_ts', timestamp_column='prediction_ts',
         label_delay={'period': 'day', 'count': 7}, min_coverage=0.9, segment_by=['region']) }} -#}
{% macro label_coverage(relation, labels=none, join_key=none, label_column=none, min_coverage=none,
                        label_timestamp_column=none, label_join_key=none, timestamp_column=none, label_delay=none,
                        window=none, where=none, segment_by=none, min_rows=none, windows=none, fail_on=none,
                        test='label_coverage') -%}
  {{ return(ml_monitor.performance(relation, metric=none, labels=labels, join_key=join_key, label_column=label_column,
      label_timestamp_column=label_timestamp_column, label_join_key=label_join_key, timestamp_column=timestamp_column,
      label_delay=label_delay, window=window, where=where, segment_by=segment_by, min_rows=min_rows,
      min_coverage=min_coverage, windows=windows, fail_on=fail_on, test=test)) }}
{%- endmacro %}
