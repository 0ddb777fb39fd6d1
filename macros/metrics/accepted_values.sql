{#- Share of non-null values that are not in `values`, overall and per segment.
    The detail names one offending value (the smallest, as text).

    {{ ml_monitor.accepted_values(ref('predictions'), 'country', values=['DE', 'FR']) }}
-#}
{% macro accepted_values(relation, column, values, max_violation_rate=0, where=none, segment_by=none,
                         timestamp_column=none, window=none, min_rows=none, windows=none, fail_on=none, anomaly=none,
                   test='accepted_values') -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, min_rows,
                                    windows=windows, fail_on=fail_on, anomaly=anomaly) -%}
  {%- set names = ml_monitor._check_names(test, relation, 'column_name', column, required=true) -%}
  {%- if names | length != 1 -%}
    {%- do ml_monitor._arg_error(test, relation, 'column_name', 'must be exactly one column', column) -%}
  {%- endif -%}
  {%- if values is none or values is string or values is mapping or values is not iterable or values | length == 0 -%}
    {%- do ml_monitor._arg_error(test, relation, 'values', 'must be a non-empty list of accepted values', values) -%}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'max_violation_rate', max_violation_rate, required=true, min=0, max=1) -%}
  {%- set c = {'name': ml_monitor.unquoted(names[0]), 'sql': ml_monitor.quote_column(names[0])} -%}
  {%- set literals = [] -%}
  {%- set ns = namespace(all_numbers=true) -%}
  {%- for v in values -%}
    {%- if v is boolean or v is not number -%}{%- set ns.all_numbers = false -%}{%- endif -%}
  {%- endfor -%}
  {#- numbers compare as numbers; anything else compares as text, so 1 and '1' never silently differ.
      Numbers against a text column were a raw engine error at run time on the first value that is
      not a number (DuckDB "Could not convert string 'premium' to INT32", PostgreSQL "operator does
      not exist: text <> integer"); text against a non-integer number compared with the engine's
      text of it ('1.0' on DuckDB, '1' on PostgreSQL: every row violated on one engine, none on the
      other). Both are compile errors when the column's type is known. -#}
  {%- set info = ml_monitor._column_info(relation, c.name) if execute else none -%}
  {%- if info is not none and ns.all_numbers and not ml_monitor._is_numeric_type(info.dtype) -%}
    {%- do ml_monitor._arg_error(test, relation, 'values', "are numbers, but " ~ info.name ~ " is " ~ info.dtype
        ~ ": quote them to compare as text (['" ~ (values | join("', '")) ~ "']), or cast the column to a number in a view", values) -%}
  {%- endif -%}
  {%- if info is not none and not ns.all_numbers and ml_monitor._is_numeric_type(info.dtype) and not ml_monitor._is_integer_type(info.dtype) -%}
    {%- do ml_monitor._arg_error(test, relation, 'values', "are text, but " ~ info.name ~ " is " ~ info.dtype
        ~ ", whose text differs between engines (1.0 or 1): give numbers, or cast the column to text in a view", values) -%}
  {%- endif -%}
  {%- for v in values -%}
    {%- do literals.append((v | string) if ns.all_numbers else ml_monitor.string_literal(v)) -%}
  {%- endfor -%}
  {%- set value_sql = c.sql if ns.all_numbers else ml_monitor.to_string(c.sql) -%}
  {%- set violation = value_sql ~ ' not in (' ~ (literals | join(', ')) ~ ')' -%}
  {%- set rate = ml_monitor.safe_divide('n_violations', 'n_values') -%}
  {%- set aggregates -%},
    count({{ c.sql }}) as n_values,
    sum(case when {{ c.sql }} is not null and {{ violation }} then 1 else 0 end) as n_violations,
    min(case when {{ c.sql }} is not null and {{ violation }} then {{ ml_monitor.to_string(c.sql) }} end) as example_violation
  {%- endset -%}

{{ ml_monitor._scan_aggregate(scope, relation, [c.sql], aggregates) }},

{{ ml_monitor._complete_windows(scope, 'aggregated_rows') }},

long as (
  {%- set detail -%}
    {{ ml_monitor.to_string('n_violations') }} || ' of ' || {{ ml_monitor.to_string('n_values') }}
      || ' non-null values not accepted'
      || case when n_violations > 0 then {{ ml_monitor.string_literal(", e.g. '") }} || example_violation || {{ ml_monitor.string_literal("'") }} else '' end
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, c.name, 'violation_rate', value=rate, threshold=max_violation_rate,
         sample_size='n_values', is_fail=rate ~ ' > ' ~ max_violation_rate, detail=detail,
         undefined_reason="case when n_rows > 0 and n_values = 0 then 'all values are null' end") }}
  from aggregated
)

{{ ml_monitor._finalize_observations('accepted_values', 'long', scope) }}
{%- endmacro %}
