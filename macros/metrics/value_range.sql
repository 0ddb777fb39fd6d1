{#- Share of non-null values outside [min_value, max_value] per column, overall and per
    segment, in one scan. NaN, +inf and -inf always count as violations.

    {{ ml_monitor.value_range(ref('predictions'), columns=['score'], min_value=0, max_value=1) }}
-#}
{% macro value_range(relation, columns, min_value=none, max_value=none, inclusive=true,
                     max_violation_rate=0, where=none, segment_by=none, timestamp_column=none,
                     window=none, min_rows=none, windows=none, fail_on=none, anomaly=none,
                   test='value_range') -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, min_rows,
                                    windows=windows, fail_on=fail_on, anomaly=anomaly) -%}
  {%- set names = ml_monitor._monitored_columns(test, relation, none, columns) -%}
  {%- do ml_monitor._check_numeric_columns(test, relation, 'columns', names) -%}
  {%- do ml_monitor._check_number(test, relation, 'min_value', min_value) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_value', max_value) -%}
  {%- do ml_monitor._check_bool(test, relation, 'inclusive', inclusive) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_violation_rate', max_violation_rate, required=true, min=0, max=1) -%}
  {%- if min_value is none and max_value is none -%}
    {%- do ml_monitor._arg_error(test, relation, 'min_value', "or 'max_value' is required", 'neither') -%}
  {%- endif -%}
  {%- do ml_monitor._check_min_max(test, relation, 'min_value', min_value, 'max_value', max_value) -%}
  {%- set lo_op = '<' if inclusive else '<=' -%}
  {%- set hi_op = '>' if inclusive else '>=' -%}
  {%- set range_text = ('[' if inclusive else '(') ~ (min_value if min_value is not none else '-inf') ~ ', '
                       ~ (max_value if max_value is not none else 'inf') ~ (']' if inclusive else ')') -%}
  {%- set cols = ml_monitor._column_specs(names) -%}
  {%- set aggregates -%}
    {%- for c in cols %}
    {%- set nonfinite = ml_monitor.is_non_finite(c.sql) %}
    {%- set out_of_range -%}
      {%- if min_value is not none %}{{ c.sql }} {{ lo_op }} {{ min_value }}{% endif -%}
      {%- if min_value is not none and max_value is not none %} or {% endif -%}
      {%- if max_value is not none %}{{ c.sql }} {{ hi_op }} {{ max_value }}{% endif -%}
    {%- endset %},
    count({{ c.sql }}) as n_values_{{ loop.index }},
    sum(case when {{ c.sql }} is null then 0 when {{ nonfinite }} then 1 else 0 end) as n_nonfinite_{{ loop.index }},
    sum(case when {{ c.sql }} is null then 0 when {{ nonfinite }} then 1 when {{ out_of_range }} then 1 else 0 end) as n_violations_{{ loop.index }},
    min(case when not {{ nonfinite }} then {{ ml_monitor.to_double(c.sql) }} end) as min_{{ loop.index }},
    max(case when not {{ nonfinite }} then {{ ml_monitor.to_double(c.sql) }} end) as max_{{ loop.index }}
    {%- endfor %}
  {%- endset -%}

{{ ml_monitor._scan_aggregate(scope, relation, cols | map(attribute='sql') | list, aggregates,
     comment="all columns' counts in one aggregate; min/max over finite values only") }},

{{ ml_monitor._complete_windows(scope, 'aggregated_rows') }},

long as (
  {%- for c in cols %}
  {%- set i = loop.index %}
  {%- set rate = ml_monitor.safe_divide('n_violations_' ~ i, 'n_values_' ~ i) %}
  {%- set detail -%}
    {{ ml_monitor.to_string('n_violations_' ~ i) }} || ' of ' || {{ ml_monitor.to_string('n_values_' ~ i) }}
      || ' non-null values outside {{ range_text }}'
      || case when n_nonfinite_{{ i }} > 0 then ' (' || {{ ml_monitor.to_string('n_nonfinite_' ~ i) }} || ' NaN/inf)' else '' end
      || '; finite min ' || coalesce({{ ml_monitor._fmt('min_' ~ i) }}, '-') || ', max ' || coalesce({{ ml_monitor._fmt('max_' ~ i) }}, '-')
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, c.name, 'violation_rate', value=rate, threshold=max_violation_rate,
         sample_size='n_values_' ~ i, is_fail=rate ~ ' > ' ~ max_violation_rate, detail=detail,
         undefined_reason="case when n_rows > 0 and n_values_" ~ i ~ " = 0 then 'all values are null' end") }}
  from aggregated
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
)

{{ ml_monitor._finalize_observations('value_range', 'long', scope) }}
{%- endmacro %}
