{#- Fails when a training set (or feature / label table) leaks: feature values known only after
    the prediction's cutoff (leakage_rate above max_leakage_rate) or labels timestamped before it
    (target_leakage_rate above max_target_leakage_rate), or values that differ from the feature
    history's version valid at the cutoff (as_of_mismatch_rate above max_as_of_mismatch_rate). Wraps ml_monitor.point_in_time. -#}
{% test point_in_time(model, cutoff_column, feature_time_columns=none, column_name=none, label_time_column=none,
                      max_leakage_rate=0, max_target_leakage_rate=0, feature_history=none, entity_key=none,
                      valid_from=none, valid_to=none, history_features=none, max_as_of_mismatch_rate=none,
                      where=none, segment_by=none, timestamp_column=none, window=none, min_rows=none,
                      windows=none, fail_on=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'point_in_time', model)) }}
  {#- with a feature history, any value differing from the one valid at the cutoff fails by default -#}
  {%- if execute %}
  {#- an argument not in the signature above (a misspelling) is an error for this test alone -#}
  {%- do ml_monitor._check_known_args('point_in_time', model, kwargs, ml_monitor.test_point_in_time) -%}
  {{ ml_monitor.point_in_time(model, cutoff_column=cutoff_column,
                              feature_time_columns=feature_time_columns if feature_time_columns is not none else column_name,
                              label_time_column=label_time_column, max_leakage_rate=max_leakage_rate,
                              max_target_leakage_rate=max_target_leakage_rate, feature_history=feature_history,
                              entity_key=entity_key, valid_from=valid_from, valid_to=valid_to,
                              history_features=history_features,
                              max_as_of_mismatch_rate=max_as_of_mismatch_rate if (max_as_of_mismatch_rate is not none or feature_history is none) else 0,
                              where=where, segment_by=segment_by, timestamp_column=timestamp_column, window=window,
                              min_rows=min_rows, windows=windows, fail_on=fail_on) }}
  {%- endif %}
{% endtest %}
