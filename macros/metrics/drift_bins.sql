{#- The binning engine behind psi, js_distance, prediction_drift and freeze_baseline.

    1. _drift_plan(): the bins of every column, computed BEFORE the main query
       (run_query: one scan of the reference for every numeric column's quantile
       edges, one grouped scan for every categorical column's categories; or one
       read of a frozen baseline). Bins are rendered as literals into a
       `case when x <= e1 then 1 when x <= e2 then 2 ... end`, which engines
       evaluate fast and which is the same SQL on every engine.
    2. _drift_binned_ctes(): one scan of the current window (and one of the
       reference, unless a baseline is used) counting every column's bins for the
       overall row and every segment in the same aggregate (grouping sets, or wide
       sums on Spark), then the cells, shares, PSI and JS terms per (segment, column).

    Bin indexes: -1 null, -2 non-finite (NaN, +/-inf: never counted), 0 categories
    unseen in the reference, 1..K the bins / reference categories. -#}

{#- Parses `binning`, `bins`, `epsilon`; returns a dict. -#}
{% macro _drift_binning_args(test, relation, binning, bins, epsilon, max_categories) -%}
  {%- do ml_monitor._check_choice(test, relation, 'binning', binning, ['quantile', 'equal_width', 'evidently']) -%}
  {%- if bins == 'sturges' -%}
    {%- if binning == 'quantile' -%}
      {{ ml_monitor._arg_error(test, relation, 'bins', "'sturges' needs binning: equal_width (quantile binning takes a whole number of bins)", bins) }}
    {%- endif -%}
  {%- elif bins is none and binning == 'evidently' -%}
    {%- set bins = 'sturges' -%}
  {%- elif bins is boolean or bins is not number or bins is not integer or bins < 1 -%}
    {{ ml_monitor._arg_error(test, relation, 'bins', "must be a whole number >= 1" ~ (" or 'sturges'" if binning != 'quantile' else ""), bins) }}
  {%- endif -%}
  {%- if binning == 'evidently' and bins != 'sturges' -%}
    {{ ml_monitor._arg_error(test, relation, 'bins', "binning: evidently always uses 'sturges' bins (leave bins out)", bins) }}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'epsilon', epsilon, required=true, min=0) -%}
  {%- if epsilon <= 0 -%}
    {{ ml_monitor._arg_error(test, relation, 'epsilon', "must be a number > 0 (empty bins get this share)", epsilon) }}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'max_categories', max_categories, required=true, min=1, integer=true) -%}
  {{ return({'binning': binning, 'bins': bins, 'epsilon': epsilon, 'max_categories': max_categories,
             'zero_fill': 'evidently' if binning == 'evidently' else 'floor'}) }}
{%- endmacro %}

{#- A label number: short, for humans. -#}
{% macro _edge_text(x) -%}{{ return("%.6g" | format(x | float)) }}{%- endmacro %}

{#- The source rows of one side with the value expressions every query uses. -#}
{% macro _drift_side_sql(sample, relation, filter, cols, segments=[]) -%}
  select {{ ml_monitor.string_literal(sample) }} as ml_sample
    {%- for s in segments %}, {{ s.sql }}{% endfor %}
    {%- for c in cols %}
    {%- if c.kind == 'numeric' %}, {{ ml_monitor._finite_or_null(c.sql) }} as ml_v_{{ c.idx }}
    {%- else %}, {{ ml_monitor.to_string(c.sql) }} as ml_v_{{ c.idx }}{% endif %}
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
  {%- set prob_sql = [] -%}
  {%- for p in probs -%}{%- do prob_sql.append(ml_monitor.double_const(p)) -%}{%- endfor -%}
  {%- set union = args.binning != 'quantile' -%}
  {%- set sql -%}
    select n_rows
      {%- for c in cols %}, n_{{ c.idx }}
      {%- for p in probs %}, {{ ml_monitor.array_element('q_' ~ c.idx, loop.index) }} as q_{{ c.idx }}_{{ loop.index }}{% endfor %}
      {%- if union %}, lo_{{ c.idx }}, hi_{{ c.idx }}, log2n_{{ c.idx }}, nd_{{ c.idx }}{% endif %}
      {%- endfor %}
    from (
      select
        sum(case when ml_sample = 'r' then 1 else 0 end) as n_rows
        {%- for c in cols %}
        , count(case when ml_sample = 'r' then ml_v_{{ c.idx }} end) as n_{{ c.idx }}
        {%- if probs %}
        , {{ ml_monitor.quantiles("case when ml_sample = 'r' then ml_v_" ~ c.idx ~ " end", prob_sql) }} as q_{{ c.idx }}
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
  {%- set row = run_query(sql).rows[0] -%}
  {%- for c in cols -%}
    {%- set info = {'n': row['n_' ~ c.idx]} -%}
    {%- if probs -%}
      {%- set edges = [] -%}
      {%- for p in probs -%}
        {%- set e = row['q_' ~ c.idx ~ '_' ~ loop.index] -%}
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
                             'sql': (ml_monitor.to_string(ml_monitor._finite_or_null(c.sql)) if c.kind == 'numeric' else c.sql)}) -%}
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
  {%- for r in run_query(sql).rows -%}
    {%- do out[r['col_idx'] | int].append(r['v'] | string) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- Bins of a numeric column from sorted unique edges: (-inf, e1], (e1, e2], ..., (em, +inf). -#}
{% macro _quantile_bins(edges) -%}
  {%- set bins = [] -%}
  {%- set ns = namespace(prev='-inf') -%}
  {%- for e in edges -%}
    {%- do bins.append({'index': loop.index, 'label': '(' ~ ns.prev ~ ', ' ~ ml_monitor._edge_text(e) ~ ']',
                        'upper': e, 'category': none, 'cond': '<= ' ~ ml_monitor.double_const(e)}) -%}
    {%- set ns.prev = ml_monitor._edge_text(e) -%}
  {%- endfor -%}
  {%- do bins.append({'index': edges | length + 1, 'label': '(' ~ ns.prev ~ ', +inf)', 'upper': none, 'category': none, 'cond': none}) -%}
  {{ return(bins) }}
{%- endmacro %}

{#- numpy.histogram_bin_edges(ref ∪ cur, bins) reproduced exactly: equal-width edges
    from min to max (±0.5 when min = max); 'sturges' = ceil(ptp / (ptp / (log2 n + 1)))
    bins (1 when ptp = 0; width at least 1 for integer columns, as numpy does).
    Bins are [e0, e1), [e1, e2), ..., [e(n-1), en] like numpy.histogram. -#}
{% macro _equal_width_bins(info, bins, is_integer) -%}
  {%- set lo = info.lo | float -%}
  {%- set hi = info.hi | float -%}
  {%- set ptp = hi - lo -%}
  {%- set first = lo - 0.5 if lo == hi else lo -%}
  {%- set last = hi + 0.5 if lo == hi else hi -%}
  {%- if bins == 'sturges' -%}
    {%- set width = ptp / ((info.log2n | float) + 1.0) -%}
    {%- if width > 0 -%}
      {%- if is_integer and width < 1 -%}{%- set width = 1.0 -%}{%- endif -%}
      {%- set nb = ((last - first) / width) | round(0, 'ceil') | int -%}
    {%- else -%}
      {%- set nb = 1 -%}
    {%- endif -%}
  {%- else -%}
    {%- set nb = bins -%}
  {%- endif -%}
  {%- set step = (last - first) / nb -%}
  {%- set edges = [] -%}
  {%- for k in range(nb + 1) -%}
    {%- do edges.append(last if k == nb else (k * step + first)) -%}
  {%- endfor -%}
  {%- set out = [] -%}
  {%- for k in range(1, nb + 1) -%}
    {%- set closing = ']' if k == nb else ')' -%}
    {%- do out.append({'index': k, 'label': '[' ~ ml_monitor._edge_text(edges[k - 1]) ~ ', ' ~ ml_monitor._edge_text(edges[k]) ~ closing,
                       'upper': edges[k], 'category': none,
                       'cond': ('< ' ~ ml_monitor.double_const(edges[k])) if k < nb else none}) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- One bin per value. -#}
{% macro _value_bins(values, numeric) -%}
  {%- set out = [] -%}
  {%- for v in values -%}
    {%- if numeric -%}
      {%- do out.append({'index': loop.index, 'label': v, 'upper': none, 'category': v, 'cond': '= ' ~ ml_monitor.double_const(v)}) -%}
    {%- else -%}
      {%- do out.append({'index': loop.index, 'label': "'" ~ v ~ "'", 'upper': none, 'category': v, 'cond': '= ' ~ ml_monitor.string_literal(v)}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- The bins of every column. Each column dict gains: bins (valid bins with a
    condition; the last one without is the `else`), else_index, unseen (bool: has
    a bin 0), reason (why the column cannot be evaluated, or none). -#}
{% macro _drift_plan(setup, cols, args) -%}
  {%- if setup.baseline is not none -%}{{ return(ml_monitor._drift_baseline_plan(setup, cols)) }}{%- endif -%}
  {%- set numeric = cols | selectattr('kind', 'equalto', 'numeric') | list -%}
  {%- set categorical = cols | selectattr('kind', 'equalto', 'categorical') | list -%}
  {%- set profile = ml_monitor._drift_profile(setup, numeric, args) if numeric else {} -%}
  {%- set by_value = [] -%}
  {%- for c in numeric -%}
    {%- if args.binning == 'evidently' and (profile[c.idx].nd | int) <= 20 -%}{%- do by_value.append(c) -%}{%- endif -%}
  {%- endfor -%}
  {%- set distinct_cols = categorical + by_value -%}
  {%- set values = ml_monitor._drift_distinct(setup, distinct_cols, args.max_categories, args.binning == 'evidently') if distinct_cols else {} -%}
  {%- set planned = [] -%}
  {%- for c in cols -%}
    {%- set p = c.copy() -%}
    {%- do p.update({'reason': none, 'unseen': false}) -%}
    {%- if c.idx in values -%}
      {%- set vals = values[c.idx] -%}
      {%- if vals | length > args.max_categories -%}
        {%- do p.update({'bins': [], 'reason': 'more than ' ~ args.max_categories ~ ' distinct values (max_categories): too many to bin one per value'}) -%}
      {%- else -%}
        {%- do p.update({'bins': ml_monitor._value_bins(vals, c.kind == 'numeric')}) -%}
      {%- endif -%}
      {%- do p.update({'unseen': args.binning != 'evidently'}) -%}
    {%- elif args.binning == 'quantile' -%}
      {%- do p.update({'bins': ml_monitor._quantile_bins(profile[c.idx].edges)}) -%}
    {%- elif profile[c.idx].lo is none -%}
      {%- do p.update({'bins': [{'index': 1, 'label': '(-inf, +inf)', 'upper': none, 'category': none, 'cond': none}]}) -%}
    {%- else -%}
      {%- do p.update({'bins': ml_monitor._equal_width_bins(profile[c.idx], args.bins, c.is_integer)}) -%}
    {%- endif -%}
    {%- do planned.append(p) -%}
  {%- endfor -%}
  {{ return(planned) }}
{%- endmacro %}

{#- The bin index of a row's value: one case expression with literal bounds. -#}
{% macro _bin_case(c) -%}
  {%- set x = ml_monitor.to_double(c.sql) if c.kind == 'numeric' else ml_monitor.to_string(c.sql) -%}
  case when {{ c.sql }} is null then -1
    {%- if c.kind == 'numeric' %} when {{ ml_monitor.is_non_finite(c.sql) }} then -2{% endif %}
    {%- for b in c.bins if b.cond is not none %} when {{ x }} {{ b.cond }} then {{ b.index }}{% endfor %}
    {%- set open = c.bins | selectattr('cond', 'none') | list %}
    else {{ open[0].index if open else (0 if c.unseen else -3) }} end
{%- endmacro %}

{#- Every bin of every column, valid or not: (col_idx, bin_index, bin_label, bin_upper, category, is_valid). -#}
{% macro _bin_list_rows(cols, include_nulls) -%}
  {%- set rows = [] -%}
  {%- for c in cols -%}
    {%- do rows.append({'col': c.idx, 'index': -1, 'label': 'null', 'upper': none, 'category': none, 'valid': include_nulls}) -%}
    {%- if c.kind == 'numeric' -%}
      {%- do rows.append({'col': c.idx, 'index': -2, 'label': 'non-finite', 'upper': none, 'category': none, 'valid': false}) -%}
    {%- endif -%}
    {%- if c.unseen -%}
      {%- do rows.append({'col': c.idx, 'index': 0, 'label': 'unseen categories', 'upper': none, 'category': none, 'valid': true}) -%}
    {%- endif -%}
    {%- for b in c.bins -%}
      {%- do rows.append({'col': c.idx, 'index': b.index, 'label': b.label, 'upper': b.upper, 'category': b.category, 'valid': true}) -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return(rows) }}
{%- endmacro %}

{% macro _count_name(col_idx, bin_index) -%}
  {{ return('ml_n_' ~ col_idx ~ '_' ~ (('m' ~ (0 - bin_index)) if bin_index < 0 else bin_index)) }}
{%- endmacro %}

{#- CTEs `<side>_source`, `<side>_binned` (one bin key per column and row), `<side>_cells`
    (segment_column, segment_value, col_idx, bin_index, n), `<side>_counts` (rows and
    extra aggregates per segment; wide bin counts with the sums method) and `<side>_rows`;
    one scan for all columns and segments.
    grouping_sets method: numeric columns are binned by a case expression; categorical
    columns are counted by their raw value and mapped to bins afterwards through bin_list
    (a hash aggregate instead of a chain of up to max_categories string comparisons per
    row: ~5x faster on DuckDB). The overall row is added after the aggregation (a zero row
    unioned into the few counts rows), so that it exists even when no row matches.
    sums method (Spark): an extra all-null row (ml_real = 0, counted nowhere) makes sure
    the overall group exists (grouping sets with () yield no row on empty input there). -#}
{% macro _drift_count_ctes(side, relation, filter, scope, cols, bin_rows, extra_columns=[], extra_aggregates=[], by_window=false) -%}
  {%- set gs = ml_monitor._drift_count_method() == 'grouping_sets' -%}
  {#- by_window (the current side with windows: N): every key is also grouped by ml_window_start -#}
  {%- set wk = 'ml_window_start, ' if by_window else '' -%}
  {%- set needed = [] -%}
  {%- for c in (cols | map(attribute='sql') | list) + extra_columns + (scope.segments | map(attribute='sql') | list) -%}
    {%- if c not in needed -%}{%- do needed.append(c) -%}{%- endif -%}
  {%- endfor -%}
  {#- the key each column is counted by: its bin index, or (categorical, grouping sets) its value -#}
  {%- set keys = [] -%}
  {%- for c in cols -%}
    {%- set by_value = gs and c.kind == 'categorical' and (c.bins | length) > 0 -%}
    {%- do keys.append({'idx': c.idx, 'name': ('ml_v_' if by_value else 'ml_b_') ~ c.idx, 'by_value': by_value,
                        'sql': ml_monitor.to_string(c.sql) if by_value else ml_monitor._bin_case(c),
                        'unseen_index': 0 if c.unseen else -3}) -%}
  {%- endfor -%}
  {%- set value_keys = keys | selectattr('by_value') | list -%}
{{ side }}_source as (
  select 1 as ml_real{% for c in needed %}, {{ c }}{% endfor %}
    {%- if by_window %}, {{ scope.window_key_sql }} as ml_window_start{% endif %}
  from {{ relation }}
  where {{ filter }}
  {%- if not gs %}
  {%- for w in (scope.windows if by_window else [none]) %}
  union all
  select 0 as ml_real{% for c in needed %}, null{% endfor %}{% if by_window %}, {{ w.start_sql }}{% endif %}
  {%- endfor %}
  {%- endif %}
),
-- every column's bin index from literal bounds{% if value_keys %} (categorical columns: the value){% endif %}
{{ side }}_binned as (
  select ml_real
    {%- if by_window %}, ml_window_start{% endif %}
    {%- for s in scope.segments %}, {{ s.sql }}{% endfor %}
    {%- for e in extra_columns %}, {{ e }}{% endfor %}
    {%- for k in keys %},
    {{ k.sql }} as {{ k.name }}
    {%- endfor %}
  from {{ side }}_source
),
{%- if gs %}
-- all columns and segments in one aggregate: one grouping set per (column[, segment column])
{{ side }}_grouped as (
  select
    {{ wk }}{{ ml_monitor._segment_keys(scope, by_window=false) }},
    case {% for k in keys %}when grouping({{ k.name }}) = 0 then {{ k.idx }} {% endfor %}end as col_idx,
    {%- if value_keys | length < keys | length %}
    case {% for k in keys if not k.by_value %}when grouping({{ k.name }}) = 0 then {{ k.name }} {% endfor %}end as bin_index,
    {%- else %}
    {{ ml_monitor.to_bigint('null') }} as bin_index,
    {%- endif %}
    {%- if value_keys %}
    case {% for k in value_keys %}when grouping({{ k.name }}) = 0 then {{ k.name }} {% endfor %}end as ml_value,
    {%- endif %}
    count(*) as n
    {%- for name, expr in extra_aggregates %},
    {{ expr }} as {{ name }}
    {%- endfor %}
  from {{ side }}_binned
  group by grouping sets (
    {%- for k in keys %}({{ wk }}{{ k.name }}){% for sg in scope.segments %}, ({{ wk }}{{ sg.sql }}, {{ k.name }}){% endfor %}{% if not loop.last %}, {% endif %}{% endfor -%}
  )
),
{%- if value_keys %}
-- categorical values to their bins: the reference's categories, 0 unseen, -1 null
{{ side }}_mapped as (
  select {{ 'g.' ~ wk if by_window else '' }}g.segment_column, g.segment_value, g.col_idx,
    case
      when g.bin_index is not null then g.bin_index
      when g.ml_value is null then -1
      else coalesce(b.bin_index, case {% for k in value_keys %}when g.col_idx = {{ k.idx }} then {{ k.unseen_index }} {% endfor %}end)
    end as bin_index,
    g.n
  from {{ side }}_grouped as g
  left join bin_list as b
    on b.col_idx = g.col_idx and b.category = g.ml_value
),
{{ side }}_cells as (
  select {{ wk }}segment_column, segment_value, col_idx, bin_index, sum(n) as n
  from {{ side }}_mapped
  group by {{ wk }}segment_column, segment_value, col_idx, bin_index
),
{%- else %}
{{ side }}_cells as (
  select {{ wk }}segment_column, segment_value, col_idx, bin_index, n from {{ side }}_grouped
),
{%- endif %}
-- rows per segment: every row has exactly one key of the first column; plus a zero row
-- for the overall group, which must exist even when no row matches
{{ side }}_counts as (
  select {{ wk }}segment_column, segment_value, sum(n_rows) as n_rows
    {%- for name, expr in extra_aggregates %}, sum({{ name }}) as {{ name }}{% endfor %}
  from (
    select {{ wk }}segment_column, segment_value, n as n_rows
      {%- for name, expr in extra_aggregates %}, {{ name }}{% endfor %}
    from {{ side }}_grouped
    where col_idx = {{ cols[0].idx }}
    {%- for w in (scope.windows if by_window else [none]) %}
    union all
    select {% if by_window %}{{ w.start_sql }}, {% endif %}{{ ml_monitor.null_string() }}, {{ ml_monitor.null_string() }}, {{ ml_monitor.to_bigint('0') }}
      {%- for name, expr in extra_aggregates %}, {{ ml_monitor.to_bigint('null') }}{% endfor %}
    {%- endfor %}
  ) as ml_counted
  group by {{ wk }}segment_column, segment_value
),
{%- else %}
-- all columns and segments in one aggregate (wide), unpivoted afterwards
{{ side }}_counts as (
  select
    {{ wk }}{{ ml_monitor._segment_keys(scope, by_window=false) }},
    sum(ml_real) as n_rows
    {%- for r in bin_rows %},
    sum(case when ml_b_{{ r.col }} = {{ r.index }} then ml_real else 0 end) as {{ ml_monitor._count_name(r.col, r.index) }}
    {%- endfor %}
    {%- for name, expr in extra_aggregates %},
    {{ expr }} as {{ name }}
    {%- endfor %}
  from {{ side }}_binned
  {{ ml_monitor._group_by_segments(scope, by_window=by_window) }}
),
{{ side }}_cells as (
  select {{ 'c.' ~ wk if by_window else '' }}c.segment_column, c.segment_value, b.col_idx, b.bin_index,
    {{ ml_monitor._pick_count('c', bin_rows) }} as n
  from {{ side }}_counts as c
  cross join bin_list as b
),
{%- endif %}
-- the overall row, and the segments that have rows
{{ side }}_rows as (
  select {{ wk }}segment_column, segment_value, n_rows from {{ side }}_counts
  where segment_column is null or n_rows > 0
)
{%- endmacro %}

{#- The count of bin (b.col_idx, b.bin_index) from a wide counts row. -#}
{% macro _pick_count(alias, bin_rows) -%}
    case
      {%- for r in bin_rows %}
      when b.col_idx = {{ r.col }} and b.bin_index = {{ r.index }} then {{ alias }}.{{ ml_monitor._count_name(r.col, r.index) }}
      {%- endfor %}
    end
{%- endmacro %}

{#- The literal bin list. -#}
{% macro _bin_list_cte(bin_rows) -%}
bin_list as (
  {%- for r in bin_rows %}
  select {{ r.col }} as col_idx, {{ r.index }} as bin_index,
    {{ ml_monitor.to_string(ml_monitor.string_literal(r.label)) }} as bin_label,
    {{ ml_monitor.double_const(r.upper) if r.upper is not none else ml_monitor.null_double() }} as bin_upper,
    {{ ml_monitor.to_string(ml_monitor.string_literal(r.category)) if r.category is not none else ml_monitor.null_string() }} as category,
    {{ 1 if r.valid else 0 }} as is_valid
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
)
{%- endmacro %}

{#- Everything up to `drift_rows`: one row per (segment, column) with psi,
    js_distance, the bin that moved most, counts and undefined_reason. Also defines
    drift_columns and current_counts / reference_counts (rows and extra aggregates per
    segment; the latter unless a baseline is used). After the two scans the steps form a
    chain (window functions instead of self-joins), so engines that inline CTEs (Spark)
    do not repeat the scans. -#}
{% macro _drift_binned_ctes(setup, cols, args, include_nulls, extra_columns=[], extra_aggregates=[]) -%}
  {%- set scope = setup.scope -%}
  {%- set bin_rows = ml_monitor._bin_list_rows(cols, include_nulls) -%}
  {%- set nse = ml_monitor.null_safe_equal -%}
  {%- set multi = scope.multi -%}
  {#- windows: N -> the current side is grouped by window too; the reference is shared -#}
  {%- set wk = 'ml_window_start, ' if multi else '' -%}
  {%- set part = 'partition by ' ~ wk ~ 'segment_column, segment_value, col_idx' -%}
  {%- set wide = ml_monitor._drift_count_method() != 'grouping_sets' -%}
{{ ml_monitor._bin_list_cte(bin_rows) }},
{%- if multi %}
windows_frame as (
  {{ ml_monitor._windows_frame_sql(scope) }}
),
{%- endif %}
drift_columns as (
  {%- for c in cols %}
  select {{ c.idx }} as col_idx, {{ ml_monitor.to_string(ml_monitor.string_literal(c.name)) }} as column_name,
    {{ ml_monitor.to_string(ml_monitor.string_literal(c.reason)) if c.reason is not none else ml_monitor.null_string() }} as column_reason
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
),
{{ ml_monitor._drift_count_ctes('current', setup.relation, scope.filter, scope, cols, bin_rows, extra_columns, extra_aggregates, by_window=multi) }},
{%- if setup.baseline is not none %}
{{ ml_monitor._baseline_reference_ctes(setup, cols) }},
{%- else %}
{{ ml_monitor._drift_count_ctes('reference', setup.ref_relation, setup.ref_filter, scope, cols, bin_rows, extra_columns, extra_aggregates) }},
{%- endif %}
-- every bin of every column, for the overall row and each segment present in the current window
cells as (
  select {{ 'k.' ~ wk if multi else '' }}k.segment_column, k.segment_value, b.col_idx, b.bin_index, b.bin_label, b.is_valid,
  {%- if wide %}
    coalesce({{ ml_monitor._pick_count('k', bin_rows) }}, 0) as cur_n,
  {%- else %}
    coalesce(c.n, 0) as cur_n,
  {%- endif %}
  {%- if wide and setup.baseline is none %}
    coalesce({{ ml_monitor._pick_count('r', bin_rows) }}, 0) as ref_n,
  {%- else %}
    coalesce(r.n, 0) as ref_n,
  {%- endif %}
    k.n_rows as cur_rows,
    coalesce({{ 'r' if (wide and setup.baseline is none) else 'r_rows_long' }}.n_rows, 0) as ref_rows
  from {{ 'current_counts' if wide else 'current_rows' }} as k
  cross join bin_list as b
  {%- if not wide %}
  left join current_cells as c
    on c.col_idx = b.col_idx and c.bin_index = b.bin_index
   {%- if multi %} and c.ml_window_start = k.ml_window_start{% endif %}
   and {{ nse('c.segment_column', 'k.segment_column') }} and {{ nse('c.segment_value', 'k.segment_value') }}
  {%- endif %}
  {%- if wide and setup.baseline is none %}
  left join reference_counts as r
    on {{ nse('r.segment_column', 'k.segment_column') }} and {{ nse('r.segment_value', 'k.segment_value') }}
  {%- else %}
  left join reference_cells as r
    on r.col_idx = b.col_idx and r.bin_index = b.bin_index
   and {{ nse('r.segment_column', 'k.segment_column') }} and {{ nse('r.segment_value', 'k.segment_value') }}
  left join reference_rows as r_rows_long
    on {{ nse('r_rows_long.segment_column', 'k.segment_column') }} and {{ nse('r_rows_long.segment_value', 'k.segment_value') }}
  {%- endif %}
  where k.segment_column is null or k.n_rows > 0
),
-- valid / null / non-finite counts per (segment, column), beside every bin
counted as (
  select cells.*,
    sum(case when is_valid = 1 then cur_n else 0 end) over ({{ part }}) as cur_valid,
    sum(case when is_valid = 1 then ref_n else 0 end) over ({{ part }}) as ref_valid,
    sum(case when bin_index = -1 then cur_n else 0 end) over ({{ part }}) as cur_null,
    sum(case when bin_index = -1 then ref_n else 0 end) over ({{ part }}) as ref_null,
    sum(case when bin_index = -2 then cur_n else 0 end) over ({{ part }}) as cur_nonfinite,
    sum(case when bin_index = -2 then ref_n else 0 end) over ({{ part }}) as ref_nonfinite
  from cells
),
-- shares of the valid bins (nulls only with include_nulls; non-finite never)
shares as (
  select counted.*,
    case when is_valid = 1 then {{ ml_monitor.safe_divide('cur_n', 'cur_valid') }} end as cur_raw,
    case when is_valid = 1 then {{ ml_monitor.safe_divide('ref_n', 'ref_valid') }} end as ref_raw
  from counted
),
{%- if args.zero_fill == 'evidently' %}
-- Evidently 0.7's zero fill: an empty bin gets 0.0001, or (smallest non-zero share) / 1e6
-- when that smallest share is <= 0.0001; each side on its own
share_minimums as (
  select shares.*,
    min(case when cur_raw > 0 then cur_raw end) over ({{ part }}) as cur_min,
    min(case when ref_raw > 0 then ref_raw end) over ({{ part }}) as ref_min
  from shares
),
filled as (
  select share_minimums.*,
    case when cur_raw = 0 then (case when cur_min <= 0.0001 then cur_min / 1000000.0 else 0.0001 end) else cur_raw end as cur_share,
    case when ref_raw = 0 then (case when ref_min <= 0.0001 then ref_min / 1000000.0 else 0.0001 end) else ref_raw end as ref_share
  from share_minimums
),
{%- else %}
-- shares floored at epsilon so that ln() is defined for empty bins
filled as (
  select shares.*,
    case when is_valid = 1 then {{ ml_monitor.greatest2('cur_raw', ml_monitor.double_const(args.epsilon)) }} end as cur_share,
    case when is_valid = 1 then {{ ml_monitor.greatest2('ref_raw', ml_monitor.double_const(args.epsilon)) }} end as ref_share
  from shares
),
{%- endif %}
terms as (
  select filled.*,
    case when is_valid = 1 then (cur_share - ref_share) * {{ ml_monitor.ln('cur_share / ref_share') }} end as psi_term,
    -- Jensen-Shannon on the raw shares (0 * ln 0 = 0): no epsilon needed
    case when is_valid = 1 then
      case when cur_raw > 0 then cur_raw * {{ ml_monitor.ln('cur_raw / ((cur_raw + ref_raw) / 2)') }} else 0 end
      + case when ref_raw > 0 then ref_raw * {{ ml_monitor.ln('ref_raw / ((cur_raw + ref_raw) / 2)') }} else 0 end
    end as js_term,
    row_number() over ({{ part }}
                       order by is_valid desc, abs(coalesce(cur_raw, 0) - coalesce(ref_raw, 0)) desc, bin_index) as move_rank
  from filled
),
drift as (
  select {{ 't.' ~ wk if multi else '' }}t.segment_column, t.segment_value, t.col_idx,
    max(dc.column_name) as column_name,
    max(dc.column_reason) as column_reason,
    sum(t.psi_term) as psi,
    sum(t.js_term) as js_sum,
    max(case when t.move_rank = 1 then t.bin_label end) as top_bin,
    max(case when t.move_rank = 1 then t.ref_raw end) as top_ref_share,
    max(case when t.move_rank = 1 then t.cur_raw end) as top_cur_share,
    max(t.cur_rows) as cur_rows, max(t.ref_rows) as ref_rows,
    max(t.cur_valid) as cur_valid, max(t.ref_valid) as ref_valid,
    max(t.cur_null) as cur_null, max(t.ref_null) as ref_null,
    max(t.cur_nonfinite) as cur_nonfinite, max(t.ref_nonfinite) as ref_nonfinite
  from terms as t
  join drift_columns as dc on dc.col_idx = t.col_idx
  group by {{ 't.' ~ wk if multi else '' }}t.segment_column, t.segment_value, t.col_idx
),
drift_rows as (
  select
    column_name,
    segment_column,
    segment_value,
    {%- if multi %}
    windows_frame.window_start, windows_frame.window_end, windows_frame.ml_window_label, '' as ml_window_note,
    {%- endif %}
    col_idx,
    psi,
    sqrt({{ ml_monitor.greatest2('js_sum / 2 / ' ~ ml_monitor.ln('2.0'), '0.0') }}) as js_distance,
    top_bin, top_ref_share, top_cur_share,
    cur_rows, ref_rows, cur_valid, ref_valid, cur_null, ref_null, cur_nonfinite, ref_nonfinite,
    case
      when column_reason is not null then column_reason
      {%- if multi %}
      when cur_rows = 0 then 'no rows in window ' || windows_frame.ml_window_label
      {%- endif %}
      when ref_rows = 0 then 'no reference rows{{ " (frozen baseline " ~ setup.baseline ~ ")" if setup.baseline is not none else "" }}'
        || case when segment_column is not null then ' for this segment' else '' end
      when ref_valid = 0 then 'no usable reference values: ' || {{ ml_monitor.to_string('ref_null') }} || ' null, '
        || {{ ml_monitor.to_string('ref_nonfinite') }} || ' non-finite of ' || {{ ml_monitor.to_string('ref_rows') }} || ' reference rows'
      when cur_valid = 0 then 'no usable current values: ' || {{ ml_monitor.to_string('cur_null') }} || ' null, '
        || {{ ml_monitor.to_string('cur_nonfinite') }} || ' non-finite of ' || {{ ml_monitor.to_string('cur_rows') }} || ' rows'
    end as undefined_reason,
    -- what was left out, for the detail text
    case when cur_nonfinite + ref_nonfinite > 0
      then '; non-finite excluded: ' || {{ ml_monitor.to_string('cur_nonfinite') }} || ' current, ' || {{ ml_monitor.to_string('ref_nonfinite') }} || ' reference'
      else '' end
    {%- if not include_nulls %}
    || case when cur_null + ref_null > 0
      then '; nulls excluded: ' || {{ ml_monitor.to_string('cur_null') }} || ' current, ' || {{ ml_monitor.to_string('ref_null') }} || ' reference'
      else '' end
    {%- endif %} as excluded_text
  from drift
  {%- if multi %}
  join windows_frame on windows_frame.window_start = drift.ml_window_start
  {%- endif %}
)
{%- endmacro %}

{#- "largest shift in bin (a, b]: 10.00% -> 25.00%" -#}
{% macro _moved_bin_text(prefix='') -%}
  '; largest shift in bin ' || coalesce({{ prefix }}top_bin, '?') || ': '
    || coalesce({{ ml_monitor._fmt('100 * ' ~ prefix ~ 'top_ref_share', 2) }}, '?') || '% -> '
    || coalesce({{ ml_monitor._fmt('100 * ' ~ prefix ~ 'top_cur_share', 2) }}, '?') || '%'
{%- endmacro %}

{#- One observation row per (segment, column) for metric psi or js_distance. -#}
{% macro _drift_metric_rows(metric, value_sql, threshold, fail_op='>', scope=none) -%}
  select
    column_name,
    segment_column,
    segment_value{{ ml_monitor._window_columns(scope) if scope is not none else '' }},
    {{ ml_monitor.string_literal(metric) }} as metric,
    case when undefined_reason is null then {{ value_sql }} end as value,
    {{ ml_monitor.double_literal(threshold) }} as threshold,
    {{ ml_monitor.null_double() }} as baseline_value,
    cur_rows as sample_size,
    {%- if threshold is none %}
    false as is_fail,
    {%- else %}
    coalesce(undefined_reason is null and {{ value_sql }} {{ fail_op }} {{ threshold }}, false) as is_fail,
    {%- endif %}
    {{ ml_monitor.string_literal(metric ~ ' ') }} || coalesce({{ ml_monitor._fmt(value_sql, 4) }}, '?')
      {%- if threshold is not none %}
      || case when {{ value_sql }} {{ fail_op }} {{ threshold }} then ' {{ "at or above" if fail_op == ">=" else "above" }} {{ threshold }}' else ' within {{ threshold }}' end
      {%- endif %}
      || {{ ml_monitor._moved_bin_text() }}
      || excluded_text as detail,
    undefined_reason
  from drift_rows
{%- endmacro %}

{#- How bins are counted: grouping sets (one per column and segment column; DuckDB and
    PostgreSQL aggregate them in one pass, ~2x faster than wide sums on DuckDB) or wide
    sum(case ...) columns (Spark, whose grouping sets copy every row once per set). -#}
{% macro _drift_count_method() -%}
  {#- var ml_monitor_drift_count_method (grouping_sets | sums) overrides the engine's choice -#}
  {%- set forced = var('ml_monitor_drift_count_method', none) -%}
  {%- if forced in ['grouping_sets', 'sums'] -%}{{ return(forced) }}{%- endif -%}
  {{ return(ml_monitor._dispatch('_drift_count_method')()) }}
{%- endmacro %}
{% macro default___drift_count_method() %}{{ return('grouping_sets') }}{% endmacro %}
{% macro spark___drift_count_method() %}{{ return('sums') }}{% endmacro %}
{% macro databricks___drift_count_method() %}{{ return('sums') }}{% endmacro %}

{#- True while another engine's SQL is rendered for validation (var ml_monitor_dialect set to a
    different engine than the connection's): nothing is queried, bins are placeholders. -#}
{% macro _drift_render_only() -%}
  {%- set dialect = var('ml_monitor_dialect', none) -%}
  {{ return(dialect is not none and dialect != target.type) }}
{%- endmacro %}
