{#- Expected calibration error of a probability score against its labels, overall and per
    segment: ECE = sum over `bins` equal-width score bins of (n_bin / N) * |positive rate - mean score|.
    Bins are right-closed, (k/bins, (k+1)/bins], the first one includes 0, exactly as
    sklearn.calibration.calibration_curve(strategy='uniform'). The worst bin is named in the
    detail; ml_monitor.reliability_table(...) gives every bin.

    {{ ml_monitor.calibration(ref('predictions'), labels=ref('labels'), join_key='id',
         label_column='label', score_column='score', bins=10, max_ece=0.05) }}

    Everything else (label join, label_delay, window, segments, reference / max_drop,
    challenger) works as in ml_monitor.performance. -#}
{% macro calibration(relation, labels=none, join_key=none, label_column=none, score_column=none, bins=10,
                     max_ece=none, positive_label=1, label_timestamp_column=none, label_join_key=none,
                     timestamp_column=none, label_delay=none, window=none, where=none, segment_by=none,
                     min_rows=none, max_drop=none, reference=none, reference_where=none, reference_window=none,
                     challenger_score_column=none, model_version_column=none, champion_version=none,
                     challenger_version=none, paired=true, challenger_margin=none, min_coverage=none,
                     column_name=none, windows=none, fail_on=none, test='calibration') -%}
  {%- do ml_monitor._check_number(test, relation, 'max_ece', max_ece, min=0, max=1) -%}
  {{ return(ml_monitor.performance(relation, metric='ece', labels=labels, join_key=join_key, label_column=label_column,
      score_column=score_column, positive_label=positive_label, label_timestamp_column=label_timestamp_column,
      label_join_key=label_join_key, timestamp_column=timestamp_column, label_delay=label_delay, window=window,
      where=where, segment_by=segment_by, min_rows=min_rows, max_value=max_ece, max_drop=max_drop,
      reference=reference, reference_where=reference_where, reference_window=reference_window,
      challenger_score_column=challenger_score_column, model_version_column=model_version_column,
      champion_version=champion_version, challenger_version=challenger_version, paired=paired,
      challenger_margin=challenger_margin, min_coverage=min_coverage, bins=bins, column_name=column_name,
      windows=windows, fail_on=fail_on, test=test)) }}
{%- endmacro %}
