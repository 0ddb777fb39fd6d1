{#- Jensen-Shannon distance (base 2, between 0 and 1) of one or more columns, current
    window vs a reference, on the same bins as psi. Equal to
    scipy.spatial.distance.jensenshannon(current_shares, reference_shares, base=2).
    It is computed on the raw shares (0 * ln 0 = 0): no epsilon is needed or applied.

    {{ ml_monitor.js_distance(ref('predictions'), columns=['age'], reference=ref('training_set')) }}
-#}
{% macro js_distance(relation, columns, reference=none, reference_where=none, reference_window=none, baseline=none,
                     kind=none, bins=none, binning='quantile', epsilon=0.0001, include_nulls=false, max_categories=200,
                     threshold=none, where=none, segment_by=none, timestamp_column=none, window=none, min_rows=none,
                     windows=none, fail_on=none, anomaly=none, test='js_drift') -%}
  {%- if binning == 'evidently' -%}
    {{ ml_monitor._arg_error(test, relation, 'binning', "must be quantile or equal_width for js_drift (evidently is a PSI mode)", binning) }}
  {%- endif -%}
  {{ return(ml_monitor._binned_drift(test, 'js_distance', relation, columns, reference, reference_where, reference_window,
                                      baseline, kind, bins, binning, epsilon, include_nulls, max_categories, threshold,
                                      where, segment_by, timestamp_column, window, min_rows, windows, fail_on, anomaly)) }}
{%- endmacro %}
