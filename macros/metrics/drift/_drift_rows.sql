{#- Observation rows of the binned drift metrics (psi, js_distance) and their detail text. -#}

{#- "largest shift in bin (a, b]: 10.00% -> 25.00%" -#}
{% macro _moved_bin_text(prefix='') -%}
  '; largest shift in bin ' || coalesce({{ prefix }}top_bin, '?') || ': '
    || coalesce({{ ml_monitor._fmt('100 * ' ~ prefix ~ 'top_ref_share', 2) }}, '?') || '% -> '
    || coalesce({{ ml_monitor._fmt('100 * ' ~ prefix ~ 'top_cur_share', 2) }}, '?') || '%'
{%- endmacro %}

{#- One observation row per (segment, column) for metric psi or js_distance. -#}
{% macro _drift_metric_rows(metric, value_sql, threshold, fail_op='>') -%}
  select
    column_name,
    segment_column,
    segment_value,
    {{ ml_monitor.string_literal(metric) }} as metric,
    case when undefined_reason is null then {{ value_sql }} end as value,
    {{ ml_monitor.double_literal(threshold) }} as threshold,
    {{ ml_monitor.null_double() }} as baseline_value,
    cur_rows as sample_size,
    {%- if threshold is none %}
    false as is_fail,
    {%- else %}
    coalesce(undefined_reason is null and {{ value_sql }} {{ fail_op }} {{ threshold }}, false) as is_fail,
    {%- endif %}
    {{ ml_monitor.string_literal(metric ~ ' ') }} || coalesce({{ ml_monitor._fmt(value_sql, 4) }}, '?')
      {%- if threshold is not none %}
      || case when {{ value_sql }} {{ fail_op }} {{ threshold }} then ' {{ "at or above" if fail_op == ">=" else "above" }} {{ threshold }}' else ' within {{ threshold }}' end
      {%- endif %}
      || {{ ml_monitor._moved_bin_text() }}
      || excluded_text as detail,
    undefined_reason
  from drift_rows
{%- endmacro %}
