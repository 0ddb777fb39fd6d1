{#- feature_skew, step 1: the arguments checked (compile-time errors name the argument), the
    columns and kinds of both sides, and the SQL fragments every later step shares. Returns a
    dict (scope, offline, offline_where, feats, keys, key_label, key_text, key_join,
    key_not_null, n_examples, rates), or none while dbt parses (columns need the warehouse). -#}
{% macro _skew_setup(test, relation, args) -%}
  {%- set scope = ml_monitor._scope(test, relation, args.where, args.segment_by, args.timestamp_column, args.window,
                                    args.min_rows, windows=args.windows, fail_on=args.fail_on, count_null_ts=false) -%}
  {%- set offline = args.offline -%}
  {%- do ml_monitor._check_relation(test, relation, 'offline', offline, required=true) -%}
  {%- if args.offline_where is not none and (args.offline_where is not string or args.offline_where | trim == '') -%}
    {%- do ml_monitor._arg_error(test, relation, 'offline_where', 'must be a SQL condition as a string', args.offline_where) -%}
  {%- endif -%}
  {%- set key_names = ml_monitor._check_names(test, relation, 'entity_key', args.entity_key, required=true) -%}
  {%- set time_names = ml_monitor._check_names(test, relation, 'event_time_key', args.event_time_key) -%}
  {%- if time_names | length > 1 -%}
    {%- do ml_monitor._arg_error(test, relation, 'event_time_key', 'must be one column name', args.event_time_key) -%}
  {%- endif -%}
  {%- set feature_names = ml_monitor._check_names(test, relation, 'features', args.features, required=true) -%}
  {%- do ml_monitor._check_number(test, relation, 'n_examples', args.n_examples, required=true, min=0, max=20, integer=true) -%}
  {%- for arg in ['max_missing_offline_rate', 'max_missing_serving_rate', 'max_duplicate_key_rate'] -%}
    {%- do ml_monitor._check_number(test, relation, arg, args[arg], min=0, max=1) -%}
  {%- endfor -%}
  {%- set all_keys = key_names + time_names -%}
  {%- for f in feature_names -%}
    {%- if ml_monitor.unquoted(f) | lower in (all_keys | map('lower') | list) -%}
      {%- do ml_monitor._arg_error(test, relation, 'features', "must not repeat a key column ('" ~ f ~ "')", args.features) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}

  {#- columns and kinds: every key and feature must exist on both sides -#}
  {%- set serving_cols = ml_monitor._skew_columns(relation) -%}
  {%- set offline_cols = ml_monitor._skew_columns(offline) -%}
  {%- for arg, names in [('entity_key', key_names), ('event_time_key', time_names), ('features', feature_names)] -%}
    {%- for n in names -%}
      {%- for side, cols in [('serving log ' ~ relation, serving_cols), ('offline ' ~ offline, offline_cols)] -%}
        {%- if (ml_monitor.unquoted(n) | lower) not in cols -%}
          {%- do ml_monitor._arg_error(test, relation, arg, "must name columns of both sides; '" ~ ml_monitor.unquoted(n) ~ "' is missing from the "
                ~ side ~ " (it has: " ~ (cols.keys() | list | sort | join(', ')) ~ ")", names) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endfor -%}
  {#- the offline side is read with the serving log's spelling: a quoted name is case-sensitive
      on PostgreSQL / Snowflake, so another case there is a compile error (was a run-time
      'column "score" does not exist') -#}
  {%- for arg, names in [('entity_key', key_names), ('event_time_key', time_names), ('features', feature_names)] if names -%}
    {%- do ml_monitor._check_columns_exist(test, relation, arg, names, offline, same_spelling=true) -%}
  {%- endfor -%}
  {%- for arg, names in [('entity_key', key_names), ('event_time_key', time_names)] -%}
    {%- for n in names -%}
      {%- do ml_monitor._check_join_kinds(test, relation, arg, n, relation, 'serving log ' ~ relation, offline, 'offline ' ~ offline) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- set feats = ml_monitor._skew_features(test, relation, args, feature_names, serving_cols, offline_cols) -%}

  {%- set keys = [] -%}
  {%- for n in all_keys -%}
    {#- a time key (event_time_key) is joined as a UTC instant on each side (the time-zone rule): a
        timestamptz against a naive timestamp was compared in the session's zone, so in a
        America/Los_Angeles session no key matched -#}
    {%- set info = ml_monitor._column_info(relation, n) -%}
    {%- set is_time = info is not none and ml_monitor._join_kind(info.dtype) == 'time' -%}
    {%- set q = ml_monitor.quote_column(n) -%}
    {%- do keys.append({'idx': loop.index, 'sql': q, 'name': ml_monitor.unquoted(n),
                        'serving_sql': ml_monitor._timestamp_utc_sql(relation, n) if is_time else q,
                        'offline_sql': ml_monitor._timestamp_utc_sql(offline, n) if is_time else q}) -%}
  {%- endfor -%}
  {%- set key_text -%}
    {%- for k in keys -%}coalesce({{ ml_monitor.to_string('ml_k' ~ k.idx) }}, 'null'){% if not loop.last %} || '/' || {% endif %}{%- endfor -%}
  {%- endset -%}
  {%- set key_join -%}
    {%- for k in keys %}s.ml_k{{ k.idx }} = o.ml_k{{ k.idx }}{% if not loop.last %} and {% endif %}{% endfor -%}
  {%- endset -%}
  {%- set key_not_null -%}
    {%- for k in keys %}{{ k.sql }} is not null{% if not loop.last %} and {% endif %}{% endfor -%}
  {%- endset -%}
  {{ return({
      'scope': scope, 'relation': relation, 'offline': offline, 'offline_where': args.offline_where,
      'feats': feats, 'key_cols': keys, 'n_examples': args.n_examples,
      'key_label': key_names | map('string') | map('trim') | join(', ') ~ ((' @ ' ~ time_names[0]) if time_names else ''),
      'key_text': key_text, 'key_join': key_join, 'key_not_null': key_not_null,
      'max_missing_offline_rate': args.max_missing_offline_rate,
      'max_missing_serving_rate': args.max_missing_serving_rate,
      'max_duplicate_key_rate': args.max_duplicate_key_rate,
  }) }}
{%- endmacro %}

{#- Per feature: {idx, name, sql, kind, abs_tolerance, rel_tolerance, max_mismatch_rate,
    max_mean_abs_diff}, each argument given for all features or as a mapping feature -> value
    (a mapping naming an unknown feature is an error). -#}
{% macro _skew_features(test, relation, args, feature_names, serving_cols, offline_cols) -%}
  {%- set feats = [] -%}
  {%- for n in feature_names -%}
    {%- set name = ml_monitor.unquoted(n) -%}
    {%- set both_numeric = ml_monitor._is_numeric_type(serving_cols[name | lower].dtype) and ml_monitor._is_numeric_type(offline_cols[name | lower].dtype) -%}
    {%- set k = ml_monitor._skew_per_feature(args.kind, name) -%}
    {%- if k is none -%}{%- set k = 'numeric' if both_numeric else 'categorical' -%}{%- endif -%}
    {%- do ml_monitor._check_choice(test, relation, 'kind', k, ['numeric', 'categorical']) -%}
    {%- if k == 'numeric' and not both_numeric -%}
      {%- do ml_monitor._arg_error(test, relation, 'kind', "numeric needs numeric columns on both sides; '" ~ name ~ "' is "
            ~ serving_cols[name | lower].dtype ~ " (serving) and " ~ offline_cols[name | lower].dtype ~ " (offline)", k) -%}
    {%- endif -%}
    {%- set spec = {'idx': loop.index, 'name': name, 'sql': ml_monitor.quote_column(n), 'kind': k} -%}
    {%- for arg, default, lo, hi in [('abs_tolerance', 0, 0, none), ('rel_tolerance', 0, 0, none),
                                     ('max_mismatch_rate', none, 0, 1), ('max_mean_abs_diff', none, 0, none)] -%}
      {%- set v = ml_monitor._skew_per_feature(args[arg], name) -%}
      {%- do ml_monitor._check_number(test, relation, arg ~ ('.' ~ name), v, min=lo, max=hi) -%}
      {%- do spec.update({arg: default if v is none else v}) -%}
    {%- endfor -%}
    {%- do feats.append(spec) -%}
  {%- endfor -%}
  {%- set lower_features = feats | map(attribute='name') | map('lower') | list -%}
  {%- for arg in ['kind', 'abs_tolerance', 'rel_tolerance', 'max_mismatch_rate', 'max_mean_abs_diff'] -%}
    {%- if args[arg] is mapping -%}
      {%- for k in args[arg].keys() -%}
        {%- if (k | string | lower) not in lower_features -%}
          {%- do ml_monitor._arg_error(test, relation, arg, "is a mapping feature -> value, but '" ~ k ~ "' is not one of features (" ~ (feats | map(attribute='name') | join(', ')) ~ ")", args[arg]) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(feats) }}
{%- endmacro %}

{#- Columns of one side as {lowercase name: column}. -#}
{% macro _skew_columns(rel) -%}
  {%- set found = {} -%}
  {%- for c in ml_monitor._relation_columns(rel) -%}{%- do found.update({(c.name | lower): c}) -%}{%- endfor -%}
  {{ return(found) }}
{%- endmacro %}

{#- An argument given for all features (a value) or per feature (a mapping feature -> value). -#}
{% macro _skew_per_feature(value, name) -%}
  {%- if value is mapping -%}
    {{ return(value.get(name, value.get(name | lower))) }}
  {%- endif -%}
  {{ return(value) }}
{%- endmacro %}
