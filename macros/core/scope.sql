{#- The rows a monitor looks at: `where`, the time window, the segments.
    Windows are computed here, in Jinja, and rendered as timestamp literals so that
    engines can prune partitions on them. -#}

{#- The evaluation time: var ml_monitor_as_of, else the run's start (UTC, to the second). -#}
{% macro as_of() -%}
  {%- set raw = var('ml_monitor_as_of', none) -%}
  {%- if raw is none or (raw | string | trim) == '' -%}
    {{ return(run_started_at.replace(tzinfo=none, microsecond=0)) }}
  {%- endif -%}
  {%- set text = (raw | string | trim).replace('T', ' ').replace('Z', '') -%}
  {%- set ns = namespace(parsed=none) -%}
  {%- for fmt in ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d'] -%}
    {%- if ns.parsed is none -%}
      {%- set ns.parsed = ml_monitor._try_strptime(text[:19], fmt) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if ns.parsed is none -%}
    {{ exceptions.raise_compiler_error("ml_monitor: var 'ml_monitor_as_of' must be a timestamp like '2026-01-31 00:00:00' (got " ~ raw ~ ")") }}
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

{#- dt minus n periods. -#}
{% macro _subtract_period(dt, period, n) -%}
  {%- set td = modules.datetime.timedelta -%}
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
{% macro _scope(test, relation, where=none, segment_by=none, timestamp_column=none, window=none, min_rows=none, window_required=false) -%}
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
  {%- set ns = namespace(start=none, end=none, ts=none, ts_raw=none) -%}
  {%- if window is not none -%}
    {%- if timestamp_column is none -%}
      {{ ml_monitor._arg_error(test, relation, "timestamp_column", "is required when a window is given", "nothing") }}
    {%- endif -%}
    {%- set spec = ml_monitor._check_period(test, relation, "window", window) -%}
    {%- set ns.end = ml_monitor.as_of() -%}
    {%- set ns.start = ml_monitor._subtract_period(ns.end, spec.period, spec.count) -%}
  {%- elif window_required -%}
    {{ ml_monitor._arg_error(test, relation, "window", "is required: a mapping like {period: day, count: 1}", "nothing") }}
  {%- endif -%}
  {%- if timestamp_column is not none -%}
    {%- set ts_names = ml_monitor._check_names(test, relation, "timestamp_column", timestamp_column) -%}
    {%- set ns.ts_raw = ml_monitor.quote_column(ts_names[0]) -%}
    {#- the column as a UTC instant, comparable with the UTC window literals whatever the session time zone -#}
    {%- set ns.ts = ml_monitor._timestamp_utc_sql(relation, ts_names[0]) -%}
  {%- endif -%}
  {%- if ns.start is not none -%}
    {%- do conditions.append(ns.ts ~ ' >= ' ~ ml_monitor.timestamp_literal(ns.start)) -%}
    {%- do conditions.append(ns.ts ~ ' < ' ~ ml_monitor.timestamp_literal(ns.end)) -%}
  {%- endif -%}
  {{ return({
      'test': test,
      'relation': relation,
      'filter': (conditions | join(' and ')) if conditions else '1 = 1',
      'user_filter': ('(' ~ where ~ ')') if (where is not none and where | trim != '') else '1 = 1',
      'segments': segments,
      'timestamp_sql': ns.ts,
      'timestamp_column_sql': ns.ts_raw,
      'window_start': ns.start,
      'window_end': ns.end,
      'window_start_sql': ml_monitor.timestamp_literal(ns.start),
      'window_end_sql': ml_monitor.timestamp_literal(ns.end),
      'min_rows': min_rows,
  }) }}
{%- endmacro %}

{#- A column reference, quoted for the engine. A name the user already quoted is kept. -#}
{% macro quote_column(name) -%}
  {%- set n = name | string -%}
  {%- if (n.startswith('"') and n.endswith('"')) or (n.startswith('`') and n.endswith('`')) -%}
    {%- set n = n[1:-1] -%}
  {%- endif -%}
  {%- if var('ml_monitor_dialect', none) is none -%}{{ return(adapter.quote(n)) }}{%- endif -%}
  {{ return(ml_monitor._dispatch('quote_identifier')(n)) }}
{%- endmacro %}

{#- Identifier quoting of another engine, for compile-only dialects (ml_monitor_dialect). -#}
{% macro default__quote_identifier(name) %}{{ return('"' ~ name.replace('"', '""') ~ '"') }}{% endmacro %}
{% macro spark__quote_identifier(name) %}{{ return('`' ~ name.replace('`', '``') ~ '`') }}{% endmacro %}
{% macro bigquery__quote_identifier(name) %}{{ return('`' ~ name.replace('`', '\\`') ~ '`') }}{% endmacro %}

{#- The column name as users wrote it, without quotes (for the observation rows). -#}
{% macro unquoted(name) -%}
  {%- set n = name | string -%}
  {%- if (n.startswith('"') and n.endswith('"')) or (n.startswith('`') and n.endswith('`')) -%}
    {{ return(n[1:-1]) }}
  {%- endif -%}
  {{ return(n) }}
{%- endmacro %}

{#- Segment keys in an aggregate select: which segment column a grouping-set row belongs to
    and its value as text. grouping() tells a null segment value from the overall row. -#}
{% macro _segment_keys(scope) -%}
  {%- if scope.segments | length == 0 -%}
    {{ ml_monitor.to_string('null') }} as segment_column, {{ ml_monitor.to_string('null') }} as segment_value
  {%- else -%}
    case {% for s in scope.segments %}when grouping({{ s.sql }}) = 0 then {{ s.literal }} {% endfor %}end as segment_column,
    case {% for s in scope.segments %}when grouping({{ s.sql }}) = 0 then {{ ml_monitor.to_string(s.sql) }} {% endfor %}end as segment_value
  {%- endif -%}
{%- endmacro %}

{#- One scan for the overall row and every segment: grouping sets ((), (s1), (s2), ...). -#}
{% macro _group_by_segments(scope) -%}
  {%- if scope.segments | length > 0 -%}
    group by grouping sets ((){% for s in scope.segments %}, ({{ s.sql }}){% endfor %})
  {%- endif -%}
{%- endmacro %}

{#- Monitored columns as [{name (as written, unquoted), sql (quoted for the engine)}]. -#}
{% macro _column_specs(names) -%}
  {%- set cols = [] -%}
  {%- for n in names -%}{%- do cols.append({'name': ml_monitor.unquoted(n), 'sql': ml_monitor.quote_column(n)}) -%}{%- endfor -%}
  {{ return(cols) }}
{%- endmacro %}

{#- A timestamp column as a UTC instant (see cross_db/timestamps.sql), by its type in the relation. -#}
{% macro _timestamp_utc_sql(relation, name) -%}
  {%- set info = ml_monitor._column_info(relation, name) -%}
  {{ return(ml_monitor.timestamp_as_utc(ml_monitor.quote_column(name), info.dtype if info is not none else none)) }}
{%- endmacro %}

{#- The distinct columns a monitor must read: monitored ones plus segments. The timestamp is
    read raw (timestamp_sql converts it again wherever it is used above the source). -#}
{% macro _select_list(scope, column_sqls) -%}
  {%- set cols = [] -%}
  {%- for c0 in column_sqls + (scope.segments | map(attribute='sql') | list) -%}
    {%- set c = scope.timestamp_column_sql if (c0 == scope.timestamp_sql and scope.timestamp_sql is not none) else c0 -%}
    {%- if c not in cols -%}{%- do cols.append(c) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(cols | join(', ') if cols else '1 as ml_monitor_one') }}
{%- endmacro %}

{#- The documented reason of an empty window: 'no rows' or 'no rows in window [start, end)'. -#}
{% macro _empty_reason(scope) -%}
  {{ return('no rows' ~ ((' in window [' ~ scope.window_start ~ ', ' ~ scope.window_end ~ ')') if scope.window_start is not none else '')) }}
{%- endmacro %}
