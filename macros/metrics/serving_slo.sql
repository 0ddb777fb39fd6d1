{#- Operational SLOs of a prediction service from its request / prediction log, per window and
    segment (model version, endpoint, region), in one scan:
    - latency_p50 / latency_p95 / latency_p99 of latency_column: exact quantiles with linear
      interpolation (numpy's default), in the column's unit; nulls, NaN and +/-inf ignored (the
      detail counts NaN/inf);
    - error_rate: share of rows whose status_column is one of error_values (compared as numbers
      when the column is numeric, as booleans when it is boolean, else as text; a NULL
      status is not an error; the detail counts them);
    - throughput (rows in the window) and throughput_per_second (rows / window length), only
      with a window; an empty window is an observation of 0 there, not missing data.

    {{ ml_monitor.serving_slo(ref('request_log'), latency_column='latency_ms', status_column='http_status',
                              error_values=[500, 503], timestamp_column='requested_at',
                              window={'period': 'hour', 'count': 1}, max_p95_ms=300, max_error_rate=0.01) }}
-#}
{% macro serving_slo(relation, latency_column=none, status_column=none, error_values=none,
                     max_p50_ms=none, max_p95_ms=none, max_p99_ms=none, max_error_rate=none,
                     min_throughput=none, min_throughput_per_second=none, where=none, segment_by=none,
                     timestamp_column=none, window=none, min_rows=none, windows=none, fail_on=none,
                     test='serving_slo') -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, min_rows,
                                    windows=windows, fail_on=fail_on) -%}
  {%- set latency = ml_monitor._check_names(test, relation, 'latency_column', latency_column) -%}
  {%- set status = ml_monitor._check_names(test, relation, 'status_column', status_column) -%}
  {%- for arg, v in [('latency_column', latency), ('status_column', status)] -%}
    {%- if v | length > 1 -%}{%- do ml_monitor._arg_error(test, relation, arg, 'must be one column name', v) -%}{%- endif -%}
  {%- endfor -%}
  {%- for arg in ['max_p50_ms', 'max_p95_ms', 'max_p99_ms'] -%}
    {%- set v = {'max_p50_ms': max_p50_ms, 'max_p95_ms': max_p95_ms, 'max_p99_ms': max_p99_ms}[arg] -%}
    {%- do ml_monitor._check_number(test, relation, arg, v, min=0) -%}
    {%- if v is not none and not latency -%}
      {%- do ml_monitor._arg_error(test, relation, 'latency_column', 'is required with ' ~ arg, 'nothing') -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do ml_monitor._check_number(test, relation, 'max_error_rate', max_error_rate, min=0, max=1) -%}
  {%- do ml_monitor._check_number(test, relation, 'min_throughput', min_throughput, min=0) -%}
  {%- do ml_monitor._check_number(test, relation, 'min_throughput_per_second', min_throughput_per_second, min=0) -%}
  {%- if status and (error_values is none or error_values is string or error_values is mapping or error_values is not iterable or error_values | length == 0) -%}
    {%- do ml_monitor._arg_error(test, relation, 'error_values', 'is required with status_column: the list of status values that are errors, e.g. [500, 503] or [error, timeout]', error_values) -%}
  {%- endif -%}
  {%- if error_values is not none and not status -%}
    {%- do ml_monitor._arg_error(test, relation, 'status_column', 'is required with error_values', 'nothing') -%}
  {%- endif -%}
  {%- if max_error_rate is not none and not status -%}
    {%- do ml_monitor._arg_error(test, relation, 'status_column', 'is required with max_error_rate', 'nothing') -%}
  {%- endif -%}
  {%- if (min_throughput is not none or min_throughput_per_second is not none) and scope.window_start is none -%}
    {%- do ml_monitor._arg_error(test, relation, 'window', 'is required with min_throughput / min_throughput_per_second (throughput is rows per window)', 'nothing') -%}
  {%- endif -%}
  {%- if not latency and not status and scope.window_start is none -%}
    {%- do ml_monitor._arg_error(test, relation, 'latency_column', "is required: give latency_column, status_column (with error_values) or a window (throughput)", 'nothing') -%}
  {%- endif -%}
  {%- if not execute -%}{{ return('select 1 as ml_monitor_parse_only') }}{%- endif -%}
  {%- if latency -%}
    {%- set found = {} -%}
    {%- for c in ml_monitor._relation_columns(relation) -%}{%- do found.update({(c.name | lower): c}) -%}{%- endfor -%}
    {%- set col = found.get(ml_monitor.unquoted(latency[0]) | lower) -%}
    {%- if col is none -%}
      {%- do ml_monitor._arg_error(test, relation, 'latency_column', "must name a column of the relation (it has: " ~ (found.keys() | list | sort | join(', ')) ~ ")", latency[0]) -%}
    {%- endif -%}
    {%- if not ml_monitor._is_numeric_type(col.dtype) -%}
      {%- do ml_monitor._arg_error(test, relation, 'latency_column', "must be numeric (a duration such as milliseconds); '" ~ ml_monitor.unquoted(latency[0]) ~ "' is " ~ col.dtype, latency[0]) -%}
    {%- endif -%}
  {%- endif -%}
  {%- set lat_sql = ml_monitor.quote_column(latency[0]) if latency else none -%}
  {%- set status_sql = ml_monitor.quote_column(status[0]) if status else none -%}
  {%- set window_seconds = (scope.window_end - scope.window_start).total_seconds() if scope.window_start is not none else none -%}
  {#- with windows: N each window has its own length (calendar months differ) and label -#}
  {%- if scope.multi -%}
    {%- set seconds_sql -%}
      case{% for w in scope.windows %} when window_start = {{ w.start_sql }} then {{ (w.end - w.start).total_seconds() }}{% endfor %} end
    {%- endset -%}
    {%- set window_text = "' requests in ' || ml_window_label" -%}
  {%- else -%}
    {%- set seconds_sql = window_seconds -%}
    {%- set window_text = "' requests in [" ~ scope.window_start ~ ", " ~ scope.window_end ~ ") (" ~ (window_seconds | int if window_seconds is not none else '') ~ " s)'" -%}
  {%- endif -%}
  {%- set probs = [0.5, 0.95, 0.99] -%}
  {%- set bounds = [max_p50_ms, max_p95_ms, max_p99_ms] -%}
  {#- a numeric status column is compared as numbers: as text a DOUBLE 500.0 reads '500.0' and
      never equals '500' (a pandas status column with one NaN is DOUBLE): a silent 0% error rate.
      A text (or unknown) column is compared as text, the error values written as text. -#}
  {%- set status_info = ml_monitor._column_info(relation, status[0]) if status else none -%}
  {%- set numeric_status = status_info is not none and ml_monitor._value_kind(status_info.dtype) == 'numbers' -%}
  {#- a boolean status column (is_error) is compared as booleans: as text it reads 'true', which
      never equalled YAML's true written as 'True' (a silent 0% error rate) -#}
  {%- set boolean_status = status_info is not none and ml_monitor._value_kind(status_info.dtype) == 'booleans' -%}
  {%- if boolean_status -%}
    {%- for v in error_values if not (v is boolean or (v is string and v | trim | lower in ['true', 'false'])) -%}
      {%- do ml_monitor._arg_error(test, relation, 'error_values', "must be true or false: status column '" ~ ml_monitor.unquoted(status[0])
            ~ "' is " ~ status_info.dtype, error_values) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if numeric_status -%}
    {#- numbers, or text that reads as one ('500': YAML quoted) -#}
    {%- for v in error_values if v is boolean or (v is not number
          and not (v is string and modules.re.fullmatch('\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*', v))) -%}
      {%- do ml_monitor._arg_error(test, relation, 'error_values', "must be numbers: status column '" ~ ml_monitor.unquoted(status[0])
            ~ "' is " ~ status_info.dtype, error_values) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set error_texts = [] -%}
  {%- for v in (error_values or []) -%}
    {%- do error_texts.append((v | string | trim | lower) if boolean_status else (v | string)) -%}
  {%- endfor -%}
  {%- set errors_list -%}
    {%- for v in (error_values or []) %}{{ ml_monitor.double_const(v | string | trim) if numeric_status else (error_texts[loop.index0] if boolean_status else ml_monitor.string_literal(v | string)) }}{% if not loop.last %}, {% endif %}{% endfor -%}
  {%- endset -%}
  {%- set used = [] -%}
  {%- if lat_sql %}{% do used.append(lat_sql) %}{% endif -%}
  {%- if status_sql %}{% do used.append(status_sql) %}{% endif -%}

with source as (
  select {{ ml_monitor._select_list(scope, used) }}
  from {{ relation }}
  where {{ scope.scan_filter }}
),

-- every SLO number in one aggregate, overall and per segment
grouped as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    count(*) as n_rows
    {%- if lat_sql %},
    -- NaN and +/-inf are no latency: left out like nulls (an inf quantile would pass no bound,
    -- a NaN one every bound), and counted
    count({{ ml_monitor._finite_or_null(lat_sql) }}) as n_latency,
    sum(case when {{ lat_sql }} is not null and {{ ml_monitor.is_non_finite(lat_sql) }} then 1 else 0 end) as n_latency_nonfinite,
    {{ ml_monitor.quantiles(ml_monitor._finite_or_null(lat_sql), probs) }} as latency_q
    {%- endif %}
    {%- if status_sql %},
    sum(case when {{ status_sql if (numeric_status or boolean_status) else ml_monitor.to_string(status_sql) }} in ({{ errors_list }}) then 1 else 0 end) as n_errors,
    sum(case when {{ status_sql }} is null then 1 else 0 end) as n_status_null
    {%- endif %}
  from source
  {{ ml_monitor._group_by_segments(scope) }}
),

-- the overall row exists even for an empty window (Spark returns none for grouping sets there)
{{ ml_monitor._segment_rows(scope, 'grouped') }},

long as (
  {%- set parts = [] %}
  {%- if lat_sql %}
  {%- for p in probs %}
  {%- set metric = 'latency_p' ~ ((p * 100) | round | int) %}
  {%- set bound = bounds[loop.index0] %}
  {%- set value = ml_monitor.array_element('latency_q', loop.index) %}
  {%- set check = ml_monitor._bound_check(value, bound, '>', 'max_' ~ (metric | replace('latency_', '')) ~ '_ms') %}
  {%- set detail -%}
    'p{{ (p * 100) | round | int }} ' || coalesce({{ ml_monitor._fmt(value, 3) }}, '-') || ' over '
      || {{ ml_monitor.to_string('n_latency') }} || ' requests with a latency (exact, linear interpolation)'
      || case when n_latency_nonfinite > 0
           then '; ' || {{ ml_monitor.to_string('n_latency_nonfinite') }} || ' NaN/inf latencies left out' else '' end
      {{ check.note }}
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, ml_monitor.unquoted(latency[0]), metric, value=value, threshold=bound,
         sample_size='n_latency', is_fail=check.is_fail, detail=detail,
         undefined_reason="case when n_rows > 0 and n_latency = 0 and n_latency_nonfinite > 0 then 'no finite latency: '"
           ~ " || " ~ ml_monitor.to_string('n_latency_nonfinite') ~ " || ' NaN/inf, ' || "
           ~ ml_monitor.to_string('n_rows - n_latency_nonfinite') ~ " || ' null'"
           ~ " when n_rows > 0 and n_latency = 0 then 'every latency is null' end") }}
  from aggregated
  union all
  {%- endfor %}
  {%- endif %}
  {%- if status_sql %}
  {%- set rate = ml_monitor.safe_divide('n_errors', 'n_rows') %}
  {%- set check = ml_monitor._bound_check(rate, max_error_rate, '>', 'max_error_rate') %}
  {%- set detail -%}
    {{ ml_monitor.to_string('n_errors') }} || ' of ' || {{ ml_monitor.to_string('n_rows') }}
      || ' requests with status in ({{ error_texts | join(", ") | replace("'", "") }}); '
      || {{ ml_monitor.to_string('n_status_null') }} || ' with no status'
      {{ check.note }}
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, ml_monitor.unquoted(status[0]), 'error_rate', value=rate, threshold=max_error_rate,
         sample_size='n_rows', is_fail=check.is_fail, detail=detail) }}
  from aggregated
  union all
  {%- endif %}
  -- a row that keeps the union well-formed; never part of the output
  select
    {{ ml_monitor._long_row(scope, none, 'none', value=ml_monitor.null_double(), threshold=none,
         sample_size=ml_monitor.to_bigint('0'), is_fail='false', detail=ml_monitor.null_string()) }}
  from aggregated
  where 1 = 0
)
{%- if window_seconds is not none %},

-- throughput: an empty window is 0 requests (a breach of min_throughput), not missing data
throughput as (
  {%- for metric, value, bound in [('throughput', ml_monitor.to_double('coalesce(n_rows, 0)'), min_throughput),
                                   ('throughput_per_second', ml_monitor.to_double('coalesce(n_rows, 0)') ~ ' / ' ~ seconds_sql, min_throughput_per_second)] %}
  {%- set check = ml_monitor._bound_check(value, bound, '<', 'min_' ~ metric) %}
  select
    {{ ml_monitor._long_row(scope, ml_monitor.unquoted(timestamp_column if timestamp_column is string else timestamp_column[0]),
         metric, value=value, threshold=bound, sample_size='coalesce(n_rows, 0)', is_fail=check.is_fail,
         detail=ml_monitor.to_string('coalesce(n_rows, 0)') ~ ' || ' ~ window_text ~ ' ' ~ check.note) }}
  from aggregated
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
)
{%- endif %}

{{ ml_monitor._finalize_observations('serving_slo', 'long', scope) }}
{%- if window_seconds is not none %}
union all
{{ ml_monitor._finalize_observations('serving_slo', 'throughput', scope, empty_is_data=true) }}
{%- endif %}
{%- endmacro %}
