{#- Threshold metrics: computed from the confusion counts of a 0/1 prediction (the prediction
    column, or the score cut at decision_threshold). -#}
{% macro _perf_threshold_registry() -%}
  {{ return({
    'accuracy':  {'kind': 'classification', 'input': 'pred', 'higher': true},
    'precision': {'kind': 'classification', 'input': 'pred', 'higher': true},
    'recall':    {'kind': 'classification', 'input': 'pred', 'higher': true},
    'f1':        {'kind': 'classification', 'input': 'pred', 'higher': true},
    'specificity': {'kind': 'classification', 'input': 'pred', 'higher': true},
  }) }}
{%- endmacro %}

{% macro _perf_threshold_metric_sql(metric, spec=none) -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set s = ml_monitor._perf_s -%}
  {%- if metric == 'accuracy' -%}
    {{ return({'n_used': 'n_p', 'value': d('n_correct') ~ ' / ' ~ d('n_p'), 'reason': "null"}) }}
  {%- elif metric == 'precision' -%}
    {{ return({'n_used': 'n_p',
        'value': 'case when tp + fp > 0 then ' ~ d('tp') ~ ' / ' ~ d('tp + fp') ~ ' end',
        'reason': "'no predicted positives among ' || " ~ s('n_p') ~ " || ' labelled rows: precision undefined'"}) }}
  {%- elif metric == 'recall' -%}
    {{ return({'n_used': 'n_p',
        'value': 'case when tp + fn > 0 then ' ~ d('tp') ~ ' / ' ~ d('tp + fn') ~ ' end',
        'reason': "'no positive labels among ' || " ~ s('n_p') ~ " || ' labelled rows: recall undefined'"}) }}
  {%- elif metric == 'f1' -%}
    {{ return({'n_used': 'n_p',
        'value': 'case when 2 * tp + fp + fn > 0 then ' ~ d('2 * tp') ~ ' / ' ~ d('2 * tp + fp + fn') ~ ' end',
        'reason': "'no positive labels and no predicted positives among ' || " ~ s('n_p') ~ " || ' labelled rows: f1 undefined'"}) }}
  {%- elif metric == 'specificity' -%}
    {#- the recall of the negative class: TN / (TN + FP), negatives = n_p - tp - fn -#}
    {{ return({'n_used': 'n_p',
        'value': 'case when n_p - tp - fn > 0 then ' ~ d('n_p - tp - fn - fp') ~ ' / ' ~ d('n_p - tp - fn') ~ ' end',
        'reason': "'no negative labels among ' || " ~ s('n_p') ~ " || ' labelled rows: specificity undefined'"}) }}
  {%- endif -%}
{%- endmacro %}

{#- The confusion counts, summed in the one scan of mm_agg. -#}
{% macro _perf_threshold_parts(p, arms) -%}
  {%- set parts = {} -%}
  {%- if 'threshold' in p.families -%}
    {%- set aggregates %},
    sum(case when mm_use_p = 1 and mm_pred = 1 and mm_y = 1 then 1 else 0 end) as tp,
    sum(case when mm_use_p = 1 and mm_pred = 1 and mm_y = 0 then 1 else 0 end) as fp,
    sum(case when mm_use_p = 1 and mm_pred = 0 and mm_y = 1 then 1 else 0 end) as fn,
    sum(case when mm_use_p = 1 then mm_correct else 0 end) as n_correct,
    {#- a score cut at decision_threshold: NaN compares above every number in SQL engines (below
        in numpy), inf is a score no model should give; either makes the metrics undefined -#}
    sum(case when mm_use_p = 1 and {{ ml_monitor.is_non_finite('mm_score') if p.decision_threshold is not none else '1 = 0' }} then 1 else 0 end) as n_nonfinite_p
    {%- endset %}
    {%- set names = ['tp', 'fp', 'fn', 'n_correct', 'n_nonfinite_p'] -%}
    {%- do parts.update({'aggregates': aggregates, 'agg_names': names, 'columns': ml_monitor._perf_agg_columns(names)}) -%}
  {%- endif -%}
  {{ return(parts) }}
{%- endmacro %}
