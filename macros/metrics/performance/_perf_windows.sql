{#- windows: N for the label-joined monitors (performance, calibration, label_coverage).

    The series ends at the label cutoff (as_of - label_delay), like the single window:
    window k (1 = newest) is [cutoff - k * window, cutoff - (k - 1) * window). The metric
    store's hook (_windows_to_evaluate) picks the windows to evaluate: new ones, the newest,
    and those whose labels changed since they were stored (late labels). Each picked window
    is evaluated by the single-window SQL and the results are unioned, so a scheduled run
    reads the newest window (plus any re-scored one), a backfill reads each window once.
    fail_on: latest (default) -> only the newest window's rows decide the test. -#}
{% macro _performance_series(relation, series, args, test) -%}
  {%- set lj = ml_monitor._label_join(test, relation, args.labels, args.join_key, args.label_column,
                                      args.label_join_key, args.label_timestamp_column,
                                      args.timestamp_column, args.label_delay) -%}
  {%- set spec = ml_monitor._check_period(test, relation, 'window', args.window) -%}
  {%- set candidates = ml_monitor._window_bounds(lj.cutoff, spec, series.windows) -%}
  {%- if args.where is not none and args.where is not string -%}
    {{ ml_monitor._arg_error(test, relation, "where", "must be a SQL condition as a string", args.where) }}
  {%- endif -%}
  {%- set user_filter = ('(' ~ args.where ~ ')') if (args.where is not none and args.where | trim != '') else '1 = 1' -%}
  {%- set label_check = {'relation': relation, 'lj': lj,
                         'filter': user_filter ~ ' and ' ~ lj.ts_sql ~ ' < ' ~ ml_monitor.timestamp_literal(lj.cutoff)} -%}
  {%- set todo = ml_monitor._windows_to_evaluate(candidates, label_check) or [candidates[-1]] -%}
  {#- anomaly: the training windows not scanned come from the metric store -#}
  {%- if series.anomaly is not none -%}
    {%- do ml_monitor._anomaly_plan(series.anomaly, lj.cutoff, spec, candidates, todo) -%}
  {%- endif -%}
  {%- set one = {} -%}
  {%- for k, v in args.items() -%}{%- do one.update({k: v}) -%}{%- endfor -%}
  {%- do one.update({'anomaly': none}) -%}
  {%- set newest = candidates[-1] -%}
  {%- set cols = ml_monitor.observation_columns() -%}
{%- if series.anomaly is not none %}
with ml_observed as (
{%- endif %}
select
  {%- for c in cols %}
  {{ c }},
  {%- endfor %}
  {%- if series.fail_on == 'latest' %}
  window_start = {{ newest.start_sql }} as is_deciding
  {%- else %}
  true as is_deciding
  {%- endif %}
from (
  {%- for w in todo %}
  select {{ cols | join(', ') }}
  from (
    {%- do one.update({'series_window': w}) %}
    {{ ml_monitor.performance(relation, test=test, **one) }}
  ) as mm_window_{{ loop.index }}
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
) as mm_series
{%- if series.anomaly is not none %}
),
{{ ml_monitor._anomaly_sql(series.anomaly) }}
{%- endif %}
{%- endmacro %}
