{#- windows: N for the label-joined monitors (performance, calibration, label_coverage), in one
    scan of the predictions.

    The series ends at the label cutoff (as_of - label_delay), like the single window:
    window k (1 = newest) is [cutoff - k * window, cutoff - (k - 1) * window). The metric
    store's hook (_windows_to_evaluate) picks the windows to evaluate: new ones, the newest,
    and those whose labels changed since they were stored (late labels). The predictions are
    read once, filtered to the picked windows (literal ranges: partition pruning), and every row
    carries the index of its window (mm_w, a CASE over literal bounds, as the DQ and drift
    monitors' window key); every aggregate, rank and bin of the performance SQL is then grouped
    or partitioned by mm_w as well (_perf_k, _perf_kmatch). A scheduled run reads the newest
    window (plus any re-scored one), a backfill reads each window once.

    A reference: a fixed one (`reference`, `reference_where`) is evaluated once, its rows carry
    mm_w = -1 and every window is compared with it; `reference_window` is relative to each
    window (the period just before it): its rows carry the index of the window they are the
    reference of (a CASE when those ranges do not overlap, else a join to the frame of ranges,
    which repeats a row for each window it belongs to).
    fail_on: latest (default) -> only the newest window's rows decide the test. -#}

{#- The windows of a series and their SQL. Returns {todo: windows to evaluate (oldest first,
    each with idx: 0 = oldest of the series), index_sql (mm_w of a prediction), range_sql (the
    scan filter), candidates}. -#}
{% macro _perf_series_windows(test, relation, a, lj, series, user_filter) -%}
  {%- if series.given is defined -%}
    {#- windows chosen by the caller (estimated_performance's realized rows: the windows its own
        series evaluates, already through the metric store's choice) -#}
    {%- set todo = [] -%}
    {%- for w in series.given -%}
      {%- do todo.append({'start': w.start, 'end': w.end, 'start_sql': w.start_sql, 'end_sql': w.end_sql,
                          'label': w.label, 'idx': loop.index0}) -%}
    {%- endfor -%}
    {{ return({'candidates': todo, 'todo': todo,
               'index_sql': ml_monitor._window_index_sql(lj.ts_sql, todo),
               'range_sql': ml_monitor._window_ranges_sql(lj.ts_sql, todo)}) }}
  {%- endif -%}
  {%- set spec = ml_monitor._check_period(test, relation, 'window', a.window) -%}
  {%- set candidates = ml_monitor._window_bounds(lj.cutoff, spec, series.windows, test, relation) -%}
  {%- for w in candidates -%}{%- do w.update({'idx': loop.index0}) -%}{%- endfor -%}
  {%- set label_check = {'relation': relation, 'lj': lj,
                         'filter': user_filter ~ ' and ' ~ lj.ts_sql ~ ' < ' ~ ml_monitor.timestamp_literal(lj.cutoff)} -%}
  {%- if a.reference_window is not none -%}
    {#- a relative reference: a window's baseline changes with the labels of its reference period
        too, so the late-label check covers [window start - reference_window, window end) -#}
    {%- set rspec = ml_monitor._check_period(test, relation, 'reference_window', a.reference_window) -%}
    {%- for w in candidates -%}
      {%- do w.update({'ref_start': ml_monitor._subtract_period(w.start, rspec.period, rspec.count, test, relation, 'reference_window')}) -%}
    {%- endfor -%}
    {%- do label_check.update({'reference': {
          'relation': a.reference,
          'filter': ('(' ~ a.reference_where ~ ')') if (a.reference_where is string and a.reference_where | trim != '') else '1 = 1'}}) -%}
  {%- endif -%}
  {%- set todo = ml_monitor._windows_to_evaluate(candidates, label_check, series.fail_on) or [candidates[-1]] -%}
  {#- anomaly: the training windows not scanned come from the metric store -#}
  {%- if series.anomaly is not none -%}
    {%- do ml_monitor._anomaly_plan(series.anomaly, lj.cutoff, spec, candidates, todo) -%}
  {%- endif -%}
  {{ return({'candidates': candidates, 'todo': todo,
             'index_sql': ml_monitor._window_index_sql(lj.ts_sql, todo),
             'range_sql': ml_monitor._window_ranges_sql(lj.ts_sql, todo)}) }}
{%- endmacro %}

{#- The reference_window of each evaluated window: [window start - reference_window, window start).
    Returns {windows: [{start, end, start_sql, end_sql, idx}], range_sql, index_sql or none,
    frame_sql or none (when the ranges overlap: mm_w, mm_lo, mm_hi per window)}. -#}
{% macro _perf_reference_windows(todo, rspec, ts_sql, test=none, relation=none) -%}
  {%- set refs = [] -%}
  {%- for w in todo -%}
    {%- set rs = ml_monitor._subtract_period(w.start, rspec.period, rspec.count, test, relation, 'reference_window') -%}
    {%- do refs.append({'start': rs, 'end': w.start, 'start_sql': ml_monitor.timestamp_literal(rs),
                        'end_sql': w.start_sql, 'idx': w.idx}) -%}
  {%- endfor -%}
  {%- set ns = namespace(overlap=false) -%}
  {%- for r in refs[1:] -%}
    {%- if r.start < refs[loop.index0].end -%}{%- set ns.overlap = true -%}{%- endif -%}
  {%- endfor -%}
  {%- set frame = [] -%}
  {%- for r in refs -%}
    {%- do frame.append('select ' ~ r.idx ~ ' as mm_w, ' ~ r.start_sql ~ ' as mm_lo, ' ~ r.end_sql ~ ' as mm_hi') -%}
  {%- endfor -%}
  {#- _window_ranges_sql merges adjacent ranges; with overlaps the union is still covered -#}
  {{ return({'windows': refs,
             'range_sql': ml_monitor._window_ranges_sql(ts_sql, refs) if not ns.overlap else '1 = 1',
             'index_sql': none if ns.overlap else ml_monitor._window_index_sql(ts_sql, refs),
             'frame_sql': (frame | join(' union all ')) if ns.overlap else none}) }}
{%- endmacro %}

{#- 'mm_w, ' with windows: N (the window key leading every grouping), else ''. -#}
{% macro _perf_k(p, alias=none) -%}
  {{ return((((alias ~ '.') if alias else '') ~ 'mm_w, ') if p.multi else '') }}
{%- endmacro %}

{#- 'a.mm_w = b.mm_w and ' with windows: N, else '': rows of the same window. -#}
{% macro _perf_kmatch(p, a, b) -%}
  {{ return((a ~ '.mm_w = ' ~ b ~ '.mm_w and ') if p.multi else '') }}
{%- endmacro %}

{#- A per-window literal chosen by mm_w: `case <col> when idx then <literal> ... end`. values:
    {idx: SQL literal}; one value -> the literal itself. -#}
{% macro _perf_by_window(col, values) -%}
  {%- if values | length == 1 -%}{{ return((values.values() | list)[0]) }}{%- endif -%}
  {%- set parts = [] -%}
  {%- for idx, v in values.items() -%}{%- do parts.append('when ' ~ idx ~ ' then ' ~ v) -%}{%- endfor -%}
  {{ return('case ' ~ col ~ ' ' ~ (parts | join(' ')) ~ ' end') }}
{%- endmacro %}

{#- The window columns of a long row (window_start, window_end, ml_window_label, ml_window_note)
    from its mm_w (literals when one window is evaluated), for _finalize_observations; nothing
    without windows. -#}
{% macro _perf_window_columns(p, alias) -%}
  {%- if p.scope.multi -%}
    {%- set col = alias ~ '.mm_w' -%}
    {%- set starts, ends, labels = {}, {}, {} -%}
    {%- for w in p.scope.windows -%}
      {%- do starts.update({w.idx: w.start_sql}) -%}
      {%- do ends.update({w.idx: w.end_sql}) -%}
      {%- do labels.update({w.idx: ml_monitor.string_literal(w.label)}) -%}
    {%- endfor -%}
    ,
    {{ ml_monitor._perf_by_window(col, starts) }} as window_start,
    {{ ml_monitor._perf_by_window(col, ends) }} as window_end,
    {{ ml_monitor._perf_by_window(col, labels) }} as ml_window_label,
    {{ ml_monitor._window_note_text_sql(ml_monitor._perf_by_window(col, starts), ml_monitor._perf_by_window(col, ends),
         '(select ml_data_from from mm_window_facts)', '(select ml_null_ts_rows from mm_window_facts)',
         p.scope.key_windows[0].start_sql, p.lj.ts_name) }} as ml_window_note
  {%- endif -%}
{%- endmacro %}

{#- CTE mm_window_facts (followed by a comma) with windows: N, as the data-quality windows say
    them in their detail: rows with a NULL timestamp (in no window: counted, excluded) and the
    first timestamp of the scanned windows (a partly covered first window). It reads only the
    timestamp of the scanned windows' rows (literal ranges) and of rows without one. -#}
{% macro _perf_window_facts_cte(p) -%}
  {%- if p.scope.multi %}
-- rows with a NULL timestamp (in no window) and the first timestamp in the scanned windows
mm_window_facts as (
  select
    sum(case when {{ p.lj.ts_sql }} is null then 1 else 0 end) as ml_null_ts_rows,
    min({{ p.lj.ts_sql }}) as ml_data_from
  from {{ p.relation }}
  where {{ p.scope.window_facts_filter }}
),
  {%- endif %}
{%- endmacro %}
