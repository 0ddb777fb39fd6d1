{#- Fails when the score's PSI exceeds `threshold` (default 0.2) or the positive-prediction
    rate moves by more than `max_rate_shift` (absolute, default 0.1) or
    `max_relative_rate_shift` (relative, default: not checked). Place it under the score
    column or give score_column. The other arguments are those of ml_monitor.prediction_drift,
    forwarded as they are. -#}
{% test prediction_drift(model, column_name=none, score_column=none, where=none, fail_on_no_data=none) %}
  {{ config(**ml_monitor._test_config(fail_on_no_data, 'prediction_drift', model)) }}
  {%- if execute %}
  {%- do ml_monitor._check_known_args('prediction_drift', model, kwargs, ml_monitor.prediction_drift, ['column_name', 'fail_on_no_data']) -%}
  {%- set m = ml_monitor._drift_test_model(model, where) -%}
  {%- set score = score_column if score_column is not none else column_name -%}
  {%- if score is none -%}
    {{ ml_monitor._arg_error('prediction_drift', model, 'score_column', "is required: place the test under the score column or give score_column", "nothing") }}
  {%- endif %}
  {{ ml_monitor.prediction_drift(m.relation, score, where=m.where, **kwargs) }}
  {%- endif %}
{% endtest %}
