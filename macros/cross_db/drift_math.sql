{#- Small engine differences the drift monitors need. -#}

{#- Base-2 logarithm of a double. -#}
{% macro log2(expr) %}{{ return(ml_monitor._dispatch('log2')(expr)) }}{% endmacro %}
{% macro default__log2(expr) %}(ln({{ ml_monitor.to_double(expr) }}) / ln(2.0)){% endmacro %}
{% macro duckdb__log2(expr) %}log2({{ ml_monitor.to_double(expr) }}){% endmacro %}
{% macro postgres__log2(expr) %}cast(log(2.0, cast({{ expr }} as numeric)) as double precision){% endmacro %}
{% macro spark__log2(expr) %}log2({{ ml_monitor.to_double(expr) }}){% endmacro %}
{% macro databricks__log2(expr) %}log2({{ ml_monitor.to_double(expr) }}){% endmacro %}

{#- An exact double constant from a Python number: parsed from its shortest
    round-trip text, so the engine gets the very same double. -#}
{% macro double_const(value) -%}
  {{ return("cast('" ~ (value | string) ~ "' as " ~ ml_monitor.type_double() ~ ")") }}
{%- endmacro %}
