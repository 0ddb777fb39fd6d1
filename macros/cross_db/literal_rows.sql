{#- A relation of literal rows, for a FROM clause: `rows` is a list of rows, each a list of SQL
    literals (one per name in `columns`), `alias` the relation's name. Rendered as
    `(values (...), ...) as alias(columns)`: one local table, where a `union all` of one-row
    selects makes Spark plan one partition (one task) per row, and a large plan tree. BigQuery
    has no VALUES list: a union all of selects there. -#}
{% macro literal_rows(rows, columns, alias) %}{{ return(ml_monitor._dispatch('literal_rows')(rows, columns, alias)) }}{% endmacro %}

{% macro default__literal_rows(rows, columns, alias) -%}
(values
  {%- for r in rows %}
  ({{ r | join(', ') }}){% if not loop.last %},{% endif %}
  {%- endfor %}
) as {{ alias }}({{ columns | join(', ') }})
{%- endmacro %}

{% macro bigquery__literal_rows(rows, columns, alias) -%}
(
  {%- for r in rows %}
  select {% for c in columns %}{{ r[loop.index0] }} as {{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
) as {{ alias }}
{%- endmacro %}
