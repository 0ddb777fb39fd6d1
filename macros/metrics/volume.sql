{#- Rows in the current window, against absolute bounds and/or against the mean of the
    `reference_periods` windows just before it (a ratio). One scan covers both ranges; a
    segment seen only in the reference windows shows up with 0 current rows.

    {{ ml_monitor.volume(ref('predictions'), 'prediction_ts', window={'period': 'day', 'count': 1},
                         min_count=1000, reference_periods=7, min_ratio=0.5, max_ratio=2) }}
-#}
{% macro volume(relation, timestamp_column, window, min_count=none, max_count=none, reference_periods=none,
                min_ratio=none, max_ratio=none, where=none, segment_by=none, windows=none, fail_on=none, anomaly=none,
                test='volume') -%}
  {%- if timestamp_column is none -%}
    {%- do ml_monitor._arg_error(test, relation, 'timestamp_column', 'is required', 'nothing') -%}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'reference_periods', reference_periods, min=1, integer=true) -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, none, window_required=true,
                                    windows=windows, fail_on=fail_on, anomaly=anomaly, extra_windows=reference_periods or 0) -%}
  {%- do ml_monitor._check_number(test, relation, 'min_count', min_count, min=0, integer=true) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_count', max_count, min=0, integer=true) -%}
  {%- do ml_monitor._check_number(test, relation, 'min_ratio', min_ratio, min=0) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_ratio', max_ratio, min=0) -%}
  {%- do ml_monitor._check_min_max(test, relation, 'min_count', min_count, 'max_count', max_count) -%}
  {%- do ml_monitor._check_min_max(test, relation, 'min_ratio', min_ratio, 'max_ratio', max_ratio) -%}
  {%- if (min_ratio is not none or max_ratio is not none) and reference_periods is none -%}
    {%- do ml_monitor._arg_error(test, relation, 'reference_periods', 'is required with min_ratio / max_ratio (how many earlier windows to compare with)', 'nothing') -%}
  {%- endif -%}
  {%- if min_count is none and max_count is none and min_ratio is none and max_ratio is none and anomaly is none -%}
    {%- do ml_monitor._arg_error(test, relation, 'min_count', "or max_count, min_ratio, max_ratio, anomaly is required", 'none of them') -%}
  {%- endif -%}
  {%- set spec = ml_monitor._check_period(test, relation, 'window', window) -%}
  {%- set start = scope.window_start -%}
  {%- set ts = scope.timestamp_sql -%}
  {%- set ref_start = ml_monitor._subtract_period(start, spec.period, spec.count * (reference_periods or 0), test, relation, 'reference_periods') -%}
  {%- set in_window = ts ~ ' >= ' ~ scope.window_start_sql -%}
  {#- cast before dividing: Spark reads 3.0 as a DECIMAL literal and would round -#}
  {%- set reference_mean = ml_monitor.to_double('n_reference') ~ ' / ' ~ (reference_periods or 1) -%}
  {%- set ratio = ml_monitor.safe_divide('n_current', reference_mean) -%}

{%- if scope.multi %}
-- windows: N -> the N windows plus the reference_periods windows before the oldest, in one scan
with source as (
  select {{ ml_monitor._select_list(scope, [ts]) }}
  from {{ relation }}
  where {{ scope.scan_filter }}
),

counted as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    count(*) as n_rows
  from source
  {{ ml_monitor._group_by_segments(scope) }}
),

windows_frame as (
  {{ ml_monitor._windows_frame_sql(scope) }}
),

-- ml_data_from: where the data starts in the scanned windows
{{ ml_monitor._window_facts_cte('counted') }},

-- the overall row and every segment seen in any scanned window (reference windows included)
-- and in the stored windows of the series incremental refresh did not scan, or the anomaly
-- trains on (a segment that stops today has a 0 row on the day after a backfill too)
{%- set sns = namespace(store=none) %}
{%- set stored_windows = [] %}
{%- if scope.segments %}
  {%- for st in [scope.stored, scope.anomaly.store if scope.anomaly is not none else none] if st is not none %}
    {%- set sns.store = st %}
    {%- do stored_windows.extend(st.windows) %}
  {%- endfor %}
{%- endif %}
{%- set store = sns.store %}
segment_keys as (
  select distinct segment_column, segment_value
  from (
    select segment_column, segment_value from counted where ml_window_start is not null
    {%- if store is not none %}
    union all
    select segment_column, segment_value
    from ({{ ml_monitor.metric_store_sql(store.history, store.test_id) }}) as ml_store
    where metric = 'row_count' and segment_column is not null
      and window_start in ({{ stored_windows | map(attribute='start_sql') | unique | join(', ') }})
    {%- endif %}
    union all
    select {{ ml_monitor.null_string() }} as segment_column, {{ ml_monitor.null_string() }} as segment_value
  ) as k
),

-- every evaluated window for every segment: 0 rows where the segment has none; ml_before_data:
-- the window ends at or before the first row read (the data starts later), not a 0
current_counts as (
  select f.window_start, f.window_end, f.ml_window_label,
         {{ ml_monitor._window_note_sql(scope, 'f', 'wf') }} as ml_window_note,
         k.segment_column, k.segment_value, coalesce(c.n_rows, 0) as n_rows,
         case when f.window_end <= wf.ml_data_from then 1 else 0 end as ml_before_data,
         wf.ml_data_from
  from windows_frame as f
  cross join segment_keys as k
  cross join window_facts as wf
  left join counted as c
    on c.ml_window_start = f.window_start
   and {{ ml_monitor.null_safe_equal('c.segment_column', 'k.segment_column') }}
   and {{ ml_monitor.null_safe_equal('c.segment_value', 'k.segment_value') }}
),

-- each window's reference: the reference_periods windows just before it (ml_ref_start .. window_start)
both_counts as (
  select window_start, window_end, ml_window_label, ml_window_note, segment_column, segment_value,
         n_rows as n_current, 0 as n_reference, ml_before_data, ml_data_from
  from current_counts
  {%- if reference_periods is not none %}
  union all
  select windows_frame.window_start, windows_frame.window_end, windows_frame.ml_window_label,
         {{ ml_monitor.null_string() }} as ml_window_note, counted.segment_column, counted.segment_value,
         0 as n_current, counted.n_rows as n_reference, 0 as ml_before_data,
         {{ ml_monitor.to_timestamp('null') }} as ml_data_from
  from windows_frame
  join counted
    on counted.ml_window_start >= windows_frame.ml_ref_start
   and counted.ml_window_start < windows_frame.window_start
  {%- endif %}
),

aggregated as (
  select window_start, window_end, ml_window_label, max(ml_window_note) as ml_window_note,
         segment_column, segment_value, sum(n_current) as n_current, sum(n_reference) as n_reference,
         max(ml_before_data) as ml_before_data, max(ml_data_from) as ml_data_from
  from both_counts
  group by window_start, window_end, ml_window_label, segment_column, segment_value
),
{%- else %}
with source as (
  select {{ ml_monitor._select_list(scope, [ts]) }}
  from {{ relation }}
  where {{ scope.user_filter }}
    and {{ ts }} >= {{ ml_monitor.timestamp_literal(ref_start) }}
    and {{ ts }} < {{ scope.window_end_sql }}
),

aggregated as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    sum(case when {{ in_window }} then 1 else 0 end) as n_current,
    sum(case when {{ in_window }} then 0 else 1 end) as n_reference,
    0 as ml_before_data, {{ ml_monitor.to_timestamp('null') }} as ml_data_from
  from source
  {{ ml_monitor._group_by_segments(scope) }}
),
{%- endif %}

long as (
  {%- set parts = [] %}
  {%- if min_count is not none or max_count is not none or anomaly is not none %}
  {%- set count_fail -%}
    {%- if min_count is not none %}coalesce(n_current, 0) < {{ min_count }}{% endif -%}
    {%- if min_count is not none and max_count is not none %} or {% endif -%}
    {%- if max_count is not none %}coalesce(n_current, 0) > {{ max_count }}{% endif -%}
    {%- if min_count is none and max_count is none %}false{% endif -%}
  {%- endset %}
  {%- set detail -%}
    {{ ml_monitor.to_string('coalesce(n_current, 0)') }} || ' rows in window (allowed {{ min_count if min_count is not none else 0 }} to {{ max_count if max_count is not none else "any" }})'
  {%- endset %}
  {%- set part -%}
  select
    {{ ml_monitor._long_row(scope, none, 'row_count',
         value='case when ml_before_data = 1 then ' ~ ml_monitor.null_double() ~ ' else ' ~ ml_monitor.to_double('coalesce(n_current, 0)') ~ ' end',
         threshold=min_count if min_count is not none else max_count, sample_size='coalesce(n_current, 0)',
         is_fail='(' ~ count_fail ~ ')', detail=detail,
         undefined_reason="case when ml_before_data = 1 then 'before the data starts: the window ends at or before the first row read, at ' || "
                          ~ ml_monitor.to_string('ml_data_from') ~ " end") }}
  from aggregated
  {%- endset %}
  {%- do parts.append(part) %}
  {%- endif %}
  {%- if reference_periods is not none %}
  {%- set ratio_fail -%}
    {%- if min_ratio is not none %}{{ ratio }} < {{ min_ratio }}{% endif -%}
    {%- if min_ratio is not none and max_ratio is not none %} or {% endif -%}
    {%- if max_ratio is not none %}{{ ratio }} > {{ max_ratio }}{% endif -%}
    {%- if min_ratio is none and max_ratio is none %}false{% endif -%}
  {%- endset %}
  {%- set detail -%}
    {{ ml_monitor.to_string('coalesce(n_current, 0)') }} || ' rows vs ' || {{ ml_monitor._fmt(reference_mean, 2) }}
      || ' per window over the previous {{ reference_periods }} (ratio ' || {{ ml_monitor._fmt(ratio, 3) }} || ')'
  {%- endset %}
  {%- set part -%}
  select
    {{ ml_monitor._long_row(scope, none, 'row_count_ratio', value=ratio,
         threshold=min_ratio if min_ratio is not none else max_ratio, sample_size='coalesce(n_current, 0)',
         is_fail='(' ~ ratio_fail ~ ')', detail=detail, baseline_value='(' ~ reference_mean ~ ')',
         undefined_reason="case when coalesce(n_reference, 0) = 0 then 'no rows in the " ~ reference_periods ~ " reference window(s)' end") }}
  from aggregated
  {%- endset %}
  {%- do parts.append(part) %}
  {%- endif %}
  {{ parts | join('\n  union all\n  ') }}
)

{{ ml_monitor._finalize_observations('volume', 'long', scope, empty_is_data=true) }}
{%- endmacro %}
