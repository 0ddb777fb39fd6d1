{#- CBPE, part 2: the one scan of the current rows. plan: see estimated_performance_fit.sql.
    bounds: {min_value, drop ({kind, amount} or none), band (bool)}. -#}
{% macro _cbpe_sql(scope, plan, metrics, score_sql, pred_sql, pos, bounds, confusion_matrix, band_rows) -%}
  {%- set d = ml_monitor.to_double -%}
  {%- set s = ml_monitor.to_string -%}
  {%- set c = ml_monitor.double_const -%}
  {%- set segs = scope.segments | map(attribute='sql') | list -%}
  {%- set valid = 'mm_score >= 0 and mm_score <= 1' ~ (' and mm_pred is not null' if pred_sql is not none else '') -%}
  {%- set cal = ml_monitor._cbpe_calibrated_sql(plan, 'mm_score') -%}
  {#- windows: N -> every step is also keyed by the row's window (mm_w, its start literal) -#}
  {%- set multi = scope.multi -%}
  {%- set seg_part = ('mm_w, ' if multi else '') ~ 'segment_column, segment_value' -%}
  {%- set cell_keys = ('mm_w, ' if multi else '') ~ 'mm_p, mm_yp' -%}
  {%- if plan.reason is not none -%}
    {%- set how = 'not estimated' -%}
  {%- elif plan.calibrated -%}
    {%- set how = 'scores calibrated by isotonic regression fitted on the reference ('
        ~ ((plan.points | length) ~ ' thresholds') ~ ((', held-out ECE ' ~ '%.4f' | format(plan.ece_before) ~ ' -> ' ~ '%.4f' | format(plan.ece_after)) if plan.ece_before is not none else ', calibration: isotonic') ~ ')' -%}
  {%- else -%}
    {%- set how = 'scores used as probabilities, not calibrated ('
        ~ (('held-out ECE ' ~ '%.4f' | format(plan.ece_before) ~ ' would become ' ~ '%.4f' | format(plan.ece_after) ~ ' after isotonic calibration')
           if plan.ece_before is not none else ('calibration: ' ~ plan.calibration)) ~ ')' -%}
  {%- endif -%}
  {#- reference rows the fit could not use: said in every row, as the current window's exclusions -#}
  {%- if plan.n_excluded -%}
    {%- set how = how ~ '; ' ~ plan.n_excluded ~ ' reference row' ~ ('s' if plan.n_excluded != 1 else '')
        ~ ' excluded (null or out-of-range score, null label or prediction)' -%}
  {%- endif -%}
  {%- set value_sql = {
      'accuracy': 'case when n_valid > 0 then (e_tp + e_tn) / ' ~ d('n_valid') ~ ' end',
      'precision': 'case when n_valid > 0 then case when e_tp + e_fp <> 0 then e_tp / (e_tp + e_fp) else 0 end end',
      'recall': 'case when n_valid > 0 then case when e_tp + e_fn <> 0 then e_tp / (e_tp + e_fn) else 0 end end',
      'specificity': 'case when n_valid > 0 then case when e_tn + e_fp <> 0 then e_tn / (e_tn + e_fp) else 0 end end',
      'f1': 'case when n_valid > 0 then case when e_tp + 0.5 * (e_fp + e_fn) <> 0 then e_tp / (e_tp + 0.5 * (e_fp + e_fn)) else 0 end end',
      'roc_auc': 'auc',
  } -%}
  {%- set rows = [] -%}
  {%- for m in metrics -%}
    {%- set se = plan.se.get(m) -%}
    {%- set sigma = ('case when n_valid > 0 then ' ~ c(se[0]) ~ ' / sqrt(' ~ d('n_valid') ~ ' * ' ~ c(se[1]) ~ ') end') if (se is not none and se[1] > 0) else d('null') -%}
    {%- do rows.append({'metric': m, 'value': value_sql[m], 'sigma': sigma, 'kind': 'estimate',
                        'baseline': plan.realized.get(m)}) -%}
    {%- if band_rows -%}
      {%- do rows.append({'metric': m ~ '_lower', 'value': value_sql[m], 'sigma': sigma, 'kind': 'lower', 'baseline': none}) -%}
      {%- do rows.append({'metric': m ~ '_upper', 'value': value_sql[m], 'sigma': sigma, 'kind': 'upper', 'baseline': none}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if confusion_matrix -%}
    {%- for cell, expr in [('estimated_true_positive', 'e_tp'), ('estimated_false_positive', 'e_fp'),
                           ('estimated_false_negative', 'e_fn'), ('estimated_true_negative', 'e_tn')] -%}
      {%- do rows.append({'metric': cell, 'value': 'case when n_valid > 0 then ' ~ expr ~ ' end', 'sigma': d('null'), 'kind': 'cell', 'baseline': none}) -%}
    {%- endfor -%}
  {%- endif -%}

with
-- the current rows: segments, the score as a double, the prediction
mm_source as (
  select {% for g in segs %}{{ g }}, {% endfor %}{{ d(score_sql) }} as mm_score, {{ pred_sql if pred_sql is not none else ml_monitor.to_bigint('null') }} as mm_pred
    {%- if multi %}, {{ scope.window_key_sql }} as mm_w{% endif %}
  from {{ scope.relation }}
  where {{ scope.filter }}
),
-- calibrated probability of each usable row (null scores / outside [0, 1] / no prediction: counted, excluded)
mm_rows as (
  select {% for g in segs %}{{ g }}, {% endfor %}{% if multi %}mm_w, {% endif %}
    case when mm_score is null then 1 else 0 end as mm_null,
    case when mm_score < 0 or mm_score > 1 then 1 else 0 end as mm_outside,
    case when {{ valid }} then {{ cal }} end as mm_p,
    {{ ('case when mm_pred = ' ~ pos ~ ' then 1 else 0 end') if pred_sql is not none else '0' }} as mm_yp
  from mm_source
),
-- one scan: rows per ([window,] segment, calibrated probability, predicted label)
mm_cells as (
  select {{ ml_monitor._segment_keys(scope, by_window=false) }}, {{ cell_keys }}, count(*) as n,
    sum(mm_null) as n_null, sum(mm_outside) as n_outside
  from mm_rows
  {%- if segs %}
  group by grouping sets (({{ cell_keys }}){% for g in segs %}, ({{ g }}, {{ cell_keys }}){% endfor %})
  {%- else %}
  group by {{ cell_keys }}
  {%- endif %}
),
-- the expected confusion matrix: each row adds p to TP (predicted positive) or FN, 1 - p to FP or TN
mm_seg as (
  select {{ seg_part }}, sum(n) as n_rows,
    sum(case when mm_p is not null then n else 0 end) as n_valid,
    sum(n_null) as n_null, sum(n_outside) as n_outside,
    sum(case when mm_p is not null and mm_yp = 1 then n * mm_p else 0 end) as e_tp,
    sum(case when mm_p is not null and mm_yp = 1 then n * (1 - mm_p) else 0 end) as e_fp,
    sum(case when mm_p is not null and mm_yp = 0 then n * mm_p else 0 end) as e_fn,
    sum(case when mm_p is not null and mm_yp = 0 then n * (1 - mm_p) else 0 end) as e_tn
  from mm_cells
  group by {{ seg_part }}
),
-- ROC AUC as NannyML estimates it: rows by descending score, TPR = cumulative p / total p,
-- FPR = cumulative (1 - p) / total (1 - p); rows of one calibrated value lie on one segment
mm_points as (
  select {{ seg_part }}, mm_p, sum(n * mm_p) as sp, sum(n * (1 - mm_p)) as sq
  from mm_cells
  where mm_p is not null
  group by {{ seg_part }}, mm_p
),
mm_curve as (
  select {{ seg_part }}, sp, sq,
    sum(sp) over (partition by {{ seg_part }} order by mm_p desc rows between unbounded preceding and current row) as tp_cum,
    sum(sp) over (partition by {{ seg_part }}) as p_tot,
    sum(sq) over (partition by {{ seg_part }}) as q_tot
  from mm_points
),
-- trapezoids: each segment spans sq / q_tot in FPR between TPR (tp_cum - sp) / p_tot and tp_cum / p_tot
mm_auc as (
  select {{ seg_part }},
    case when max(p_tot) > 0 and max(q_tot) > 0
      then sum(sq * (2 * tp_cum - sp)) / (2 * max(p_tot) * max(q_tot)) end as auc
  from mm_curve
  group by {{ seg_part }}
),
{%- if multi %}
mm_frame as (
  {{ ml_monitor._windows_frame_sql(scope) }}
),
-- every (window, segment) seen, plus the overall row of every window even when it is empty
mm_keys as (
  select window_start as mm_w, window_start, window_end, ml_window_label,
    {{ s('null') }} as segment_column, {{ s('null') }} as segment_value
  from mm_frame
  union all
  select f.window_start, f.window_start, f.window_end, f.ml_window_label, g.segment_column, g.segment_value
  from mm_seg as g
  join mm_frame as f on g.mm_w = f.window_start
  where g.segment_column is not null
),
{%- else %}
-- every segment seen, plus the overall row even when the window is empty
mm_keys as (
  select {{ s('null') }} as segment_column, {{ s('null') }} as segment_value
  union all
  select distinct {{ seg_part }} from mm_seg where segment_column is not null
),
{%- endif %}
mm_est as (
  select {% if multi %}k.mm_w, k.window_start, k.window_end, k.ml_window_label, {% endif %}k.segment_column, k.segment_value,
    coalesce(g.n_rows, 0) as n_rows, coalesce(g.n_valid, 0) as n_valid,
    coalesce(g.n_null, 0) as n_null, coalesce(g.n_outside, 0) as n_outside,
    g.e_tp, g.e_fp, g.e_fn, g.e_tn, a.auc
  from mm_keys as k
  left join mm_seg as g on {{ ml_monitor._perf_seg_match('g', 'k') }}{% if multi %} and g.mm_w = k.mm_w{% endif %}
  left join mm_auc as a on {{ ml_monitor._perf_seg_match('a', 'k') }}{% if multi %} and a.mm_w = k.mm_w{% endif %}
),
mm_values as (
  {%- for r in rows %}
  select {% if multi %}window_start, window_end, ml_window_label, {% endif %}segment_column, segment_value, n_rows, n_valid, n_null, n_outside,
    {{ s(ml_monitor.string_literal(r.metric)) }} as metric,
    {{ s(ml_monitor.string_literal(r.kind)) }} as kind,
    {{ d(r.value) }} as est,
    {{ d(r.sigma) }} as sigma,
    {{ c(r.baseline) if r.baseline is not none else d('null') }} as baseline_value
  from mm_est
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
),
-- NannyML's band: estimate +/- 3 sampling errors, clipped to [0, 1]
mm_band as (
  select v.*,
    case when est - 3 * sigma < 0 then 0 else est - 3 * sigma end as lower_bound,
    case when est + 3 * sigma > 1 then 1 else est + 3 * sigma end as upper_bound
  from mm_values as v
),
mm_long as (
  select
    {{ s(ml_monitor.string_literal(ml_monitor.unquoted(score_sql))) }} as column_name,
    segment_column, segment_value, metric,
    {%- if multi %}
    window_start, window_end, ml_window_label, '' as ml_window_note,
    {%- endif %}
    {%- if plan.reason is not none %}
    {{ d('null') }} as value,
    {%- else %}
    case kind when 'lower' then lower_bound when 'upper' then upper_bound else est end as value,
    {%- endif %}
    {{ ml_monitor._cbpe_threshold_sql(bounds) }} as threshold,
    baseline_value,
    n_valid as sample_size,
    {{ ml_monitor._cbpe_fail_sql(bounds) }} as is_fail,
    {{ ml_monitor._cbpe_detail_sql(how) }} as detail,
    {{ ml_monitor._cbpe_reason_sql(plan) }} as undefined_reason,
    {{ ml_monitor._cbpe_facts_sql(plan) }} as facts
  from mm_band
)
{{ ml_monitor._finalize_observations('estimated_performance', 'mm_long', scope, has_facts=true) }}
{%- endmacro %}

{#- The bound a metric row is held to: min_value, the max_drop bound under the reference's
    realized value (the stricter of the two when both are given). Band rows are never held. -#}
{% macro _cbpe_threshold_sql(bounds) -%}
  {%- set parts = [] -%}
  {%- if bounds.min_value is not none -%}{%- do parts.append(ml_monitor.double_literal(bounds.min_value)) -%}{%- endif -%}
  {%- if bounds.drop is not none -%}{%- do parts.append(ml_monitor._perf_bound_sql(bounds.drop, 'baseline_value', true)) -%}{%- endif -%}
  {%- if parts | length == 0 -%}{{ return(ml_monitor.to_double('null')) }}{%- endif -%}
  {%- set expr = parts[0] if parts | length == 1 else ml_monitor.greatest2(parts[0], parts[1]) -%}
  {{ return("case when kind = 'estimate' then " ~ expr ~ " end") }}
{%- endmacro %}

{#- fail: the estimate is below its threshold, or (threshold: band) the reference's realized
    value lies outside the estimate's band, i.e. the estimate moved further from the
    reference than sampling error explains. -#}
{% macro _cbpe_fail_sql(bounds) -%}
  {%- set conds = ['est < ' ~ ml_monitor._cbpe_threshold_sql(bounds)] if (bounds.min_value is not none or bounds.drop is not none) else [] -%}
  {%- if bounds.band -%}{%- do conds.append('(baseline_value < lower_bound or baseline_value > upper_bound)') -%}{%- endif -%}
  {%- if conds | length == 0 -%}{{ return('(1 = 0)') }}{%- endif -%}
  {{ return("(kind = 'estimate' and coalesce(" ~ (conds | join(' or ')) ~ ", false))") }}
{%- endmacro %}

{% macro _cbpe_detail_sql(how) -%}
  {%- set s = ml_monitor.to_string -%}
  {%- set f = ml_monitor._fmt -%}
  {{ return("case when kind = 'estimate' then 'estimated ' || " ~ f('est') ~ " || ' from ' || " ~ s('n_valid') ~ " || ' rows'"
      ~ " || case when sigma is not null then ', band [' || " ~ f('lower_bound') ~ " || ', ' || " ~ f('upper_bound') ~ " || '] (+/- 3 x sampling error ' || " ~ f('sigma', 6) ~ " || ')' else '' end"
      ~ " || case when baseline_value is not null then '; realized on the reference ' || " ~ f('baseline_value') ~ " else '' end"
      ~ " else 'estimated ' || " ~ f('est') ~ " end"
      ~ " || '; " ~ how | replace("'", "''") ~ "'"
      ~ " || case when n_null + n_outside > 0 then '; excluded ' || " ~ s('n_null') ~ " || ' null and ' || " ~ s('n_outside') ~ " || ' out-of-range scores' else '' end") }}
{%- endmacro %}

{#- facts (JSON): the estimate's band and sampling error, the calibration, the exclusions. -#}
{% macro _cbpe_facts_sql(plan) -%}
  {%- set n = ml_monitor.json_number -%}
  {%- set i = ml_monitor.json_int -%}
  {%- set how = {'calibrated': plan.calibrated, 'calibration': plan.calibration, 'thresholds': plan.points | length,
                 'ece_before': plan.ece_before, 'ece_after': plan.ece_after, 'reference_rows': plan.n_ref,
                 'reference_excluded': plan.n_excluded} -%}
  {{ return("'{\"estimate\":' || " ~ n('est') ~ " || ',\"lower\":' || " ~ n('lower_bound') ~ " || ',\"upper\":' || " ~ n('upper_bound')
      ~ " || ',\"sampling_error\":' || " ~ n('sigma') ~ " || ',\"realized_reference\":' || " ~ n('baseline_value')
      ~ " || ',\"rows\":' || " ~ i('n_rows') ~ " || ',\"excluded_null\":' || " ~ i('n_null') ~ " || ',\"excluded_outside\":' || " ~ i('n_outside')
      ~ " || ',\"calibration\":' || " ~ ml_monitor.json_literal(how) ~ " || '}'") }}
{%- endmacro %}

{% macro _cbpe_reason_sql(plan) -%}
  {%- if plan.reason is not none -%}{{ return(ml_monitor.string_literal(plan.reason)) }}{%- endif -%}
  {{ return("case when n_rows = 0 then null when n_valid = 0 then 'no usable score: ' || " ~ ml_monitor.to_string('n_null') ~ " || ' null and ' || "
      ~ ml_monitor.to_string('n_outside') ~ " || ' outside [0, 1] of ' || " ~ ml_monitor.to_string('n_rows') ~ " || ' rows'"
      ~ " when est is null then 'undefined: the calibrated probabilities are all 0 or all 1' end") }}
{%- endmacro %}
