{#- Rank metrics: exact ROC AUC and average precision from the order of the scores. -#}
{% macro _perf_rank_registry() -%}
  {{ return({
    'roc_auc': {'kind': 'classification', 'input': 'score', 'higher': true},
    'pr_auc':  {'kind': 'classification', 'input': 'score', 'higher': true},
  }) }}
{%- endmacro %}

{% macro _perf_rank_metric_sql(metric) -%}
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

{#- Value buckets per (arm, segment) for the distributed rank sums: enough that no bucket is a
    bottleneck, few enough that their prefix sums are a small table. -#}
{% macro _perf_rank_buckets() %}{{ return(1024) }}{% endmacro %}

{#- CTEs mm_rank_cells ... mm_rank: the Mann-Whitney U (auc_u) and the average-precision sum
    (ap_sum) per (arm, segment), joined into mm_metrics as r. No step needs all the rows of a
    segment in one place (no window without a partition, no window per segment over its rows):
    distinct scores are counted by a GROUP BY, the scores of each (arm, segment) are cut into
    value buckets (ties always share one), cumulative counts run inside each bucket, and the
    counts of the lower buckets come from a small prefix over the bucket totals. -#}
{% macro _perf_rank_parts(p, arms) -%}
  {%- set parts = {} -%}
  {%- if 'rank' not in p.families -%}{{ return(parts) }}{%- endif -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set pr = 'pr_auc' in p.metrics -%}
  {%- set k = ml_monitor._perf_rank_buckets() -%}
  {%- set gkey -%}
    {%- if p.seg_groups | length == 1 -%}{{ ml_monitor.to_string("'0'") }}
    {%- else -%}
    case
      {%- for i, c in p.seg_groups[1:] %}
      when grouping({{ c }}) = 0 then '{{ i }}:' || coalesce('v' || {{ ml_monitor.to_string(c) }}, 'n')
      {%- endfor %}
      else '0'
    end
    {%- endif -%}
  {%- endset -%}
  {%- set ctes %}

-- exact ROC AUC and average precision from the counts of each distinct score, per (arm, segment):
-- U = sum over distinct scores s of pos(s) * (neg(< s) + neg(s) / 2) (tied pairs count 1/2);
-- AP = sum over s of pos(s) * pos(>= s) / n(>= s), divided by P. mm_gkey: a non-null key of
-- the grouping set and segment value (plain equality joins on every engine).
mm_rank_cells as (
  select
    mm_arm,
    {{ ml_monitor._segment_keys(p.scope) }},
    {{ gkey }} as mm_gkey,
    mm_score,
    sum(mm_y) as c_pos,
    count(*) as c_n
  from mm_scored
  where mm_use_s = 1 and not {{ ml_monitor.is_non_finite('mm_score') }}
  {{ ml_monitor._perf_group_by(p.scope, 'mm_arm, mm_score') }}
),

-- each (arm, segment)'s score range: the buckets below cut it into {{ k }} equal widths
mm_rank_range as (
  select mm_arm, mm_gkey, min(mm_score) as mm_lo, max(mm_score) as mm_hi
  from mm_rank_cells
  group by mm_arm, mm_gkey
),

-- bucket = floor(K (s - lo) / (hi - lo)) (halves: no overflow): monotone in s, so equal
-- scores share a bucket and every score of a lower bucket is lower
mm_rank_bucketed as (
  select {{ ml_monitor.broadcast_hint('r') }}
    c.*,
    {{ ml_monitor.to_bigint('case when r.mm_hi > r.mm_lo then floor((c.mm_score / 2 - r.mm_lo / 2) / (r.mm_hi / 2 - r.mm_lo / 2) * ' ~ k ~ ') else 0 end') }} as mm_bucket
  from mm_rank_cells as c
  inner join mm_rank_range as r on c.mm_arm = r.mm_arm and c.mm_gkey = r.mm_gkey
),

-- counts strictly below each score within its bucket (one small sort per bucket)
mm_rank_within as (
  select mm_rank_bucketed.*,
    sum(c_pos) over (partition by mm_arm, mm_gkey, mm_bucket order by mm_score rows between unbounded preceding and current row) - c_pos as pos_in,
    sum(c_n) over (partition by mm_arm, mm_gkey, mm_bucket order by mm_score rows between unbounded preceding and current row) - c_n as n_in
  from mm_rank_bucketed
),

-- bucket totals ({{ k + 1 }} rows at most per arm and segment)
mm_rank_bucket_totals as (
  select mm_arm, mm_gkey, mm_bucket, sum(c_pos) as b_pos, sum(c_n) as b_n
  from mm_rank_bucketed
  group by mm_arm, mm_gkey, mm_bucket
),

-- counts in the lower buckets and in the whole (arm, segment): a prefix over the small table
mm_rank_prefix as (
  select mm_arm, mm_gkey, mm_bucket,
    sum(b_pos) over (partition by mm_arm, mm_gkey order by mm_bucket rows between unbounded preceding and current row) - b_pos as pos_lower,
    sum(b_n) over (partition by mm_arm, mm_gkey order by mm_bucket rows between unbounded preceding and current row) - b_n as n_lower,
    sum(b_pos) over (partition by mm_arm, mm_gkey) as pos_all,
    sum(b_n) over (partition by mm_arm, mm_gkey) as n_all
  from mm_rank_bucket_totals
),

-- U and the AP sum per (arm, segment)
mm_rank as (
  select {{ ml_monitor.broadcast_hint('b') }}
    w.mm_arm,
    max(w.segment_column) as segment_column,
    max(w.segment_value) as segment_value,
    sum({{ d('w.c_pos') }} * ({{ d('(b.n_lower - b.pos_lower) + (w.n_in - w.pos_in)') }} + {{ d('w.c_n - w.c_pos') }} / 2)) as auc_u,
    {%- if pr %}
    sum(case when w.c_pos > 0 then {{ d('w.c_pos') }} * {{ d('b.pos_all - b.pos_lower - w.pos_in') }} / {{ d('b.n_all - b.n_lower - w.n_in') }} else 0 end) as ap_sum
    {%- else %}
    {{ ml_monitor.null_double() }} as ap_sum
    {%- endif %}
  from mm_rank_within as w
  inner join mm_rank_prefix as b on w.mm_arm = b.mm_arm and w.mm_gkey = b.mm_gkey and w.mm_bucket = b.mm_bucket
  group by w.mm_arm, w.mm_gkey
),
  {%- endset %}
  {%- set joins %}
  left join mm_rank as r on f.mm_arm = r.mm_arm and {{ ml_monitor._perf_seg_match('f', 'r') }}
  {%- endset %}
  {%- do parts.update({'ctes': ctes, 'columns': ', r.auc_u, r.ap_sum', 'joins': joins}) -%}
  {{ return(parts) }}
{%- endmacro %}
