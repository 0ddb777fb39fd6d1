{#- Frozen baselines: reference bin edges / categories and counts stored once, so that
    psi_drift / js_drift with `baseline: <name>` bin the current window against the same
    bins on every run and never rescan the reference.

    Freezing (and re-freezing) is an explicit action, never a side effect of `dbt build`:

      dbt run-operation ml_monitor.freeze_baseline --args '{name: churn_v1, model: predictions,
          reference: training_set, columns: [days_since_last_login, device], segment_by: [region]}'

    Rows live in the package model ml_monitor_baselines (created by the operation if it
    does not exist yet), keyed by (baseline_name, monitored_model, column_name, segment,
    bin). Freezing a name again for the same model replaces its rows. -#}

{% macro baseline_columns() -%}
  {{ return([
    ('baseline_name', 'string'), ('monitored_model', 'string'), ('source_relation', 'string'),
    ('column_name', 'string'), ('kind', 'string'), ('segment_column', 'string'), ('segment_value', 'string'),
    ('bin_index', 'bigint'), ('bin_label', 'string'), ('bin_upper', 'double'), ('category', 'string'),
    ('reference_count', 'bigint'), ('reference_rows', 'bigint'), ('created_at', 'timestamp')
  ]) }}
{%- endmacro %}

{% macro baselines_empty_select() -%}
  select
  {%- for name, kind in ml_monitor.baseline_columns() %}
    cast(null as {{ ml_monitor._type_of(kind) }}) as {{ name }}{% if not loop.last %},{% endif %}
  {%- endfor %}
  from (select 1 as one) as empty_baselines
  where 1 = 0
{%- endmacro %}

{#- The baselines relation, from the graph (whatever schema / alias the project configured). -#}
{% macro baselines_relation() -%}
  {%- for node in graph.nodes.values() -%}
    {%- if node.resource_type == 'model' and node.package_name == 'ml_monitor' and node.name == 'ml_monitor_baselines' -%}
      {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(none) }}
{%- endmacro %}

{% macro _baseline_where(name, model_key) -%}
  baseline_name = {{ ml_monitor.string_literal(name) }} and monitored_model = {{ ml_monitor.string_literal(model_key) }}
{%- endmacro %}

{#- The monitored model's key: its identifier (table name), lower case. Generic tests pass
    their model as text ("db"."schema"."name"): the last part is used. -#}
{% macro _model_key(relation) -%}
  {%- if relation is string -%}
    {%- set m = modules.re.search('([^."`\\[\\]]+)["`\\]]?\\s*$', relation) -%}
    {{ return((m.group(1) if m else relation) | lower) }}
  {%- endif -%}
  {{ return(relation.identifier | string | lower) }}
{%- endmacro %}

{#- Bins of every column from a frozen baseline (used by _drift_plan). -#}
{% macro _drift_baseline_plan(setup, cols) -%}
  {%- set test = setup.test -%}
  {%- set rel = ml_monitor.baselines_relation() -%}
  {%- if ml_monitor._drift_render_only() -%}
    {%- set planned = [] -%}
    {%- for c in cols -%}
      {%- set p = c.copy() -%}
      {%- if c.kind == 'numeric' -%}
        {%- do p.update({'bins': ml_monitor._quantile_bins([0.0]), 'unseen': false, 'reason': none}) -%}
      {%- else -%}
        {%- do p.update({'bins': ml_monitor._value_bins(['0'], false), 'unseen': true, 'reason': none}) -%}
      {%- endif -%}
      {%- do planned.append(p) -%}
    {%- endfor -%}
    {{ return(planned) }}
  {%- endif -%}
  {%- set key = ml_monitor._model_key(setup.relation) -%}
  {%- set how = "freeze it first: dbt run-operation ml_monitor.freeze_baseline --args '{name: " ~ setup.baseline ~ ", model: " ~ key ~ ", reference: <training table>, columns: [...]}'" -%}
  {%- if rel is none or adapter.get_relation(rel.database, rel.schema, rel.identifier) is none -%}
    {{ ml_monitor._arg_error(test, setup.relation, 'baseline', "names a frozen baseline, but the table ml_monitor_baselines does not exist; " ~ how, setup.baseline) }}
  {%- endif -%}
  {%- set sql -%}
    select lower(column_name) as column_name, kind, segment_column, bin_index, bin_label, bin_upper, category
    from {{ rel }}
    where {{ ml_monitor._baseline_where(setup.baseline, key) }} and kind <> 'positive_rate'
      and (segment_column is null or bin_index = -1)
    order by column_name, segment_column, bin_index
  {%- endset -%}
  {%- set by_column = {} -%}
  {%- set seg_columns = [] -%}
  {%- for r in ml_monitor._query_rows(sql) -%}
    {%- if r['segment_column'] is not none -%}
      {%- if (r['segment_column'] | lower) not in seg_columns -%}{%- do seg_columns.append(r['segment_column'] | lower) -%}{%- endif -%}
    {%- else -%}
      {%- if r['column_name'] not in by_column -%}{%- do by_column.update({r['column_name']: []}) -%}{%- endif -%}
      {%- do by_column[r['column_name']].append(r) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if by_column | length == 0 -%}
    {{ ml_monitor._arg_error(test, setup.relation, 'baseline', "is not a frozen baseline of model " ~ key ~ " in " ~ rel ~ "; " ~ how, setup.baseline) }}
  {%- endif -%}
  {%- for s in setup.scope.segments -%}
    {%- if (ml_monitor.unquoted(s.name) | lower) not in seg_columns -%}
      {{ ml_monitor._arg_error(test, setup.relation, 'segment_by', "must be among the segment columns frozen in baseline " ~ setup.baseline ~ " (" ~ (seg_columns | join(', ') or 'none') ~ ")", s.name) }}
    {%- endif -%}
  {%- endfor -%}
  {%- set planned = [] -%}
  {%- for c in cols -%}
    {%- set rows = by_column.get(c.name | lower) -%}
    {%- if rows is none -%}
      {{ ml_monitor._arg_error(test, setup.relation, setup.get('columns_arg', 'columns'), "must be frozen in baseline " ~ setup.baseline ~ " (it has: " ~ (by_column.keys() | list | join(', ')) ~ ")", c.name) }}
    {%- endif -%}
    {%- set kind = rows[0]['kind'] -%}
    {%- set bins = [] -%}
    {%- set ns = namespace(unseen=false) -%}
    {%- for r in rows -%}
      {%- set i = r['bin_index'] | int -%}
      {%- if i == 0 -%}{%- set ns.unseen = true -%}
      {%- elif i > 0 and kind == 'numeric' -%}
        {%- set upper = (r['bin_upper'] | float) if r['bin_upper'] is not none else none -%}
        {%- do bins.append({'index': i, 'label': r['bin_label'], 'upper': upper, 'category': none,
                            'cond': ('<= ' ~ ml_monitor.double_const(r['bin_upper'])) if upper is not none else none}) -%}
      {%- elif i > 0 -%}
        {%- do bins.append({'index': i, 'label': r['bin_label'], 'upper': none, 'category': r['category'],
                            'cond': '= ' ~ ml_monitor.string_literal(r['category'])}) -%}
      {%- endif -%}
    {%- endfor -%}
    {%- set p = c.copy() -%}
    {%- do p.update({'kind': kind, 'bins': bins, 'unseen': ns.unseen, 'reason': none}) -%}
    {%- do planned.append(p) -%}
  {%- endfor -%}
  {{ return(planned) }}
{%- endmacro %}

{#- reference_cells / reference_rows read from the baseline table. -#}
{% macro _baseline_reference_ctes(setup, cols) -%}
  {%- set rel = ml_monitor.baselines_relation() -%}
  {%- set key = ml_monitor._model_key(setup.relation) -%}
reference_cells as (
  select segment_column, segment_value,
    case {% for c in cols %}when lower(column_name) = {{ ml_monitor.string_literal(c.name | lower) }} then {{ c.idx }} {% endfor %}end as col_idx,
    bin_index,
    reference_count as n
  from {{ rel }}
  where {{ ml_monitor._baseline_where(setup.baseline, key) }} and kind <> 'positive_rate'
),
reference_rows as (
  select segment_column, segment_value, max(reference_rows) as n_rows
  from {{ rel }}
  where {{ ml_monitor._baseline_where(setup.baseline, key) }} and kind <> 'positive_rate'
  group by segment_column, segment_value
)
{%- endmacro %}

{#- prediction_drift with a baseline: reference_counts (rows, positives and predictions per
    segment) from the baseline's positive_rate rows, frozen with freeze_baseline's positive_rate
    argument: bin 1 counts the positives under the rule in its bin_label, bin 2 the predictions.
    The rule and its column must be the test's: checked when the test compiles. pr: _positive_rule. -#}
{% macro _baseline_rate_cte(setup, pr) -%}
  {%- set rel = ml_monitor.baselines_relation() -%}
  {%- set key = ml_monitor._model_key(setup.relation) -%}
  {%- set where = ml_monitor._baseline_where(setup.baseline, key) ~ " and kind = 'positive_rate'" -%}
  {%- if not ml_monitor._drift_render_only() -%}
    {%- set frozen = ml_monitor._query_rows('select distinct lower(column_name) as column_name, bin_label from ' ~ rel
                                             ~ ' where ' ~ where ~ ' and bin_index = 1 and segment_column is null') -%}
    {%- set freeze = "dbt run-operation ml_monitor.freeze_baseline --args '{name: " ~ setup.baseline ~ ", model: " ~ key
                     ~ ", columns: [<score>], positive_rate: {prediction_column: ..., positive_value: ...} or {score_column: ..., score_threshold: ...}}'" -%}
    {%- if frozen | length == 0 -%}
      {{ ml_monitor._arg_error(setup.test, setup.relation, 'baseline', "has no frozen positive rate (prediction_drift compares it): freeze it again with positive_rate: " ~ freeze, setup.baseline) }}
    {%- endif -%}
    {%- set want = (pr.rate_column | lower, pr.rule) -%}
    {%- set have = (frozen[0]['column_name'], frozen[0]['bin_label']) -%}
    {%- if want != have -%}
      {{ ml_monitor._arg_error(setup.test, setup.relation, 'baseline', "froze the positive rate as '" ~ have[1] ~ "' on column " ~ have[0]
                               ~ ", the test counts '" ~ want[1] ~ "' on column " ~ want[0] ~ ": give the same rule, or freeze again: " ~ freeze, setup.baseline) }}
    {%- endif -%}
  {%- endif -%}
reference_counts as (
  select segment_column, segment_value, max(reference_rows) as n_rows,
    sum(case when bin_index = 1 then reference_count else 0 end) as ml_n_pos,
    sum(case when bin_index = 2 then reference_count else 0 end) as ml_n_pred
  from {{ rel }}
  where {{ where }}
  group by segment_column, segment_value
)
{%- endmacro %}

{#- run-operation: compute and store a baseline (replacing one of the same name and model).
    name: baseline name; model: the monitored model (its tests say baseline: <name>);
    reference: model/seed/source ('src.table') to freeze (default: model itself);
    reference_where: filter on the reference; columns; segment_by; bins (quantile bins, default 10);
    kind (as in psi_drift); max_categories. -#}
{% macro freeze_baseline(name, model, columns, reference=none, reference_where=none, segment_by=none,
                         bins=10, kind=none, max_categories=200, positive_rate=none) -%}
  {%- set test = 'freeze_baseline' -%}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- if name is not string or name | trim == '' -%}
    {{ ml_monitor._arg_error(test, none, 'name', "is required: the baseline's name", name) }}
  {%- endif -%}
  {%- set rel = ml_monitor._node_relation(model, 'model') -%}
  {%- set ref_rel = ml_monitor._node_relation(reference, 'reference') if reference is not none else rel -%}
  {%- set setup = ml_monitor._drift_setup(test, rel, columns, reference=ref_rel, reference_where=reference_where, segment_by=segment_by) -%}
  {%- set args = ml_monitor._drift_binning_args(test, rel, 'quantile', bins, 0.0001, max_categories) -%}
  {%- set names = ml_monitor._monitored_columns(test, rel, none, columns) -%}
  {%- set cols = ml_monitor._drift_columns(test, ref_rel, names, kind) -%}
  {%- set plan = ml_monitor._drift_plan(setup, cols, args) -%}
  {%- for p in plan if p.reason is not none -%}
    {{ ml_monitor._arg_error(test, ref_rel, 'columns', "cannot be frozen: " ~ p.reason, p.name) }}
  {%- endfor -%}
  {%- set bin_rows = ml_monitor._bin_list_rows(plan, false) -%}
  {#- positive_rate: also the reference positive rate, as prediction_drift counts it -#}
  {%- set pr = none -%}
  {%- if positive_rate is not none -%}
    {%- if positive_rate is not mapping -%}
      {{ ml_monitor._arg_error(test, ref_rel, 'positive_rate', "must be a mapping: {prediction_column: ..., positive_value: ...} or {score_column: ..., score_threshold: ...}", positive_rate) }}
    {%- endif -%}
    {%- set known = ['prediction_column', 'positive_value', 'score_column', 'score_threshold'] -%}
    {%- for k in positive_rate if k not in known -%}
      {{ ml_monitor._arg_error(test, ref_rel, 'positive_rate', "has an unknown key " ~ k ~ " (known: " ~ known | join(', ') ~ ")", positive_rate) }}
    {%- endfor -%}
    {%- set score = none -%}
    {%- if positive_rate.get('score_column') is not none -%}
      {%- set score = ml_monitor._drift_columns(test, ref_rel, ml_monitor._check_names(test, ref_rel, 'score_column', positive_rate['score_column']), 'numeric', kind_arg='score_column')[0] -%}
    {%- endif -%}
    {%- set pr = ml_monitor._positive_rule(test, ref_rel, score, positive_rate.get('prediction_column'),
                                           positive_rate.get('positive_value', 1), positive_rate.get('score_threshold')) -%}
  {%- endif -%}
  {%- set target_rel = ml_monitor.baselines_relation() -%}
  {%- if target_rel is none -%}
    {{ exceptions.raise_compiler_error("ml_monitor.freeze_baseline: the package model ml_monitor_baselines is disabled") }}
  {%- endif -%}
  {%- if adapter.get_relation(target_rel.database, target_rel.schema, target_rel.identifier) is none -%}
    {%- do adapter.create_schema(target_rel) -%}
    {%- do run_query('create table ' ~ target_rel ~ ' as ' ~ ml_monitor.baselines_empty_select()) -%}
    {%- do adapter.cache_added(target_rel.incorporate(type='table')) -%}
  {%- endif -%}
  {%- set key = ml_monitor._model_key(rel) -%}
  {%- set n_ref = ml_monitor._query_rows('select count(*) as n from ' ~ ref_rel ~ ' where ' ~ setup.ref_filter)[0]['n'] | int -%}
  {%- if n_ref == 0 -%}
    {{ ml_monitor._arg_error(test, ref_rel, 'reference', "has no rows" ~ (" matching reference_where" if reference_where else "") ~ ": nothing to freeze (the existing baseline, if any, is kept)", reference) }}
  {%- endif -%}
  {%- set insert_sql -%}
with {{ ml_monitor._bin_list_cte(bin_rows) }},
drift_columns as (
  {%- for c in plan %}
  select {{ c.idx }} as col_idx, {{ ml_monitor.to_string(ml_monitor.string_literal(c.name)) }} as column_name,
    {{ ml_monitor.to_string(ml_monitor.string_literal(c.kind)) }} as kind
  {%- if not loop.last %} union all{% endif %}
  {%- endfor %}
),
{{ ml_monitor._drift_count_ctes('reference', ref_rel, setup.ref_filter, setup.scope, plan, bin_rows,
                                 pr.extra_columns if pr else [], pr.aggregates if pr else []) }}
select
  {{ ml_monitor.string_literal(name) }},
  {{ ml_monitor.string_literal(key) }},
  {{ ml_monitor.string_literal(ref_rel | string) }},
  dc.column_name,
  dc.kind,
  r.segment_column,
  r.segment_value,
  {{ ml_monitor.to_bigint('b.bin_index') }},
  b.bin_label,
  b.bin_upper,
  b.category,
  {{ ml_monitor.to_bigint('coalesce(c.n, 0)') }},
  {{ ml_monitor.to_bigint('r.n_rows') }},
  {{ ml_monitor.timestamp_literal(run_started_at.replace(tzinfo=none, microsecond=0)) }}
-- every bin of every segment, empty ones included: the stored bins are the test's bins
from reference_rows as r
cross join bin_list as b
join drift_columns as dc on dc.col_idx = b.col_idx
left join reference_cells as c
  on c.col_idx = b.col_idx and c.bin_index = b.bin_index
 and {{ ml_monitor.null_safe_equal('c.segment_column', 'r.segment_column') }} and {{ ml_monitor.null_safe_equal('c.segment_value', 'r.segment_value') }}
{%- if pr %}
-- the positive rate (kind positive_rate): bin 1 the positives under the rule (its label), bin 2 the predictions
union all
select
  {{ ml_monitor.string_literal(name) }},
  {{ ml_monitor.string_literal(key) }},
  {{ ml_monitor.string_literal(ref_rel | string) }},
  {{ ml_monitor.to_string(ml_monitor.string_literal(pr.rate_column)) }},
  {{ ml_monitor.to_string("'positive_rate'") }},
  r.segment_column,
  r.segment_value,
  {{ ml_monitor.to_bigint('k.bin_index') }},
  case when k.bin_index = 1 then {{ ml_monitor.to_string(ml_monitor.string_literal(pr.rule)) }} else {{ ml_monitor.to_string("'predictions'") }} end,
  {{ ml_monitor.null_double() }},
  {{ ml_monitor.null_string() }},
  {{ ml_monitor.to_bigint('coalesce(case when k.bin_index = 1 then r.ml_n_pos else r.ml_n_pred end, 0)') }},
  {{ ml_monitor.to_bigint('r.n_rows') }},
  {{ ml_monitor.timestamp_literal(run_started_at.replace(tzinfo=none, microsecond=0)) }}
from reference_counts as r
cross join (select 1 as bin_index union all select 2 as bin_index) as k
where r.segment_column is null or r.n_rows > 0
{%- endif %}
  {%- endset -%}
  {#- the name's old rows out, the new ones in (DELETE + INSERT, or a staging table on Spark) -#}
  {%- do ml_monitor._replace_rows(target_rel, ml_monitor.baseline_columns() | map(attribute=0) | list,
                                  ml_monitor._baseline_where(name, key), insert_sql) -%}
  {#- as an operation nothing else commits; inside a hook the materialization does -#}
  {%- if flags.WHICH == 'run-operation' and target.type in ['duckdb', 'postgres'] -%}{%- do adapter.commit() -%}{%- endif -%}
  {%- set n = ml_monitor._query_rows('select count(*) as n from ' ~ target_rel ~ ' where ' ~ ml_monitor._baseline_where(name, key))[0]['n'] -%}
  {{ log("ml_monitor: froze baseline '" ~ name ~ "' of " ~ key ~ " from " ~ ref_rel ~ ": " ~ (plan | length) ~ " column(s)"
         ~ ((", positive rate (" ~ pr.rule ~ ")") if pr else "") ~ ", " ~ n ~ " rows in " ~ target_rel, info=true) }}
{%- endmacro %}
