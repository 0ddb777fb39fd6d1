{#- Rank metrics: exact ROC AUC and average precision from the order of the scores. -#}
{% macro _perf_rank_registry() -%}
  {{ return({
    'roc_auc': {'kind': 'classification', 'input': 'score', 'higher': true},
    'pr_auc':  {'kind': 'classification', 'input': 'score', 'higher': true},
  }) }}
{%- endmacro %}

{% macro _perf_rank_metric_sql(metric, spec=none) -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set s = ml_monitor._perf_s -%}
  {%- set nonfinite = "case when n_nonfinite > 0 then " ~ s('n_nonfinite') ~ " || ' of ' || " ~ s('n_s') ~ " || ' labelled scores are NaN or infinite: " ~ metric ~ " undefined' " -%}
  {%- if metric == 'roc_auc' -%}
    {{ return({'n_used': 'n_s',
        'value': 'case when n_nonfinite = 0 and n_pos_s > 0 and n_pos_s < n_s then auc_u / (' ~ d('n_pos_s') ~ ' * ' ~ d('n_s - n_pos_s') ~ ') end',
        'reason': nonfinite ~ "else 'only one class among ' || " ~ s('n_s') ~ " || ' labelled rows (' || " ~ s('n_pos_s') ~ " || ' positive): roc_auc undefined' end"}) }}
  {%- elif metric == 'pr_auc' -%}
    {{ return({'n_used': 'n_s',
        'value': 'case when n_nonfinite = 0 and n_pos_s > 0 then ap_sum / ' ~ d('n_pos_s') ~ ' end',
        'reason': nonfinite ~ "else 'no positive labels among ' || " ~ s('n_s') ~ " || ' labelled rows: pr_auc undefined' end"}) }}
  {%- endif -%}
{%- endmacro %}

{#- CTEs mm_ranked, mm_rank_sums, mm_rank: the Mann-Whitney U (auc_u) and the average-precision
    sum (ap_sum) per (arm, segment), joined into mm_metrics as r. -#}
{% macro _perf_rank_parts(p, arms) -%}
  {%- set parts = {} -%}
  {%- if 'rank' not in p.families -%}{{ return(parts) }}{%- endif -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set pr = 'pr_auc' in p.metrics -%}
  {%- set ctes %}

-- exact ROC AUC and average precision from ranks: one sort per (arm[, segment]) and direction.
-- rank() ascending is 1 + the rows scored lower, descending 1 + the rows scored higher, so a
-- row's tie-averaged rank is (asc - desc + N + 1) / 2 and the Mann-Whitney
-- U = sum over positives of that rank - P (P + 1) / 2 (tied pairs count 1/2).
-- Average precision: at a positive's score, rows scored at or above it = N + 1 - asc, and
-- positives at or above it = P + 1 - (its ascending rank among positives).
mm_ranked as (
  select
    {{ ml_monitor._perf_rank_keys(p) }}
    {%- for i, c in p.seg_groups %}
    {%- set keys = ml_monitor._perf_rank_partition(arms, c) %}
    {%- set part = ('partition by ' ~ (keys | join(', ')) ~ ' ') if keys else '' %},
    rank() over ({{ part }}order by mm_score) as mm_r{{ i }}_asc,
    rank() over ({{ part }}order by mm_score desc) as mm_r{{ i }}_desc
    {%- if pr %},
    rank() over (partition by {{ (keys + ['mm_y']) | join(', ') }} order by mm_score) as mm_q{{ i }}_asc,
    count(*) over ({{ part | trim }}) as mm_n{{ i }},
    sum(mm_y) over ({{ part | trim }}) as mm_p{{ i }}
    {%- endif %}
    {%- endfor %}
  from mm_scored
  where mm_use_s = 1 and not {{ ml_monitor.is_non_finite('mm_score') }}
),

-- rank sums per (arm, segment): each grouping set uses the ranks of its own partition
mm_rank_sums as (
  select
    mm_arm,
    {{ ml_monitor._segment_keys(p.scope) }},
    count(*) as n_r,
    sum(mm_y) as p_r,
    {{ ml_monitor._perf_by_grouping(p.seg_groups, 'sum(case when mm_y = 1 then mm_r{i}_asc - mm_r{i}_desc else 0 end)') }} as rank_diff
    {%- if pr %},
    {{ ml_monitor._perf_by_grouping(p.seg_groups, 'sum(case when mm_y = 1 then ' ~ d('mm_p{i} + 1 - mm_q{i}_asc') ~ ' / ' ~ d('mm_n{i} + 1 - mm_r{i}_asc') ~ ' else 0 end)') }} as ap_sum
    {%- endif %}
  from mm_ranked
  {{ ml_monitor._perf_group_by(p.scope, 'mm_arm') }}
),

-- U = (sum of positives' (asc - desc) + P (N + 1)) / 2 - P (P + 1) / 2; AP = ap_sum / P
mm_rank as (
  select
    mm_arm, segment_column, segment_value,
    ({{ d('rank_diff') }} + {{ d('p_r') }} * {{ d('n_r + 1') }} - {{ d('p_r') }} * {{ d('p_r + 1') }}) / 2 as auc_u,
    {{ 'ap_sum' if pr else ml_monitor.null_double() }} as ap_sum
  from mm_rank_sums
),
  {%- endset %}
  {%- set joins %}
  left join mm_rank as r on f.mm_arm = r.mm_arm and {{ ml_monitor._perf_seg_match('f', 'r') }}
  {%- endset %}
  {%- do parts.update({'ctes': ctes, 'columns': ', r.auc_u, r.ap_sum', 'joins': joins}) -%}
  {{ return(parts) }}
{%- endmacro %}

{#- The columns every rank CTE carries: arm, segment columns, label. -#}
{% macro _perf_rank_keys(p) -%}
  mm_arm,{% for c in p.seg_sqls %} {{ c }},{% endfor %} mm_y
{%- endmacro %}

{#- The window partition of one grouping set: arm (when there are two) and its segment column.
    One arm: no arm key (a window without a partition is cheaper). -#}
{% macro _perf_rank_partition(arms, segment_sql) -%}
  {{ return((['mm_arm'] if arms | length > 1 else []) + ([segment_sql] if segment_sql is not none else [])) }}
{%- endmacro %}
