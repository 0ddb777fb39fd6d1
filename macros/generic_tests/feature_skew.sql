{#- Fails when served feature values differ from the offline ones (training–serving skew):
    a feature's mismatch_rate or mean_abs_diff above its bound, or too many keys missing on one
    side or duplicated. Wraps ml_monitor.feature_skew. -#}
{% test feature_skew(model, offline, entity_key, features=none, column_name=none, event_time_key=none, kind=none,
                     abs_tolerance=0, rel_tolerance=0, max_mismatch_rate=0, max_mean_abs_diff=none,
                     max_missing_offline_rate=none, max_missing_serving_rate=none, max_duplicate_key_rate=0,
                     offline_where=none, n_examples=3, where=none, segment_by=none, timestamp_column=none,
                     window=none, min_rows=none, windows=none, fail_on=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'feature_skew', model)) }}
  {%- if execute %}
  {#- an argument not in the signature above (a misspelling) is an error for this test alone -#}
  {%- do ml_monitor._check_known_args('feature_skew', model, kwargs, ml_monitor.test_feature_skew) -%}
  {{ ml_monitor.feature_skew(model, offline=offline, entity_key=entity_key,
                             features=ml_monitor._monitored_columns('feature_skew', model, column_name, features, 'features'),
                             event_time_key=event_time_key, kind=kind, abs_tolerance=abs_tolerance,
                             rel_tolerance=rel_tolerance, max_mismatch_rate=max_mismatch_rate,
                             max_mean_abs_diff=max_mean_abs_diff, max_missing_offline_rate=max_missing_offline_rate,
                             max_missing_serving_rate=max_missing_serving_rate,
                             max_duplicate_key_rate=max_duplicate_key_rate, offline_where=offline_where,
                             n_examples=n_examples, where=where, segment_by=segment_by,
                             timestamp_column=timestamp_column, window=window, min_rows=min_rows,
                             windows=windows, fail_on=fail_on) }}
  {%- endif %}
{% endtest %}
