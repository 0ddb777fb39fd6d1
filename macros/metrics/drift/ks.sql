{#- Two-sample Kolmogorov-Smirnov statistic D of one or more numeric columns, current
    window vs a reference: the largest distance between the two empirical CDFs,
    exact and with ties handled like scipy.stats.ks_2samp(...).statistic (both CDFs
    are evaluated at every distinct value of either sample). NaN / +-inf are excluded
    and counted in the detail. p-values are not computed in SQL.

    {{ ml_monitor.ks(ref('predictions'), columns=['age'], reference=ref('training_set'), threshold=0.1) }}

    One scan of both samples: counts per (sample, segment, distinct value) for every
    column in one grouping-sets aggregate, then running sums per column and segment.
-#}
{% macro ks(relation, columns, reference=none, reference_where=none, reference_window=none, baseline=none,
            threshold=0.1, where=none, segment_by=none, timestamp_column=none, window=none, min_rows=none,
            test='ks_drift') -%}
  {%- set setup = ml_monitor._drift_setup(test, relation, columns, reference, reference_where, reference_window, baseline,
                                          where, segment_by, timestamp_column, window, min_rows, allow_baseline=false) -%}
  {%- set scope = setup.scope -%}
  {%- do ml_monitor._check_number(test, relation, 'threshold', threshold, min=0, max=1) -%}
  {#- nothing is read while dbt parses -#}
  {%- if not execute -%}{{ return('select 1 as ml_monitor_parse_only') }}{%- endif -%}
  {%- set names = ml_monitor._monitored_columns(test, relation, none, columns) -%}
  {%- set cols = ml_monitor._drift_columns(test, relation, names, none, allowed_kinds=['numeric']) -%}
  {%- set part = 'partition by segment_column, segment_value, col_idx' -%}
  {%- set sets = [] -%}
  {%- for c in cols -%}
    {%- do sets.append('(ml_v_' ~ c.idx ~ ')') -%}
    {%- for s in scope.segments -%}{%- do sets.append('(' ~ s.sql ~ ', ml_v_' ~ c.idx ~ ')') -%}{%- endfor -%}
  {%- endfor -%}
  {%- set sql -%}
with ks_source as (
  {%- for side in [('r', setup.ref_relation, setup.ref_filter), ('c', relation, scope.filter)] %}
  select {{ ml_monitor.string_literal(side[0]) }} as ml_sample
    {%- for s in scope.segments %}, {{ s.sql }}{% endfor %}
    {%- for c in cols %},
    {{ ml_monitor._finite_or_null(c.sql) }} as ml_v_{{ c.idx }},
    case when {{ c.sql }} is not null and {{ ml_monitor.is_non_finite(c.sql) }} then 1 else 0 end as ml_nf_{{ c.idx }}
    {%- endfor %}
  from {{ side[1] }}
  where {{ side[2] }}
  union all
  {%- endfor %}
  -- one empty row of neither sample: every column's overall group exists even without rows
  select 'x' as ml_sample
    {%- for s in scope.segments %}, null{% endfor %}
    {%- for c in cols %}, null, 0{% endfor %}
),
-- counts per distinct value, for every column and segment in one aggregate
ks_groups as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    case {% for c in cols %}when grouping(ml_v_{{ c.idx }}) = 0 then {{ c.idx }} {% endfor %}end as col_idx,
    case {% for c in cols %}when grouping(ml_v_{{ c.idx }}) = 0 then ml_v_{{ c.idx }} {% endfor %}end as v,
    sum(case when ml_sample = 'c' then 1 else 0 end) as n_cur,
    sum(case when ml_sample = 'r' then 1 else 0 end) as n_ref
    {%- for c in cols %},
    sum(case when ml_sample = 'c' then ml_nf_{{ c.idx }} else 0 end) as nf_cur_{{ c.idx }},
    sum(case when ml_sample = 'r' then ml_nf_{{ c.idx }} else 0 end) as nf_ref_{{ c.idx }}
    {%- endfor %}
  from ks_source
  group by grouping sets ({{ sets | join(', ') }})
),
ks_cells as (
  select segment_column, segment_value, col_idx, v, n_cur, n_ref,
    case {% for c in cols %}when col_idx = {{ c.idx }} then nf_cur_{{ c.idx }} {% endfor %}end as nf_cur,
    case {% for c in cols %}when col_idx = {{ c.idx }} then nf_ref_{{ c.idx }} {% endfor %}end as nf_ref
  from ks_groups
),
-- totals per (segment, column) and both empirical CDFs at every distinct value of either
-- sample (window functions: the steps form a chain, no self-join)
ks_cdf as (
  select ks_cells.*,
    sum(n_cur) over ({{ part }}) as cur_rows,
    sum(n_ref) over ({{ part }}) as ref_rows,
    sum(case when v is not null then n_cur else 0 end) over ({{ part }}) as cur_valid,
    sum(case when v is not null then n_ref else 0 end) over ({{ part }}) as ref_valid,
    sum(case when v is null then n_cur - nf_cur else 0 end) over ({{ part }}) as cur_null,
    sum(case when v is null then n_ref - nf_ref else 0 end) over ({{ part }}) as ref_null,
    sum(case when v is null then nf_cur else 0 end) over ({{ part }}) as cur_nonfinite,
    sum(case when v is null then nf_ref else 0 end) over ({{ part }}) as ref_nonfinite,
    sum(case when v is not null then n_cur else 0 end) over ({{ part }} order by v rows between unbounded preceding and current row) as cum_cur,
    sum(case when v is not null then n_ref else 0 end) over ({{ part }} order by v rows between unbounded preceding and current row) as cum_ref
  from ks_cells
),
ks_gaps as (
  select ks_cdf.*,
    case when v is not null then {{ ml_monitor.safe_divide('cum_cur', 'cur_valid') }} end as f_cur,
    case when v is not null then {{ ml_monitor.safe_divide('cum_ref', 'ref_valid') }} end as f_ref
  from ks_cdf
),
ks_ranked as (
  select ks_gaps.*, abs(f_cur - f_ref) as gap,
    row_number() over ({{ part }} order by case when f_cur is null or f_ref is null then 1 else 0 end,
                       abs(f_cur - f_ref) desc, v) as gap_rank
  from ks_gaps
),
ks_stat as (
  select segment_column, segment_value, col_idx,
    max(gap) as d,
    max(case when gap_rank = 1 then v end) as at_value,
    max(case when gap_rank = 1 then f_ref end) as at_f_ref,
    max(case when gap_rank = 1 then f_cur end) as at_f_cur,
    max(cur_rows) as cur_rows, max(ref_rows) as ref_rows, max(cur_valid) as cur_valid, max(ref_valid) as ref_valid,
    max(cur_null) as cur_null, max(ref_null) as ref_null, max(cur_nonfinite) as cur_nonfinite, max(ref_nonfinite) as ref_nonfinite
  from ks_ranked
  group by segment_column, segment_value, col_idx
),
ks_columns as (
  {%- for c in cols %}
  select {{ c.idx }} as col_idx, {{ ml_monitor.to_string(ml_monitor.string_literal(c.name)) }} as column_name
  {%- if not loop.last %} union all{% endif %}
  {%- endfor %}
),
-- the overall row of every column, plus the segments present in the current window
ks_rows as (
  select kc.column_name, s.segment_column, s.segment_value, s.d, s.at_value, s.at_f_ref, s.at_f_cur,
    s.cur_rows, s.ref_rows, s.cur_valid, s.ref_valid, s.cur_null, s.ref_null, s.cur_nonfinite, s.ref_nonfinite,
    case
      when s.ref_rows = 0 then 'no reference rows' || case when s.segment_column is not null then ' for this segment' else '' end
      when s.ref_valid = 0 then 'no usable reference values: ' || {{ ml_monitor.to_string('s.ref_null') }} || ' null, '
        || {{ ml_monitor.to_string('s.ref_nonfinite') }} || ' non-finite of ' || {{ ml_monitor.to_string('s.ref_rows') }} || ' reference rows'
      -- an empty current window: the documented 'no rows in window [...]' of _finalize_observations
      when s.cur_rows = 0 then {{ ml_monitor.string_literal(ml_monitor._empty_reason(scope)) }}
      when s.cur_valid = 0 then 'no usable current values: ' || {{ ml_monitor.to_string('s.cur_null') }} || ' null, '
        || {{ ml_monitor.to_string('s.cur_nonfinite') }} || ' non-finite of ' || {{ ml_monitor.to_string('s.cur_rows') }} || ' rows'
    end as undefined_reason,
    case when s.cur_nonfinite + s.ref_nonfinite > 0
      then '; non-finite excluded: ' || {{ ml_monitor.to_string('s.cur_nonfinite') }} || ' current, ' || {{ ml_monitor.to_string('s.ref_nonfinite') }} || ' reference'
      else '' end
    || case when s.cur_null + s.ref_null > 0
      then '; nulls excluded: ' || {{ ml_monitor.to_string('s.cur_null') }} || ' current, ' || {{ ml_monitor.to_string('s.ref_null') }} || ' reference'
      else '' end as excluded_text
  from ks_stat as s
  join ks_columns as kc on kc.col_idx = s.col_idx
  where s.segment_column is null or s.cur_rows > 0
),

long as (
  select
    column_name,
    segment_column,
    segment_value,
    'ks' as metric,
    case when undefined_reason is null then d end as value,
    {{ ml_monitor.double_literal(threshold) }} as threshold,
    {{ ml_monitor.null_double() }} as baseline_value,
    cur_rows as sample_size,
    coalesce(undefined_reason is null and d > {{ threshold }}, false) as is_fail,
    'ks ' || coalesce({{ ml_monitor._fmt('d', 4) }}, '?')
      || case when d > {{ threshold }} then ' above {{ threshold }}' else ' within {{ threshold }}' end
      || '; largest gap at value ' || coalesce({{ ml_monitor._fmt('at_value', 6) }}, '?')
      || ': reference cdf ' || coalesce({{ ml_monitor._fmt('100 * at_f_ref', 2) }}, '?')
      || '%, current cdf ' || coalesce({{ ml_monitor._fmt('100 * at_f_cur', 2) }}, '?') || '%'
      || excluded_text as detail,
    undefined_reason,
    {{ ml_monitor._drift_facts(setup, extra_sql="',\"at_value\":' || " ~ ml_monitor.json_number('at_value')
         ~ " || ',\"reference_cdf\":' || " ~ ml_monitor.json_number('at_f_ref')
         ~ " || ',\"current_cdf\":' || " ~ ml_monitor.json_number('at_f_cur')) }} as facts
  from ks_rows
)

{{ ml_monitor._finalize_observations(test, 'long', scope, has_facts=true) }}
  {%- endset -%}
  {{ return(sql) }}
{%- endmacro %}
