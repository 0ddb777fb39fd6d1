{#- Lineage of every recorded number: what the hook adds under the key "lineage" of the `facts`
    JSON of each history row (docs/production-failures.md#lineage). Per test evaluation:
      relation        the monitored relation (the dbt node the test is attached to)
      references      the other relations the test reads (reference, offline, labels,
                      feature_history, ...), by relation name
      baseline        the frozen baseline the test compares with (its `baseline` argument), or null
      package_version this package's version (ml_monitor.package_version(), = dbt_project.yml)
      config_hash     md5 of the test's arguments (sorted JSON)
      sql_hash        md5 of the test's compiled SQL
      model_version_column  the column naming the model version: the test's
                      meta.model_version_column, else var ml_monitor_model_version_column
    and per row model_version: the version a row describes when it is a segment of that column
    (segment_value), else model_versions: the versions of that test evaluation's segments of it
    (the overall row describes all of them), or, not segmented by it, the versions it read. -#}

{#- This package's version; cli/tests/test_lineage.py checks it against dbt_project.yml. -#}
{% macro package_version() %}{{ return('0.1.0') }}{% endmacro %}

{#- The lineage values of one test result (a dict of compile-time values). -#}
{% macro _lineage_of(result) -%}
  {%- set node = result.node -%}
  {%- set kwargs = node.test_metadata.kwargs if node.test_metadata is defined and node.test_metadata is not none else {} -%}
  {%- set meta = node.config.meta if node.config.meta is defined and node.config.meta is not none else {} -%}
  {%- set attached = node.attached_node or (node.depends_on.nodes[0] if node.depends_on.nodes else none) -%}
  {%- set ns = namespace(relation=none) -%}
  {%- set references = [] -%}
  {%- for dep in node.depends_on.nodes -%}
    {%- set dep_node = graph.nodes.get(dep) or graph.sources.get(dep) -%}
    {%- set name = ml_monitor._plain_name(dep_node.relation_name if dep_node is not none and dep_node.relation_name else dep) -%}
    {%- if dep == attached -%}{%- set ns.relation = name -%}
    {%- elif name not in references -%}{%- do references.append(name) -%}{%- endif -%}
  {%- endfor -%}
  {%- set baseline = kwargs.get('baseline') -%}
  {{ return({
      'relation': ns.relation,
      'references': references,
      'baseline': none if baseline is none else ml_monitor._plain_name(baseline),
      'package_version': ml_monitor.package_version(),
      'config_hash': local_md5(tojson(kwargs, sort_keys=true)),
      'sql_hash': local_md5(node.compiled_code or ''),
      'model_version_column': meta.get('model_version_column') or var('ml_monitor_model_version_column', none),
  }) }}
{%- endmacro %}

{#- SQL: the stored row's facts (alias `stored`) with "lineage" added: the test's lineage and the
    row's model version. `versions`: the model versions among the evaluation's segments. -#}
{% macro _facts_with_lineage_sql(lineage, versions) -%}
  {%- set static = tojson(lineage, sort_keys=true) -%}
  {%- set col = lineage.model_version_column -%}
  {%- if col -%}
    {%- set head = static[:-1] ~ ', "model_version": ' -%}
    {%- set per_row -%}
      {{ ml_monitor.string_literal(head) }} || case when stored.segment_column = {{ ml_monitor.string_literal(col) }}
        then {{ ml_monitor.json_string('stored.segment_value') }} || ', "model_versions": null}'
        else {{ ml_monitor.string_literal('null, "model_versions": ' ~ tojson(versions) ~ '}') }} end
    {%- endset -%}
  {%- else -%}
    {%- set per_row = ml_monitor.string_literal(static) -%}
  {%- endif -%}
  case when stored.facts is null or trim(stored.facts) in ('', '{}')
       then '{"lineage": ' || {{ per_row }} || '}'
       else substring(stored.facts, 1, length(stored.facts) - 1) || ', "lineage": ' || {{ per_row }} || '}'
  end
{%- endmacro %}

{#- The model versions of a test evaluation (one query; [] without the column): those among its
    stored segment rows of the version column; a test not segmented by it: the distinct versions
    the test read, from the monitored relation (_model_versions_read). -#}
{% macro _model_versions(relation_name, col, result=none) -%}
  {%- if not col -%}{{ return([]) }}{%- endif -%}
  {%- set rows = run_query('select distinct segment_value from ' ~ relation_name ~ ' where segment_column = '
                           ~ ml_monitor.string_literal(col) ~ ' and segment_value is not null order by segment_value') -%}
  {%- set out = [] -%}
  {%- for r in rows -%}{%- do out.append(r[0] | string) -%}{%- endfor -%}
  {%- if not out and result is not none -%}
    {{ return(ml_monitor._model_versions_read(result, relation_name, col)) }}
  {%- endif -%}
  {{ return(out) }}
{%- endmacro %}

{#- The distinct values of the version column `col` among the rows a test evaluation read: the
    monitored relation under the test's `where` (and dbt's `where` config), between the earliest
    window_start and the latest window_end of its stored rows on its timestamp_column (UTC, as
    the monitors compare them). One query of two columns at the end of the run, only for tests
    with model_version_column that are not segmented by it; at most 100 versions, sorted. [] when
    the relation or the column is not there. -#}
{% macro _model_versions_read(result, stored_relation_name, col) -%}
  {%- set node = result.node -%}
  {%- set kwargs = node.test_metadata.kwargs if node.test_metadata is defined and node.test_metadata is not none else {} -%}
  {%- set attached = node.attached_node or (node.depends_on.nodes[0] if node.depends_on.nodes else none) -%}
  {%- set target_node = (graph.nodes.get(attached) or graph.sources.get(attached)) if attached else none -%}
  {%- if target_node is none -%}{{ return([]) }}{%- endif -%}
  {%- set relation = adapter.get_relation(database=target_node.database, schema=target_node.schema,
                                          identifier=(target_node.identifier if target_node.resource_type == 'source' else (target_node.alias or target_node.name))) -%}
  {%- if relation is none or ml_monitor._column_info(relation, col) is none -%}{{ return([]) }}{%- endif -%}
  {%- set col = ml_monitor._column_info(relation, col).name -%}
  {%- set conds = [ml_monitor.quote_column(col) ~ ' is not null'] -%}
  {%- for w in [kwargs.get('where'), (node.config.where if node.config.where is defined else none)] -%}
    {%- if w is string and w | trim != '' -%}{%- do conds.append('(' ~ w ~ ')') -%}{%- endif -%}
  {%- endfor -%}
  {%- set ts = kwargs.get('timestamp_column') -%}
  {%- if ts is string and ml_monitor._column_info(relation, ts) is not none -%}
    {%- set bounds = run_query('select min(window_start), max(window_end) from ' ~ stored_relation_name) -%}
    {%- if bounds.rows | length > 0 and bounds.rows[0][0] is not none and bounds.rows[0][1] is not none -%}
      {%- set ts_sql = ml_monitor._timestamp_utc_sql(relation, ts) -%}
      {%- do conds.append(ts_sql ~ ' >= ' ~ ml_monitor.timestamp_literal(ml_monitor._as_datetime(bounds.rows[0][0]))) -%}
      {%- do conds.append(ts_sql ~ ' < ' ~ ml_monitor.timestamp_literal(ml_monitor._as_datetime(bounds.rows[0][1]))) -%}
    {%- endif -%}
  {%- endif -%}
  {%- set rows = run_query('select distinct ' ~ ml_monitor.to_string(ml_monitor.quote_column(col)) ~ ' as v from ' ~ relation
                           ~ ' where ' ~ (conds | join(' and ')) ~ ' order by v') -%}
  {%- set out = [] -%}
  {%- for r in rows.rows[:100] -%}{%- do out.append(r[0] | string) -%}{%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- A relation name without identifier quotes ("db"."schema"."t" -> db.schema.t): JSON without
    backslashes (engines disagree on them in string literals). -#}
{% macro _plain_name(name) -%}
  {{ return((name | string).replace('"', '').replace('`', '')) }}
{%- endmacro %}
