{#- Casts used by every monitor. -#}

{% macro to_double(expr) %}cast({{ expr }} as {{ ml_monitor.type_double() }}){% endmacro %}
{% macro to_string(expr) %}cast({{ expr }} as {{ ml_monitor.type_string() }}){% endmacro %}
{% macro to_bigint(expr) %}cast({{ expr }} as {{ ml_monitor.type_bigint() }}){% endmacro %}

{#- A SQL string literal; single quotes doubled (and backslashes on engines that treat them as escapes). -#}
{% macro string_literal(value) %}{{ return(ml_monitor._dispatch('string_literal')(value)) }}{% endmacro %}
{% macro default__string_literal(value) -%}
  {{ return("'" ~ (value | string).replace("'", "''") ~ "'") }}
{%- endmacro %}
{% macro spark__string_literal(value) -%}
  {{ return("'" ~ (value | string).replace("\\", "\\\\").replace("'", "\\'") ~ "'") }}
{%- endmacro %}
{% macro databricks__string_literal(value) -%}{{ return(ml_monitor.spark__string_literal(value)) }}{%- endmacro %}
{% macro bigquery__string_literal(value) -%}
  {{ return("'" ~ (value | string).replace("\\", "\\\\").replace("'", "\\'") ~ "'") }}
{%- endmacro %}

{#- A numeric literal as a double; none becomes a typed null. -#}
{% macro double_literal(value) -%}
  {%- if value is none -%}{{ return(ml_monitor.to_double('null')) }}
  {%- else -%}{{ return(ml_monitor.to_double(value | string)) }}{%- endif -%}
{%- endmacro %}

{#- A timestamp literal from a python datetime (naive, UTC by convention). -#}
{% macro timestamp_literal(dt) %}{{ return(ml_monitor._dispatch('timestamp_literal')(dt)) }}{% endmacro %}
{% macro default__timestamp_literal(dt) -%}
  {%- if dt is none -%}{{ return('cast(null as ' ~ ml_monitor.type_timestamp() ~ ')') }}{%- endif -%}
  {{ return("cast('" ~ ml_monitor._timestamp_text(dt) ~ "' as " ~ ml_monitor.type_timestamp() ~ ")") }}
{%- endmacro %}

{#- 'YYYY-MM-DD HH:MM:SS' of a naive datetime, the year zero-padded: strftime writes year 26 as
    '26', which PostgreSQL reads as 2026. -#}
{% macro _timestamp_text(dt) -%}
  {{ return(('%04d' | format(dt.year)) ~ dt.strftime('-%m-%d %H:%M:%S')) }}
{%- endmacro %}

{#- A number rounded for human text (observation detail). -#}
{% macro format_number(expr, digits=4) %}{{ return(ml_monitor._dispatch('format_number')(expr, digits)) }}{% endmacro %}
{% macro default__format_number(expr, digits) -%}
  {{ ml_monitor.to_string('round(' ~ ml_monitor.to_double(expr) ~ ', ' ~ digits ~ ')') }}
{%- endmacro %}
{#- PostgreSQL has round(numeric, int) only; numeric keeps NaN and Infinity (PG 14+). A double goes
    to numeric through its text (the shortest exact digits: a direct cast keeps 15, so 2^53 + 2
    read 9007199254740990); from 1e16 on, and NaN, the double's own text ('1e+300', not 301 digits). -#}
{% macro postgres__format_number(expr, digits) -%}
  case when abs(cast({{ expr }} as double precision)) >= 1e16 then cast(cast({{ expr }} as double precision) as text)
    else cast(round(cast(cast({{ expr }} as text) as numeric), {{ digits }}) as text) end
{%- endmacro %}

{% macro to_timestamp(expr) %}cast({{ expr }} as {{ ml_monitor.type_timestamp() }}){% endmacro %}
