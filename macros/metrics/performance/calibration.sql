{#- Expected calibration error of a probability score against its labels, overall and per
    segment: ECE = sum over `bins` equal-width score bins of (n_bin / N) * |positive rate - mean score|.
    Bins are right-closed, (k/bins, (k+1)/bins], the first one includes 0, exactly as
    sklearn.calibration.calibration_curve(strategy='uniform'). The worst bin is named in the
    detail; ml_monitor.reliability_table(...) gives every bin.

    {{ ml_monitor.calibration(ref('predictions'), labels=ref('labels'), join_key='id',
         label_column='label', score_column='score', bins=10, max_ece=0.05) }}

    Everything else (label join, label_delay, window, segments, reference / max_drop,
    challenger) works as in ml_monitor.performance. -#}
{% macro calibration(relation, test='calibration') -%}
  {#- performance's arguments without the metric choice and the prediction inputs; max_ece is
      performance's max_value -#}
  {%- set accepted = ml_monitor._perf_arguments().keys() | reject('in', ['metric', 'prediction_column', 'decision_threshold', 'problem', 'score_columns', 'classes', 'per_class',
                       'min_value', 'max_value', 'challenger_prediction_column']) | list + ['max_ece'] -%}
  {%- set args = ml_monitor._perf_args(test, relation, kwargs, accepted) -%}
  {%- set max_ece = args.pop('max_ece', none) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_ece', max_ece, min=0, max=1) -%}
  {%- do args.update({'metric': 'ece', 'max_value': max_ece}) -%}
  {{ return(ml_monitor.performance(relation, test=test, **args)) }}
{%- endmacro %}
