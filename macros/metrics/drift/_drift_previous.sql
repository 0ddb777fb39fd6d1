{#- Binned drift (psi, js_distance, prediction_drift) with reference: previous_window: every
    evaluated window k is compared with window k - 1, binned by window k - 1's own quantile
    edges (or categories), so each comparison is the textbook PSI / JS of two consecutive
    windows. Not public: psi / js_distance / prediction_drift call it.

    1. _drift_previous_plan(): before the main query, one grouped scan of the reference windows
       (the window before each evaluated one) for every numeric column's quantile edges per
       window, one for every categorical column's categories per window.
    2. _drift_previous_ctes(): ONE scan of the evaluated windows and the windows before them.
       Every row gets two bin keys per column: as a current row (the bins of the window before
       its own) and as a reference row (the bins of its own window, for the next window's
       comparison); one aggregate grouped by window (and segment) counts both. The reference
       counts of window k are the reference-role counts of window k - 1. From `cells` on, the
       steps are those of the fixed reference (_drift_binned_tail). -#}

{#- The reference windows of the evaluated ones: [{window (evaluated), ref (the one before)}]. -#}
{% macro _drift_previous_pairs(scope) -%}
  {%- set by_idx = {} -%}
  {%- for kw in scope.key_windows -%}{%- do by_idx.update({kw.idx: kw}) -%}{%- endfor -%}
  {%- set pairs = [] -%}
  {%- for w in scope.windows -%}
    {%- do pairs.append({'window': w, 'ref': by_idx[w.idx - 1]}) -%}
  {%- endfor -%}
  {{ return(pairs) }}
{%- endmacro %}

{#- The bins of every column for every evaluated window, from the window before it:
    [{window, ref, cols: [planned column dicts as _drift_plan returns them]}]. -#}
{% macro _drift_previous_plan(setup, cols, args) -%}
  {%- set scope = setup.scope -%}
  {%- set pairs = ml_monitor._drift_previous_pairs(scope) -%}
  {%- set ref_ws = [] -%}
  {%- for p in pairs -%}{%- if p.ref not in ref_ws -%}{%- do ref_ws.append(p.ref) -%}{%- endif -%}{%- endfor -%}
  {%- set ref_ws = ref_ws | sort(attribute='idx') -%}
  {%- set numeric = cols | selectattr('kind', 'equalto', 'numeric') | list -%}
  {%- set categorical = cols | selectattr('kind', 'equalto', 'categorical') | list -%}
  {%- set render_only = ml_monitor._drift_render_only() -%}
  {%- set w_sql = ml_monitor._window_index_sql(scope.timestamp_sql, ref_ws) -%}
  {%- set filter = scope.user_filter ~ ' and ' ~ ml_monitor._window_ranges_sql(scope.timestamp_sql, ref_ws) -%}
  {#- numeric: exact quantile edges per reference window -#}
  {%- set edges = {} -%}
  {%- if numeric -%}
    {%- set b = args.bins -%}
    {%- set probs = [] -%}
    {%- for k in range(1, b) -%}{%- do probs.append(ml_monitor.double_const(k / b)) -%}{%- endfor -%}
    {%- set sql -%}
      select ml_w
        {%- for c in numeric %}{% for p in probs %}, {{ ml_monitor.array_element('q_' ~ c.idx, loop.index) }} as q_{{ c.idx }}_{{ loop.index }}{% endfor %}{% endfor %}
      from (
        select ml_w
          {%- for c in numeric %}{% if probs %}, {{ ml_monitor.quantiles('ml_v_' ~ c.idx, probs) }} as q_{{ c.idx }}{% endif %}{% endfor %}
        from (
          select {{ w_sql }} as ml_w
            {%- for c in numeric %}, {{ ml_monitor._finite_or_null(c.sql) }} as ml_v_{{ c.idx }}{% endfor %}
          from {{ setup.relation }}
          where {{ filter }}
        ) as ml_previous_source
        group by ml_w
      ) as ml_previous_profile
    {%- endset -%}
    {%- set rows = [] if (render_only or not probs) else ml_monitor._query_rows(sql) -%}
    {%- for w in ref_ws -%}
      {%- for c in numeric -%}
        {%- do edges.update({(w.idx, c.idx): ([0.0] if render_only else [])}) -%}
      {%- endfor -%}
    {%- endfor -%}
    {%- for r in rows -%}
      {%- for c in numeric -%}
        {%- set es = [] -%}
        {%- for p in probs -%}
          {%- set e = r['q_' ~ c.idx ~ '_' ~ loop.index] -%}
          {%- if e is not none -%}{%- do es.append(e | float) -%}{%- endif -%}
        {%- endfor -%}
        {%- do edges.update({(r['ml_w'] | int, c.idx): es | unique | sort | list}) -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
  {#- categorical: the categories of each reference window (at most max_categories + 1) -#}
  {%- set values = {} -%}
  {%- for w in ref_ws -%}{%- for c in categorical -%}{%- do values.update({(w.idx, c.idx): (['0'] if render_only else [])}) -%}{%- endfor -%}{%- endfor -%}
  {%- if categorical and not render_only -%}
    {%- set sql -%}
      select ml_w, col_idx, v from (
        select ml_w, col_idx, v, row_number() over (partition by ml_w, col_idx order by v) as rn
        from (
          select ml_w,
            case {% for c in categorical %}when grouping(ml_v_{{ c.idx }}) = 0 then {{ c.idx }} {% endfor %}end as col_idx,
            case {% for c in categorical %}when grouping(ml_v_{{ c.idx }}) = 0 then ml_v_{{ c.idx }} {% endfor %}end as v
          from (
            select {{ w_sql }} as ml_w
              {%- for c in categorical %}, {{ ml_monitor._drift_cat_text(c) }} as ml_v_{{ c.idx }}{% endfor %}
            from {{ setup.relation }}
            where {{ filter }}
          ) as ml_previous_source
          group by grouping sets ({% for c in categorical %}(ml_w, ml_v_{{ c.idx }}){% if not loop.last %}, {% endif %}{% endfor %})
        ) as ml_grouped
        where v is not null and ml_w is not null
      ) as ml_ranked
      where rn <= {{ args.max_categories + 1 }}
      order by ml_w, col_idx, v
    {%- endset -%}
    {%- for r in ml_monitor._query_rows(sql) -%}
      {%- do values[(r['ml_w'] | int, r['col_idx'] | int)].append(r['v'] | string) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set out = [] -%}
  {%- for p in pairs -%}
    {%- set planned = [] -%}
    {%- for c in cols -%}
      {%- set q = c.copy() -%}
      {%- do q.update({'reason': none, 'unseen': false}) -%}
      {%- if c.kind == 'categorical' -%}
        {%- set vals = values[(p.ref.idx, c.idx)] -%}
        {%- if vals | length > args.max_categories -%}
          {%- do q.update({'bins': [], 'reason': 'more than ' ~ args.max_categories ~ ' distinct values in the previous window (max_categories): too many to bin one per value'}) -%}
        {%- else -%}
          {%- do q.update({'bins': ml_monitor._value_bins(vals, false)}) -%}
        {%- endif -%}
        {%- do q.update({'unseen': true}) -%}
      {%- else -%}
        {%- do q.update({'bins': ml_monitor._quantile_bins(edges[(p.ref.idx, c.idx)])}) -%}
      {%- endif -%}
      {%- do planned.append(q) -%}
    {%- endfor -%}
    {%- do out.append({'window': p.window, 'ref': p.ref, 'cols': planned}) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- A row's bin index as a current row (its window's bins) or as a reference row (the bins of
    the window after it), over the plans: a case on the window, then the bin case. -#}
{% macro _drift_previous_bin_case(plans, col_idx, role) -%}
  case
  {%- for p in plans %}
    {%- set c = (p.cols | selectattr('idx', 'equalto', col_idx) | list)[0] %}
    when ml_window_start = {{ (p.window if role == 'cur' else p.ref).start_sql }} then {{ ml_monitor._bin_case(c) }}
  {%- endfor %}
  end
{%- endmacro %}

{#- Every CTE up to drift_rows (see the header), plus current_counts and reference_counts by
    evaluated window (rows and the extra aggregates of prediction_drift). -#}
{% macro _drift_previous_ctes(setup, plans, args, include_nulls, extra_columns=[], extra_aggregates=[], chi2_max_dof=none) -%}
  {%- set scope = setup.scope -%}
  {%- set nse = ml_monitor.null_safe_equal -%}
  {%- set cols = plans[0].cols -%}
  {#- every (window, column, bin) of the plans, and per column the union of the bin indexes -#}
  {%- set list_rows = [] -%}
  {%- set indexes = {} -%}
  {%- for c in cols -%}{%- do indexes.update({c.idx: []}) -%}{%- endfor -%}
  {%- for p in plans -%}
    {%- for r in ml_monitor._bin_list_rows(p.cols, include_nulls) -%}
      {%- do list_rows.append({'w': p.window.start_sql, 'r': r}) -%}
      {%- if r.index not in indexes[r.col] -%}{%- do indexes[r.col].append(r.index) -%}{%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- set needed = [] -%}
  {%- for c in (cols | map(attribute='sql') | list) + extra_columns + (scope.segments | map(attribute='sql') | list) -%}
    {%- if c not in needed -%}{%- do needed.append(c) -%}{%- endif -%}
  {%- endfor -%}
{%- set bin_values = [] -%}
{%- for x in list_rows -%}{%- do bin_values.append([x.w] + ml_monitor._bin_literals(x.r)) -%}{%- endfor -%}
{%- set column_values = [] -%}
{%- for p in plans -%}
  {%- for c in p.cols -%}{%- do column_values.append([p.window.start_sql] + ml_monitor._drift_column_literals(c)) -%}{%- endfor -%}
{%- endfor %}
-- the bins of every evaluated window: those of the window before it
bin_list as (
  select * from {{ ml_monitor.literal_rows(bin_values, ['ml_window_start'] + ml_monitor._bin_list_columns(), 'ml_bins') }}
),
windows_frame as (
  {{ ml_monitor._windows_frame_sql(scope) }}
),
drift_columns as (
  select * from {{ ml_monitor.literal_rows(column_values, ['ml_window_start', 'col_idx', 'column_name', 'column_reason'], 'ml_columns') }}
),
-- one scan of the evaluated windows and the windows before them; one all-null row per window
-- (ml_real = 0, counted nowhere) makes sure every window's overall group exists
previous_source as (
  select 1 as ml_real{% for c in needed %}, {{ c }}{% endfor %},
    {{ scope.timestamp_sql }} as ml_ts, {{ scope.window_key_sql }} as ml_window_start
  from {{ setup.relation }}
  -- rows with a NULL timestamp too (window key null): counted in the details, in no window
  where {{ scope.scan_filter }}
  {%- for w in scope.key_windows %}
  union all
  select 0 as ml_real{% for c in needed %}, null{% endfor %}, null, {{ w.start_sql }}
  {%- endfor %}
),
-- each row's bin as a current row (the previous window's bins) and as a reference row (its own)
previous_binned as (
  select ml_real, ml_ts, ml_window_start
    {%- for s in scope.segments %}, {{ s.sql }}{% endfor %}
    {%- for e in extra_columns %}, {{ e }}{% endfor %}
    {%- for c in cols %},
    {{ ml_monitor._drift_previous_bin_case(plans, c.idx, 'cur') }} as ml_c_{{ c.idx }},
    {{ ml_monitor._drift_previous_bin_case(plans, c.idx, 'ref') }} as ml_r_{{ c.idx }}
    {%- endfor %}
  from previous_source
),
-- both roles of every column and segment in one aggregate, by window
previous_counts as (
  select
    ml_window_start, {{ ml_monitor._segment_keys(scope, by_window=false) }},
    sum(ml_real) as n_rows,
    min(ml_ts) as ml_first_ts
    {%- for c in cols %}{% for i in indexes[c.idx] %},
    sum(case when ml_c_{{ c.idx }} = {{ i }} then ml_real else 0 end) as ml_c_{{ c.idx }}_{{ ('m' ~ (0 - i)) if i < 0 else i }},
    sum(case when ml_r_{{ c.idx }} = {{ i }} then ml_real else 0 end) as ml_r_{{ c.idx }}_{{ ('m' ~ (0 - i)) if i < 0 else i }}
    {%- endfor %}{% endfor %}
    {%- for name, cond in extra_aggregates %},
    {{ ml_monitor._count_sql(cond) }} as {{ name }}
    {%- endfor %}
  from previous_binned
  {{ ml_monitor._group_by_segments(scope, by_window=true) }}
),
current_counts as (
  select c.* from previous_counts as c
  join windows_frame as f on f.window_start = c.ml_window_start
),
-- the reference of window k: window k - 1's rows counted in their own bins
reference_counts as (
  select f.window_start as ml_window_start, r.segment_column, r.segment_value, r.n_rows
    {%- for c in cols %}{% for i in indexes[c.idx] %}, r.ml_r_{{ c.idx }}_{{ ('m' ~ (0 - i)) if i < 0 else i }}{% endfor %}{% endfor %}
    {%- for name, expr in extra_aggregates %}, r.{{ name }}{% endfor %}
  from windows_frame as f
  join previous_counts as r on r.ml_window_start = f.ml_ref_start
),
cells as (
  select k.ml_window_start, k.segment_column, k.segment_value, b.col_idx, b.bin_index, b.bin_label, b.category, b.is_valid,
    coalesce({{ ml_monitor._drift_previous_pick('k', 'c', cols, indexes) }}, 0) as cur_n,
    coalesce({{ ml_monitor._drift_previous_pick('r', 'r', cols, indexes) }}, 0) as ref_n,
    k.n_rows as cur_rows,
    coalesce(r.n_rows, 0) as ref_rows
  from current_counts as k
  join bin_list as b on b.ml_window_start = k.ml_window_start
  left join reference_counts as r
    on r.ml_window_start = k.ml_window_start
   and {{ nse('r.segment_column', 'k.segment_column') }} and {{ nse('r.segment_value', 'k.segment_value') }}
  where k.segment_column is null or k.n_rows > 0
),
{{ ml_monitor._drift_window_facts('previous_counts') }},
{{ ml_monitor._drift_binned_tail(setup, args, include_nulls, chi2_max_dof) }}
{%- endmacro %}

{#- The count of bin (b.col_idx, b.bin_index) in role `role` ('c' or 'r') from a counts row. -#}
{% macro _drift_previous_pick(alias, role, cols, indexes) -%}
    case
      {%- for c in cols %}{% for i in indexes[c.idx] %}
      when b.col_idx = {{ c.idx }} and b.bin_index = {{ i }} then {{ alias }}.ml_{{ role }}_{{ c.idx }}_{{ ('m' ~ (0 - i)) if i < 0 else i }}
      {%- endfor %}{% endfor %}
    end
{%- endmacro %}
