{#- The time-zone rule: ml_monitor_as_of and every window bound are UTC; a timestamp column
    WITHOUT a time zone is read as UTC wall-clock time; a column WITH a time zone (an instant)
    is converted to UTC before it is compared. The session's time zone (DuckDB TimeZone,
    PostgreSQL timezone / PGTZ, Spark spark.sql.session.timeZone, Snowflake TIMEZONE) never
    changes which rows a window holds.

    timestamp_as_utc(expr, data_type): `expr` as a value comparable with timestamp_literal()
    (naive UTC on most engines). data_type is the column's type as the adapter reports it
    (none when unknown: the column is taken as naive). -#}

{% macro timestamp_as_utc(expr, data_type) %}{{ return(ml_monitor._dispatch('timestamp_as_utc')(expr, data_type)) }}{% endmacro %}

{#- The name of a time-zone-aware timestamp type in this dialect, for advice in error messages. -#}
{% macro _tz_type_name() -%}
  {{ return({'snowflake': 'timestamp_tz', 'bigquery': 'timestamp', 'spark': 'timestamp', 'databricks': 'timestamp'}.get(ml_monitor.dialect(), 'timestamptz')) }}
{%- endmacro %}

{#- Does a type name carry a time zone (timestamptz, timestamp with time zone, TIMESTAMP_TZ / _LTZ)? -#}
{% macro _is_tz_aware_type(data_type) -%}
  {%- set t = (data_type or '') | string | lower -%}
  {{ return('with time zone' in t or 'with local time zone' in t or t in ['timestamptz', 'timestamp_tz', 'timestamp_ltz']) }}
{%- endmacro %}

{#- DuckDB, PostgreSQL: timestamptz AT TIME ZONE 'UTC' is the naive UTC wall-clock time. -#}
{% macro default__timestamp_as_utc(expr, data_type) -%}
  {%- if ml_monitor._is_tz_aware_type(data_type) -%}{{ return('(' ~ expr ~ " at time zone 'UTC')") }}{%- endif -%}
  {{ return(expr) }}
{%- endmacro %}

{#- Snowflake: TIMESTAMP_TZ / _LTZ converted to UTC, then without zone (timestamp literals are TIMESTAMP_NTZ). -#}
{% macro snowflake__timestamp_as_utc(expr, data_type) -%}
  {%- if ml_monitor._is_tz_aware_type(data_type) -%}
    {{ return("cast(convert_timezone('UTC', " ~ expr ~ ") as timestamp_ntz)") }}
  {%- endif -%}
  {{ return(expr) }}
{%- endmacro %}

{#- BigQuery: TIMESTAMP is an instant; DATETIME(ts, 'UTC') is its UTC wall-clock time (literals are DATETIME). -#}
{% macro bigquery__timestamp_as_utc(expr, data_type) -%}
  {%- set t = (data_type or '') | string | lower -%}
  {%- if ml_monitor._is_tz_aware_type(data_type) or t == 'timestamp' -%}
    {{ return("datetime(" ~ expr ~ ", 'UTC')") }}
  {%- endif -%}
  {{ return(expr) }}
{%- endmacro %}

{#- Spark / Databricks: TIMESTAMP is an instant (shown in the session time zone) and literals
    are UTC instants (spark__timestamp_literal); TIMESTAMP_NTZ is wall-clock time, read as UTC. -#}
{% macro spark__timestamp_as_utc(expr, data_type) -%}
  {%- if ((data_type or '') | string | lower) == 'timestamp_ntz' -%}
    {{ return("cast(concat(cast(" ~ expr ~ " as string), '+00:00') as timestamp)") }}
  {%- endif -%}
  {{ return(expr) }}
{%- endmacro %}
{% macro databricks__timestamp_as_utc(expr, data_type) %}{{ return(ml_monitor.spark__timestamp_as_utc(expr, data_type)) }}{% endmacro %}

{#- Spark: a UTC instant whatever spark.sql.session.timeZone says (the offset is explicit). -#}
{% macro spark__timestamp_literal(dt) -%}
  {%- if dt is none -%}{{ return('cast(null as timestamp)') }}{%- endif -%}
  {{ return("cast('" ~ ml_monitor._timestamp_text(dt) ~ "+00:00' as timestamp)") }}
{%- endmacro %}
{% macro databricks__timestamp_literal(dt) %}{{ return(ml_monitor.spark__timestamp_literal(dt)) }}{% endmacro %}
