{#- JSON text built by string concatenation, for the `facts` column of observation rows.
    Every engine renders the same structure; numbers are the engine's own text of a double,
    which round-trips (DuckDB, PostgreSQL 12+ and Spark print the shortest exact form; the
    spelling may differ, e.g. 1e-05 vs 1.0E-5, both valid JSON). NaN and infinities become null. -#}

{#- A JSON string (or null) from a SQL text expression: backslash, quote and control
    characters escaped. -#}
{% macro json_string(expr) -%}
  {#- backslashes never appear in the SQL text (engines disagree on them in literals): chr(92) -#}
  {%- set bs = ml_monitor.json_char(92) -%}
  {%- set ns = namespace(e='replace(replace(' ~ ml_monitor.to_string(expr) ~ ', ' ~ bs ~ ', ' ~ bs ~ ' || ' ~ bs ~ '), '
                             ~ "'\"', " ~ bs ~ " || '\"')") -%}
  {%- for code, letter in [(10, 'n'), (13, 'r'), (9, 't')] -%}
    {%- set ns.e = 'replace(' ~ ns.e ~ ', ' ~ ml_monitor.json_char(code) ~ ', ' ~ bs ~ " || '" ~ letter ~ "')" -%}
  {%- endfor -%}
  case when {{ expr }} is null then 'null' else '"' || {{ ns.e }} || '"' end
{%- endmacro %}

{#- The character with this code point. -#}
{% macro json_char(code) %}{{ return(ml_monitor._dispatch('json_char')(code)) }}{% endmacro %}
{% macro default__json_char(code) %}{{ return('chr(' ~ code ~ ')') }}{% endmacro %}
{% macro bigquery__json_char(code) %}{{ return('code_points_to_string([' ~ code ~ '])') }}{% endmacro %}

{#- A JSON number (or null) from a double expression. -#}
{% macro json_number(expr) -%}
  case when {{ expr }} is null or {{ ml_monitor.is_non_finite(expr) }} then 'null' else {{ ml_monitor.to_string(ml_monitor.to_double(expr)) }} end
{%- endmacro %}

{#- A JSON integer (or null) from an integer expression. -#}
{% macro json_int(expr) -%}
  coalesce({{ ml_monitor.to_string(ml_monitor.to_bigint(expr)) }}, 'null')
{%- endmacro %}

{#- A JSON value from a compile-time (Jinja) value: a SQL string literal of its JSON text. -#}
{% macro json_literal(value) -%}
  {{ return(ml_monitor.string_literal(tojson(value, sort_keys=true))) }}
{%- endmacro %}

{#- An aggregate: the JSON array of `item` (SQL text of one JSON value per row) ordered by
    `order_by`, '[]' when there is no row. Use in a grouped select. -#}
{% macro json_array_agg(item, order_by) %}{{ return(ml_monitor._dispatch('json_array_agg')(item, order_by)) }}{% endmacro %}
{% macro default__json_array_agg(item, order_by) -%}
  '[' || coalesce(string_agg({{ item }}, ',' order by {{ order_by }}), '') || ']'
{%- endmacro %}
{% macro snowflake__json_array_agg(item, order_by) -%}
  '[' || coalesce(listagg({{ item }}, ',') within group (order by {{ order_by }}), '') || ']'
{%- endmacro %}
{#- collect_list has no order: sort (key, item) structs, then keep the items -#}
{% macro spark__json_array_agg(item, order_by) -%}
  '[' || array_join(transform(array_sort(collect_list(named_struct('k', {{ order_by }}, 'v', {{ item }}))), x -> x.v), ',') || ']'
{%- endmacro %}
{% macro databricks__json_array_agg(item, order_by) %}{{ return(ml_monitor.spark__json_array_agg(item, order_by)) }}{% endmacro %}
