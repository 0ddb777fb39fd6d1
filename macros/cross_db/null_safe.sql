{#- Null-safe equality (nulls equal nulls), for joins on segment keys. Spark spells it <=>. -#}
{% macro null_safe_equal(a, b) %}{{ return(ml_monitor._dispatch('null_safe_equal')(a, b)) }}{% endmacro %}
{% macro default__null_safe_equal(a, b) %}({{ a }} is not distinct from {{ b }}){% endmacro %}
{% macro spark__null_safe_equal(a, b) %}({{ a }} <=> {{ b }}){% endmacro %}
{% macro databricks__null_safe_equal(a, b) %}({{ a }} <=> {{ b }}){% endmacro %}
{% macro bigquery__null_safe_equal(a, b) %}(({{ a }} is null and {{ b }} is null) or {{ a }} = {{ b }}){% endmacro %}
