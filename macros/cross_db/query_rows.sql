{#- The rows of a compile-time query (run_query), read by lower-case column name whatever the
    engine returns: Snowflake folds unquoted aliases to UPPER case, so `row['n']` would be
    undefined there. On engines that already return lower-case names the agate rows are
    returned as they are (no copy); otherwise each row becomes a dict keyed by the lower-case
    name (index access is not kept: read by name). -#}
{% macro _query_rows(sql) -%}
  {%- set table = run_query(sql) -%}
  {%- set names = table.column_names | list -%}
  {%- set lowered = names | map('lower') | list -%}
  {%- if lowered == names -%}{{ return(table.rows) }}{%- endif -%}
  {%- set out = [] -%}
  {%- for row in table.rows -%}
    {%- set d = {} -%}
    {%- for i in range(lowered | length) -%}{%- do d.update({lowered[i]: row[i]}) -%}{%- endfor -%}
    {%- do out.append(d) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}
