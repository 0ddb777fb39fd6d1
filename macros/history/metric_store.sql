{#- The metric store: the latest evaluation of every window of every ml_monitor test (and the
    latest outcome row of every other test: no window).

    Grain: one row per (test_unique_id, column_name, segment_column, segment_value, metric,
    window_start, window_end). Read from the audit log ml_monitor_observations, where every run
    appends the rows of the windows it evaluated: for each (test, window) the rows of the latest
    run that evaluated that window (latest as_of, then latest start) are kept (a window re-scored by late labels shows its new
    value; the audit log keeps the old one). Defined once here, used by the model
    ml_monitor_metrics (a view) and by the incremental-refresh check, which reads the history
    table directly (it may exist before the view is built: the hook creates it on `dbt test`).

    test_unique_id: restrict to one test (a SQL string literal is rendered), or none for all. -#}
{#- How far (relative to max(1, |value|, |previous value|)) a window's new value must move from
    its previous evaluation to count as re-scored (is_rescored); the report uses the same rule. -#}
{% macro rescore_tolerance() %}{{ return(1e-9) }}{% endmacro %}

{% macro metric_store_sql(history, test_unique_id=none) -%}
  {%- set grain = 'test_unique_id, column_name, segment_column, segment_value, metric, window_start, window_end' -%}
with history as (
  select *
  from {{ history }}
  {%- if test_unique_id is not none %}
  where test_unique_id = {{ ml_monitor.string_literal(test_unique_id) }}
  {%- endif %}
),

-- rank the runs that evaluated each (test, window): every row of the latest run gets 1
-- (a window is replaced as a whole, so a segment that disappeared on re-evaluation disappears).
-- Latest is the latest evaluation time (as_of), then the latest start: a backfill run later
-- at an earlier as_of, which sees fewer late labels, does not replace what a later as_of knew.
-- Anomaly rows (<metric>_anomaly) are judged only while their window is the newest: a later run
-- that re-evaluates the window as a training window does not replace them
ranked as (
  select
    history.*,
    dense_rank() over (
      partition by test_unique_id, window_start, window_end,
                   case when metric like '%_anomaly' then 1 else 0 end
      order by coalesce(as_of, run_started_at) desc, run_started_at desc, invocation_id desc
    ) as mm_run_recency,
    row_number() over (
      partition by {{ grain }}, invocation_id
      order by observation_id
    ) as mm_row_in_run,
    -- one row per grain per run (the hook writes a run's rows once)
    count(*) over (partition by {{ grain }}) as evaluations,
    lag(value) over (partition by {{ grain }} order by coalesce(as_of, run_started_at), run_started_at, invocation_id) as previous_value,
    lag(status) over (partition by {{ grain }} order by coalesce(as_of, run_started_at), run_started_at, invocation_id) as previous_status,
    min(run_started_at) over (partition by {{ grain }}) as first_evaluated_at
  from history
)

select
  {%- for name, kind in ml_monitor.history_columns() %}
  {{ name }},
  {%- endfor %}
  run_started_at as evaluated_at,
  first_evaluated_at,
  {{ ml_monitor.to_bigint('evaluations') }} as evaluations,
  previous_value,
  previous_status,
  -- an earlier run gave this window a different value (late labels, changed inputs): beyond
  -- rescore_tolerance() relative, so that a floating-point sum added up in another order
  -- (an estimate re-computed from the same rows differs by ~1e-16) is not a re-score
  case
    when evaluations <= 1 then false
    when value is null and previous_value is null then false
    when value is null or previous_value is null then true
    when abs(value - previous_value)
         > {{ ml_monitor.rescore_tolerance() }} * {{ ml_monitor.greatest2(ml_monitor.greatest2('1.0', 'abs(value)'), 'abs(previous_value)') }} then true
    else false
  end as is_rescored
from ranked
where mm_run_recency = 1
  and mm_row_in_run = 1
{%- endmacro %}
