{#- Point-in-time correctness of a training set (or any feature / label table): were the
    values known at the time the prediction was made?
    - leakage_rate, per feature_time_column: share of rows whose feature value became known
      after the cutoff (feature_time > cutoff): features from the future;
    - target_leakage_rate, on label_time_column: share of rows whose label is timestamped
      before the prediction (label_time < cutoff): the outcome was known when predicting;
    - as_of_mismatch_rate, per history_feature (with feature_history): share of rows whose value
      differs from the value the feature history held at the cutoff (the version with
      valid_from <= cutoff < valid_to, valid_to NULL = still valid), NULL-safe. Rows with no
      version valid at the cutoff, or several, are not compared (the detail counts them).
    Rows where either time is NULL are not counted (the detail says how many).

    {{ ml_monitor.point_in_time(ref('training_set'), cutoff_column='prediction_ts',
                                feature_time_columns=['income_updated_at'], label_time_column='label_ts',
                                feature_history=ref('income_history'), entity_key='customer_id',
                                valid_from='valid_from', valid_to='valid_to', history_features=['income']) }}
-#}
{% macro point_in_time(relation, cutoff_column, feature_time_columns=none, label_time_column=none,
                       max_leakage_rate=none, max_target_leakage_rate=none, feature_history=none,
                       entity_key=none, valid_from=none, valid_to=none, history_features=none,
                       max_as_of_mismatch_rate=none, where=none, segment_by=none,
                       timestamp_column=none, window=none, min_rows=none, windows=none, fail_on=none,
                       test='point_in_time') -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, min_rows,
                                    windows=windows, fail_on=fail_on) -%}
  {%- set cutoff = ml_monitor._check_names(test, relation, 'cutoff_column', cutoff_column, required=true) -%}
  {%- if cutoff | length > 1 -%}{%- do ml_monitor._arg_error(test, relation, 'cutoff_column', 'must be one column name', cutoff_column) -%}{%- endif -%}
  {%- set feature_times = ml_monitor._check_names(test, relation, 'feature_time_columns', feature_time_columns) -%}
  {%- set label_time = ml_monitor._check_names(test, relation, 'label_time_column', label_time_column) -%}
  {%- if label_time | length > 1 -%}{%- do ml_monitor._arg_error(test, relation, 'label_time_column', 'must be one column name', label_time_column) -%}{%- endif -%}
  {%- if not feature_times and not label_time and feature_history is none -%}
    {%- do ml_monitor._arg_error(test, relation, 'feature_time_columns', "or 'label_time_column' or 'feature_history' is required", 'neither') -%}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'max_leakage_rate', max_leakage_rate, min=0, max=1) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_target_leakage_rate', max_target_leakage_rate, min=0, max=1) -%}
  {%- set history = ml_monitor._pit_history_args(test, relation, feature_history, entity_key, valid_from, valid_to,
                                                 history_features, max_as_of_mismatch_rate) -%}
  {%- if not execute -%}{{ return('select 1 as ml_monitor_parse_only') }}{%- endif -%}
  {%- set found = ml_monitor._pit_columns(relation) -%}
  {%- for arg, names in [('cutoff_column', cutoff), ('feature_time_columns', feature_times), ('label_time_column', label_time)]
                        + ([('entity_key', history.keys_names), ('history_features', history.feature_names)] if history else []) -%}
    {%- for n in names -%}
      {%- if (ml_monitor.unquoted(n) | lower) not in found -%}
        {%- do ml_monitor._arg_error(test, relation, arg, "must name columns of the relation (it has: " ~ (found.keys() | list | sort | join(', ')) ~ ")", ml_monitor.unquoted(n)) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {#- the times compared with the cutoff must be of its kind (timestamps / dates, numbers such as
      epoch seconds or sequence numbers, or text): a mix is a compile error naming the argument -#}
  {%- for arg, names in [('feature_time_columns', feature_times), ('label_time_column', label_time)] -%}
    {%- for n in names -%}{%- do ml_monitor._pit_check_time_kind(test, relation, arg, n, relation, cutoff[0]) -%}{%- endfor -%}
  {%- endfor -%}
  {%- set cut = ml_monitor.quote_column(cutoff[0]) -%}
  {#- times are compared as UTC instants (the time-zone rule): a timestamptz cutoff against a naive
      feature time was compared in the session's zone -#}
  {%- set cut_utc = ml_monitor._timestamp_utc_sql(relation, cutoff[0]) -%}
  {%- set checks = [] -%}
  {%- for n in feature_times -%}
    {%- do checks.append({'idx': loop.index, 'name': ml_monitor.unquoted(n), 'sql': ml_monitor.quote_column(n), 'metric': 'leakage_rate',
                          'utc': ml_monitor._timestamp_utc_sql(relation, n),
                          'op': '>', 'bound': max_leakage_rate, 'what': 'known after the cutoff'}) -%}
  {%- endfor -%}
  {%- for n in label_time -%}
    {%- do checks.append({'idx': feature_times | length + 1, 'name': ml_monitor.unquoted(n), 'sql': ml_monitor.quote_column(n), 'metric': 'target_leakage_rate',
                          'utc': ml_monitor._timestamp_utc_sql(relation, n),
                          'op': '<', 'bound': max_target_leakage_rate, 'what': 'labelled before the cutoff'}) -%}
  {%- endfor -%}
  {%- set asof = ml_monitor._pit_history_setup(test, relation, history, found, cutoff[0]) if history else none -%}
  {%- set read = [cut] + (checks | map(attribute='sql') | list) + ((asof.key_sqls + (asof.feats | map(attribute='sql') | list)) if asof else []) -%}

with source as (
  select {{ ml_monitor._select_list(scope, read) }}
  from {{ relation }}
  where {{ scope.scan_filter }}
),
{%- if asof %}

{{ ml_monitor._pit_as_of_ctes(scope, asof, cut, read) }},
{%- endif %}

-- per time column: rows with both times, and those on the wrong side of the cutoff;
-- per history feature: rows compared with the version valid at the cutoff, and those that differ
grouped as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    count(*) as n_rows
    {%- for c in checks %},
    sum(case when {{ c.sql }} is not null and {{ cut }} is not null then 1 else 0 end) as n_timed_{{ c.idx }},
    sum(case when {{ c.utc }} {{ c.op }} {{ cut_utc }} then 1 else 0 end) as n_leak_{{ c.idx }}
    {%- endfor %}
    {%- if asof %},
    sum(case when ml_n_versions = 1 then 1 else 0 end) as n_asof,
    sum(case when ml_n_versions = 0 then 1 else 0 end) as n_no_version,
    sum(case when ml_n_versions > 1 then 1 else 0 end) as n_several_versions
    {%- for f in asof.feats %},
    sum(case when ml_n_versions = 1 and not {{ ml_monitor.null_safe_equal('ml_t' ~ f.idx, 'ml_h' ~ f.idx) }} then 1 else 0 end) as n_asof_mis_{{ f.idx }}
    {%- endfor %}
    {%- endif %}
  from {{ 'as_of_matched' if asof else 'source' }}
  {{ ml_monitor._group_by_segments(scope) }}
),

-- the overall row exists even on empty input (Spark returns none for grouping sets there)
{{ ml_monitor._segment_rows(scope, 'grouped') }},

long as (
  {%- for c in checks %}
  {%- set rate = ml_monitor.safe_divide('n_leak_' ~ c.idx, 'n_timed_' ~ c.idx) %}
  {%- set check = ml_monitor._bound_check(rate, c.bound, '>', 'max_' ~ c.metric) %}
  {%- set cutoff_name = ml_monitor.unquoted(cutoff[0]) %}
  {%- set detail -%}
    {{ ml_monitor.to_string('n_leak_' ~ c.idx) }} || ' of ' || {{ ml_monitor.to_string('n_timed_' ~ c.idx) }}
      || {{ ml_monitor.string_literal(' rows ' ~ c.what ~ ' (' ~ c.name ~ ' ' ~ c.op ~ ' ' ~ cutoff_name ~ '); ') }}
      || {{ ml_monitor.to_string('n_rows - n_timed_' ~ c.idx) }} || ' rows without both times'
      {{ check.note }}
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, c.name, c.metric, value=rate, threshold=c.bound,
         sample_size='n_timed_' ~ c.idx, is_fail=check.is_fail, detail=detail,
         undefined_reason='case when n_rows > 0 and n_timed_' ~ c.idx ~ ' = 0 then '
           ~ ml_monitor.string_literal('no row has both ' ~ c.name ~ ' and ' ~ cutoff_name) ~ ' end') }}
  from aggregated
  {%- if not loop.last or asof %}
  union all
  {%- endif %}
  {%- endfor %}
  {%- if asof %}
  {{ ml_monitor._pit_as_of_rows(scope, asof, cutoff[0]) }}
  {%- endif %}
)

{{ ml_monitor._finalize_observations('point_in_time', 'long', scope) }}
{%- endmacro %}

{#- Columns of a relation as {lowercase name: column}. -#}
{% macro _pit_columns(rel) -%}
  {%- set found = {} -%}
  {%- for c in ml_monitor._relation_columns(rel) -%}{%- do found.update({(c.name | lower): c}) -%}{%- endfor -%}
  {{ return(found) }}
{%- endmacro %}

{#- The as-of arguments, checked before the warehouse is read: none without feature_history;
    feature_history needs entity_key, valid_from, valid_to (NULL in the table = still valid) and
    history_features; any of them without feature_history is an error. -#}
{% macro _pit_history_args(test, relation, feature_history, entity_key, valid_from, valid_to, history_features, max_as_of_mismatch_rate) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_as_of_mismatch_rate', max_as_of_mismatch_rate, min=0, max=1) -%}
  {%- if feature_history is none -%}
    {%- for arg, v in [('entity_key', entity_key), ('valid_from', valid_from), ('valid_to', valid_to),
                       ('history_features', history_features), ('max_as_of_mismatch_rate', max_as_of_mismatch_rate)] -%}
      {%- if v is not none -%}
        {%- do ml_monitor._arg_error(test, relation, arg, "needs feature_history (the as-of check against a feature history table)", v) -%}
      {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
  {%- endif -%}
  {%- do ml_monitor._check_relation(test, relation, 'feature_history', feature_history, required=true) -%}
  {%- set keys_names = ml_monitor._check_names(test, relation, 'entity_key', entity_key, required=true) -%}
  {%- set from_names = ml_monitor._check_names(test, relation, 'valid_from', valid_from, required=true, exists_in=feature_history) -%}
  {%- set to_names = ml_monitor._check_names(test, relation, 'valid_to', valid_to, required=true, exists_in=feature_history) -%}
  {%- set feature_names = ml_monitor._check_names(test, relation, 'history_features', history_features, required=true) -%}
  {%- for arg, v in [('valid_from', from_names), ('valid_to', to_names)] -%}
    {%- if v | length > 1 -%}{%- do ml_monitor._arg_error(test, relation, arg, 'must be one column name', v) -%}{%- endif -%}
  {%- endfor -%}
  {{ return({'relation': feature_history, 'keys_names': keys_names, 'from_names': from_names, 'to_names': to_names,
             'feature_names': feature_names, 'bound': max_as_of_mismatch_rate}) }}
{%- endmacro %}

{#- The history's columns checked (keys, valid_from / valid_to and every history feature must
    exist there too) and the SQL pieces of the as-of join. -#}
{% macro _pit_history_setup(test, relation, history, found, cutoff_name) -%}
  {%- set hcols = ml_monitor._pit_columns(history.relation) -%}
  {%- for arg, names in [('entity_key', history.keys_names), ('valid_from', history.from_names), ('valid_to', history.to_names),
                         ('history_features', history.feature_names)] -%}
    {%- for n in names -%}
      {%- if (ml_monitor.unquoted(n) | lower) not in hcols -%}
        {%- do ml_monitor._arg_error(test, relation, arg, "must name columns of feature_history " ~ history.relation ~ " (it has: " ~ (hcols.keys() | list | sort | join(', ')) ~ ")", ml_monitor.unquoted(n)) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- for n in history.keys_names -%}
    {%- do ml_monitor._check_join_kinds(test, relation, 'entity_key', n, relation, 'relation ' ~ relation, history.relation, 'feature_history ' ~ history.relation) -%}
  {%- endfor -%}
  {%- for arg, names in [('valid_from', history.from_names), ('valid_to', history.to_names)] -%}
    {%- for n in names -%}{%- do ml_monitor._pit_check_time_kind(test, relation, arg, n, history.relation, cutoff_name) -%}{%- endfor -%}
  {%- endfor -%}
  {%- set feats = [] -%}
  {%- for n in history.feature_names -%}
    {%- set name = ml_monitor.unquoted(n) -%}
    {%- set numeric = ml_monitor._is_numeric_type(found[name | lower].dtype) and ml_monitor._is_numeric_type(hcols[name | lower].dtype) -%}
    {%- do feats.append({'idx': loop.index, 'name': name, 'sql': ml_monitor.quote_column(n), 'numeric': numeric}) -%}
  {%- endfor -%}
  {{ return({'relation': history.relation, 'feats': feats, 'bound': history.bound,
             'key_sqls': ml_monitor._pit_quoted(history.keys_names),
             'from_sql': ml_monitor.quote_column(history.from_names[0]),
             'to_sql': ml_monitor.quote_column(history.to_names[0]),
             'from_utc_h': ml_monitor._timestamp_utc_sql(history.relation, history.from_names[0], 'h'),
             'to_utc_h': ml_monitor._timestamp_utc_sql(history.relation, history.to_names[0], 'h'),
             'cut_utc_r': ml_monitor._timestamp_utc_sql(relation, cutoff_name, 'r'),
             'label': history.relation ~ ' (' ~ ml_monitor.unquoted(history.from_names[0]) ~ ' <= cutoff < '
                      ~ ml_monitor.unquoted(history.to_names[0]) ~ ')'}) }}
{%- endmacro %}

{#- A time compared with the cutoff must be of the cutoff's kind: a timestamp or date against a
    timestamp or date, a number against a number, text against text (was a raw engine error at run
    time: "operator does not exist: character varying > timestamp"). Checked when both types are
    known. -#}
{% macro _pit_check_time_kind(test, relation, arg, name, in_relation, cutoff_name) -%}
  {%- set info = ml_monitor._column_info(in_relation, name) -%}
  {%- set cut = ml_monitor._column_info(relation, cutoff_name) -%}
  {%- if info is not none and cut is not none
        and ml_monitor._pit_time_kind(info.dtype) != ml_monitor._pit_time_kind(cut.dtype) -%}
    {{ ml_monitor._arg_error(test, relation, arg, "must name columns of the same kind as cutoff_column (" ~ cut.name
        ~ " is " ~ cut.dtype ~ ", " ~ info.name ~ " is " ~ info.dtype ~ "): compare times with times, numbers with numbers"
        ~ " (cast them in a view, e.g. cast(" ~ info.name ~ " as timestamp))", ml_monitor.unquoted(name)) }}
  {%- endif -%}
{%- endmacro %}

{% macro _pit_time_kind(dtype) -%}
  {%- set t = dtype | lower -%}
  {{ return('time' if ('time' in t or 'date' in t) else 'number' if ml_monitor._is_numeric_type(dtype) else 'text') }}
{%- endmacro %}

{% macro _pit_quoted(names) -%}
  {%- set out = [] -%}
  {%- for n in names -%}{%- do out.append(ml_monitor.quote_column(n)) -%}{%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{#- CTEs as_of_rows (the rows read, numbered) and as_of_matched: each row joined to the history
    versions of its key valid at its cutoff, regrouped to one row again: how many versions
    matched (0, 1, several) and, per history feature, the row's value (ml_t<i>) and the
    version's (ml_h<i>), numerics as double, anything else as text. -#}
{% macro _pit_as_of_ctes(scope, asof, cut, read) -%}
  {%- set carried = [] -%}
  {%- for c in read + (scope.segments | map(attribute='sql') | list) -%}
    {%- set c = scope.timestamp_column_sql if (c == scope.timestamp_sql and scope.timestamp_sql is not none) else c -%}
    {%- if c not in carried -%}{%- do carried.append(c) -%}{%- endif -%}
  {%- endfor -%}
  {%- if scope.multi -%}{%- do carried.append('ml_ts') -%}{%- do carried.append('ml_window_start') -%}{%- endif -%}
-- a number that tells apart the rows of the same key and cutoff (with them, a row's identity for
-- the regrouping below); numbered per (key, cutoff), so no step orders the whole table
as_of_rows as (
  select source.*, row_number() over (partition by {{ asof.key_sqls | join(', ') }}, {{ cut }} order by {{ cut }}) as ml_row
  from source
),

-- the versions valid at each row's cutoff; one row per source row again (never a fan-out)
as_of_matched as (
  select
    {%- for c in carried %}
    r.{{ c }},
    {%- endfor %}
    {%- for f in asof.feats %}
    {%- set t = ml_monitor.to_double('r.' ~ f.sql) if f.numeric else ml_monitor.to_string('r.' ~ f.sql) %}
    {{ t }} as ml_t{{ f.idx }},
    max({{ ml_monitor.to_double('h.' ~ f.sql) if f.numeric else ml_monitor.to_string('h.' ~ f.sql) }}) as ml_h{{ f.idx }},
    {%- endfor %}
    count(h.{{ asof.from_sql }}) as ml_n_versions
  from as_of_rows as r
  left join {{ asof.relation }} as h
    on {% for k in asof.key_sqls %}r.{{ k }} = h.{{ k }} and {% endfor %}{{ asof.from_utc_h }} <= {{ asof.cut_utc_r }}
   and (h.{{ asof.to_sql }} is null or {{ asof.cut_utc_r }} < {{ asof.to_utc_h }})
  group by r.ml_row{% for c in carried %}, r.{{ c }}{% endfor %}
)
{%- endmacro %}

{#- The as_of_mismatch_rate rows of the long CTE, one per history feature. -#}
{% macro _pit_as_of_rows(scope, asof, cutoff_name) -%}
  {%- for f in asof.feats %}
  {%- set rate = ml_monitor.safe_divide('n_asof_mis_' ~ f.idx, 'n_asof') %}
  {%- set check = ml_monitor._bound_check(rate, asof.bound, '>', 'max_as_of_mismatch_rate') %}
  {%- set detail -%}
    {{ ml_monitor.to_string('n_asof_mis_' ~ f.idx) }} || ' of ' || {{ ml_monitor.to_string('n_asof') }}
      || {{ ml_monitor.string_literal(' rows differ from the value valid at ' ~ ml_monitor.unquoted(cutoff_name) ~ ' in ' ~ asof.label ~ '; ') }}
      || {{ ml_monitor.to_string('n_no_version') }} || ' rows with no version valid then, '
      || {{ ml_monitor.to_string('n_several_versions') }} || ' with several (not compared)'
      {{ check.note }}
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, f.name, 'as_of_mismatch_rate', value=rate, threshold=asof.bound,
         sample_size='n_asof', is_fail=check.is_fail, detail=detail,
         undefined_reason="case when n_rows > 0 and n_asof = 0 then 'no row has exactly one version valid at its cutoff' end") }}
  from aggregated
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
{%- endmacro %}
