{#- Fails when the score's PSI exceeds `threshold` (default 0.2) or the positive-prediction
    rate moves by more than `max_rate_shift` (absolute, default 0.1) or
    `max_relative_rate_shift` (relative, default: not checked). Place it under the score
    column or give score_column. -#}
{% test prediction_drift(model, column_name=none, score_column=none, prediction_column=none, positive_value=1,
                         score_threshold=none, reference=none, reference_where=none, reference_window=none,
                         threshold=0.2, max_rate_shift=0.1, max_relative_rate_shift=none, bins=10,
                         binning='quantile', where=none, segment_by=none, timestamp_column=none, window=none,
                         min_rows=none, fail_on_no_data=none) %}
  {{ config(fail_calc=ml_monitor._fail_calc(fail_on_no_data), store_failures=true) }}
  {%- if execute %}
  {%- set m = ml_monitor._drift_test_model(model, where) -%}
  {%- set score = score_column if score_column is not none else column_name -%}
  {%- if score is none -%}
    {{ ml_monitor._arg_error('prediction_drift', model, 'score_column', "is required: place the test under the score column or give score_column", "nothing") }}
  {%- endif %}
  {{ ml_monitor.prediction_drift(m.relation, score, prediction_column=prediction_column, positive_value=positive_value,
                                 score_threshold=score_threshold, reference=reference, reference_where=reference_where,
                                 reference_window=reference_window, threshold=threshold, max_rate_shift=max_rate_shift,
                                 max_relative_rate_shift=max_relative_rate_shift, bins=bins, binning=binning,
                                 where=m.where, segment_by=segment_by, timestamp_column=timestamp_column,
                                 window=window, min_rows=min_rows) }}
  {%- endif %}
{% endtest %}
