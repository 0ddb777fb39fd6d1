{#- Hours from the newest timestamp to ml_monitor_as_of, overall and per segment.

    {{ ml_monitor.freshness(ref('predictions'), 'prediction_ts', max_age={'period': 'hour', 'count': 6}) }}
-#}
{% macro freshness(relation, timestamp_column, max_age=none, where=none, segment_by=none,
                   min_rows=none, window=none, windows=none, fail_on=none, anomaly=none, test='freshness') -%}
  {%- if timestamp_column is none -%}
    {%- do ml_monitor._arg_error(test, relation, 'timestamp_column', 'is required', 'nothing') -%}
  {%- endif -%}
  {%- if window is not none and windows is none and anomaly is none -%}
    {%- do ml_monitor._arg_error(test, relation, 'window', 'is used with windows (a series of ages at each window end) or anomaly', window) -%}
  {%- endif -%}
  {%- if window is not none -%}
    {{ return(ml_monitor._freshness_series(relation, timestamp_column, max_age, where, segment_by, min_rows,
                                           window, windows, fail_on, anomaly, test)) }}
  {%- endif -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, none, min_rows, timestamp_alone=true) -%}
  {%- set spec = ml_monitor._check_period(test, relation, 'max_age', max_age) if max_age is not none else none -%}
  {%- set max_hours = (ml_monitor._period_seconds(spec) / 3600.0) if spec is not none else none -%}
  {%- set as_of = ml_monitor.as_of() -%}

with source as (
  select {{ ml_monitor._select_list(scope, [scope.timestamp_sql]) }}
  from {{ relation }}
  where {{ scope.filter }}
    -- rows stamped after the evaluation time do not make the data fresher; rows without a
    -- timestamp are read to be counted (a segment whose rows all lost their timestamp was
    -- left out without a word, as if it did not exist)
    and ({{ scope.timestamp_sql }} <= {{ ml_monitor.timestamp_literal(as_of) }} or {{ scope.timestamp_sql }} is null)
),

aggregated as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    count({{ scope.timestamp_sql }}) as n_rows,
    count(*) - count({{ scope.timestamp_sql }}) as n_null_ts,
    max({{ ml_monitor.to_timestamp(scope.timestamp_sql) }}) as latest
  from source
  {{ ml_monitor._group_by_segments(scope) }}
),

long as (
  {#- the note counts the whole scan (the overall row's count), as the windowed monitors do -#}
  {{ ml_monitor._freshness_long(timestamp_column, scope, 'latest', max_hours, 'hours before ' ~ as_of,
                                null_ts='n_null_ts', scan_null_ts='(select max(n_null_ts) from aggregated where segment_column is null)') }}
)

{{ ml_monitor._finalize_observations('freshness', 'long', scope) }}
{%- endmacro %}

{#- freshness with windows: N (or anomaly): the age of the newest row at each window's end,
    hours_since_latest = (window_end - newest timestamp before window_end) / 3600, from one scan
    grouped by window (the newest row up to a window is the running max of the per-window max).
    Rows before a scanned window that are in no scanned window (before the oldest, or between
    scanned windows when incremental refresh scans a few) are read too, as one aggregate per gap
    (newest timestamp and row count per segment): the age is the newest row before the window
    end however old, so a re-run that scans only the newest window still sees yesterday's row.
    The newest window's value is the plain freshness at as_of; a window with no row at all up
    to its end is no_data. sample_size counts the rows up to the window end. -#}
{% macro _freshness_series(relation, timestamp_column, max_age, where, segment_by, min_rows, window, windows,
                           fail_on, anomaly, test) -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, min_rows,
                                    windows=windows, fail_on=fail_on, anomaly=anomaly) -%}
  {%- if not scope.multi -%}
    {%- do ml_monitor._arg_error(test, relation, 'windows', 'must be at least 2 with window (or give anomaly)', windows) -%}
  {%- endif -%}
  {%- set spec = ml_monitor._check_period(test, relation, 'max_age', max_age) if max_age is not none else none -%}
  {%- set max_hours = (ml_monitor._period_seconds(spec) / 3600.0) if spec is not none else none -%}
  {%- set gaps = ml_monitor._freshness_gaps(scope) -%}
  {%- set seg_match = ml_monitor.null_safe_equal('c.segment_column', 'g.segment_column') ~ ' and ' ~ ml_monitor.null_safe_equal('c.segment_value', 'g.segment_value') -%}

with source as (
  select {{ ml_monitor._select_list(scope, [scope.timestamp_sql]) }}
  from {{ relation }}
  where {{ scope.scan_filter }}
),

counted as (
  {{ ml_monitor._freshness_counted(scope, 'source') }}
),

windows_frame as (
  {{ ml_monitor._windows_frame_sql(scope) }}
),

-- rows before a scanned window and in none (the gaps of _freshness_gaps): keyed to the scanned
-- window just after them, for the running max below; only the timestamp and segment columns
gap_source as (
  select {% for sg in scope.segments %}{{ sg.sql }}, {% endfor %}{{ scope.timestamp_sql }} as ml_ts,
         {{ gaps.key_sql }} as ml_window_start
  from {{ relation }}
  where {{ scope.user_filter }}
    and {{ gaps.filter_sql }}
),

gap_counted as (
  {{ ml_monitor._freshness_counted(scope, 'gap_source') }}
),

-- the scanned windows' aggregates and the gaps' before them
counted_all as (
  select * from counted where ml_window_start is not null
  union all
  select * from gap_counted
),

-- rows with a NULL timestamp (read, in no window): counted and said in every row's detail
window_facts as (
  select sum(case when ml_window_start is null and segment_column is null then n_rows else 0 end) as ml_null_ts_rows
  from counted
),

-- the overall row and every segment seen in any window or before it, at every window
segment_keys as (
  select distinct segment_column, segment_value
  from (
    select segment_column, segment_value from counted_all
    union all
    select {{ ml_monitor.null_string() }} as segment_column, {{ ml_monitor.null_string() }} as segment_value
  ) as k
),

-- newest row up to each window's end: running max over the windows
aggregated as (
  select g.window_start, g.window_end, g.ml_window_label,
         {{ ml_monitor._window_note_text_sql('g.window_start', 'g.window_end', 'null', 'g.ml_null_ts_rows',
              scope.key_windows[0].start_sql, ml_monitor.unquoted(scope.timestamp_column_sql)) }} as ml_window_note,
         g.segment_column, g.segment_value,
         max(c.latest) over (partition by g.segment_column, g.segment_value order by g.window_start
                             rows between unbounded preceding and current row) as latest_so_far,
         sum(coalesce(c.n_rows, 0)) over (partition by g.segment_column, g.segment_value order by g.window_start
                                          rows between unbounded preceding and current row) as n_rows
  from (select f.window_start, f.window_end, f.ml_window_label, k.segment_column, k.segment_value, w.ml_null_ts_rows
        from windows_frame as f cross join segment_keys as k cross join window_facts as w) as g
  left join (
    select ml_window_start, segment_column, segment_value, sum(n_rows) as n_rows, max(latest) as latest
    from counted_all
    group by ml_window_start, segment_column, segment_value
  ) as c
    on c.ml_window_start = g.window_start and {{ seg_match }}
),

long as (
  {{ ml_monitor._freshness_long(timestamp_column, scope, 'latest_so_far', max_hours, 'hours before the window end') }}
)

{{ ml_monitor._finalize_observations('freshness', 'long', scope) }}
{%- endmacro %}

{#- Rows and newest timestamp per window key and segment of `source` (ml_ts, ml_window_start). -#}
{% macro _freshness_counted(scope, source) -%}
  select
    {{ ml_monitor._segment_keys(scope) }},
    count(*) as n_rows,
    max({{ ml_monitor.to_timestamp('ml_ts') }}) as latest
  from {{ source }}
  {{ ml_monitor._group_by_segments(scope) }}
{%- endmacro %}

{#- The rows before a scanned window that lie in no scanned window: the gaps before each run of
    adjacent scanned windows (before the oldest: the whole earlier table). Returns filter_sql (a
    row is in a gap; literal bounds) and key_sql (the start of the scanned window just after the
    row's gap). -#}
{% macro _freshness_gaps(scope) -%}
  {%- set ts = scope.timestamp_sql -%}
  {%- set ranges = ml_monitor._merged_ranges(scope.key_windows) -%}
  {%- set conds = [] -%}
  {%- set whens = [] -%}
  {%- for r in ranges -%}
    {%- set hi = ml_monitor.timestamp_literal(r[0]) -%}
    {%- set cond = ts ~ ' < ' ~ hi if loop.first
                   else '(' ~ ts ~ ' >= ' ~ ml_monitor.timestamp_literal(ranges[loop.index0 - 1][1]) ~ ' and ' ~ ts ~ ' < ' ~ hi ~ ')' -%}
    {%- do conds.append(cond) -%}
    {%- do whens.append('when ' ~ cond ~ ' then ' ~ hi) -%}
  {%- endfor -%}
  {{ return({'filter_sql': '(' ~ (conds | join(' or ')) ~ ')', 'key_sql': 'case ' ~ (whens | join(' ')) ~ ' end'}) }}
{%- endmacro %}

{#- The observation rows of freshness from `aggregated` (segment keys, n_rows and the newest
    timestamp in column `latest`): hours from it to the evaluation time (ml_monitor_as_of, or
    each window's end with windows: N); `until` ends the detail. -#}
{#- null_ts: the column counting a group's rows without a timestamp (not in sample_size): a
    segment with no other row is no_data saying so; scan_null_ts: those of the whole scan, which
    every row's detail ends with ("; N rows with a NULL <timestamp_column> excluded"). -#}
{% macro _freshness_long(timestamp_column, scope, latest, max_hours, until, null_ts=none, scan_null_ts=none) -%}
  {%- set end_sql = ml_monitor.timestamp_literal(ml_monitor.as_of()) if not scope.multi else 'window_end' -%}
  {%- set age = '(' ~ ml_monitor.epoch_seconds(end_sql) ~ ' - ' ~ ml_monitor.epoch_seconds(latest) ~ ') / 3600.0' -%}
  {%- set null_note = ml_monitor.string_literal(' with a NULL ' ~ ml_monitor.unquoted(timestamp_column) ~ ' excluded') -%}
  {%- set detail -%}
    'latest row at ' || {{ ml_monitor.to_string(latest) }} || ', ' || {{ ml_monitor._fmt(age, 2) }}
      || ' {{ until }}'
    {%- if null_ts is not none %}
      || case when {{ scan_null_ts }} > 0 then '; ' || {{ ml_monitor._count_text(scan_null_ts, 'row') }} || {{ null_note }} else '' end
    {%- endif %}
  {%- endset %}
  {%- set undefined -%}
    {%- if null_ts is not none -%}
    case when n_rows = 0 and {{ null_ts }} > 0 then {{ ml_monitor._count_text(null_ts, 'row') }} || {{ ml_monitor.string_literal(', all with a NULL ' ~ ml_monitor.unquoted(timestamp_column)) }} end
    {%- endif -%}
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, ml_monitor.unquoted(timestamp_column), 'hours_since_latest', value=age,
         threshold=max_hours, sample_size='n_rows',
         is_fail='false' if max_hours is none else age ~ ' > ' ~ max_hours, detail=detail,
         undefined_reason=(undefined if null_ts is not none else none)) }}
  from aggregated
{%- endmacro %}
