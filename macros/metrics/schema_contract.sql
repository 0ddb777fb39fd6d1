{#- Compares a relation's columns with a contract, at compile time (adapter introspection).
    One observation per expected column (metric column_contract: 0 = as expected, 1 = broken)
    and, when allow_extra_columns is false, one per unexpected column.
    Types are compared by family (integer, float, decimal, string, boolean, timestamp, date, ...),
    so `int4` matches `integer` and `varchar(256)` matches `text`.

    {{ ml_monitor.schema_contract(ref('predictions'), {'id': 'bigint', 'score': 'double'}) }}
-#}
{% macro schema_contract(relation, columns, allow_extra_columns=true, test='schema_contract') -%}
  {%- set scope = ml_monitor._scope(test, relation) -%}
  {%- if columns is not mapping or columns | length == 0 -%}
    {%- do ml_monitor._arg_error(test, relation, 'columns', 'must be a mapping of column name to type, e.g. {id: bigint, score: double}', columns) -%}
  {%- endif -%}
  {%- do ml_monitor._check_bool(test, relation, 'allow_extra_columns', allow_extra_columns) -%}
  {%- set actual = {} -%}
  {%- for col in adapter.get_columns_in_relation(relation) -%}
    {#- a text column without a declared length: the catalog's own name (DuckDB's VARCHAR),
        not dbt's data_type, which invents a length (character varying(256)) -#}
    {%- set string_without_size = col.is_string() and col.char_size is none -%}
    {%- do actual.update({col.name: (col.dtype if string_without_size else col.data_type)}) -%}
  {%- endfor -%}
  {%- set actual_lower = {} -%}
  {%- for name, data_type in actual.items() -%}{%- do actual_lower.update({name | lower: name}) -%}{%- endfor -%}
  {%- set expected_lower = [] -%}
  {%- for name in columns.keys() -%}{%- do expected_lower.append(ml_monitor.unquoted(name) | lower) -%}{%- endfor -%}
  {%- set rows = [] -%}
  {%- for raw_name, expected_type in columns.items() -%}
    {%- set name = ml_monitor.unquoted(raw_name) -%}
    {%- if expected_type is not string -%}
      {%- do ml_monitor._arg_error(test, relation, 'columns.' ~ name, 'must be a type name such as bigint, double, varchar, timestamp', expected_type) -%}
    {%- endif -%}
    {%- set found = name if name in actual else actual_lower.get(name | lower) -%}
    {%- if found is none -%}
      {%- set detail = 'missing (expected ' ~ expected_type ~ ')' -%}
      {%- set broken = 1 -%}
    {%- elif ml_monitor.type_family(actual[found]) != ml_monitor.type_family(expected_type) -%}
      {%- set detail = 'type is ' ~ actual[found] ~ ', expected ' ~ expected_type -%}
      {%- set broken = 1 -%}
    {#- a name differing only in case: another column where quoted identifiers are case-sensitive
        (PostgreSQL, Snowflake; ml_monitor quotes every column it reads), the same column where
        column names resolve case-insensitively (DuckDB, Spark, Databricks, BigQuery) -#}
    {%- elif found != name and (var('ml_monitor_dialect', none) or target.type) not in ['duckdb', 'spark', 'databricks', 'bigquery'] -%}
      {%- set detail = 'renamed: found as ' ~ found ~ ' (case differs)' -%}
      {%- set broken = 1 -%}
    {%- else -%}
      {%- set detail = 'present as ' ~ actual[found] -%}
      {%- set broken = 0 -%}
    {%- endif -%}
    {%- do rows.append({'column': name, 'metric': 'column_contract', 'value': broken, 'detail': detail}) -%}
  {%- endfor -%}
  {%- if not allow_extra_columns -%}
    {%- for name, data_type in actual.items() -%}
      {%- if name | lower not in expected_lower -%}
        {%- do rows.append({'column': name, 'metric': 'unexpected_column', 'value': 1, 'detail': 'not in the contract (' ~ data_type ~ ')'}) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}

-- rendered at compile time from the relation's columns: {{ actual | length }} found
with long as (
  {%- for r in rows %}
  select
    {{ ml_monitor.string_literal(r.column) }} as column_name,
    {{ ml_monitor.null_string() }} as segment_column,
    {{ ml_monitor.null_string() }} as segment_value,
    {{ ml_monitor.string_literal(r.metric) }} as metric,
    {{ ml_monitor.double_literal(r.value) }} as value,
    {{ ml_monitor.double_literal(0) }} as threshold,
    {{ ml_monitor.null_double() }} as baseline_value,
    {{ actual | length }} as sample_size,
    {{ 'true' if r.value > 0 else 'false' }} as is_fail,
    {{ ml_monitor.string_literal(r.detail if actual | length > 0 else 'relation not found or has no columns; ' ~ r.detail) }} as detail,
    {{ ml_monitor.null_string() }} as undefined_reason
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
)

{{ ml_monitor._finalize_observations('schema_contract', 'long', scope, empty_is_data=true) }}
{%- endmacro %}

{#- The family of a SQL type name, so that synonyms compare equal across engines. -#}
{% macro type_family(data_type) -%}
  {%- set t = (data_type | string | lower | trim).split('(')[0] | trim -%}
  {%- set families = {
      'integer': ['int', 'integer', 'int4', 'int2', 'int8', 'smallint', 'bigint', 'tinyint', 'hugeint', 'int64', 'long', 'short', 'byte', 'ubigint', 'uinteger', 'usmallint', 'utinyint'],
      'float': ['float', 'float4', 'float8', 'double', 'double precision', 'real', 'float64'],
      'decimal': ['decimal', 'numeric', 'number', 'bignumeric'],
      'string': ['varchar', 'text', 'string', 'char', 'character', 'character varying', 'nvarchar', 'bpchar'],
      'boolean': ['bool', 'boolean'],
      'timestamp': ['timestamp', 'timestamp without time zone', 'datetime', 'timestamp_ntz'],
      'timestamptz': ['timestamptz', 'timestamp with time zone', 'timestamp_tz', 'timestamp_ltz'],
      'date': ['date'],
  } -%}
  {%- for family, names in families.items() -%}
    {%- if t in names -%}{{ return(family) }}{%- endif -%}
  {%- endfor -%}
  {{ return(t) }}
{%- endmacro %}
