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

{#- How ROC AUC / average precision rank the scores: 'bucketed' (value buckets ranked in
    parallel, a small prefix over bucket totals: no step holds a whole segment; every engine
    but DuckDB) or 'global' (one rank() window per (arm[, segment]): DuckDB, which parallelises
    the sort of one window partition itself). The var ml_monitor_rank_method overrides it. -#}
{% macro _perf_rank_method() -%}
  {%- set v = var('ml_monitor_rank_method', none) -%}
  {%- if v in ['bucketed', 'global'] -%}{{ return(v) }}{%- endif -%}
  {{ return(ml_monitor._dispatch('_perf_rank_method')()) }}
{%- endmacro %}
{% macro default___perf_rank_method() %}{{ return('bucketed') }}{% endmacro %}
{% macro duckdb___perf_rank_method() %}{{ return('global') }}{% endmacro %}

{#- The CTEs ending in mm_rank (auc_u, ap_sum per (arm, segment)), joined into mm_metrics as r. -#}
{% macro _perf_rank_parts(p, arms) -%}
  {%- if 'rank' not in p.families -%}{{ return({}) }}{%- endif -%}
  {%- if ml_monitor._perf_rank_method() == 'global' -%}
    {%- set ctes = ml_monitor._perf_rank_parts_global(p, arms) -%}
  {%- else -%}
    {%- set ctes = ml_monitor._perf_rank_parts_bucketed(p, arms) -%}
  {%- endif -%}
  {%- set joins %}
  left join mm_rank as r on {{ ml_monitor._perf_kmatch(p, 'g', 'r') }}g.mm_arm = r.mm_arm and {{ ml_monitor._perf_seg_match('g', 'r') }}
  {%- endset %}
  {{ return({'ctes': ctes, 'columns': ', r.auc_u, r.ap_sum', 'joins': joins}) }}
{%- endmacro %}

{#- Value buckets for the distributed rank sums: 2^10 = 1024 per power of two of the scores
    (e.g. 1024 between 0.5 and 1), so that no bucket is a bottleneck and their prefix sums stay a
    small table. -#}
{% macro _perf_rank_bucket_bits() %}{{ return(10) }}{% endmacro %}

{#- The value bucket of a finite score x, with no pass over the data (an equal-width cut needs
    the score range first: one more read of the predictions): the sign, the binary exponent e
    and the first 10 bits of the mantissa, as one bigint, so that x < y gives bucket(x) <=
    bucket(y) and equal scores share a bucket.
      x > 0: floor(x 2^-e 2^10) + (e - 1) 2^10 + 2^20   (2^10 e + 2^20 .. 2^10 (e + 1) - 1 + 2^20)
      x < 0: minus the same of |x|;  x = 0 (and -0): 0
    e = floor(log2 |x|) from ln (clamped at -1022: subnormals share the buckets below it). ln
    can put e one off only when |x| is within a few ulps of a power of two, and then the formula
    still gives the same bucket (x 2^-e lands at 2^11 or just under 2^10: the first bucket of
    the binade, or the last bucket of the one below); x 2^-e and the products are exact (powers
    of two). Checked against a frexp reference at powers of two +-1 ulp, subnormals and the
    largest doubles on every engine (integration_tests/tests/rank_value_buckets.sql). -#}
{% macro _perf_rank_value_bucket(x) -%}
  {%- set k = 2 ** ml_monitor._perf_rank_bucket_bits() -%}
  {%- set d = ml_monitor.to_double -%}
  {%- set a = 'abs(' ~ x ~ ')' -%}
  {%- set e = 'greatest(floor(' ~ ml_monitor.ln(a) ~ ' / ' ~ ml_monitor.ln(d('2')) ~ '), ' ~ d('-1022') ~ ')' -%}
  {%- set m = '(floor(' ~ a ~ ' * power(' ~ d('2') ~ ', -' ~ e ~ ') * ' ~ d(k) ~ ') + (' ~ e ~ ' - 1) * ' ~ k ~ ' + ' ~ (k * k) ~ ')' -%}
  {{ return(ml_monitor.to_bigint('case when ' ~ x ~ ' > 0 then ' ~ m ~ ' when ' ~ x ~ ' < 0 then -' ~ m ~ ' else 0 end')) }}
{%- endmacro %}

{#- CTEs mm_rank_rows ... mm_rank: the Mann-Whitney U (auc_u) and the average-precision sum
    (ap_sum) per (arm, segment) (the value-bucket CTEs come from _perf_rank_bucket_ctes). -#}
{% macro _perf_rank_parts_bucketed(p, arms) -%}
  {%- set pr = 'pr_auc' in p.metrics -%}
  {%- set ctes %}
{{ ml_monitor._perf_rank_bucket_ctes(p, arms, 'mm_rank', 'mm_scored', 'mm_use_s = 1 and not ' ~ ml_monitor.is_non_finite('mm_score'), [], pr) }}

mm_rank as (
  select {{ ml_monitor._perf_k(p, 'u') }}u.mm_arm, u.segment_column, u.segment_value, u.auc_u,
    {{ 'a.ap_sum' if pr else ml_monitor.null_double() }} as ap_sum
  from mm_rank_u as u
  {%- if pr %}
  left join mm_rank_ap as a on {{ ml_monitor._perf_kmatch(p, 'u', 'a') }}u.mm_arm = a.mm_arm and {{ ml_monitor._perf_seg_match('u', 'a') }}
  {%- endif %}
),
  {%- endset %}
  {{ return(ctes) }}
{%- endmacro %}

{#- The exact rank sums of one or more binary rankings, distributed: CTEs <pre>_rows,
    <pre>ed (the ranks), <pre>_buckets, <pre>_prefix, <pre>_u and, with `pr`, <pre>_ap. `source`
    has the columns mm_arm (mm_w with windows: N), the segment columns, the `extra` keys (one
    ranking per arm, window, segment and value of the extra keys: for one-vs-rest the class,
    mm_k), mm_y (1 = positive) and mm_score; `where` (none: every row) keeps its usable rows.
    <pre>_u: per ([window, ]arm, extra keys, segment) the Mann-Whitney U (auc_u), the rows
    (n_all) and positives (p_all) ranked; <pre>_ap: the average-precision sum (ap_sum).
    No step needs all the rows of a segment in one place (no window without a partition, and
    no window per segment over its rows): each score falls in a value bucket
    (_perf_rank_value_bucket: ties always share one, the buckets ordered as the scores), rows
    are ranked inside their bucket (one small sort per bucket, in parallel), and the counts of
    the lower buckets come from a small prefix over the bucket totals. The buckets need no
    score range, so the source is read once. -#}
{% macro _perf_rank_bucket_ctes(p, arms, pre, source, where, extra, pr) -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set wk = ml_monitor._perf_k(p) -%}
  {%- set keys = ['mm_arm'] + extra -%}
  {%- set rkeys = wk ~ (keys | join(', ')) -%}
  {%- set seg_keys = rkeys ~ ', segment_column, segment_value' %}
-- exact rank sums from ranks inside value buckets.
-- A score's bucket is its sign, binary exponent and first 10 mantissa bits (1024 per power of
-- two): monotone in the score, so equal scores share a bucket and every score of a lower bucket
-- is lower.
{{ pre }}_rows as (
  select
    {{ ml_monitor._perf_k(p, 's') }}
    {%- for c in keys %}s.{{ c }}, {% endfor %}
    {%- for c in p.seg_sqls %}
    {{ c }},
    {%- endfor %}
    mm_y,
    mm_score,
    {{ ml_monitor._perf_rank_value_bucket('mm_score') }} as mm_b
  from {{ source }} as s
  {%- if where %}
  where {{ where }}
  {%- endif %}
),

-- ranks inside the bucket, per (ranking[, segment]): rank() is 1 + the bucket's rows scored
-- lower (ties share it), the running count (range frame: ties included) the rows scored at or
-- below; both from one sort of the bucket
{{ pre }}ed as (
  select
    {{ rkeys }},
    {%- for c in p.seg_sqls %}
    {{ c }},
    {%- endfor %}
    mm_y,
    mm_b
    {%- for i, c in p.seg_groups %}
    {#- one arm: no arm key in the partition (a constant key only costs) -#}
    {%- set pk = ml_monitor._perf_rank_partition(arms, c, p) + extra + ['mm_b'] %},
    rank() over (partition by {{ pk | join(', ') }} order by mm_score) as mm_r{{ i }}_asc,
    count(*) over (partition by {{ pk | join(', ') }} order by mm_score range between unbounded preceding and current row) as mm_c{{ i }}
    {%- if pr %},
    rank() over (partition by {{ (pk + ['mm_y']) | join(', ') }} order by mm_score) as mm_q{{ i }}_asc
    {%- endif %}
    {%- endfor %}
  from {{ pre }}_rows
),

-- per (ranking, segment, bucket): rows, positives and the positives' doubled tie-averaged ranks
-- (rank + running count = (L + 1) + (L + T), for L rows scored lower and T tied, is twice
-- L + (T + 1) / 2; the bigint count comes first, so that an int rank never overflows)
{{ pre }}_buckets as (
  select
    {{ rkeys }},
    {{ ml_monitor._segment_keys(p.scope, by_window=false) }},
    mm_b,
    count(*) as n_b,
    sum(mm_y) as p_b,
    {{ ml_monitor._perf_by_grouping(p.seg_groups, 'sum(case when mm_y = 1 then mm_c{i} + mm_r{i}_asc else 0 end)') }} as rank_sum2_b
  from {{ pre }}ed
  {{ ml_monitor._perf_group_by(p.scope, rkeys ~ ', mm_b') }}
),

-- the lower buckets' counts and the totals: a prefix over a small table (1024 rows per power
-- of two of the scores at most, per ranking and segment)
{{ pre }}_prefix as (
  select {{ pre }}_buckets.*,
    sum(n_b) over (partition by {{ seg_keys }} order by mm_b rows between unbounded preceding and current row) - n_b as n_lower,
    sum(p_b) over (partition by {{ seg_keys }} order by mm_b rows between unbounded preceding and current row) - p_b as p_lower,
    sum(n_b) over (partition by {{ seg_keys }}) as n_all,
    sum(p_b) over (partition by {{ seg_keys }}) as p_all
  from {{ pre }}_buckets
),

-- U = sum over buckets of the bucket's own U (ranks inside it: rank_sum2 / 2
-- - P_b (P_b + 1) / 2, tied pairs count 1/2) + P_b x the negatives of the lower buckets
{{ pre }}_u as (
  select {{ seg_keys }},
    max(n_all) as n_all,
    max(p_all) as p_all,
    sum({{ d('rank_sum2_b') }} / 2 - {{ d('p_b') }} * {{ d('p_b + 1') }} / 2
        + {{ d('p_b') }} * {{ d('n_lower - p_lower') }}) as auc_u
  from {{ pre }}_prefix
  group by {{ seg_keys }}
),
{%- if pr %}

-- average precision: at a positive's score, the rows scored at or above it
-- (N - lower buckets' rows + 1 - its ascending rank in the bucket) and the positives at or
-- above it (P - lower buckets' positives + 1 - its ascending rank among the bucket's positives)
{{ pre }}_ap as (
  {%- for i, c in p.seg_groups %}
  select {{ ml_monitor.broadcast_hint('b') }}
    {{ ml_monitor._perf_k(p, 'k') }}{% for kc in keys %}k.{{ kc }}, {% endfor %}b.segment_column, b.segment_value,
    sum(case when k.mm_y = 1 then {{ d('b.p_all - b.p_lower + 1 - k.mm_q' ~ i ~ '_asc') }} / {{ d('b.n_all - b.n_lower + 1 - k.mm_r' ~ i ~ '_asc') }} else 0 end) as ap_sum
  from {{ pre }}ed as k
  inner join {{ pre }}_prefix as b
    on {{ ml_monitor._perf_kmatch(p, 'k', 'b') }}{% for kc in keys %}k.{{ kc }} = b.{{ kc }} and {% endfor %}k.mm_b = b.mm_b
   {%- if c is none %}
   and b.segment_column is null
   {%- else %}
   and b.segment_column = {{ p.scope.segments[(i | int) - 1].literal }} and {{ ml_monitor.null_safe_equal('b.segment_value', ml_monitor.to_string('k.' ~ c)) }}
   {%- endif %}
  group by {{ ml_monitor._perf_k(p, 'k') }}{% for kc in keys %}k.{{ kc }}, {% endfor %}b.segment_column, b.segment_value
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
),
{%- endif %}
{%- endmacro %}

{#- DuckDB's path (method 'global'): CTEs mm_ranked, mm_rank_sums, mm_rank as in the bucketed
    path, with ranks over each whole (arm[, segment]). DuckDB sorts one window partition with all
    its threads, so a partition per segment is no single-task step there, and this form was
    measured ~1.5x faster on DuckDB than the bucketed one (docs/benchmarks.md). -#}
{% macro _perf_rank_parts_global(p, arms) -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set pr = 'pr_auc' in p.metrics -%}
  {%- set ctes %}

-- exact ROC AUC and average precision from ranks: one sort per (arm[, segment]).
-- rank() is 1 + the rows scored lower (L), the running count (range frame: ties included) L + T
-- with T the rows tied, so a row's tie-averaged rank L + (T + 1) / 2 is (rank + count) / 2 and
-- the Mann-Whitney U = sum over positives of that rank - P (P + 1) / 2 (tied pairs count 1/2).
-- Average precision: at a positive's score, rows scored at or above it = N + 1 - asc, and
-- positives at or above it = P + 1 - (its ascending rank among positives).
mm_ranked as (
  select
    {{ ml_monitor._perf_rank_keys(p) }}
    {%- for i, c in p.seg_groups %}
    {%- set keys = ml_monitor._perf_rank_partition(arms, c, p) %}
    {%- set part = ('partition by ' ~ (keys | join(', ')) ~ ' ') if keys else '' %},
    rank() over ({{ part }}order by mm_score) as mm_r{{ i }}_asc,
    count(*) over ({{ part }}order by mm_score range between unbounded preceding and current row) as mm_c{{ i }}
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
    {{ ml_monitor._perf_k(p) }}mm_arm,
    {{ ml_monitor._segment_keys(p.scope, by_window=false) }},
    sum(mm_y) as p_r,
    {{ ml_monitor._perf_by_grouping(p.seg_groups, 'sum(case when mm_y = 1 then mm_c{i} + mm_r{i}_asc else 0 end)') }} as rank_sum2
    {%- if pr %},
    {{ ml_monitor._perf_by_grouping(p.seg_groups, 'sum(case when mm_y = 1 then ' ~ d('mm_p{i} + 1 - mm_q{i}_asc') ~ ' / ' ~ d('mm_n{i} + 1 - mm_r{i}_asc') ~ ' else 0 end)') }} as ap_sum
    {%- endif %}
  from mm_ranked
  {{ ml_monitor._perf_group_by(p.scope, ml_monitor._perf_k(p) ~ 'mm_arm') }}
),

-- U = (sum of positives' (rank + count) - P (P + 1)) / 2; AP = ap_sum / P
mm_rank as (
  select
    {{ ml_monitor._perf_k(p) }}mm_arm, segment_column, segment_value,
    ({{ d('rank_sum2') }} - {{ d('p_r') }} * {{ d('p_r + 1') }}) / 2 as auc_u,
    {{ 'ap_sum' if pr else ml_monitor.null_double() }} as ap_sum
  from mm_rank_sums
),
  {%- endset %}
  {{ return(ctes) }}
{%- endmacro %}

{#- The columns every rank CTE carries: arm, segment columns, label. -#}
{% macro _perf_rank_keys(p) -%}
  {{ ml_monitor._perf_k(p) }}mm_arm,{% for c in p.seg_sqls %} {{ c }},{% endfor %} mm_y
{%- endmacro %}

{#- The window partition of one grouping set: the window (windows: N), arm (when there are two)
    and its segment column. One arm, one window: no arm key (a window without a partition is
    cheaper). -#}
{% macro _perf_rank_partition(arms, segment_sql, p=none) -%}
  {{ return((['mm_w'] if (p is not none and p.multi) else []) + (['mm_arm'] if arms | length > 1 else []) + ([segment_sql] if segment_sql is not none else [])) }}
{%- endmacro %}
