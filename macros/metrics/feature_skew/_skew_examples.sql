{#- feature_skew, step 3: CTEs ranked_examples and examples: the worst mismatching keys per
    feature and segment (and window), keys with a NULL on one side first, then the largest
    difference, then the key; `examples` joins them into one text per feature and segment. -#}
{% macro _skew_example_ctes(skew) -%}
  {%- set scope = skew.scope -%}
  {%- set wk = 'ml_window_start, ' if scope.multi else '' -%}
ranked_examples as (
  {%- set groupings = [none] + scope.segments %}
  {%- for g in groupings %}
  {%- set outer = loop %}
  {%- for f in skew.feats %}
  select
    {{ wk }}{{ ml_monitor.to_string(g.literal if g else 'null') }} as segment_column,
    {{ ml_monitor.to_string(g.sql if g else 'null') }} as segment_value,
    {{ f.idx }} as feature_idx,
    row_number() over (
      {% if g or scope.multi %}partition by {% if scope.multi %}ml_window_start{% if g %}, {% endif %}{% endif %}{% if g %}{{ g.sql }}{% endif %} {% endif %}order by
      {%- if f.kind == 'numeric' %} case when ml_diff{{ f.idx }} is null then 0 else 1 end, ml_diff{{ f.idx }} desc,{% endif %} {{ skew.key_text }}
    ) as rn,
    {{ skew.key_text }} || ' ('
      || {% if f.kind == 'numeric' %}coalesce({{ ml_monitor._fmt('ml_s' ~ f.idx, 6) }}, 'null'){% else %}coalesce(ml_s{{ f.idx }}, 'null'){% endif %}
      || ' vs ' || {% if f.kind == 'numeric' %}coalesce({{ ml_monitor._fmt('ml_o' ~ f.idx, 6) }}, 'null'){% else %}coalesce(ml_o{{ f.idx }}, 'null'){% endif %}
      || ')' as example
  from compared
  where ml_mis{{ f.idx }} = 1{% if g %} and ml_n_serving is not null{% endif %}
  {%- if not (outer.last and loop.last) %}
  union all
  {%- endif %}
  {%- endfor %}
  {%- endfor %}
),

examples as (
  select
    {{ wk }}segment_column,
    segment_value,
    feature_idx,
    {%- for i in range(1, skew.n_examples + 1) %}
    {% if i > 1 %}coalesce(', ' || {% endif %}max(case when rn = {{ i }} then example end){% if i > 1 %}, ''){% endif %}{% if not loop.last %} ||{% endif %}
    {%- endfor %} as examples
  from ranked_examples
  where rn <= {{ skew.n_examples }}
  group by {{ wk }}segment_column, segment_value, feature_idx
)
{%- endmacro %}
