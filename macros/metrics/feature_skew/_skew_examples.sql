{#- feature_skew, step 3: CTEs mismatches, ranked_segments, ranked_examples and examples: the
    worst mismatching keys per feature and segment (and window), keys with a NULL on one side
    first, then the largest difference, then the key; `examples` joins them into one text per
    feature and segment.

    One read of the join for all features: `mismatches` crosses each compared key with the
    feature numbers and keeps a row per (key, feature) that differs, with only what the ranking
    needs (its difference, its two values). Every ranking is partitioned by feature (and
    window): per segment column over those rows, and the overall one over the kept keys of the
    first segment column's values (over `mismatches` when there is no segment). The example
    text is formatted for the kept keys only. -#}
{% macro _skew_example_ctes(skew) -%}
  {%- set scope = skew.scope -%}
  {%- set wk = 'ml_window_start, ' if scope.multi else '' -%}
  {%- set numeric = skew.feats | selectattr('kind', 'equalto', 'numeric') | list -%}
  {%- set categorical = skew.feats | rejectattr('kind', 'equalto', 'numeric') | list -%}
  {%- set feature_rows = [] -%}
  {%- for f in skew.feats -%}{%- do feature_rows.append([f.idx]) -%}{%- endfor -%}
mismatches as (
  select
    {{ wk }}{% for s in scope.segments %}{{ s.sql }}, {% endfor %}
    {{ skew.key_text }} as ml_key,
    ml_f.feature_idx,
    {{ ml_monitor._skew_by_feature(numeric, 'ml_diff', ml_monitor.null_double()) }} as ml_diff,
    {{ ml_monitor._skew_by_feature(numeric, 'ml_s', ml_monitor.null_double()) }} as ml_sn,
    {{ ml_monitor._skew_by_feature(numeric, 'ml_o', ml_monitor.null_double()) }} as ml_on,
    {{ ml_monitor._skew_by_feature(categorical, 'ml_s', ml_monitor.null_string()) }} as ml_sc,
    {{ ml_monitor._skew_by_feature(categorical, 'ml_o', ml_monitor.null_string()) }} as ml_oc
  from compared
  cross join {{ ml_monitor.literal_rows(feature_rows, ['feature_idx'], 'ml_f') }}
  where {{ ml_monitor._skew_by_feature(skew.feats, 'ml_mis', '0') }} = 1
),

{%- set order = 'order by case when ml_diff is null then 0 else 1 end, ml_diff desc, ml_key' %}
{%- set cols = 'feature_idx, ml_key, ml_diff, ml_sn, ml_on, ml_sc, ml_oc' %}
{%- if scope.segments %}
-- per segment column, each value's ranking (categoricals have no difference: ranked by key)
ranked_segments as (
  {%- for g in scope.segments %}
  select
    {{ wk }}{{ ml_monitor.to_string(g.literal) }} as segment_column,
    {{ ml_monitor.to_string(g.sql) }} as segment_value,
    {{ cols }},
    row_number() over (partition by {{ wk }}feature_idx, {{ g.sql }} {{ order }}) as rn
  from mismatches
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
),

{% endif -%}
-- the overall ranking: every mismatching key has one value of the first segment column, so the
-- overall worst keys are among the worst keys of those values (ranked again, a few rows only)
ranked_examples as (
  select {{ wk }}segment_column, segment_value, {{ cols }}, rn
  {%- if scope.segments %}
  from ranked_segments
  where rn <= {{ skew.n_examples }}
  union all
  select
    {{ wk }}{{ ml_monitor.null_string() }} as segment_column,
    {{ ml_monitor.null_string() }} as segment_value,
    {{ cols }},
    row_number() over (partition by {{ wk }}feature_idx {{ order }}) as rn
  from ranked_segments
  where rn <= {{ skew.n_examples }} and segment_column = {{ scope.segments[0].literal }}
  {%- else %}
  from (
    select
      {{ wk }}{{ ml_monitor.null_string() }} as segment_column,
      {{ ml_monitor.null_string() }} as segment_value,
      {{ cols }},
      row_number() over (partition by {{ wk }}feature_idx {{ order }}) as rn
    from mismatches
  ) as ml_r
  {%- endif %}
),

examples as (
  select
    {{ wk }}segment_column,
    segment_value,
    feature_idx,
    {%- for i in range(1, skew.n_examples + 1) %}
    {% if i > 1 %}coalesce(', ' || {% endif %}max(case when rn = {{ i }} then {{ ml_monitor._skew_example_text() }} end){% if i > 1 %}, ''){% endif %}{% if not loop.last %} ||{% endif %}
    {%- endfor %} as examples
  from ranked_examples
  where rn <= {{ skew.n_examples }}
  group by {{ wk }}segment_column, segment_value, feature_idx
)
{%- endmacro %}

{#- `case ml_f.feature_idx when i then <prefix>i ... end` over `feats` (`empty` when none). -#}
{% macro _skew_by_feature(feats, prefix, empty) -%}
  {%- if not feats -%}{{ return(empty) }}{%- endif -%}
  case ml_f.feature_idx{% for f in feats %} when {{ f.idx }} then {{ prefix }}{{ f.idx }}{% endfor %} end
{%- endmacro %}

{#- One example: key (serving vs offline); a numeric row has ml_sn/ml_on, a categorical one
    ml_sc/ml_oc (the other pair is NULL), a NULL value reads 'null'. -#}
{% macro _skew_example_text() -%}
  ml_key || ' (' || coalesce({{ ml_monitor._fmt('ml_sn', 6) }}, ml_sc, 'null')
    || ' vs ' || coalesce({{ ml_monitor._fmt('ml_on', 6) }}, ml_oc, 'null') || ')'
{%- endmacro %}
