{#- Wasserstein-1 (earth mover's) distance of one or more numeric columns, current window vs a
    reference, exact from the two empirical CDFs as scipy.stats.wasserstein_distance: the sum
    over the sorted distinct values v_i of both samples of |F_cur(v_i) - F_ref(v_i)| * (v_(i+1) - v_i).
    Computed in the same one scan per side as ml_monitor.ks (same arguments).

    statistic: wasserstein_norm (default, threshold 0.1): the distance divided by the reference's
               population standard deviation (numpy's std, ddof 0), floored at 0.001, as
               Evidently's "Wasserstein distance (normed)" test;
               wasserstein: the distance in the column's own units (threshold required).
    Fails when the value exceeds `threshold`.

    {{ ml_monitor.wasserstein(ref('predictions'), columns=['amount'], reference=ref('training_set')) }}
-#}
{% macro wasserstein(relation, columns, reference=none, reference_where=none, reference_window=none, baseline=none,
                     threshold=none, where=none, segment_by=none, timestamp_column=none, window=none, min_rows=none,
                     windows=none, fail_on=none, anomaly=none, statistic='wasserstein_norm', test='wasserstein_drift') -%}
  {%- do ml_monitor._check_choice(test, relation, 'statistic', statistic, ['wasserstein_norm', 'wasserstein']) -%}
  {{ return(ml_monitor._cdf_drift(test, statistic, relation, columns, reference, reference_where, reference_window, baseline,
                                   threshold, where, segment_by, timestamp_column, window, min_rows, windows, fail_on, anomaly)) }}
{%- endmacro %}
