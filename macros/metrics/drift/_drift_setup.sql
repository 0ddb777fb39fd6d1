{#- Shared by the drift monitors (psi, js_distance, ks, prediction_drift) and by
    freeze_baseline: which rows are current, which are the reference, which
    columns and of what kind. Not public: call the metric macros. -#}

{#- Validated arguments -> dict(scope, ref_relation, ref_filter, ref_label, baseline, previous).
    reference: previous_window compares every window with the one before it: the scan covers
    one more window than is evaluated and there is no reference relation (previous = true).
    With windows: N and a fixed reference, reference_window ends where the oldest window starts. -#}
{% macro _drift_setup(test, relation, columns, reference=none, reference_where=none, reference_window=none,
                      baseline=none, where=none, segment_by=none, timestamp_column=none, window=none,
                      min_rows=none, allow_baseline=true, windows=none, fail_on=none, anomaly=none, allow_previous=false,
                      columns_arg='columns') -%}
  {%- set previous = reference is string and reference == 'previous_window' -%}
  {%- if previous and not allow_previous -%}
    {{ ml_monitor._arg_error(test, relation, 'reference', "previous_window is not supported by this monitor yet; give a relation, reference_where or reference_window", reference) }}
  {%- endif -%}
  {%- if previous and (window is none or timestamp_column is none) -%}
    {{ ml_monitor._arg_error(test, relation, 'reference', "previous_window needs timestamp_column and window (each window is compared with the one before it)", reference) }}
  {%- endif -%}
  {%- if previous and (reference_where is not none or reference_window is not none or baseline is not none) -%}
    {{ ml_monitor._arg_error(test, relation, 'reference', "previous_window replaces reference_where, reference_window and baseline: give only one kind of reference", reference) }}
  {%- endif -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, min_rows,
                                    windows=windows, fail_on=fail_on, anomaly=anomaly, extra_windows=1 if previous else 0,
                                    force_multi=previous) -%}
  {%- if previous -%}
    {{ return({'test': test, 'relation': relation, 'scope': scope, 'baseline': none, 'previous': true,
               'ref_relation': none, 'ref_filter': none, 'ref_window_start': none, 'ref_window_end': none}) }}
  {%- endif -%}
  {%- do ml_monitor._check_relation(test, relation, 'reference', reference) -%}
  {#- a reference relation is read with the same monitored and segment columns (and, with
      reference_window, the same timestamp column): missing there is a compile error, not an
      engine error at run time -#}
  {%- if reference is not none and segment_by is not none -%}
    {%- do ml_monitor._check_columns_exist(test, relation, 'segment_by', [segment_by] if segment_by is string else segment_by, reference, same_spelling=true) -%}
  {%- endif -%}
  {%- if reference is not none and reference_window is not none and timestamp_column is not none -%}
    {%- do ml_monitor._check_columns_exist(test, relation, 'timestamp_column', [timestamp_column], reference, same_spelling=true) -%}
  {%- endif -%}
  {%- if reference is not none and columns is not none -%}
    {%- set names = ml_monitor._check_names(test, relation, columns_arg, columns) -%}
    {%- do ml_monitor._check_columns_exist(test, relation, columns_arg, names, reference, same_spelling=true) -%}
  {%- endif -%}
  {%- if reference_where is not none and (reference_where is not string or reference_where | trim == '') -%}
    {{ ml_monitor._arg_error(test, relation, 'reference_where', "must be a SQL condition as a string", reference_where) }}
  {%- endif -%}
  {%- if baseline is not none -%}
    {%- if not allow_baseline -%}
      {{ ml_monitor._arg_error(test, relation, 'baseline', "is not supported by this monitor (it needs the reference rows themselves); give reference, reference_where or reference_window", baseline) }}
    {%- endif -%}
    {%- if baseline is not string or baseline | trim == '' -%}
      {{ ml_monitor._arg_error(test, relation, 'baseline', "must be the name of a frozen baseline (see ml_monitor.freeze_baseline)", baseline) }}
    {%- endif -%}
    {%- if reference is not none or reference_where is not none or reference_window is not none -%}
      {{ ml_monitor._arg_error(test, relation, 'baseline', "replaces reference, reference_where and reference_window: give either a baseline or a reference", baseline) }}
    {%- endif -%}
  {%- elif reference is none and reference_where is none and reference_window is none -%}
    {{ ml_monitor._arg_error(test, relation, 'reference', "is required: a relation such as ref('training_set'), or reference_where / reference_window on the same relation, or baseline: <name of a frozen baseline>", "nothing") }}
  {%- endif -%}

  {%- set conditions = [] -%}
  {%- if reference_where is not none -%}{%- do conditions.append('(' ~ reference_where ~ ')') -%}{%- endif -%}
  {%- set ns = namespace(start=none, end=none) -%}
  {%- if reference_window is not none -%}
    {%- if scope.window_start is none -%}
      {{ ml_monitor._arg_error(test, relation, 'reference_window', "needs window and timestamp_column: the reference window ends where the current window starts", reference_window) }}
    {%- endif -%}
    {%- set spec = ml_monitor._check_period(test, relation, 'reference_window', reference_window) -%}
    {%- set ns.end = scope.windows[0].start if scope.multi else scope.window_start -%}
    {%- set ns.start = ml_monitor._subtract_period(ns.end, spec.period, spec.count, test, relation, 'reference_window') -%}
    {#- the reference's own column type decides its conversion to UTC (a naive current table and
        a timestamptz reference: the current one's type filtered the reference in the session zone) -#}
    {%- set ref_ts = ml_monitor._timestamp_utc_sql(reference, timestamp_column) if reference is not none else scope.timestamp_sql -%}
    {%- do conditions.append(ref_ts ~ ' >= ' ~ ml_monitor.timestamp_literal(ns.start)) -%}
    {%- do conditions.append(ref_ts ~ ' < ' ~ ml_monitor.timestamp_literal(ns.end)) -%}
  {%- endif -%}
  {%- set ref_relation = reference if reference is not none else relation -%}
  {{ return({
      'test': test,
      'relation': relation,
      'scope': scope,
      'baseline': baseline,
      'ref_relation': ref_relation,
      'ref_filter': (conditions | join(' and ')) if conditions else '1 = 1',
      'ref_window_start': ns.start,
      'ref_window_end': ns.end,
      'reference': reference,
      'ref_where': reference_where,
      'previous': false,
  }) }}
{%- endmacro %}

{#- Why a (segment's) reference is empty, as an SQL literal. A reference relation filtered by
    reference_window says which period of which relation it read: a training table whose rows
    are older than that period is empty there, though it has rows. -#}
{% macro _drift_no_ref_text(setup) -%}
  {%- if setup.previous -%}{{ return(ml_monitor.string_literal('no rows in the previous window')) }}{%- endif -%}
  {%- set text = 'no reference rows' -%}
  {%- if setup.baseline is not none -%}
    {%- set text = text ~ ' (frozen baseline ' ~ setup.baseline ~ ')' -%}
  {%- elif setup.reference is not none and setup.ref_window_start is not none -%}
    {%- set text = text ~ ' in reference_window [' ~ setup.ref_window_start ~ ', ' ~ setup.ref_window_end ~ ') of ' ~ setup.reference -%}
  {%- endif -%}
  {{ return(ml_monitor.string_literal(text)) }}
{%- endmacro %}

{#- True for numeric SQL types on DuckDB / PostgreSQL / Spark / Snowflake / BigQuery. -#}
{% macro _is_numeric_type(dtype) -%}
  {%- set t = (dtype | string | lower | trim) -%}
  {{ return(modules.re.match('^(u?(tiny|small|big|huge)?int(eger)?[0-9]*|u?hugeint|long(integer)?|short|byte|float[0-9]*|double( precision)?|real|decimal|numeric|number|bignumeric)\\b', t) is not none) }}
{%- endmacro %}

{% macro _is_integer_type(dtype) -%}
  {%- set t = (dtype | string | lower | trim) -%}
  {{ return(modules.re.match('^(u?(tiny|small|big|huge)?int(eger)?[0-9]*|u?hugeint|long(integer)?|short|byte)\\b', t) is not none) }}
{%- endmacro %}

{#- The monitored columns with their kind: list of dicts
    {idx, name, sql, kind ('numeric'|'categorical'), by_value, is_integer, dtype}.
    `kind` is none (auto from the column type), a kind for every column, or a
    mapping column -> kind. Unknown columns are a compile error. `kind_arg`: the argument
    that forced kind numeric, named when the column is not numeric (default 'kind'). -#}
{% macro _drift_columns(test, relation, names, kind=none, allowed_kinds=['numeric', 'categorical'], reference=none, kind_arg='kind') -%}
  {%- set kinds = ['numeric', 'categorical'] -%}
  {%- if kind is not none and kind is not mapping -%}
    {%- do ml_monitor._check_choice(test, relation, 'kind', kind, kinds) -%}
  {%- endif -%}
  {%- set found = {} -%}
  {#- by lower-case name, and by exact name (the one of two columns differing only in case) -#}
  {%- for c in ml_monitor._relation_columns(relation) -%}
    {%- if (c.name | lower) not in found -%}{%- do found.update({(c.name | lower): c}) -%}{%- endif -%}
    {%- do found.update({c.name: c}) -%}
  {%- endfor -%}
  {#- the reference relation's column types, when it is another relation -#}
  {%- set ref_found = {} -%}
  {%- if reference is not none and (reference | string) != (relation | string) -%}
    {%- for c in ml_monitor._relation_columns(reference) -%}{%- do ref_found.update({(c.name | lower): c}) -%}{%- endfor -%}
  {%- endif -%}
  {#- kind as a mapping: its keys must be monitored columns (matched without regard to case, as
      columns are); a key naming no monitored column would be ignored silently -#}
  {%- set kind_by_name = {} -%}
  {%- if kind is mapping -%}
    {%- set monitored = [] -%}
    {%- for n in names -%}{%- do monitored.append(ml_monitor.unquoted(n)) -%}{%- endfor -%}
    {%- for key, value in kind.items() -%}
      {%- if (ml_monitor.unquoted(key) | lower) not in (monitored | map('lower') | list) -%}
        {{ ml_monitor._arg_error(test, relation, 'kind', "is a mapping column -> kind, but '" ~ key ~ "' is not one of the monitored columns ("
            ~ (monitored | join(', ')) ~ ")", kind) }}
      {%- endif -%}
      {%- do kind_by_name.update({ml_monitor.unquoted(key) | lower: value}) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set out = [] -%}
  {%- for n in names -%}
    {%- set name = ml_monitor.unquoted(n) -%}
    {%- set col = found.get(name) or found.get(name | lower) -%}
    {%- if col is none -%}
      {{ ml_monitor._arg_error(test, relation, 'columns', "must name columns of the relation (it has: " ~ (found.keys() | map('lower') | unique | sort | join(', ')) ~ ")", name) }}
    {%- endif -%}
    {%- set is_num = ml_monitor._is_numeric_type(col.dtype) -%}
    {%- set k = none -%}
    {%- if kind is mapping -%}
      {%- set k = kind_by_name.get(name | lower) -%}
      {%- if k is not none -%}{%- do ml_monitor._check_choice(test, relation, 'kind.' ~ name, k, kinds) -%}{%- endif -%}
    {%- else -%}
      {%- set k = kind -%}
    {%- endif -%}
    {%- if k is none -%}{%- set k = 'numeric' if is_num else 'categorical' -%}{%- endif -%}
    {%- if k == 'numeric' and not is_num and kind_arg != 'kind' -%}
      {#- a column that must be numeric (prediction_drift's score): the argument that named it -#}
      {{ ml_monitor._arg_error(test, relation, kind_arg, "must name a numeric column; '" ~ name ~ "' is " ~ col.dtype, name) }}
    {%- elif k == 'numeric' and not is_num -%}
      {{ ml_monitor._arg_error(test, relation, 'kind', "numeric needs a numeric column; '" ~ name ~ "' is " ~ col.dtype ~ " (monitor it as categorical)", k) }}
    {%- endif -%}
    {%- if k not in allowed_kinds -%}
      {{ ml_monitor._arg_error(test, relation, 'columns', "must be " ~ (allowed_kinds | join(' or ')) ~ " columns for this monitor; '" ~ name ~ "' is " ~ k ~ " (" ~ col.dtype ~ ")", name) }}
    {%- endif -%}
    {#- numeric categories compare by value: when either side is a non-integer number (1.0 vs 1),
        both sides read the column as a double, so their text forms agree -#}
    {%- set ref_col = ref_found.get(name | lower) -%}
    {%- if k == 'categorical' and ref_col is not none -%}
      {%- do ml_monitor._check_category_types(test, relation, 'columns', name, col.dtype, ref_col.dtype) -%}
    {%- endif -%}
    {%- set ref_fractional = ref_col is not none and ml_monitor._is_numeric_type(ref_col.dtype) and not ml_monitor._is_integer_type(ref_col.dtype) -%}
    {%- set ref_numeric = ref_col is none or ml_monitor._is_numeric_type(ref_col.dtype) -%}
    {%- set by_value = k == 'categorical' and is_num and ref_numeric
                       and (not ml_monitor._is_integer_type(col.dtype) or ref_fractional) -%}
    {%- do out.append({'idx': loop.index, 'name': name, 'sql': ml_monitor.quote_column(name), 'kind': k, 'by_value': by_value,
                       'is_integer': ml_monitor._is_integer_type(col.dtype), 'dtype': col.dtype | string}) -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- A categorical column's value as text: through a double when its categories compare by value. -#}
{% macro _drift_cat_text(c, prefix='') -%}
  {{ return(ml_monitor.to_string(ml_monitor.to_double_unsigned_zero(prefix ~ c.sql) if c.by_value else prefix ~ c.sql)) }}
{%- endmacro %}

{#- A finite double or null: nulls, NaN and +/-inf become null; -0.0 becomes 0.0. -#}
{% macro _finite_or_null(sql) -%}
  case when not {{ ml_monitor.is_non_finite(sql) }} then {{ ml_monitor.to_double_unsigned_zero(sql) }} end
{%- endmacro %}

{#- The relation behind a model / seed / snapshot name, or 'source_name.table_name'. -#}
{% macro _node_relation(name, what='model') -%}
  {%- if name is not string -%}{{ return(name) }}{%- endif -%}
  {%- set parts = name.split('.') -%}
  {%- for node in graph.nodes.values() -%}
    {%- if node.resource_type in ['model', 'seed', 'snapshot'] and node.name == name -%}
      {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endif -%}
  {%- endfor -%}
  {%- if parts | length == 2 -%}
    {%- for node in graph.sources.values() -%}
      {%- if node.source_name == parts[0] and node.name == parts[1] -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.identifier)) }}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {{ exceptions.raise_compiler_error("ml_monitor.freeze_baseline: argument '" ~ what ~ "' must name a model, seed, snapshot or source ('source_name.table') of the project (got " ~ name ~ ")") }}
{%- endmacro %}

{#- Columns (name, dtype) of a relation; generic tests pass their model as rendered text. -#}
{% macro _relation_columns(relation) -%}
  {%- if relation is string -%}
    {%- set rel = ml_monitor._plain_relation(relation) -%}
    {%- if rel is not none -%}{{ return(adapter.get_columns_in_relation(rel)) }}{%- endif -%}
    {{ return(get_column_schema_from_query('select * from ' ~ relation)) }}
  {%- endif -%}
  {{ return(adapter.get_columns_in_relation(relation)) }}
{%- endmacro %}

{#- A relation rendered as text ("db"."schema"."t", schema.t) as a Relation; none for anything
    else (a subquery). -#}
{% macro _plain_relation(relation) -%}
  {%- set parts = [] -%}
  {%- for m in modules.re.findall('"([^"]+)"|`([^`]+)`|([A-Za-z0-9_$]+)', relation) -%}
    {%- do parts.append(m[0] or m[1] or m[2]) -%}
  {%- endfor -%}
  {%- set plain = modules.re.match('^\\s*("[^"]+"|`[^`]+`|[A-Za-z0-9_$]+)(\\s*\\.\\s*("[^"]+"|`[^`]+`|[A-Za-z0-9_$]+)){0,2}\\s*$', relation) -%}
  {%- if plain and parts | length >= 2 -%}
    {{ return(api.Relation.create(database=(parts[-3] if parts | length == 3 else none), schema=parts[-2], identifier=parts[-1])) }}
  {%- endif -%}
  {{ return(none) }}
{%- endmacro %}

{#- Generic tests get their model wrapped by dbt when a `where` is given (dbt treats `where`
    as the test's config): "(select * from <relation> where <where>) dbt_subquery". Drift
    tests need the unfiltered relation too (the reference may be the same relation), so the
    wrapper is undone: returns {relation, where} with where = dbt's where and the test's own
    where (both apply to the current rows only). -#}
{% macro _drift_test_model(model, where=none) -%}
  {%- set cfg_where = config.get('where') if config is defined else none -%}
  {%- set parts = [] -%}
  {%- set ns = namespace(relation=model) -%}
  {%- if model is string and cfg_where -%}
    {%- set m = modules.re.match('^\\s*\\(\\s*select \\* from (.+?) where .*\\)\\s*dbt_subquery\\s*$', model, modules.re.S) -%}
    {%- if m -%}
      {%- set ns.relation = m.group(1) -%}
      {%- do parts.append('(' ~ cfg_where ~ ')') -%}
    {%- endif -%}
  {%- endif -%}
  {%- if where is not none and where is string and where | trim != '' -%}{%- do parts.append('(' ~ where ~ ')') -%}{%- endif -%}
  {{ return({'relation': ns.relation, 'where': (parts | join(' and ')) if parts else where}) }}
{%- endmacro %}
