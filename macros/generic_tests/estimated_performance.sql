{#- Estimated performance (CBPE, binary classification) of predictions whose labels have not
    arrived, from a labelled reference, against min_value / max_drop / the band.
    See ml_monitor.estimated_performance. -#}
{% test estimated_performance(model, column_name=none, reference=none, label_column=none, score_column=none,
                              prediction_column=none, positive_label=1, metric=none,
                              timestamp_column=none, window=none, where=none, segment_by=none, min_rows=none,
                              reference_where=none, calibration='auto', calibration_map=none,
                              min_value=none, max_drop=none, threshold=none,
                              confusion_matrix=false, band_rows=false, windows=none, fail_on=none,
                              labels=none, join_key=none, label_join_key=none, label_timestamp_column=none,
                              fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'estimated_performance', model)) }}
  {%- if execute %}
  {#- an argument not in the signature above (a misspelling) is an error for this test alone -#}
  {%- do ml_monitor._check_known_args('estimated_performance', model, kwargs, ml_monitor.test_estimated_performance) -%}
  {{ ml_monitor.estimated_performance(model, reference=reference, label_column=label_column,
      score_column=score_column, prediction_column=prediction_column, positive_label=positive_label,
      metric=metric, timestamp_column=timestamp_column, window=window, where=where,
      segment_by=segment_by, min_rows=min_rows, reference_where=reference_where,
      calibration=calibration, calibration_map=calibration_map, min_value=min_value,
      max_drop=max_drop, threshold=threshold, confusion_matrix=confusion_matrix,
      band_rows=band_rows, column_name=column_name, windows=windows, fail_on=fail_on, labels=labels,
      join_key=join_key, label_join_key=label_join_key, label_timestamp_column=label_timestamp_column) }}
  {%- endif %}
{% endtest %}
