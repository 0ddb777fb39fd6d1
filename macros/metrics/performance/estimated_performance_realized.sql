{#- CBPE, part 4: the realized metric beside the estimate. With `labels:` (the label join of
    `performance`: join_key, label_column, label_join_key, label_timestamp_column), every
    evaluated window also gets
      - `realized_<metric>` rows: the metric computed by `ml_monitor.performance` on the
        window's predictions that have a label, only where at least one label arrived
        (sample_size = the labelled rows used; baseline_value = the reference's realized value);
      - `label_coverage` rows: the share of the window's predictions with a label, in every
        window (the metric store's late-label check reads them to re-score a window whose
        labels arrived after it was stored).
    Both are context, never verdicts: they carry their own status but are not deciding rows,
    so the test passes or fails on the estimates alone (the newest windows have no labels yet).
    The realized rows keep the estimate's column_name (the score column) so a series of
    estimates and its realized series share (column, segment) and line up by window. -#}

{#- The label join when labels are given, else none (and the label-only arguments are refused). -#}
{% macro _cbpe_realized_setup(test, relation, labels, join_key, label_column, label_join_key,
                              label_timestamp_column, timestamp_column, where) -%}
  {%- if labels is none -%}
    {%- for arg, v in [('join_key', join_key), ('label_join_key', label_join_key), ('label_timestamp_column', label_timestamp_column)] -%}
      {%- if v is not none -%}
        {{ ml_monitor._arg_error(test, relation, arg, 'needs labels: the relation of (late) labels whose realized metric is reported beside the estimate', v) }}
      {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set lj = ml_monitor._label_join(test, relation, labels, join_key, label_column, label_join_key,
                                      label_timestamp_column, timestamp_column, none) -%}
  {%- set user_filter = ('(' ~ where ~ ')') if (where is string and where | trim != '') else '1 = 1' -%}
  {%- set eligible = user_filter ~ ((' and ' ~ lj.ts_sql ~ ' < ' ~ ml_monitor.timestamp_literal(lj.as_of)) if lj.ts_sql is not none else '') -%}
  {{ return({'lj': lj, 'label_check': {'relation': relation, 'lj': lj, 'filter': eligible}}) }}
{%- endmacro %}

{#- The estimate's rows, then the realized and label-coverage rows of the same windows: one
    performance scan of the predictions grouped by window (mm_w), as its own windows: N series. -#}
{% macro _cbpe_with_realized(estimate_sql, scope, plan, realized, metrics, args, test) -%}
  {%- set cols = ml_monitor.observation_columns() -%}
  {%- set s = ml_monitor.to_string -%}
  {%- set perf = {'metric': metrics, 'labels': args.labels, 'join_key': args.join_key, 'label_column': args.label_column,
                  'label_join_key': args.label_join_key, 'label_timestamp_column': args.label_timestamp_column,
                  'timestamp_column': args.timestamp_column, 'score_column': args.score_column,
                  'prediction_column': args.prediction_column, 'positive_label': args.positive_label,
                  'where': args.where, 'segment_by': args.segment_by, 'min_rows': args.min_rows} -%}
  {#- windows: N -> the windows this run evaluates, in one scan grouped by window (performance's
      series, _perf_windows.sql) -#}
  {%- set call = {'series_windows': scope.windows} if scope.multi else {'window': args.window} -%}
  {%- do call.update(perf) -%}
  {%- set base = [] -%}
  {%- for m in metrics if plan.realized.get(m) is not none -%}
    {%- do base.append("when '" ~ m ~ "' then " ~ ml_monitor.double_const(plan.realized[m])) -%}
  {%- endfor %}
select {{ cols | join(', ') }}, is_deciding
from ({{ estimate_sql }}) as mm_estimate
union all
-- realized metrics where labels arrived, label coverage everywhere: context, never deciding
select
  monitor,
  {{ s(ml_monitor.string_literal(ml_monitor.unquoted(args.score_column))) }} as column_name,
  segment_column, segment_value,
  {{ s("case when metric = 'label_coverage' then metric else 'realized_' || metric end") }} as metric,
  value, threshold,
  {{ ('case metric ' ~ (base | join(' ')) ~ ' end') if base else ml_monitor.to_double('null') }} as baseline_value,
  sample_size, window_start, window_end, status, detail, facts,
  (1 = 0) as is_deciding
from (
  select {{ cols | join(', ') }}
  from ({{ ml_monitor.performance(scope.relation, test=test, **call) }}) as mm_realized_1
) as mm_realized
where metric = 'label_coverage' or sample_size > 0
{%- endmacro %}
