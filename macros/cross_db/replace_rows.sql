{#- Replace some rows of a table: delete those matching `where_sql`, insert the rows of
    `insert_sql` (a query, or `values (...)`, for the columns `columns`). Freezing a baseline or
    a calibration map replaces the rows of one name this way.

    Spark's default table formats (parquet, Hive) have no DELETE ("does not support DELETE"):
    there the rows to keep and the new rows go to a staging table, which then overwrites the
    table (INSERT OVERWRITE reads the staging table, never the table it writes). The table
    keeps its identity (location, grants); Delta tables take the same path. -#}
{% macro _replace_rows(relation, columns, where_sql, insert_sql) %}{{ return(ml_monitor._dispatch('_replace_rows')(relation, columns, where_sql, insert_sql)) }}{% endmacro %}

{% macro default___replace_rows(relation, columns, where_sql, insert_sql) -%}
  {%- do run_query('delete from ' ~ relation ~ ' where ' ~ where_sql) -%}
  {%- do run_query('insert into ' ~ relation ~ ' (' ~ (columns | join(', ')) ~ ')\n' ~ insert_sql) -%}
{%- endmacro %}

{% macro spark___replace_rows(relation, columns, where_sql, insert_sql) -%}
  {%- set cols = columns | join(', ') -%}
  {%- set staging = api.Relation.create(database=relation.database, schema=relation.schema,
                                        identifier=relation.identifier ~ '__mm_staging') -%}
  {%- do run_query('drop table if exists ' ~ staging) -%}
  {%- do run_query('create table ' ~ staging ~ ' as select ' ~ cols ~ ' from ' ~ relation ~ ' where not coalesce(' ~ where_sql ~ ', false)') -%}
  {%- do run_query('insert into ' ~ staging ~ ' (' ~ cols ~ ')\n' ~ insert_sql) -%}
  {%- do run_query('insert overwrite table ' ~ relation ~ ' select ' ~ cols ~ ' from ' ~ staging) -%}
  {%- do run_query('drop table if exists ' ~ staging) -%}
{%- endmacro %}
{% macro databricks___replace_rows(relation, columns, where_sql, insert_sql) -%}
  {{ return(ml_monitor.spark___replace_rows(relation, columns, where_sql, insert_sql)) }}
{%- endmacro %}
