{#- Probability metrics: the score read as the probability of the positive label, in [0, 1]. -#}
{% macro _perf_prob_registry() -%}
  {{ return({
    'log_loss': {'kind': 'classification', 'input': 'prob', 'higher': false},
    'brier':    {'kind': 'classification', 'input': 'prob', 'higher': false},
    'ece':      {'kind': 'classification', 'input': 'prob', 'higher': false},
  }) }}
{%- endmacro %}

{#- Probabilities are clipped to [eps, 1 - eps] before the logarithm, eps = float64 machine
    epsilon (2**-52), exactly as scikit-learn >= 1.5 does in log_loss. -#}
{% macro _perf_log_loss_eps() %}{{ return('2.220446049250313e-16') }}{% endmacro %}

{% macro _perf_prob_metric_sql(metric, spec=none) -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set s = ml_monitor._perf_s -%}
  {%- set probs_bad = "case when n_nonfinite > 0 then " ~ s('n_nonfinite') ~ " || ' of ' || " ~ s('n_s') ~ " || ' labelled scores are NaN or infinite: " ~ metric ~ " undefined' "
        ~ "when n_outside > 0 then " ~ s('n_outside') ~ " || ' of ' || " ~ s('n_s') ~ " || ' labelled scores are outside [0, 1] (min ' || "
        ~ ml_monitor._fmt('s_min') ~ " || ', max ' || " ~ ml_monitor._fmt('s_max') ~ " || '): " ~ metric ~ " needs probabilities' end" -%}
  {%- if metric == 'log_loss' -%}
    {{ return({'n_used': 'n_s', 'value': 'case when n_outside = 0 then ll_sum / ' ~ d('n_s') ~ ' end', 'reason': probs_bad}) }}
  {%- elif metric == 'brier' -%}
    {{ return({'n_used': 'n_s', 'value': 'case when n_outside = 0 then bs_sum / ' ~ d('n_s') ~ ' end', 'reason': probs_bad}) }}
  {%- elif metric == 'ece' -%}
    {{ return({'n_used': 'n_s', 'value': 'case when n_outside = 0 then ece_sum / ' ~ d('ece_n') ~ ' end', 'reason': probs_bad,
        'note': "case when ece_worst is not null then '; ' || ece_worst else '' end",
        'facts': "',\"reliability\":' || coalesce(ece_bins, '[]')"}) }}
  {%- endif -%}
{%- endmacro %}

{#- log loss and Brier sums in the one scan of mm_agg; the ECE from its own score bins
    (CTEs mm_binned, mm_bins, mm_bins_ranked, mm_ece, joined into mm_metrics as e). -#}
{% macro _perf_prob_parts(p, arms) -%}
  {%- set parts = {} -%}
  {%- if 'prob' not in p.families -%}{{ return(parts) }}{%- endif -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set s = ml_monitor._perf_s -%}
  {%- set bins = p.bins -%}
  {%- set valid_prob = ml_monitor._perf_valid_prob() -%}
  {%- set eps = ml_monitor._perf_log_loss_eps() -%}
  {%- set one_minus_eps = '(1 - ' ~ d(eps) ~ ')' -%}
  {%- set aggregates %}
    {%- if 'log_loss' in p.metrics %},
    -- probabilities clipped to [eps, 1 - eps] (eps = 2**-52), as scikit-learn's log_loss
    sum(case when mm_use_s = 1 and {{ valid_prob }} then
      case when mm_y = 1
        then -{{ ml_monitor.ln('case when mm_score < ' ~ d(eps) ~ ' then ' ~ d(eps) ~ ' when mm_score > ' ~ one_minus_eps ~ ' then ' ~ one_minus_eps ~ ' else mm_score end') }}
        else -{{ ml_monitor.ln('case when 1 - mm_score < ' ~ d(eps) ~ ' then ' ~ d(eps) ~ ' when 1 - mm_score > ' ~ one_minus_eps ~ ' then ' ~ one_minus_eps ~ ' else 1 - mm_score end') }}
      end
    end) as ll_sum
    {%- endif %}
    {%- if 'brier' in p.metrics %},
    sum(case when mm_use_s = 1 and {{ valid_prob }} then (mm_score - mm_y) * (mm_score - mm_y) end) as bs_sum
    {%- endif %}
  {%- endset %}
  {%- set names = (['ll_sum'] if 'log_loss' in p.metrics else []) + (['bs_sum'] if 'brier' in p.metrics else []) -%}
  {%- set columns = ml_monitor._perf_agg_columns(names) -%}
  {%- do parts.update({'aggregates': aggregates, 'columns': columns, 'agg_names': names}) -%}
  {%- if 'ece' in p.metrics -%}
    {%- set wk = ml_monitor._perf_k(p) -%}
    {%- set ctes %}

-- equal-width score bins, right-closed like sklearn.calibration.calibration_curve
mm_binned as (
  select
    mm_scored.*,
    {{ ml_monitor._perf_score_bin('mm_score', bins) }} as mm_bin
  from mm_scored
  where mm_use_s = 1 and {{ valid_prob }}
),

mm_bins as (
  select
    {{ wk }}mm_arm,
    {{ ml_monitor._segment_keys(p.scope, by_window=false) }},
    mm_bin,
    count(*) as n_b,
    {{ d('sum(mm_y)') }} as y_b,
    sum(mm_score) as s_b
  from mm_binned
  {{ ml_monitor._perf_group_by(p.scope, wk ~ 'mm_arm, mm_bin') }}
),

-- the bin that contributes most to the ECE, for the detail
mm_bins_ranked as (
  select
    mm_bins.*,
    row_number() over (partition by {{ wk }}mm_arm, segment_column, segment_value
                       order by abs(y_b - s_b) desc, mm_bin) as mm_worst
  from mm_bins
),

-- ECE = sum over bins of |sum y - sum score| / N  (= sum n_b / N * |mean y - mean score|)
mm_ece as (
  select
    {{ wk }}mm_arm, segment_column, segment_value,
    sum(abs(y_b - s_b)) as ece_sum,
    sum(n_b) as ece_n,
    max(case when mm_worst = 1 then
      'worst bin ' || {{ ml_monitor._fmt('mm_bin * ' ~ d('1.0') ~ ' / ' ~ bins, 3) }} || '-' || {{ ml_monitor._fmt('(mm_bin + 1) * ' ~ d('1.0') ~ ' / ' ~ bins, 3) }}
      || ': mean score ' || {{ ml_monitor._fmt('s_b / n_b') }} || ', positive rate ' || {{ ml_monitor._fmt('y_b / n_b') }}
      || ' (' || {{ s('n_b') }} || ' rows)'
    end) as ece_worst,
    -- the reliability table (every non-empty bin), for the facts column
    {{ ml_monitor.json_array_agg(
         "'{\"bin\":' || " ~ ml_monitor.json_int('mm_bin')
         ~ " || ',\"lower\":' || " ~ ml_monitor.json_number('mm_bin * ' ~ d('1.0') ~ ' / ' ~ bins)
         ~ " || ',\"upper\":' || " ~ ml_monitor.json_number('(mm_bin + 1) * ' ~ d('1.0') ~ ' / ' ~ bins)
         ~ " || ',\"n\":' || " ~ ml_monitor.json_int('n_b')
         ~ " || ',\"mean_score\":' || " ~ ml_monitor.json_number('s_b / n_b')
         ~ " || ',\"fraction_positive\":' || " ~ ml_monitor.json_number('y_b / n_b') ~ " || '}'", 'mm_bin') }} as ece_bins
  from mm_bins_ranked
  group by {{ wk }}mm_arm, segment_column, segment_value
),
    {%- endset %}
    {%- set joins %}
  left join mm_ece as e on {{ ml_monitor._perf_kmatch(p, 'g', 'e') }}g.mm_arm = e.mm_arm and {{ ml_monitor._perf_seg_match('g', 'e') }}
    {%- endset %}
    {%- do parts.update({'ctes': ctes, 'columns': columns ~ ', e.ece_sum, e.ece_n, e.ece_worst, e.ece_bins', 'joins': joins}) -%}
  {%- endif -%}
  {{ return(parts) }}
{%- endmacro %}
