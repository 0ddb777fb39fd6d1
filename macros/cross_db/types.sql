{#- Column types of the observation rows. dbt.type_float() is single precision on
    some adapters (Spark's FLOAT), so doubles get their own shim. -#}

{% macro type_double() %}{{ return(adapter.dispatch('type_double', 'ml_monitor')()) }}{% endmacro %}
{% macro default__type_double() %}{{ return('double precision') }}{% endmacro %}
{% macro spark__type_double() %}{{ return('double') }}{% endmacro %}
{% macro databricks__type_double() %}{{ return('double') }}{% endmacro %}
{% macro bigquery__type_double() %}{{ return('float64') }}{% endmacro %}

{% macro type_string() %}{{ return(adapter.dispatch('type_string', 'ml_monitor')()) }}{% endmacro %}
{% macro default__type_string() %}{{ return('varchar') }}{% endmacro %}
{% macro spark__type_string() %}{{ return('string') }}{% endmacro %}
{% macro databricks__type_string() %}{{ return('string') }}{% endmacro %}
{% macro bigquery__type_string() %}{{ return('string') }}{% endmacro %}
{% macro postgres__type_string() %}{{ return('text') }}{% endmacro %}

{% macro type_bigint() %}{{ return(adapter.dispatch('type_bigint', 'ml_monitor')()) }}{% endmacro %}
{% macro default__type_bigint() %}{{ return('bigint') }}{% endmacro %}
{% macro bigquery__type_bigint() %}{{ return('int64') }}{% endmacro %}

{% macro type_timestamp() %}{{ return(adapter.dispatch('type_timestamp', 'ml_monitor')()) }}{% endmacro %}
{% macro default__type_timestamp() %}{{ return('timestamp') }}{% endmacro %}
{% macro snowflake__type_timestamp() %}{{ return('timestamp_ntz') }}{% endmacro %}
{% macro bigquery__type_timestamp() %}{{ return('datetime') }}{% endmacro %}
