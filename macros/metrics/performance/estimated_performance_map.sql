{#- CBPE, part 3: frozen calibration maps. What estimated_performance learns from the
    reference (the calibration decision, the isotonic thresholds, the realized metrics and the
    sampling-error components) is stored once by an explicit operation

      dbt run-operation ml_monitor.freeze_calibration --args '{name: loans_v1, model: predictions,
          reference: validation_set, label_column: repaid, score_column: y_pred_proba,
          prediction_column: y_pred}'

    into the package model ml_monitor_calibration_maps, keyed by (map_name, monitored_model).
    Tests with `calibration_map: loans_v1` read those rows (a few hundred at most) instead of
    the reference, so runs never refit. Freezing a name again for the same model replaces it. -#}

{% macro _calibration_map_columns() -%}
  {{ return([
    ('map_name', 'string'), ('monitored_model', 'string'), ('source_relation', 'string'),
    ('kind', 'string'), ('name', 'string'), ('idx', 'bigint'), ('x', 'double'), ('y', 'double'),
    ('note', 'string'), ('created_at', 'timestamp')
  ]) }}
{%- endmacro %}

{% macro _calibration_maps_empty_select() -%}
  select
  {%- for name, kind in ml_monitor._calibration_map_columns() %}
    cast(null as {{ ml_monitor._type_of(kind) }}) as {{ name }}{% if not loop.last %},{% endif %}
  {%- endfor %}
  from (select 1 as one) as empty_maps
  where 1 = 0
{%- endmacro %}

{% macro _calibration_maps_relation() -%}
  {%- for node in graph.nodes.values() -%}
    {%- if node.resource_type == 'model' and node.package_name == 'ml_monitor' and node.name == 'ml_monitor_calibration_maps' -%}
      {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(none) }}
{%- endmacro %}

{#- The plan as rows (kind, name, idx, x, y, note). -#}
{% macro _cbpe_plan_rows(plan) -%}
  {%- set rows = [('fact', 'calibrated', none, 1.0 if plan.calibrated else 0.0, none, plan.calibration)] -%}
  {%- for k in ['ece_before', 'ece_after', 'n_ref', 'n_pos', 'n_neg', 'n_excluded'] -%}
    {%- do rows.append(('fact', k, none, plan[k], none, none)) -%}
  {%- endfor -%}
  {%- for p in plan.points -%}{%- do rows.append(('point', none, loop.index0, p[0], p[1], none)) -%}{%- endfor -%}
  {%- for m, v in plan.realized.items() -%}{%- do rows.append(('realized', m, none, v, none, none)) -%}{%- endfor -%}
  {%- for m, v in plan.se.items() -%}{%- do rows.append(('sampling_error', m, none, v[0], v[1], none)) -%}{%- endfor -%}
  {{ return(rows) }}
{%- endmacro %}

{#- The plan read back from a frozen map of this model. -#}
{% macro _cbpe_plan_from_map(test, relation, name) -%}
  {%- set key = ml_monitor._model_key(relation) -%}
  {%- set how = "freeze it first: dbt run-operation ml_monitor.freeze_calibration --args '{name: " ~ name ~ ", model: " ~ key ~ ", reference: <labelled table>, label_column: ..., score_column: ...}'" -%}
  {%- if ml_monitor._drift_render_only() -%}
    {{ return(ml_monitor._cbpe_plan_from_reference({'calibration': 'auto'})) }}
  {%- endif -%}
  {%- set rel = ml_monitor._calibration_maps_relation() -%}
  {%- if rel is none or adapter.get_relation(rel.database, rel.schema, rel.identifier) is none -%}
    {{ ml_monitor._arg_error(test, relation, 'calibration_map', "names a frozen calibration map, but the table ml_monitor_calibration_maps does not exist; " ~ how, name) }}
  {%- endif -%}
  {%- set sql -%}
    select kind, name, idx, x, y, note from {{ rel }}
    where map_name = {{ ml_monitor.string_literal(name) }} and monitored_model = {{ ml_monitor.string_literal(key) }}
    order by kind, idx
  {%- endset -%}
  {%- set plan = {'reason': none, 'calibrated': false, 'points': [], 'realized': {}, 'se': {}, 'calibration': 'auto',
                  'ece_before': none, 'ece_after': none, 'n_ref': none, 'n_pos': none, 'n_neg': none, 'n_excluded': none} -%}
  {%- set rows = ml_monitor._query_rows(sql) -%}
  {%- if rows | length == 0 -%}
    {{ ml_monitor._arg_error(test, relation, 'calibration_map', "is not a frozen calibration map of model " ~ key ~ " in " ~ rel ~ "; " ~ how, name) }}
  {%- endif -%}
  {%- for r in rows -%}
    {%- set x = (r['x'] | float) if r['x'] is not none else none -%}
    {%- if r['kind'] == 'fact' and r['name'] == 'calibrated' -%}
      {%- do plan.update({'calibrated': x == 1.0, 'calibration': r['note']}) -%}
    {%- elif r['kind'] == 'fact' -%}
      {%- do plan.update({r['name']: x}) -%}
    {%- elif r['kind'] == 'point' -%}
      {%- do plan.points.append((x, r['y'] | float)) -%}
    {%- elif r['kind'] == 'realized' -%}
      {%- do plan.realized.update({r['name']: x}) -%}
    {%- elif r['kind'] == 'sampling_error' -%}
      {%- do plan.se.update({r['name']: [x, r['y'] | float]}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(plan) }}
{%- endmacro %}

{#- run-operation: fit on the reference and store the map (replacing one of the same name and
    model). Arguments as estimated_performance's: name, model, reference, label_column,
    score_column, prediction_column, positive_label, reference_where, calibration. -#}
{% macro freeze_calibration(name, model, reference, label_column, score_column, prediction_column=none,
                            positive_label=1, reference_where=none, calibration='auto') -%}
  {%- set test = 'freeze_calibration' -%}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- if name is not string or name | trim == '' -%}
    {{ ml_monitor._arg_error(test, none, 'name', "is required: the calibration map's name", name) }}
  {%- endif -%}
  {%- set rel = ml_monitor._node_relation(model, 'model') -%}
  {%- set ref_rel = ml_monitor._node_relation(reference, 'reference') -%}
  {%- do ml_monitor._check_choice(test, rel, 'calibration', calibration, ['auto', 'isotonic', 'none']) -%}
  {%- do ml_monitor._cbpe_check_reference(test, rel, ref_rel, label_column, score_column, prediction_column, positive_label) -%}
  {%- set q = ml_monitor.quote_column -%}
  {%- set plan = ml_monitor._cbpe_plan_from_reference({
      'test': test, 'relation': rel, 'reference': ref_rel, 'calibration': calibration,
      'reference_filter': ('(' ~ reference_where ~ ')') if reference_where else '1 = 1',
      'score_sql': q(score_column), 'label_sql': q(label_column),
      'pred_sql': q(prediction_column) if prediction_column is not none else none,
      'pos': ml_monitor._perf_literal(positive_label)}) -%}
  {%- if plan.reason is not none -%}
    {{ ml_monitor._arg_error(test, ref_rel, 'reference', "cannot be frozen: " ~ plan.reason, reference) }}
  {%- endif -%}
  {%- set target_rel = ml_monitor._calibration_maps_relation() -%}
  {%- if target_rel is none -%}
    {{ exceptions.raise_compiler_error("ml_monitor.freeze_calibration: the package model ml_monitor_calibration_maps is disabled") }}
  {%- endif -%}
  {%- if adapter.get_relation(target_rel.database, target_rel.schema, target_rel.identifier) is none -%}
    {%- do adapter.create_schema(target_rel) -%}
    {%- do run_query('create table ' ~ target_rel ~ ' as ' ~ ml_monitor._calibration_maps_empty_select()) -%}
    {%- do adapter.cache_added(target_rel.incorporate(type='table')) -%}
  {%- endif -%}
  {%- set key = ml_monitor._model_key(rel) -%}
  {%- set lit = ml_monitor.string_literal -%}
  {%- set now = ml_monitor.timestamp_literal(run_started_at.replace(tzinfo=none, microsecond=0)) -%}
  {%- set values = [] -%}
  {%- for kind, n, idx, x, y, note in ml_monitor._cbpe_plan_rows(plan) -%}
    {%- do values.append('(' ~ ([lit(name), lit(key), lit(ref_rel | string), lit(kind),
        ml_monitor.to_string(lit(n) if n is not none else 'null'),
        ml_monitor.to_bigint(idx if idx is not none else 'null'),
        ml_monitor.double_const(x) if x is not none else ml_monitor.to_double('null'),
        ml_monitor.double_const(y) if y is not none else ml_monitor.to_double('null'),
        ml_monitor.to_string(lit(note) if note is not none else 'null'), now] | join(', ')) ~ ')') -%}
  {%- endfor -%}
  {#- the name's old rows out, the new ones in (DELETE + INSERT, or a staging table on Spark) -#}
  {%- do ml_monitor._replace_rows(target_rel, ml_monitor._calibration_map_columns() | map(attribute=0) | list,
                                  'map_name = ' ~ lit(name) ~ ' and monitored_model = ' ~ lit(key),
                                  'values ' ~ (values | join(', '))) -%}
  {%- if flags.WHICH == 'run-operation' and target.type in ['duckdb', 'postgres'] -%}{%- do adapter.commit() -%}{%- endif -%}
  {{ log("ml_monitor: froze calibration map '" ~ name ~ "' of " ~ key ~ " from " ~ ref_rel ~ ": "
         ~ ('isotonic, ' ~ (plan.points | length) ~ ' thresholds' if plan.calibrated else 'no calibration') ~ ", " ~ (values | length) ~ " rows in " ~ target_rel, info=true) }}
{%- endmacro %}
