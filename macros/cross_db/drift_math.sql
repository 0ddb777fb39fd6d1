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

{#- Every row of `relation` (a CTE name) repeated once per whole number 0..`last` (a bigint
    column of it; no row when last < 0), the number in column `as_col`: a select statement. -#}
{% macro series_rows(relation, last, as_col) %}{{ return(ml_monitor._dispatch('series_rows')(relation, last, as_col)) }}{% endmacro %}
{% macro default__series_rows(relation, last, as_col) -%}
  select r.*, generate_series(0, r.{{ last }}) as {{ as_col }} from {{ relation }} as r where r.{{ last }} >= 0
{%- endmacro %}
{% macro duckdb__series_rows(relation, last, as_col) -%}
  select r.*, unnest(range(0, r.{{ last }} + 1)) as {{ as_col }} from {{ relation }} as r where r.{{ last }} >= 0
{%- endmacro %}
{% macro spark__series_rows(relation, last, as_col) -%}
  select r.*, explode(sequence(cast(0 as bigint), cast(r.{{ last }} as bigint))) as {{ as_col }} from {{ relation }} as r where r.{{ last }} >= 0
{%- endmacro %}
{% macro databricks__series_rows(relation, last, as_col) -%}
  select r.*, explode(sequence(cast(0 as bigint), cast(r.{{ last }} as bigint))) as {{ as_col }} from {{ relation }} as r where r.{{ last }} >= 0
{%- endmacro %}
{% macro snowflake__series_rows(relation, last, as_col) -%}
  select r.*, s.value::bigint as {{ as_col }} from {{ relation }} as r, lateral flatten(input => array_generate_range(0, r.{{ last }} + 1)) as s where r.{{ last }} >= 0
{%- endmacro %}
{% macro bigquery__series_rows(relation, last, as_col) -%}
  select r.*, {{ as_col }} from {{ relation }} as r cross join unnest(generate_array(0, r.{{ last }})) as {{ as_col }} where r.{{ last }} >= 0
{%- endmacro %}
