{#- Expected rows of the schema_contract case-only rename case (models/dq/expected_schema_case.sql). -#}
{% macro expected_schema_case_rows(flip=false) -%}
  {%- set renamed = (target.type in ['postgres', 'snowflake']) != flip -%}
  {%- set rows = [('id', 0), ('mixedcase', 1 if renamed else 0), ('FEATURE A', 1 if renamed else 0)] -%}
  {%- for name, broken in rows %}
select {{ ml_monitor.to_string(ml_monitor.string_literal('schema_contract_case_rename')) }} as case_name,
  {{ ml_monitor.to_string(ml_monitor.string_literal('schema_contract')) }} as monitor,
  {{ ml_monitor.to_string(ml_monitor.string_literal(name)) }} as column_name,
  {{ ml_monitor.null_string() }} as segment_column, {{ ml_monitor.null_string() }} as segment_value,
  {{ ml_monitor.to_string(ml_monitor.string_literal('column_contract')) }} as metric,
  {{ ml_monitor.double_literal(broken) }} as value, {{ ml_monitor.double_literal(0) }} as threshold,
  {{ ml_monitor.null_double() }} as baseline_value, {{ ml_monitor.to_bigint('9') }} as sample_size,
  {{ ml_monitor.to_timestamp('null') }} as window_start, {{ ml_monitor.to_timestamp('null') }} as window_end,
  {{ ml_monitor.to_string(ml_monitor.string_literal('fail' if broken else 'pass')) }} as status
  {%- if not loop.last %}
union all
  {%- endif %}
  {%- endfor %}
{%- endmacro %}
