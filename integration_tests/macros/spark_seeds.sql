{#- Seeds on dbt-spark (session method), for this test project only.

    dbt-spark inserts seed rows as one big VALUES list, substituted with a bare `%` format:
    empty cells arrive as the string 'None', quotes are not escaped, and Spark's analyzer
    takes minutes over a few thousand literal rows. Spark reads CSV natively, so the rows are
    loaded from the seed file through a temporary view instead, with the seed's column types.
    (Root-project macros take precedence in dbt's dispatch.) -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set path = model.root_path ~ '/' ~ model.original_file_path -%}
  {%- set view = 'ml_monitor_seed_' ~ model.name -%}
  {%- call statement('_') -%}
    create or replace temporary view {{ view }}
    using csv
    options (path {{ ml_monitor.string_literal(path) }}, header 'true', escape '"', multiLine 'true',
             encoding 'UTF-8', inferSchema 'false', mode 'FAILFAST')
  {%- endcall -%}
  {%- set sql -%}
    insert into {{ this.render() }}
    select
    {%- for col_name in agate_table.column_names %}
      {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) %}
      cast({{ adapter.quote(col_name) }} as {{ type }}){% if not loop.last %},{% endif %}
    {%- endfor %}
    from {{ view }}
  {%- endset -%}
  {%- call statement('_') -%}{{ sql }}{%- endcall -%}
  {{ return(sql) }}
{% endmacro %}
