{#- feature_skew, step 2: CTEs serving, serving_keyed, offline_keyed (one row per key on each
    side), joined (the one join), compared (per key and feature: mismatch and difference),
    grouped (all counts in one aggregate) and aggregated (with the overall row and, with
    windows: N, every window). With windows: N a serving key is keyed by its window too and
    the join keeps serving keys only (offline rows carry no window). -#}
{% macro _skew_join_ctes(skew) -%}
  {%- set scope = skew.scope -%}
  {%- set keys = skew.key_cols -%}
  {%- set feats = skew.feats -%}
  {%- set wk = 'ml_window_start, ' if scope.multi else '' -%}
serving as (
  select {{ ml_monitor._select_list(scope, (keys | map(attribute='sql') | list) + (feats | map(attribute='sql') | list)) }}
  from {{ skew.relation }}
  where {{ scope.scan_filter }} and {{ skew.key_not_null }}
),

-- one row per key on each side: the row count says whether the key is duplicated
serving_keyed as (
  select
    {%- if scope.multi %}
    ml_window_start,
    min(ml_ts) as ml_ts,
    {%- endif %}
    {%- for k in keys %}
    {{ k.serving_sql }} as ml_k{{ k.idx }},
    {%- endfor %}
    {%- for s in scope.segments %}
    max({{ s.sql }}) as {{ s.sql }},
    {%- endfor %}
    {%- for f in feats %}
    max({{ ml_monitor._skew_value_sql(f) }}) as ml_s{{ f.idx }},
    {%- endfor %}
    {{ ml_monitor._skew_key_rows() }} as ml_n_serving
  from serving
  group by {{ wk }}{% for k in keys %}{{ k.serving_sql }}{% if not loop.last %}, {% endif %}{% endfor %}
),

offline_keyed as (
  select
    {%- for k in keys %}
    {{ k.offline_sql }} as ml_k{{ k.idx }},
    {%- endfor %}
    {%- for f in feats %}
    max({{ ml_monitor._skew_value_sql(f) }}) as ml_o{{ f.idx }},
    {%- endfor %}
    {{ ml_monitor._skew_key_rows() }} as ml_n_offline
  from {{ skew.offline }}
  where {{ skew.key_not_null }}{% if skew.offline_where is not none %} and ({{ skew.offline_where }}){% endif %}
  group by {% for k in keys %}{{ k.offline_sql }}{% if not loop.last %}, {% endif %}{% endfor %}
),

-- the one join: keys on either side; a key present once on both sides is compared
joined as (
  select
    {%- if scope.multi %}
    s.ml_window_start,
    s.ml_ts,
    {%- endif %}
    {%- for k in keys %}
    coalesce(s.ml_k{{ k.idx }}, o.ml_k{{ k.idx }}) as ml_k{{ k.idx }},
    {%- endfor %}
    {%- for s in scope.segments %}
    s.{{ s.sql }} as {{ s.sql }},
    {%- endfor %}
    s.ml_n_serving,
    o.ml_n_offline,
    case when s.ml_n_serving = 1 and o.ml_n_offline = 1 then 1 else 0 end as ml_compared
    {%- for f in feats %},
    s.ml_s{{ f.idx }},
    o.ml_o{{ f.idx }}
    {%- endfor %}
  from serving_keyed as s
  {{ 'left' if scope.multi else 'full outer' }} join offline_keyed as o
    on {{ skew.key_join }}
),

-- per compared key and feature: mismatch (NULL vs NULL matches) and absolute difference.
-- NaN and +/-inf equal only themselves (NaN vs NaN matches, like NULL vs NULL) and no tolerance
-- applies to them (|x - inf| <= rel_tolerance x inf held); their difference is left out of the mean
compared as (
  select
    joined.*
    {%- for f in feats %}
    {%- set s, o = 'ml_s' ~ f.idx, 'ml_o' ~ f.idx %}
    {%- set nonfinite = ml_monitor.is_non_finite(s) ~ ' or ' ~ ml_monitor.is_non_finite(o) %},
    case
      when ml_compared = 0 then null
      when {{ s }} is null and {{ o }} is null then 0
      when {{ s }} is null or {{ o }} is null then 1
      {%- if f.kind == 'numeric' %}
      when {{ nonfinite }} then
        case when {{ s }} = {{ o }} or ({{ ml_monitor.is_nan(s) }} and {{ ml_monitor.is_nan(o) }}) then 0 else 1 end
      when abs({{ s }} - {{ o }}) <= {{ ml_monitor.greatest2(ml_monitor.double_literal(f.abs_tolerance), ml_monitor.double_literal(f.rel_tolerance) ~ ' * abs(' ~ o ~ ')') }} then 0
      {%- else %}
      when {{ s }} = {{ o }} then 0
      {%- endif %}
      else 1
    end as ml_mis{{ f.idx }},
    case when ml_compared = 1 and ({{ s }} is null or {{ o }} is null)
              and not ({{ s }} is null and {{ o }} is null) then 1 else 0 end as ml_onenull{{ f.idx }}
    {%- if f.kind == 'numeric' %},
    case when ml_compared = 1 and {{ s }} is not null and {{ o }} is not null and ({{ nonfinite }}) then 1 else 0 end as ml_nonfinite{{ f.idx }},
    case when ml_compared = 1 and not ({{ nonfinite }}) then abs({{ s }} - {{ o }}) end as ml_diff{{ f.idx }}
    {%- endif %}
    {%- endfor %}
  from joined
),

-- all counts in one aggregate: overall row plus one row per segment value (and window)
grouped as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    sum(case when ml_n_serving is not null then 1 else 0 end) as n_serving_keys,
    sum(case when ml_n_serving is not null and ml_n_offline is null then 1 else 0 end) as n_missing_offline,
    sum(case when ml_n_offline is not null then 1 else 0 end) as n_offline_keys,
    sum(case when ml_n_offline is not null and ml_n_serving is null then 1 else 0 end) as n_missing_serving,
    sum(case when ml_n_serving is not null and (ml_n_serving > 1 or ml_n_offline > 1) then 1 else 0 end) as n_dup_keys,
    sum(case when ml_n_serving > 1 then 1 else 0 end) as n_dup_serving,
    sum(case when ml_n_serving is not null and ml_n_offline > 1 then 1 else 0 end) as n_dup_offline,
    sum(ml_compared) as n_compared
    {%- for f in feats %},
    sum(ml_mis{{ f.idx }}) as n_mis{{ f.idx }},
    sum(ml_onenull{{ f.idx }}) as n_onenull{{ f.idx }}
    {%- if f.kind == 'numeric' %},
    sum(ml_nonfinite{{ f.idx }}) as n_nonfinite{{ f.idx }},
    sum(case when ml_nonfinite{{ f.idx }} = 1 and ml_mis{{ f.idx }} = 1 then 1 else 0 end) as n_nonfinite_mis{{ f.idx }},
    count(ml_diff{{ f.idx }}) as n_diff{{ f.idx }},
    avg(ml_diff{{ f.idx }}) as mad{{ f.idx }}
    {%- endif %}
    {%- endfor %}
  from compared
  {{ ml_monitor._group_by_segments(scope) }}
),

-- the overall row exists even on empty input (Spark returns none for grouping sets there)
{{ ml_monitor._segment_rows(scope, 'grouped') }}
{%- endmacro %}

{#- A feature's value as compared: double for numerics, text for categoricals. -#}
{% macro _skew_value_sql(f) -%}
  {{ return(ml_monitor.to_double(f.sql) if f.kind == 'numeric' else ml_monitor.to_string(f.sql)) }}
{%- endmacro %}

{#- The rows of one key on one side (the join tells a missing key by a NULL count). Spark 4.3
    computed wrong missing-key counts from count(*) under a CREATE TABLE ... AS (every dbt table
    model), though the same SELECT alone was right: after the full outer join it treated
    `ml_n_offline is null` as never true, as it would for count(*), which is never NULL before
    the join (skew_entity_only: 0 of 160 serving keys missing offline instead of 12). sum(1) is
    the same number and NULL-able to the optimizer, and fixed both integration cases. -#}
{% macro _skew_key_rows() %}{{ return(ml_monitor._dispatch('_skew_key_rows')()) }}{% endmacro %}
{% macro default___skew_key_rows() %}{{ return('count(*)') }}{% endmacro %}
{% macro spark___skew_key_rows() %}{{ return('sum(1)') }}{% endmacro %}
