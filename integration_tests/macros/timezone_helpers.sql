{#- Helpers of the time-zone cases (models/timezone). -#}

{#- A naive timestamp holding UTC wall-clock time -> the same instant as a time-zone-aware value
    (timestamptz; Spark's TIMESTAMP), whatever the session time zone: through text with an
    explicit +00:00 offset. On Spark a naive seed value is stored in the session time zone and
    cast back to the same text, so the round trip is exact there too. -#}
{% macro tz_aware_from_utc_text(expr) -%}
  {%- if target.type in ['spark', 'databricks'] -%}
    cast(concat(cast({{ expr }} as string), '+00:00') as timestamp)
  {%- else -%}
    cast(cast({{ expr }} as {{ ml_monitor.type_string() }}) || '+00:00' as timestamptz)
  {%- endif -%}
{%- endmacro %}

{#- An expected window bound (a naive UTC seed value) in the type of the observations'
    window columns: naive UTC, except on Spark, whose window columns are UTC instants. -#}
{% macro expected_window_bound(expr) -%}
  {%- if target.type in ['spark', 'databricks'] -%}{{ tz_aware_from_utc_text(expr) }}{%- else -%}{{ expr }}{%- endif -%}
{%- endmacro %}
