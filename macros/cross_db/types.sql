{#- Column types of the observation rows. dbt.type_float() is single precision on
    some adapters (Spark's FLOAT), so doubles get their own shim. -#}

{% macro type_double() %}{{ return(ml_monitor._dispatch('type_double')()) }}{% endmacro %}
{% macro default__type_double() %}{{ return('double precision') }}{% endmacro %}
{% macro spark__type_double() %}{{ return('double') }}{% endmacro %}
{% macro databricks__type_double() %}{{ return('double') }}{% endmacro %}
{% macro bigquery__type_double() %}{{ return('float64') }}{% endmacro %}

{% macro type_string() %}{{ return(ml_monitor._dispatch('type_string')()) }}{% endmacro %}
{% macro default__type_string() %}{{ return('varchar') }}{% endmacro %}
{% macro spark__type_string() %}{{ return('string') }}{% endmacro %}
{% macro databricks__type_string() %}{{ return('string') }}{% endmacro %}
{% macro bigquery__type_string() %}{{ return('string') }}{% endmacro %}
{% macro postgres__type_string() %}{{ return('text') }}{% endmacro %}

{% macro type_bigint() %}{{ return(ml_monitor._dispatch('type_bigint')()) }}{% endmacro %}
{% macro default__type_bigint() %}{{ return('bigint') }}{% endmacro %}
{% macro bigquery__type_bigint() %}{{ return('int64') }}{% endmacro %}

{% macro type_timestamp() %}{{ return(ml_monitor._dispatch('type_timestamp')()) }}{% endmacro %}
{% macro default__type_timestamp() %}{{ return('timestamp') }}{% endmacro %}
{% macro snowflake__type_timestamp() %}{{ return('timestamp_ntz') }}{% endmacro %}
{% macro bigquery__type_timestamp() %}{{ return('datetime') }}{% endmacro %}
