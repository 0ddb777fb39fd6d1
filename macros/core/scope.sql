{#- The rows a monitor looks at: `where`, the time window, the segments.
    Windows are computed here, in Jinja, and rendered as timestamp literals so that
    engines can prune partitions on them. -#}

{#- The evaluation time: var ml_monitor_as_of, else the run's start (UTC, to the second). -#}
{% macro as_of() -%}
  {#- The evaluation time as a naive UTC datetime. A string or a YAML timestamp: a date, or a date
      and time (T or a space; seconds optional, a fraction of a second dropped), with an optional
      zone: Z, UTC, or an offset (+05:45, -0500, +09), which is converted to UTC. Without a zone
      the time is UTC. Anything else is a compile error (text after the time was ignored before:
      "…+05:00" silently meant five hours later). -#}
  {%- set raw = var('ml_monitor_as_of', none) -%}
  {%- if raw is none or (raw | string | trim) == '' -%}
    {{ return(run_started_at.replace(tzinfo=none, microsecond=0)) }}
  {%- endif -%}
  {%- set text = raw | string | trim -%}
  {%- set m = modules.re.match('^(\\d{4}-\\d{2}-\\d{2})(?:[T ](\\d{2}:\\d{2})(:\\d{2})?(\\.\\d+)?)?\\s*(Z|UTC|[+-]\\d{2}(?::?\\d{2})?)?$', text, modules.re.IGNORECASE) -%}
  {%- set ns = namespace(parsed=none) -%}
  {%- if m -%}
    {%- set stamp = m.group(1) ~ ' ' ~ (m.group(2) or '00:00') ~ (m.group(3) or ':00') -%}
    {%- set ns.parsed = ml_monitor._try_strptime(stamp, '%Y-%m-%d %H:%M:%S') -%}
  {%- endif -%}
  {%- if ns.parsed is none -%}
    {{ exceptions.raise_compiler_error("ml_monitor: var 'ml_monitor_as_of' must be a timestamp like '2026-01-31 00:00:00' (UTC), '2026-01-31T00:00:00Z' or '2026-01-31 05:45:00+05:45' (got " ~ raw ~ ")") }}
  {%- endif -%}
  {%- set zone = (m.group(5) or '') | upper -%}
  {%- if zone not in ['', 'Z', 'UTC'] -%}
    {%- set digits = zone[1:].replace(':', '') -%}
    {%- set minutes = (digits[:2] | int) * 60 + ((digits[2:4] or '0') | int) -%}
    {%- if minutes > 18 * 60 or (digits[2:4] | int) > 59 -%}
      {{ exceptions.raise_compiler_error("ml_monitor: var 'ml_monitor_as_of' has an impossible UTC offset " ~ zone ~ " (got " ~ raw ~ ")") }}
    {%- endif -%}
    {%- set sign = 1 if zone[0] == '+' else -1 -%}
    {%- set ns.parsed = ns.parsed - modules.datetime.timedelta(minutes=sign * minutes) -%}
  {%- endif -%}
  {{ return(ns.parsed) }}
{%- endmacro %}

{% macro _try_strptime(text, fmt) -%}
  {%- set ns = namespace(v=none) -%}
  {%- if text | length == (modules.datetime.datetime(2000, 1, 1).strftime(fmt) | length) -%}
    {%- set ns.v = modules.datetime.datetime.strptime(text, fmt) -%}
  {%- endif -%}
  {{ return(ns.v) }}
{%- endmacro %}


{#- Validates a period spec {period: day, count: 7} and returns it normalised. -#}
{% macro _check_period(test, relation, arg, spec) -%}
  {%- set periods = ['minute', 'hour', 'day', 'week', 'month', 'year'] -%}
  {%- if spec is not mapping or 'period' not in spec -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must be a mapping like {period: day, count: 1} with period one of " ~ (periods | join(', ')), spec) }}
  {%- endif -%}
  {%- set unknown = spec.keys() | reject('in', ['period', 'count']) | list -%}
  {%- if unknown | length > 0 -%}
    {{ ml_monitor._arg_error(test, relation, arg, "has unknown key(s) " ~ (unknown | join(', ')) ~ "; expected period and count", spec) }}
  {%- endif -%}
  {%- set period = (spec['period'] | string | lower).rstrip('s') -%}
  {%- if period not in periods -%}
    {{ ml_monitor._arg_error(test, relation, arg ~ ".period", "must be one of " ~ (periods | join(', ')), spec['period']) }}
  {%- endif -%}
  {%- set count = spec.get('count', 1) -%}
  {%- do ml_monitor._check_number(test, relation, arg ~ ".count", count, required=true, min=1, integer=true) -%}
  {{ return({'period': period, 'count': count}) }}
{%- endmacro %}

{#- dt minus n periods. A start before 0001-01-01 (the earliest instant Python and every engine
    represent) is a compile error naming the test and `arg` (it was a raw "year -97974 is out of
    range" naming nothing). -#}
{% macro _subtract_period(dt, period, n, test=none, relation=none, arg='window') -%}
  {%- set td = modules.datetime.timedelta -%}
  {%- set unit = {'minute': 60, 'hour': 3600, 'day': 86400, 'week': 604800}.get(period) -%}
  {%- if unit is not none -%}
    {%- set fits = n * unit <= (dt - modules.datetime.datetime(1, 1, 1)).total_seconds() -%}
  {%- else -%}
    {%- set fits = dt.year * 12 + (dt.month - 1) - n * (12 if period == 'year' else 1) >= 12 -%}
  {%- endif -%}
  {%- if not fits -%}
    {%- set what = "must not reach before 0001-01-01, the earliest date a window can start; it starts " ~ n ~ " "
                   ~ period ~ "s before " ~ dt ~ " (use a shorter period or fewer windows)" -%}
    {%- if test is none -%}
      {{ exceptions.raise_compiler_error("ml_monitor: a window " ~ what) }}
    {%- endif -%}
    {{ ml_monitor._arg_error(test, relation, arg, what, n ~ " " ~ period ~ "s") }}
  {%- endif -%}
  {%- if period == 'minute' -%}{{ return(dt - td(minutes=n)) }}
  {%- elif period == 'hour' -%}{{ return(dt - td(hours=n)) }}
  {%- elif period == 'day' -%}{{ return(dt - td(days=n)) }}
  {%- elif period == 'week' -%}{{ return(dt - td(weeks=n)) }}
  {%- else -%}
    {%- set months = n * (12 if period == 'year' else 1) -%}
    {%- set total = dt.year * 12 + (dt.month - 1) - months -%}
    {%- set y = (total // 12) | int -%}
    {%- set m = (total % 12 + 1) | int -%}
    {%- set last_day = [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] -%}
    {{ return(dt.replace(year=y, month=m, day=[dt.day, last_day] | min)) }}
  {%- endif -%}
{%- endmacro %}

{#- Length of a period spec in seconds (months as 30 days, years as 365) for age thresholds. -#}
{% macro _period_seconds(spec) -%}
  {%- set unit = {'minute': 60, 'hour': 3600, 'day': 86400, 'week': 604800, 'month': 2592000, 'year': 31536000}[spec.period] -%}
  {{ return(unit * spec.count) }}
{%- endmacro %}

{#- Everything about which rows a monitor reads. Returns a dict:
      test, relation, filter (SQL boolean), segments [{name, sql, literal}],
      window_start / window_end (datetime or none) and their SQL literals, min_rows. -#}
{% macro _scope(test, relation, where=none, segment_by=none, timestamp_column=none, window=none, min_rows=none, window_required=false,
                 windows=none, fail_on=none, extra_windows=0, force_multi=false, label_check=none, anomaly=none,
                 count_null_ts=true, timestamp_alone=false) -%}
  {%- if relation is none -%}
    {{ ml_monitor._arg_error(test, none, "model", "is required", "nothing") }}
  {%- endif -%}
  {%- if where is not none and where is not string -%}
    {{ ml_monitor._arg_error(test, relation, "where", "must be a SQL condition as a string", where) }}
  {%- endif -%}
  {%- set min_rows = var('ml_monitor_min_rows', 1) if min_rows is none else min_rows -%}
  {%- do ml_monitor._check_number(test, relation, "min_rows", min_rows, min=0, integer=true) -%}
  {%- set segment_names = ml_monitor._check_names(test, relation, "segment_by", segment_by) -%}
  {%- set segments = [] -%}
  {%- for s in segment_names -%}
    {%- do segments.append({'name': s, 'sql': ml_monitor.quote_column(s), 'literal': ml_monitor.string_literal(s)}) -%}
  {%- endfor -%}

  {%- set conditions = [] -%}
  {%- if where is not none and where | trim != '' -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
  {%- set ns = namespace(start=none, end=none, ts=none, ts_raw=none, todo=[], stored=none) -%}
  {%- if window is not none -%}
    {%- if timestamp_column is none -%}
      {{ ml_monitor._arg_error(test, relation, "timestamp_column", "is required when a window is given", "nothing") }}
    {%- endif -%}
    {%- set spec = ml_monitor._check_period(test, relation, "window", window) -%}
    {%- set ns.end = ml_monitor.as_of() -%}
    {%- set ns.start = ml_monitor._subtract_period(ns.end, spec.period, spec.count, test, relation) -%}
  {%- elif window_required -%}
    {{ ml_monitor._arg_error(test, relation, "window", "is required: a mapping like {period: day, count: 1}", "nothing") }}
  {%- endif -%}
  {#- anomaly: the series it learns from is scanned with the monitor (windows derived from it) -#}
  {%- set anomaly_cfg = ml_monitor._anomaly_config(test, relation, anomaly, window, windows, timestamp_column) -%}
  {%- if anomaly_cfg is not none and windows is none -%}{%- set windows = anomaly_cfg.windows_needed -%}{%- endif -%}
  {%- set series = ml_monitor._check_windows(test, relation, windows, fail_on, window, timestamp_column) -%}
  {%- if timestamp_column is not none and window is none and not timestamp_alone -%}
    {#- a timestamp without a window selects nothing: the whole table would be evaluated, rows
        after ml_monitor_as_of included, while the user meant a window (freshness, which reads
        the timestamp itself, passes timestamp_alone) -#}
    {{ ml_monitor._arg_error(test, relation, "window", "is required when timestamp_column is given (timestamp_column only "
        ~ "places rows in a window; without window the whole table would be evaluated): add e.g. window: {period: day, count: 1}, "
        ~ "or drop timestamp_column", "nothing") }}
  {%- endif -%}
  {%- if timestamp_column is not none -%}
    {%- set ts_names = ml_monitor._check_names(test, relation, "timestamp_column", timestamp_column) -%}
    {%- do ml_monitor._check_time_column(test, relation, 'timestamp_column', ts_names[0]) -%}
    {%- set ns.ts_raw = ml_monitor.quote_column(ts_names[0]) -%}
    {#- the column as a UTC instant, comparable with the UTC window literals whatever the session time zone -#}
    {%- set ns.ts = ml_monitor._timestamp_utc_sql(relation, ts_names[0]) -%}
  {%- endif -%}
  {#- A window, even one (windows: 1), is read the way a series is: rows with a NULL timestamp are
      read too, counted and said in detail, in no window (they vanished silently before).
      count_null_ts=false keeps one window a plain range filter (feature_skew: a missing serving
      row has no timestamp of its own). anomaly: the rows carry their window even with windows: 1
      (the rest of the series comes from the metric store). -#}
  {%- set multi = series.windows > 1 or (ns.start is not none and (force_multi or count_null_ts))
                  or anomaly_cfg is not none -%}
  {%- set user_conditions = conditions | list -%}
  {%- set ws = [] -%}
  {%- set key_ws = [] -%}
  {%- if multi -%}
    {#- all windows of the series plus `extra_windows` before the oldest (a reference each
        window needs: volume's reference_periods, drift's previous window), every bound
        computed from as_of; then the windows to evaluate (the metric store's hook, when the
        package has one, keeps only the windows it lacks) and the windows to scan for them -#}
    {%- set all_ws = ml_monitor._window_bounds(ns.end, spec, series.windows + extra_windows, test, relation) -%}
    {%- for w in all_ws -%}{%- do w.update({'idx': loop.index0}) -%}{%- endfor -%}
    {%- set candidates = all_ws[extra_windows:] -%}
    {%- set ns.todo = candidates -%}
    {%- if ml_monitor._windows_to_evaluate is defined -%}
      {%- set ns.todo = ml_monitor._windows_to_evaluate(candidates, label_check, series.fail_on) or [candidates[-1]] -%}
    {%- endif -%}
    {#- anomaly: the training windows not scanned come from the metric store -#}
    {%- if anomaly_cfg is not none -%}
      {%- do ml_monitor._anomaly_plan(anomaly_cfg, ns.end, spec, candidates, ns.todo) -%}
    {%- endif -%}
    {%- set key_idx = [] -%}
    {%- for w in ns.todo -%}
      {%- do w.update({'ref_start_sql': all_ws[w.idx - extra_windows].start_sql}) -%}
      {%- for k in range(w.idx - extra_windows, w.idx + 1) -%}
        {%- if k not in key_idx -%}{%- do key_idx.append(k) -%}{%- endif -%}
      {%- endfor -%}
    {%- endfor -%}
    {%- for k in key_idx | sort -%}{%- do key_ws.append(all_ws[k]) -%}{%- endfor -%}
    {%- for w in ns.todo -%}{%- do ws.append(w) -%}{%- endfor -%}
    {#- windows of the series incremental refresh left to the metric store (it holds them) -#}
    {%- set todo_starts = ns.todo | map(attribute='start') | list -%}
    {%- set skipped = candidates | rejectattr('start', 'in', todo_starts) | list -%}
    {%- if skipped -%}
      {%- set ns.stored = {'history': ml_monitor.history_relation(), 'test_id': ml_monitor._current_test_id(),
                           'windows': skipped} -%}
    {%- endif -%}
    {%- set ns.start = ws[-1].start -%}
    {%- do conditions.append(ml_monitor._window_ranges_sql(ns.ts, key_ws)) -%}
  {%- elif ns.start is not none -%}
    {%- do conditions.append(ns.ts ~ ' >= ' ~ ml_monitor.timestamp_literal(ns.start)) -%}
    {%- do conditions.append(ns.ts ~ ' < ' ~ ml_monitor.timestamp_literal(ns.end)) -%}
  {%- endif -%}
  {%- set user_sql = (user_conditions | join(' and ')) if user_conditions else '1 = 1' -%}
  {%- set filter_sql = (conditions | join(' and ')) if conditions else '1 = 1' -%}
  {{ return({
      'test': test,
      'relation': relation,
      'filter': filter_sql,
      'scan_filter': (user_sql ~ ' and (' ~ (conditions[user_conditions | length:] | join(' and ')) ~ ' or ' ~ ns.ts ~ ' is null)') if multi else filter_sql,
      'user_filter': ('(' ~ where ~ ')') if (where is not none and where | trim != '') else '1 = 1',
      'segments': segments,
      'timestamp_sql': ns.ts,
      'timestamp_column_sql': ns.ts_raw,
      'window_start': ns.start,
      'window_end': ns.end,
      'window_start_sql': ml_monitor.timestamp_literal(ns.start),
      'window_end_sql': ml_monitor.timestamp_literal(ns.end),
      'min_rows': min_rows,
      'multi': multi,
      'n_windows': series.windows,
      'fail_on': series.fail_on,
      'windows': ws,
      'key_windows': key_ws,
      'stored': ns.stored,
      'window_key_sql': ml_monitor._window_key_sql(ns.ts, key_ws) if multi else none,
      'anomaly': anomaly_cfg,
  }) }}
{%- endmacro %}

{#- `windows` (how many consecutive windows, default 1) and `fail_on` (latest | any), checked.
    windows > 1 needs timestamp_column and window; so does an explicit windows: 1. -#}
{% macro _check_windows(test, relation, windows, fail_on, window, timestamp_column) -%}
  {%- if windows is not none -%}
    {%- do ml_monitor._check_number(test, relation, 'windows', windows, min=1, max=1000, integer=true) -%}
    {%- if window is none or timestamp_column is none -%}
      {{ ml_monitor._arg_error(test, relation, 'windows', "needs timestamp_column and window (windows: N evaluates the N most recent windows ending at ml_monitor_as_of)", windows) }}
    {%- endif -%}
  {%- endif -%}
  {%- set fail_on = 'latest' if fail_on is none else fail_on -%}
  {%- do ml_monitor._check_choice(test, relation, 'fail_on', fail_on, ['latest', 'any']) -%}
  {{ return({'windows': 1 if windows is none else windows, 'fail_on': fail_on}) }}
{%- endmacro %}

{#- The n windows of length `spec` ending at `end`, oldest first: window k (1 = newest) is
    [end - k periods, end - (k-1) periods). Every bound is computed from `end` itself, so
    month windows keep their calendar meaning (as_of on the 1st -> calendar months).
    test / relation: named by the error of a series that reaches before year 1. -#}
{% macro _window_bounds(end, spec, n, test=none, relation=none) -%}
  {%- set out = [] -%}
  {%- for k in range(n, 0, -1) -%}
    {%- set s = ml_monitor._subtract_period(end, spec.period, spec.count * k, test, relation) -%}
    {%- set e = ml_monitor._subtract_period(end, spec.period, spec.count * (k - 1)) if k > 1 else end -%}
    {%- do out.append({'start': s, 'end': e, 'start_sql': ml_monitor.timestamp_literal(s),
                       'end_sql': ml_monitor.timestamp_literal(e),
                       'label': '[' ~ s.strftime('%Y-%m-%d %H:%M:%S') ~ ', ' ~ e.strftime('%Y-%m-%d %H:%M:%S') ~ ')'}) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- The window a row belongs to, as its start: a CASE over literal bounds (newest first),
    null outside every window and for a NULL timestamp. -#}
{% macro _window_key_sql(ts, windows) -%}
  {%- set parts = [] -%}
  {%- for w in windows | reverse -%}
    {%- do parts.append('when ' ~ ts ~ ' >= ' ~ w.start_sql ~ ' and ' ~ ts ~ ' < ' ~ w.end_sql ~ ' then ' ~ w.start_sql) -%}
  {%- endfor -%}
  {{ return('case ' ~ (parts | join(' ')) ~ ' end') }}
{%- endmacro %}

{#- The index (w.idx: 0 = oldest window of the series) of the window a row belongs to, null outside. -#}
{% macro _window_index_sql(ts, windows) -%}
  {%- set parts = [] -%}
  {%- for w in windows | reverse -%}
    {%- do parts.append('when ' ~ ts ~ ' >= ' ~ w.start_sql ~ ' and ' ~ ts ~ ' < ' ~ w.end_sql ~ ' then ' ~ w.idx) -%}
  {%- endfor -%}
  {{ return('case ' ~ (parts | join(' ')) ~ ' end') }}
{%- endmacro %}

{#- [start, end] ranges of a list of windows (any order, each with start and end), adjacent or
    overlapping windows merged, oldest first. -#}
{% macro _merged_ranges(windows) -%}
  {%- set ranges = [] -%}
  {%- for w in windows | sort(attribute='start') -%}
    {%- if ranges and ranges[-1][1] >= w.start -%}
      {%- set last = ranges.pop() -%}
      {%- do ranges.append([last[0], [last[1], w.end] | max]) -%}
    {%- else -%}
      {%- do ranges.append([w.start, w.end]) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(ranges) }}
{%- endmacro %}

{#- The scan filter of a list of windows: adjacent or overlapping windows merged into one range,
    `(ts >= s and ts < e) or ...` with literal bounds (partition pruning); no window: false. -#}
{% macro _window_ranges_sql(ts, windows) -%}
  {%- if windows | length == 0 -%}{{ return('(1 = 0)') }}{%- endif -%}
  {%- set parts = [] -%}
  {%- for r in ml_monitor._merged_ranges(windows) -%}
    {%- do parts.append('(' ~ ts ~ ' >= ' ~ ml_monitor.timestamp_literal(r[0]) ~ ' and ' ~ ts ~ ' < ' ~ ml_monitor.timestamp_literal(r[1]) ~ ')') -%}
  {%- endfor -%}
  {{ return('(' ~ (parts | join(' or ')) ~ ')') }}
{%- endmacro %}

{#- One literal row per evaluated window: window_start, window_end, ml_window_label (text) and
    ml_ref_start, the start of the earlier windows scanned for it (extra_windows of _scope:
    volume's reference_periods, the previous window of drift). -#}
{% macro _windows_frame_sql(scope) -%}
  {%- set rows = [] -%}
  {%- for w in scope.windows -%}
    {%- do rows.append([w.start_sql, w.end_sql, ml_monitor.string_literal(w.label), w.ref_start_sql]) -%}
  {%- endfor %}
  select * from {{ ml_monitor.literal_rows(rows, ['window_start', 'window_end', 'ml_window_label', 'ml_ref_start'], 'ml_frame') }}
{%- endmacro %}

{#- With windows: N, the aggregate `rows_cte` (grouped by ml_window_start and segments, with the
    ml_first_ts / ml_group_rows columns of _segment_keys) becomes `name`: one row per
    (evaluated window, segment) plus an overall row for every window, even one without rows
    (left join from the frame of windows; its counts are null -> status no_data). Rows with a
    NULL timestamp (window key null) are dropped here and counted in ml_window_note, which also
    says when the first window that has data is only partly covered by it.
    Without windows it is a plain pass-through. -#}
{% macro _complete_windows(scope, rows_cte, name='aggregated') -%}
  {%- if not scope.multi -%}
{{ name }} as (
  select * from {{ rows_cte }}
)
  {%- else -%}
windows_frame as (
  {{ ml_monitor._windows_frame_sql(scope) }}
),

{{ ml_monitor._window_facts_cte(rows_cte) }},

-- every evaluated window, with or without data: the frame left-joined to the aggregate
{{ name }} as (
  select
    windows_frame.window_start,
    windows_frame.window_end,
    windows_frame.ml_window_label,
    {{ ml_monitor._window_note_sql(scope, 'windows_frame', 'window_facts') }} as ml_window_note,
    {{ rows_cte }}.*
  from windows_frame
  cross join window_facts
  left join {{ rows_cte }}
    on {{ rows_cte }}.ml_window_start = windows_frame.window_start
)
  {%- endif -%}
{%- endmacro %}

{#- window_facts: the rows with a NULL timestamp (window key null) and the first timestamp read
    in any scanned window, from an aggregate grouped by window and segment with a row count
    (`rows_col`: _segment_keys' ml_group_rows, or drift's n_rows) and ml_first_ts. -#}
{% macro _window_facts_cte(rows_cte, rows_col='ml_group_rows') -%}
-- rows with a NULL timestamp and the first timestamp seen in any window
window_facts as (
  select
    sum(case when ml_window_start is null and segment_column is null then {{ rows_col }} else 0 end) as ml_null_ts_rows,
    min(case when ml_window_start is not null then ml_first_ts end) as ml_data_from
  from {{ rows_cte }}
)
{%- endmacro %}

{#- The per-window sentence appended to detail: a first window with data that is only partly
    covered (data starts after the window start, and every earlier window scanned is empty;
    nothing is read before the oldest window scanned, so that window itself is never flagged),
    and rows excluded for a NULL timestamp. -#}
{% macro _window_note_sql(scope, frame, facts) -%}
  {{ ml_monitor._window_note_text_sql(frame ~ '.window_start', frame ~ '.window_end', facts ~ '.ml_data_from',
       facts ~ '.ml_null_ts_rows', scope.key_windows[0].start_sql, ml_monitor.unquoted(scope.timestamp_column_sql)) }}
{%- endmacro %}

{#- The same sentence from SQL expressions: the row's window bounds, the first timestamp read in
    the scanned windows, the rows with a NULL timestamp, the start of the oldest window scanned
    and the timestamp column's name (performance's windows use it, _perf_window_columns). -#}
{% macro _window_note_text_sql(start_sql, end_sql, data_from_sql, null_rows_sql, first_start_sql, ts_name) -%}
  case when {{ data_from_sql }} > {{ start_sql }}
         and {{ data_from_sql }} < {{ end_sql }}
         and {{ start_sql }} > {{ first_start_sql }}
       then '; window only partly covered: first row at ' || {{ ml_monitor.to_string(data_from_sql) }}
       else '' end
  || case when {{ null_rows_sql }} > 0
       then '; ' || {{ ml_monitor._count_text(null_rows_sql, 'row') }} || {{ ml_monitor.string_literal(' with a NULL ' ~ ts_name ~ ' excluded') }}
       else '' end
{%- endmacro %}

{#- The window columns a long CTE carries from `aggregated` (nothing without windows);
    frame: the alias to read them from ('': unqualified). -#}
{% macro _window_columns(scope, frame='') -%}
  {%- set f = (frame ~ '.') if frame else '' -%}
  {%- if scope.multi %}, {{ f }}window_start, {{ f }}window_end, {{ f }}ml_window_label, {{ f }}ml_window_note{% endif -%}
{%- endmacro %}

{#- A column reference, quoted for the engine. A name the user already quoted is kept. -#}
{% macro quote_column(name) -%}
  {#- the package's own quoting, not adapter.quote: dbt-duckdb's does not double a quote
      inside the name (a column named a"b) -#}
  {{ return(ml_monitor._dispatch('quote_identifier')(ml_monitor.unquoted(name))) }}
{%- endmacro %}

{#- Identifier quoting per engine (the adapter's, or another engine's for compile-only dialects,
    ml_monitor_dialect): the name in the engine's quotes, a quote inside it doubled. -#}
{% macro default__quote_identifier(name) %}{{ return('"' ~ name.replace('"', '""') ~ '"') }}{% endmacro %}
{% macro spark__quote_identifier(name) %}{{ return('`' ~ name.replace('`', '``') ~ '`') }}{% endmacro %}
{% macro bigquery__quote_identifier(name) %}{{ return('`' ~ name.replace('`', '\\`') ~ '`') }}{% endmacro %}

{#- The column name as users wrote it, without quotes (for the observation rows); a name the
    user quoted ("a""b" or `a``b`) loses its quotes and its doubled inner quotes. -#}
{% macro unquoted(name) -%}
  {%- set n = name | string -%}
  {%- if n | length >= 2 and n.startswith('"') and n.endswith('"') -%}
    {{ return(n[1:-1].replace('""', '"')) }}
  {%- elif n | length >= 2 and n.startswith('`') and n.endswith('`') -%}
    {{ return(n[1:-1].replace('``', '`')) }}
  {%- endif -%}
  {{ return(n) }}
{%- endmacro %}

{#- Segment keys in an aggregate select: which segment column a grouping-set row belongs to
    and its value as text. grouping() tells a null segment value from the overall row.
    With windows: N, also the window key (ml_window_start), the window's first timestamp and its
    row count (see _complete_windows); by_window=false leaves them out (monitors that count
    windows side by side as samples, like ks). -#}
{% macro _segment_keys(scope, by_window=true) -%}
  {%- if scope.multi and by_window -%}
    ml_window_start, min(ml_ts) as ml_first_ts, count(*) as ml_group_rows,
  {%- endif %}
  {%- if scope.segments | length == 0 -%}
    {{ ml_monitor.to_string('null') }} as segment_column, {{ ml_monitor.to_string('null') }} as segment_value
  {%- else -%}
    case {% for s in scope.segments %}when grouping({{ s.sql }}) = 0 then {{ s.literal }} {% endfor %}end as segment_column,
    case {% for s in scope.segments %}when grouping({{ s.sql }}) = 0 then {{ ml_monitor.to_string(s.sql) }} {% endfor %}end as segment_value
  {%- endif -%}
{%- endmacro %}

{#- One scan for the overall row and every segment: grouping sets ((), (s1), (s2), ...). -#}
{% macro _group_by_segments(scope, by_window=true) -%}
  {%- if scope.multi and by_window and scope.segments | length == 0 -%}
    group by ml_window_start
  {%- elif scope.multi and by_window -%}
    group by grouping sets ((ml_window_start){% for s in scope.segments %}, (ml_window_start, {{ s.sql }}){% endfor %})
  {%- elif scope.segments | length > 0 -%}
    group by grouping sets ((){% for s in scope.segments %}, ({{ s.sql }}){% endfor %})
  {%- endif -%}
{%- endmacro %}

{#- The CTE `name`: the rows of a segment aggregate `grouped` (built with _segment_keys and
    _group_by_segments) with the overall row guaranteed. On empty input Spark returns no row at
    all for `grouping sets ((), ...)` where DuckDB and PostgreSQL return the overall row: a
    one-row frame left-joined to the aggregate gives every aggregate row, or one all-null row
    when there is none (its counts are null: read them with coalesce). Without segments a plain
    aggregate always has its row (pass-through); with windows: N it is _complete_windows (every
    window from the frame of windows). -#}
{% macro _segment_rows(scope, grouped, name='aggregated') -%}
  {%- if scope.multi -%}
{{ ml_monitor._complete_windows(scope, grouped, name) }}
  {%- elif scope.segments | length == 0 -%}
{{ name }} as (
  select * from {{ grouped }}
)
  {%- else -%}
{{ name }} as (
  select {{ grouped }}.*
  from (select 1 as ml_one) as ml_overall_frame
  left join {{ grouped }}
    on 1 = 1
)
  {%- endif -%}
{%- endmacro %}

{#- Monitored columns as [{name (as written, unquoted), sql (quoted for the engine)}]. -#}
{% macro _column_specs(names) -%}
  {%- set cols = [] -%}
  {%- for n in names -%}{%- do cols.append({'name': ml_monitor.unquoted(n), 'sql': ml_monitor.quote_column(n)}) -%}{%- endfor -%}
  {{ return(cols) }}
{%- endmacro %}

{#- A timestamp column as a UTC instant (see cross_db/timestamps.sql), by its type in the relation. -#}
{% macro _timestamp_utc_sql(relation, name, alias=none) -%}
  {#- alias: the column of a relation read under that alias (p."ts"); the conversion goes around
      the qualified column, never after the alias (p.("ts" at time zone 'UTC') is no SQL) -#}
  {%- set info = ml_monitor._column_info(relation, name) -%}
  {%- if info is none and execute -%}
    {#- no type to go by (an ephemeral model, a subquery, a relation whose columns cannot be listed):
        read as naive UTC, said out loud (a time-zone-aware column would be compared in the
        session's zone) -#}
    {%- do exceptions.warn("ml_monitor: the type of column " ~ ml_monitor.unquoted(name) ~ " of " ~ relation
        ~ " cannot be read (an ephemeral model or a subquery?): it is read as a naive UTC timestamp. If it carries"
        ~ " a time zone, monitor a view or table of it so that windows do not depend on the session's time zone.") -%}
  {%- endif -%}
  {%- set col = (alias ~ '.' if alias else '') ~ ml_monitor.quote_column(info.name if info is not none else name) -%}
  {{ return(ml_monitor.timestamp_as_utc(col, info.dtype if info is not none else none)) }}
{%- endmacro %}

{#- The distinct columns a monitor must read: monitored ones plus segments. The timestamp is
    read raw (timestamp_sql converts it again wherever it is used above the source). -#}
{% macro _select_list(scope, column_sqls) -%}
  {%- set cols = [] -%}
  {%- for c0 in column_sqls + (scope.segments | map(attribute='sql') | list) -%}
    {%- set c = scope.timestamp_column_sql if (c0 == scope.timestamp_sql and scope.timestamp_sql is not none) else c0 -%}
    {%- if c not in cols -%}{%- do cols.append(c) -%}{%- endif -%}
  {%- endfor -%}
  {%- if scope.multi -%}
    {%- do cols.append(scope.timestamp_sql ~ ' as ml_ts') -%}
    {%- do cols.append(scope.window_key_sql ~ ' as ml_window_start') -%}
  {%- endif -%}
  {{ return(cols | join(', ') if cols else '1 as ml_monitor_one') }}
{%- endmacro %}

{#- One scan of the monitored rows, as two CTEs: `source`, the rows of `relation` in the scope
    (the columns `column_sqls` plus what the scope needs, see _select_list), and `name`, their
    aggregate per segment (and window) with n_rows, then `aggregates` (the monitor's own
    expressions as SQL text, each after a comma), under the SQL comment `comment`. The caller
    goes on with `, <next CTE>` (e.g. _complete_windows(scope, name)). -#}
{% macro _scan_aggregate(scope, relation, column_sqls, aggregates, comment=none, name='aggregated_rows') -%}
with source as (
  select {{ ml_monitor._select_list(scope, column_sqls) }}
  from {{ relation }}
  where {{ scope.scan_filter }}
),
{% if comment %}
-- {{ comment }}
{%- endif %}
{{ name }} as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    count(*) as n_rows
    {{- aggregates }}
  from source
  {{ ml_monitor._group_by_segments(scope) }}
)
{%- endmacro %}

{#- The documented reason of an empty window: 'no rows' or 'no rows in window [start, end)'. -#}
{% macro _empty_reason(scope) -%}
  {{ return('no rows' ~ ((' in window [' ~ scope.window_start ~ ', ' ~ scope.window_end ~ ')') if scope.window_start is not none else '')) }}
{%- endmacro %}
