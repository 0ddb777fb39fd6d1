{#- The package's dispatcher. Like adapter.dispatch(name, 'ml_monitor'), except that the var
    `ml_monitor_dialect` (e.g. snowflake, bigquery, databricks) renders another engine's SQL
    from any adapter: the test suite compiles the integration project that way and validates
    the result with sqlglot for warehouses it cannot run here. -#}
{% macro _dispatch(name) -%}
  {%- set dialect = var('ml_monitor_dialect', none) -%}
  {%- if dialect is none or dialect == target.type or not execute -%}
    {#- through an alias: dbt's static parser insists on a literal name in adapter.dispatch(...) -#}
    {%- set dispatch = adapter.dispatch -%}
    {{ return(dispatch(name, 'ml_monitor')) }}
  {%- endif -%}
  {%- set parents = {'databricks': ['databricks', 'spark'], 'redshift': ['redshift', 'postgres']} -%}
  {%- for prefix in parents.get(dialect, [dialect]) + ['default'] -%}
    {%- set candidate = context['ml_monitor'][prefix ~ '__' ~ name] -%}
    {%- if candidate is defined -%}{{ return(candidate) }}{%- endif -%}
  {%- endfor -%}
  {{ exceptions.raise_compiler_error("ml_monitor: no implementation of " ~ name ~ " for " ~ dialect) }}
{%- endmacro %}

{#- The engine whose SQL is being rendered. -#}
{% macro dialect() -%}{{ return(var('ml_monitor_dialect', none) or target.type) }}{%- endmacro %}
