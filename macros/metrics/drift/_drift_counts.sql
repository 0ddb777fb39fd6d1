{#- Counting rows into bins: the bin key of a value, the literal bin list, and the one
    aggregate scan per side that counts every column's bins overall and per segment. -#}

{#- The bin index of a row's value: one case expression with literal bounds. -#}
{% macro _bin_case(c) -%}
  {%- set x = ml_monitor.to_double(c.sql) if c.kind == 'numeric' else ml_monitor._drift_cat_text(c) -%}
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

{#- CTEs `<side>_source`, `<side>_binned` (one bin key per column and row), `<side>_cells`
    (segment_column, segment_value, col_idx, bin_index, n), `<side>_counts` (rows and
    extra aggregates per segment) and `<side>_rows`; one scan for all columns and segments.
    grouping_sets method: numeric columns are binned by a case expression; categorical
    columns are counted by their raw value and mapped to bins afterwards through bin_list
    (a hash aggregate instead of a chain of up to max_categories string comparisons per
    row: ~5x faster on DuckDB).
    stack method (Spark, Databricks): every column is binned by a case expression and the bin
    numbers unpivoted by a generator, counted per segment values, column and bin, then rolled
    up to the overall row and each segment column; wide column lists in parts of a few columns
    (_stack_chunks), each its own select of a union.
    Either way the overall row is added after the aggregation (a zero row unioned into the few
    counts rows), so that it exists even when no row matches. -#}
{% macro _drift_count_ctes(side, relation, filter, scope, cols, bin_rows, extra_columns=[], extra_aggregates=[], by_window=false) -%}
  {%- set stacked = ml_monitor._drift_count_method() == 'stack' -%}
  {#- by_window (the current side with windows: N): every key is also grouped by ml_window_start -#}
  {%- set wk = 'ml_window_start, ' if by_window else '' -%}
  {%- set needed = [] -%}
  {%- for c in (cols | map(attribute='sql') | list) + extra_columns + (scope.segments | map(attribute='sql') | list) -%}
    {%- if c not in needed -%}{%- do needed.append(c) -%}{%- endif -%}
  {%- endfor -%}
  {#- the key each column is counted by: its bin index, or (categorical, grouping sets) its value -#}
  {%- set keys = [] -%}
  {%- for c in cols -%}
    {%- set by_value = not stacked and c.kind == 'categorical' and (c.bins | length) > 0 -%}
    {%- do keys.append({'idx': c.idx, 'name': ('ml_v_' if by_value else 'ml_b_') ~ c.idx, 'by_value': by_value,
                        'sql': ml_monitor._drift_cat_text(c) if by_value else ml_monitor._bin_case(c),
                        'unseen_index': 0 if c.unseen else -3,
                        'branches': (c.bins | length) + 2}) -%}
  {%- endfor -%}
  {%- set value_keys = keys | selectattr('by_value') | list -%}
  {#- extra_aggregates: (name, 0/1 condition) pairs, each counted per group. stack: counted as one
      more column, col_idx 0, whose bin packs the conditions' bits; every use of <side>_fine then
      reads the same (col_idx, bin_index, n), so Spark reuses one scan for the bins and the counts
      (prediction_drift's positive rate had planned a second scan of the monitored table) -#}
  {%- set flags = [] -%}
  {%- if stacked -%}
    {%- for name, cond in extra_aggregates -%}
      {%- do flags.append({'name': name, 'cond': cond, 'bit': 2 ** loop.index0}) -%}
    {%- endfor -%}
  {%- endif -%}
{{ side }}_source as (
  select {% for c in needed %}{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
    {%- if by_window %}, {{ scope.timestamp_sql }} as ml_ts, {{ scope.window_key_sql }} as ml_window_start{% endif %}
  from {{ relation }}
  {#- by window: rows with a NULL timestamp are read too (window key null), to be counted #}
  where {{ scope.scan_filter if by_window else filter }}
),
-- every column's bin index from literal bounds{% if value_keys %} (categorical columns: the value){% endif %}
{{ side }}_binned as (
  select
    {%- if by_window %} ml_ts, ml_window_start,{% endif %}
    {%- for s in scope.segments %} {{ s.sql }},{% endfor %}
    {%- for e in extra_columns %} {{ e }},{% endfor %}
    {%- for k in keys %}
    {{ k.sql }} as {{ k.name }}{% if not loop.last or flags %},{% endif %}
    {%- endfor %}
    {%- if flags %}
    {% for f in flags %}case when {{ f.cond }} then {{ f.bit }} else 0 end{% if not loop.last %} + {% endif %}{% endfor %} as ml_b_0
    {%- endif %}
  from {{ side }}_source
),
{%- if stacked %}
-- one (col_idx, bin_index) row per column and row (a generator: a short projection instead of
-- a wide sum(case ...) per bin), counted per [window,] segment values, column and bin
{%- set chunks = ml_monitor._stack_chunks(([{'idx': 0, 'name': 'ml_b_0', 'branches': 1}] if flags else []) + keys) %}
{%- if chunks | length > 1 %}
-- in {{ chunks | length }} parts of a few columns each (a union of scans of their own columns): one part's
-- compiled per-row code stays small enough for the JVM to JIT-compile it
{%- endif %}
{{ side }}_fine as (
  {%- for chunk in chunks %}
  {%- set first = loop.first %}
  select {{ wk }}{% for s in scope.segments %}{{ s.sql }}, {% endfor %}col_idx, bin_index, count(*) as n
    {%- if by_window %}, {{ 'min(ml_ts)' if first else ml_monitor.to_timestamp('null') }} as ml_first_ts{% endif %}
  from (
    select {{ wk }}{% if by_window and first %}ml_ts, {% endif %}{% for s in scope.segments %}{{ s.sql }}, {% endfor %}
      stack({{ chunk | length }}{% for k in chunk %}, {{ k.idx }}, {{ k.name }}{% endfor %}) as (col_idx, bin_index)
    from {{ side }}_binned
  ) as ml_stacked
  group by {{ wk }}{% for s in scope.segments %}{{ s.sql }}, {% endfor %}col_idx, bin_index
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
),
-- the overall row and each segment column from those few rows
{{ side }}_grouped as (
  select
    {{ wk }}{{ ml_monitor._segment_keys(scope, by_window=false) }},
    col_idx, bin_index, sum(n) as n
    {%- if by_window %}, min(ml_first_ts) as ml_first_ts{% endif %}
  from {{ side }}_fine
  group by grouping sets (({{ wk }}col_idx, bin_index){% for sg in scope.segments %}, ({{ wk }}{{ sg.sql }}, col_idx, bin_index){% endfor %})
),
{%- else %}
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
    {%- if by_window %},
    min(ml_ts) as ml_first_ts
    {%- endif %}
    {%- for name, cond in extra_aggregates %},
    {{ ml_monitor._count_sql(cond) }} as {{ name }}
    {%- endfor %}
  from {{ side }}_binned
  group by grouping sets (
    {%- for k in keys %}({{ wk }}{{ k.name }}){% for sg in scope.segments %}, ({{ wk }}{{ sg.sql }}, {{ k.name }}){% endfor %}{% if not loop.last %}, {% endif %}{% endfor -%}
  )
),
{%- endif %}
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
    {%- if by_window %}, min(ml_first_ts) as ml_first_ts{% endif %}
    {%- for name, expr in extra_aggregates %}, sum({{ name }}) as {{ name }}{% endfor %}
  from (
    {%- if flags %}
    {#- the rows: the first column's counts; the indicators: the bits of column 0's bins #}
    select {{ wk }}segment_column, segment_value, case when col_idx = 0 then 0 else n end as n_rows
      {%- if by_window %}, ml_first_ts{% endif %}
      {%- for f in flags %}, case when col_idx = 0 and {{ ml_monitor._bit_set_sql('bin_index', f.bit) }} then n else 0 end as {{ f.name }}{% endfor %}
    from {{ side }}_grouped
    where col_idx in (0, {{ cols[0].idx }})
    {%- else %}
    select {{ wk }}segment_column, segment_value, n as n_rows
      {%- if by_window %}, ml_first_ts{% endif %}
      {%- for name, expr in extra_aggregates %}, {{ name }}{% endfor %}
    from {{ side }}_grouped
    where col_idx = {{ cols[0].idx }}
    {%- endif %}
    {%- for w in (scope.windows if by_window else [none]) %}
    union all
    select {% if by_window %}{{ w.start_sql }}, {% endif %}{{ ml_monitor.null_string() }}, {{ ml_monitor.null_string() }}, {{ ml_monitor.to_bigint('0') }}
      {%- if by_window %}, {{ ml_monitor.to_timestamp('null') }}{% endif %}
      {%- for name, expr in extra_aggregates %}, {{ ml_monitor.to_bigint('null') }}{% endfor %}
    {%- endfor %}
  ) as ml_counted
  group by {{ wk }}segment_column, segment_value
),
-- the overall row, and the segments that have rows
{{ side }}_rows as (
  select {{ wk }}segment_column, segment_value, n_rows from {{ side }}_counts
  where segment_column is null or n_rows > 0
)
{%- endmacro %}

{#- The literal bin list: one VALUES relation (literal_rows), not a union of one-row selects,
    which Spark plans as one partition and one task per bin. -#}
{% macro _bin_list_cte(bin_rows) -%}
  {%- set rows = [] -%}
  {%- for r in bin_rows -%}{%- do rows.append(ml_monitor._bin_literals(r)) -%}{%- endfor -%}
bin_list as (
  select * from {{ ml_monitor.literal_rows(rows, ml_monitor._bin_list_columns(), 'ml_bins') }}
)
{%- endmacro %}

{#- One bin as SQL literals, in the order of _bin_list_columns(). -#}
{% macro _bin_literals(r) -%}
  {{ return([r.col, r.index,
             ml_monitor.to_string(ml_monitor.string_literal(r.label)),
             ml_monitor.double_const(r.upper) if r.upper is not none else ml_monitor.null_double(),
             ml_monitor.to_string(ml_monitor.string_literal(r.category)) if r.category is not none else ml_monitor.null_string(),
             1 if r.valid else 0]) }}
{%- endmacro %}
{% macro _bin_list_columns() %}{{ return(['col_idx', 'bin_index', 'bin_label', 'bin_upper', 'category', 'is_valid']) }}{% endmacro %}

{#- One drift column as SQL literals: col_idx, column_name, column_reason. -#}
{% macro _drift_column_literals(c) -%}
  {{ return([c.idx, ml_monitor.to_string(ml_monitor.string_literal(c.name)),
             ml_monitor.to_string(ml_monitor.string_literal(c.reason)) if c.reason is not none else ml_monitor.null_string()]) }}
{%- endmacro %}

{#- The number of rows where `cond` holds, as an aggregate. -#}
{% macro _count_sql(cond) -%}
  {{- 'sum(case when ' ~ cond ~ ' then 1 else 0 end)' -}}
{%- endmacro %}

{#- Whether bit `bit` (a power of 2) is set in the non-negative integer `sql`. -#}
{% macro _bit_set_sql(sql, bit) -%}
  {{- 'mod(' ~ ('floor(' ~ sql ~ ' / ' ~ bit ~ ')' if bit > 1 else sql) ~ ', 2) = 1' -}}
{%- endmacro %}

{#- The stack method's keys in parts (in order; the first part holds the first column): each
    part is counted by its own select of the union in <side>_fine, over its own columns. Spark
    compiles a select's per-row work (the bin cases of its columns, the generator, the partial
    aggregate) into one Java method, and the JVM does not JIT-compile a method over 8,000 bytes
    of bytecode: 15 columns in one select made a 13 KB method that ran interpreted, 3-4x slower
    than the same work in parts (docs/benchmarks.md). A part takes columns while their case
    branches (bins + null + non-finite / unseen) stay within var ml_monitor_stack_branches
    (default 40, ~2.5 KB of bytecode); a column with more branches is a part of its own. -#}
{% macro _stack_chunks(keys) -%}
  {%- set budget = var('ml_monitor_stack_branches', 40) | int -%}
  {%- set chunks = [] -%}
  {%- set ns = namespace(part=[], weight=0) -%}
  {%- for k in keys -%}
    {%- if ns.part and ns.weight + k.branches > budget -%}
      {%- do chunks.append(ns.part) -%}
      {%- set ns.part = [] -%}
      {%- set ns.weight = 0 -%}
    {%- endif -%}
    {%- set ns.part = ns.part + [k] -%}
    {%- set ns.weight = ns.weight + k.branches -%}
  {%- endfor -%}
  {%- if ns.part -%}{%- do chunks.append(ns.part) -%}{%- endif -%}
  {{ return(chunks) }}
{%- endmacro %}

{#- How bins are counted: grouping sets (one per column and segment column; DuckDB and
    PostgreSQL aggregate them in one pass, ~5x faster than one wide sum(case ...) per bin on
    DuckDB) or a stack() generator and a plain group by (Spark and Databricks, whose grouping
    sets copy every row once per set; faster there than wide sums, with half the SQL). -#}
{% macro _drift_count_method() -%}
  {#- var ml_monitor_drift_count_method (grouping_sets | stack) overrides the engine's choice;
      stack (a generator: one (column, bin) row per column and row) exists on Spark and
      Databricks only -#}
  {%- set forced = var('ml_monitor_drift_count_method', none) -%}
  {%- if forced in ['grouping_sets', 'stack'] -%}{{ return(forced) }}{%- endif -%}
  {{ return(ml_monitor._dispatch('_drift_count_method')()) }}
{%- endmacro %}
{% macro default___drift_count_method() %}{{ return('grouping_sets') }}{% endmacro %}
{% macro spark___drift_count_method() %}{{ return('stack') }}{% endmacro %}
{% macro databricks___drift_count_method() %}{{ return('stack') }}{% endmacro %}

{#- True while another engine's SQL is rendered for validation (var ml_monitor_dialect set to a
    different engine than the connection's): nothing is queried, bins are placeholders. -#}
{% macro _drift_render_only() -%}
  {%- set dialect = var('ml_monitor_dialect', none) -%}
  {{ return(dialect is not none and dialect != target.type) }}
{%- endmacro %}
