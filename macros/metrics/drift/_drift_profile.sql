{#- The compile-time passes of the drift plan (run_query before the main query): the source
    rows of a side, numeric profiles (counts, reference quantiles, min / max) and distinct values. -#}

{#- The source rows of one side with the value expressions every query uses. -#}
{% macro _drift_side_sql(sample, relation, filter, cols, segments=[]) -%}
  select {{ ml_monitor.string_literal(sample) }} as ml_sample
    {%- for s in segments %}, {{ s.sql }}{% endfor %}
    {%- for c in cols %}
    {%- if c.kind == 'numeric' %}, {{ ml_monitor._finite_or_null(c.sql) }} as ml_v_{{ c.idx }}
    {%- else %}, {{ ml_monitor._drift_cat_text(c) }} as ml_v_{{ c.idx }}{% endif %}
    {%- endfor %}
  from {{ relation }}
  where {{ filter }}
{%- endmacro %}

{#- Pass 1 for numeric columns: counts, exact quantiles of the reference and, for
    equal-width binning, min / max / log2(n) of reference and current together. -#}
{% macro _drift_profile(setup, cols, args) -%}
  {%- if ml_monitor._drift_render_only() -%}
    {#- another engine's SQL is being rendered (var ml_monitor_dialect): placeholder bins -#}
    {%- set out = {} -%}
    {%- for c in cols -%}
      {%- do out.update({c.idx: {'n': 1, 'edges': [0.0], 'lo': 0.0, 'hi': 1.0, 'log2n': 1.0, 'nd': 100}}) -%}
    {%- endfor -%}
    {{ return(out) }}
  {%- endif -%}
  {%- set b = args.bins -%}
  {%- set probs = [] -%}
  {%- if args.binning == 'quantile' -%}
    {%- for k in range(1, b) -%}{%- do probs.append(k / b) -%}{%- endfor -%}
  {%- endif -%}
  {#- bracketed: approximate quantiles around each p here, exact ones from them afterwards -#}
  {%- set bracketed = probs and ml_monitor._quantile_method() == 'bracketed' -%}
  {%- set agg_probs = ml_monitor._quantile_bracket_probs(probs) if bracketed else probs -%}
  {%- set prob_sql = [] -%}
  {%- for p in agg_probs -%}{%- do prob_sql.append(ml_monitor.double_const(p)) -%}{%- endfor -%}
  {%- set union = args.binning != 'quantile' -%}
  {%- set sql -%}
    select n_rows
      {%- for c in cols %}, n_{{ c.idx }}
      {%- for p in agg_probs %}, {{ ml_monitor.array_element('q_' ~ c.idx, loop.index) }} as q_{{ c.idx }}_{{ loop.index }}{% endfor %}
      {%- if union %}, lo_{{ c.idx }}, hi_{{ c.idx }}, log2n_{{ c.idx }}, nd_{{ c.idx }}{% endif %}
      {%- if bracketed %}, rmin_{{ c.idx }}, rmax_{{ c.idx }}{% endif %}
      {%- endfor %}
    from (
      select
        sum(case when ml_sample = 'r' then 1 else 0 end) as n_rows
        {%- for c in cols %}
        , count(case when ml_sample = 'r' then ml_v_{{ c.idx }} end) as n_{{ c.idx }}
        {%- if bracketed %}
        , min(case when ml_sample = 'r' then ml_v_{{ c.idx }} end) as rmin_{{ c.idx }}, max(case when ml_sample = 'r' then ml_v_{{ c.idx }} end) as rmax_{{ c.idx }}
        {%- endif %}
        {%- if probs %}
        , {{ (ml_monitor.approx_quantiles if bracketed else ml_monitor.quantiles)("case when ml_sample = 'r' then ml_v_" ~ c.idx ~ " end", prob_sql) }} as q_{{ c.idx }}
        {%- endif %}
        {%- if union %}
        , min(ml_v_{{ c.idx }}) as lo_{{ c.idx }}, max(ml_v_{{ c.idx }}) as hi_{{ c.idx }}
        , {{ ml_monitor.log2('count(ml_v_' ~ c.idx ~ ')') }} as log2n_{{ c.idx }}
        , count(distinct case when ml_sample = 'r' then ml_v_{{ c.idx }} end) as nd_{{ c.idx }}
        {%- endif %}
        {%- endfor %}
      from (
        {{ ml_monitor._drift_side_sql('r', setup.ref_relation, setup.ref_filter, cols) }}
        {%- if union %}
        union all
        {{ ml_monitor._drift_side_sql('c', setup.relation, setup.scope.filter, cols) }}
        {%- endif %}
      ) as ml_profile_source
    ) as ml_profile
  {%- endset -%}
  {%- set out = {} -%}
  {%- set row = ml_monitor._query_rows(sql)[0] -%}
  {%- set exact = ml_monitor._drift_bracketed_quantiles(setup, cols, probs, row) if bracketed else {} -%}
  {%- for c in cols -%}
    {%- set info = {'n': row['n_' ~ c.idx]} -%}
    {%- if probs -%}
      {%- set edges = [] -%}
      {%- for p in probs -%}
        {%- set e = exact.get(c.idx ~ ':' ~ loop.index) if bracketed else row['q_' ~ c.idx ~ '_' ~ loop.index] -%}
        {%- if e is not none -%}{%- do edges.append(e | float) -%}{%- endif -%}
      {%- endfor -%}
      {%- do info.update({'edges': edges | unique | sort | list}) -%}
    {%- endif -%}
    {%- if union -%}
      {%- do info.update({'lo': row['lo_' ~ c.idx], 'hi': row['hi_' ~ c.idx],
                          'log2n': row['log2n_' ~ c.idx], 'nd': row['nd_' ~ c.idx]}) -%}
    {%- endif -%}
    {%- do out.update({c.idx: info}) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- Pass 2: distinct values (as text) per column, at most max_categories + 1 of each;
    over the reference only, or over reference and current together (union=true). -#}
{% macro _drift_distinct(setup, cols, max_categories, union) -%}
  {%- set text_cols = [] -%}
  {%- for c in cols -%}
    {%- do text_cols.append({'idx': c.idx, 'kind': 'categorical',
                             'sql': (ml_monitor.to_string(ml_monitor._finite_or_null(c.sql)) if c.kind == 'numeric' else c.sql),
                             'by_value': c.by_value and c.kind != 'numeric'}) -%}
  {%- endfor -%}
  {%- set sql -%}
    select col_idx, v from (
      select col_idx, v, row_number() over (partition by col_idx order by v) as rn
      from (
        select
          case {% for c in text_cols %}when grouping(ml_v_{{ c.idx }}) = 0 then {{ c.idx }} {% endfor %}end as col_idx,
          case {% for c in text_cols %}when grouping(ml_v_{{ c.idx }}) = 0 then ml_v_{{ c.idx }} {% endfor %}end as v
        from (
          {{ ml_monitor._drift_side_sql('r', setup.ref_relation, setup.ref_filter, text_cols) }}
          {%- if union %}
          union all
          {{ ml_monitor._drift_side_sql('c', setup.relation, setup.scope.filter, text_cols) }}
          {%- endif %}
        ) as ml_distinct_source
        group by grouping sets ({% for c in text_cols %}(ml_v_{{ c.idx }}){% if not loop.last %}, {% endif %}{% endfor %})
      ) as ml_grouped
      where v is not null
    ) as ml_ranked
    where rn <= {{ max_categories + 1 }}
    order by col_idx, v
  {%- endset -%}
  {%- set out = {} -%}
  {%- for c in cols -%}{%- do out.update({c.idx: []}) -%}{%- endfor -%}
  {%- if ml_monitor._drift_render_only() -%}
    {%- for c in cols -%}{%- do out[c.idx].append('0') -%}{%- endfor -%}
    {{ return(out) }}
  {%- endif -%}
  {%- for r in ml_monitor._query_rows(sql) -%}
    {%- do out[r['col_idx'] | int].append(r['v'] | string) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}
