{#- The rows and the one aggregate scan of a performance evaluation: CTEs mm_source (eligible
    predictions with their label), mm_paired (champion vs challenger on the same keys),
    mm_scored (one row per prediction and arm), the families' CTEs that must precede the
    aggregate, and mm_agg (every count and sum, overall and per segment, per arm).
    `parts`: the merged parts of the metric families (see performance). -#}
{% macro _perf_scan_ctes(p, arms, parts) -%}
  {%- set q = ml_monitor.quote_column -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set lj = p.lj -%}
  {%- set carry = [] -%}
  {%- for c in p.seg_sqls
              + ([q(p.score_column)] if p.score_column is not none else [])
              + ([q(p.prediction_column)] if p.prediction_column is not none else [])
              + ([q(p.challenger_score_column)] if p.challenger_score_column is not none else [])
              + ([q(p.challenger_prediction_column)] if p.challenger_prediction_column is not none else [])
              + ([q(p.model_version_column)] if p.model_version_column is not none else [])
              + (p.mc.carry if p.mc is not none else []) -%}
    {%- if c not in carry -%}{%- do carry.append(c) -%}{%- endif -%}
  {%- endfor -%}
  {%- if p.kind == 'classification' -%}
    {%- set y_sql = 'case when mm_has_label = 1 then case when mm_label = ' ~ p.pos ~ ' then 1 else 0 end end' -%}
  {%- elif p.kind == 'multiclass' -%}
    {#- the label's class number (1..K in the declared order; 0: not a declared class) -#}
    {%- set y_sql = 'case when mm_has_label = 1 then ' ~ ml_monitor._perf_class_number('mm_label', p.mc.classes) ~ ' end' -%}
  {%- elif p.kind == 'regression' -%}
    {%- set y_sql = 'case when mm_has_label = 1 then ' ~ d('mm_label') ~ ' end' -%}
  {%- else -%}
    {%- set y_sql = ml_monitor.to_bigint('null') -%}
  {%- endif -%}
  {%- set valid_prob = ml_monitor._perf_valid_prob() -%}
  {%- set paired = p.by_version and p.paired -%}
  {%- set arm_src = 'mm_paired' if paired else 'mm_source' -%}
  {%- set agg_src = parts.agg_src or 'mm_scored' -%}
  {#- windows: N -> every grouping by window too -#}
  {%- set k = ml_monitor._perf_k(p) -%}

-- the eligible predictions (older than label_delay, in the window) with their label, if any
mm_source as (
  {{ ml_monitor._label_join_side(lj, 'cur', p.relation, p.cur_filter, carry, p.cur_window) }}
  {%- if p.mode == 'reference' %}
  union all
  {{ ml_monitor._label_join_side(lj, 'ref', p.ref_relation, p.ref_filter, carry, p.ref_window) }}
  {%- endif %}
),
{%- if paired %}
{%- set vcol = q(p.model_version_column) %}

-- champion vs challenger on the same rows: keys scored by both versions
mm_paired_keys as (
  select {{ k }}{{ lj['keys'] | map(attribute='p') | join(', ') }}
  from mm_source
  where {{ vcol }} in ({{ ml_monitor._perf_literal(p.champion_version) }}, {{ ml_monitor._perf_literal(p.challenger_version) }})
  group by {{ k }}{{ lj['keys'] | map(attribute='p') | join(', ') }}
  having count(distinct {{ vcol }}) = 2
),

mm_paired as (
  select s.*
  from mm_source as s
  inner join mm_paired_keys as k
    on {{ ml_monitor._perf_kmatch(p, 's', 'k') }}{% for kk in lj['keys'] %}s.{{ kk.p }} = k.{{ kk.p }}{% if not loop.last %} and {% endif %}{% endfor %}
),
{%- endif %}

-- one row per prediction and arm: 0/1 label, score, 0/1 (or numeric) prediction
mm_scored as (
  {%- for arm in arms %}
  select
    {{ ml_monitor.string_literal(arm.id) }} as mm_arm,
    {%- if p.multi %}
    mm_w,
    {%- endif %}
    {%- for c in p.seg_sqls %}
    {{ c }},
    {%- endfor %}
    mm_has_label,
    mm_versions,
    {{ y_sql }} as mm_y,
    {{ arm.score_sql }} as mm_score,
    {{ arm.pred_sql }} as mm_pred,
    {{ arm.correct_sql }} as mm_correct,
    case when mm_has_label = 1 and {{ arm.in_p }} then 1 else 0 end as mm_use_p,
    case when mm_has_label = 1 and {{ arm.in_s }} then 1 else 0 end as mm_use_s
    {%- for e in arm.extra %},
    {{ e }}
    {%- endfor %}
  from {{ arm_src }}
  where mm_side = {{ ml_monitor.string_literal(arm.side) }}{% if arm.filter %} and {{ arm.filter }}{% endif %}
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
),
{{- parts.pre_ctes }}

-- every count and sum of every metric in one scan, overall and per segment
mm_agg as (
  select
    {{ k }}mm_arm,
    {{ ml_monitor._segment_keys(p.scope, by_window=false) }},
    count(*) as n_rows,
    sum(mm_has_label) as n_labelled,
    sum(case when mm_has_label = 1 and mm_versions > 1 then 1 else 0 end) as n_dup,
    sum(mm_use_p) as n_p,
    sum(mm_use_s) as n_s
    {%- if p.need_score %},
    -- the score inputs every rank and probability metric checks
    sum(case when mm_use_s = 1 and mm_y = 1 then 1 else 0 end) as n_pos_s,
    sum(case when mm_use_s = 1 and {{ ml_monitor.is_non_finite('mm_score') }} then 1 else 0 end) as n_nonfinite,
    sum(case when mm_use_s = 1 and not {{ valid_prob }} then 1 else 0 end) as n_outside,
    min(case when mm_use_s = 1 then mm_score end) as s_min,
    max(case when mm_use_s = 1 then mm_score end) as s_max
    {%- endif %}
    {{- parts.aggregates }}
  from {{ agg_src }}
  {{ ml_monitor._perf_group_by(p.scope, k ~ 'mm_arm') }}
),
{%- endmacro %}
