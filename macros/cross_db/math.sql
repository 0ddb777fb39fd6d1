{#- Numeric helpers that differ between engines. -#}

{#- Division that yields null instead of an error (or inf) when the divisor is zero. -#}
{% macro safe_divide(numerator, denominator) -%}
  ({{ ml_monitor.to_double(numerator) }} / nullif({{ ml_monitor.to_double(denominator) }}, 0))
{%- endmacro %}

{#- Natural logarithm. -#}
{% macro ln(expr) %}{{ return(ml_monitor._dispatch('ln')(expr)) }}{% endmacro %}
{% macro default__ln(expr) %}ln({{ expr }}){% endmacro %}
{% macro bigquery__ln(expr) %}ln({{ expr }}){% endmacro %}
{% macro spark__ln(expr) %}ln({{ expr }}){% endmacro %}

{#- True when a numeric value is NaN, +inf or -inf. NaN compares equal to itself on
    DuckDB, PostgreSQL and Spark, so an IN list catches all three. -#}
{#- A double with -0.0 read as 0.0 (x + 0.0 is +0.0 in IEEE arithmetic): -0.0 = 0.0, so they must
    be one category, one bin of a value and one text ('-0.0' and '0.0' were two categories). -#}
{% macro to_double_unsigned_zero(expr) %}({{ ml_monitor.to_double(expr) }} + {{ ml_monitor.to_double('0') }}){% endmacro %}

{% macro is_non_finite(expr) %}{{ return(ml_monitor._dispatch('is_non_finite')(expr)) }}{% endmacro %}
{% macro default__is_non_finite(expr) -%}
  ({{ ml_monitor.to_double(expr) }} in ({{ ml_monitor.to_double("'NaN'") }}, {{ ml_monitor.to_double("'Infinity'") }}, {{ ml_monitor.to_double("'-Infinity'") }}))
{%- endmacro %}
{% macro duckdb__is_non_finite(expr) -%}
  (not isfinite({{ ml_monitor.to_double(expr) }}))
{%- endmacro %}
{% macro bigquery__is_non_finite(expr) -%}
  (is_nan({{ ml_monitor.to_double(expr) }}) or is_inf({{ ml_monitor.to_double(expr) }}))
{%- endmacro %}

{#- True when a numeric value is NaN. Where NaN = NaN (DuckDB, PostgreSQL, Spark, Snowflake) an
    equality does; BigQuery follows IEEE (NaN <> NaN) and has is_nan. -#}
{% macro is_nan(expr) %}{{ return(ml_monitor._dispatch('is_nan')(expr)) }}{% endmacro %}
{% macro default__is_nan(expr) -%}
  ({{ ml_monitor.to_double(expr) }} = {{ ml_monitor.to_double("'NaN'") }})
{%- endmacro %}
{% macro bigquery__is_nan(expr) -%}
  is_nan({{ ml_monitor.to_double(expr) }})
{%- endmacro %}

{#- Greatest / least of two expressions, ignoring nulls the same way everywhere. -#}
{% macro greatest2(a, b) %}(case when {{ a }} is null then {{ b }} when {{ b }} is null then {{ a }} when {{ a }} >= {{ b }} then {{ a }} else {{ b }} end){% endmacro %}
{% macro least2(a, b) %}(case when {{ a }} is null then {{ b }} when {{ b }} is null then {{ a }} when {{ a }} <= {{ b }} then {{ a }} else {{ b }} end){% endmacro %}

{#- Seconds since 1970-01-01 of a timestamp, as a double (differences of two of them are durations). -#}
{% macro epoch_seconds(expr) %}{{ return(ml_monitor._dispatch('epoch_seconds')(expr)) }}{% endmacro %}
{% macro default__epoch_seconds(expr) %}{{ ml_monitor.to_double('extract(epoch from ' ~ expr ~ ')') }}{% endmacro %}
{% macro duckdb__epoch_seconds(expr) %}{{ ml_monitor.to_double('epoch(' ~ ml_monitor.to_timestamp(expr) ~ ')') }}{% endmacro %}
{% macro spark__epoch_seconds(expr) %}{{ ml_monitor.to_double('unix_timestamp(' ~ expr ~ ')') }}{% endmacro %}
{% macro databricks__epoch_seconds(expr) %}{{ ml_monitor.to_double('unix_timestamp(' ~ expr ~ ')') }}{% endmacro %}
{% macro bigquery__epoch_seconds(expr) %}{{ ml_monitor.to_double('unix_seconds(timestamp(' ~ expr ~ '))') }}{% endmacro %}
{% macro snowflake__epoch_seconds(expr) %}{{ ml_monitor.to_double('date_part(epoch_second, ' ~ expr ~ ')') }}{% endmacro %}
