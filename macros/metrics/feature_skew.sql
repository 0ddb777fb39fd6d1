{#- Training–serving skew: the features logged at serving time (the monitored relation, e.g. the
    prediction log) joined on an entity key to the same features recomputed offline (a feature
    table or the training set), all features in one join.

    Rules (docs/production-failures.md):
    - Each side is first reduced to one row per key (count(*) per key). A key with several rows
      on either side is ambiguous (which value was served?): it is counted in duplicate_key_rate
      and left out of the comparison, so duplicates never fan out the join.
    - NULL vs NULL is a match, NULL vs a value a mismatch. Rows with a NULL key are not read.
    - Categorical features are compared exactly, as text. Numeric features match when
      |serving - offline| <= max(abs_tolerance, rel_tolerance * |offline|).
    - Segments and the window apply to the serving log (a key's segment: its max value there);
      `offline_where` filters the offline side.

    Metrics: per feature mismatch_rate (keys present once on both sides) and, for numerics,
    mean_abs_diff (keys with both values non-null); per key set (column_name = the key columns)
    missing_offline_rate and duplicate_key_rate (of the serving keys) and, on the overall row
    only, missing_serving_rate (offline keys never logged at serving).

    {{ ml_monitor.feature_skew(ref('serving_log'), offline=ref('training_set'), entity_key='id',
                               features=['income', 'channel'], rel_tolerance=0.001, max_mismatch_rate=0.01) }}
-#}
{% macro feature_skew(relation, offline, entity_key, features, event_time_key=none, kind=none,
                      abs_tolerance=0, rel_tolerance=0, max_mismatch_rate=none, max_mean_abs_diff=none,
                      max_missing_offline_rate=none, max_missing_serving_rate=none, max_duplicate_key_rate=none,
                      offline_where=none, n_examples=3, where=none, segment_by=none, timestamp_column=none,
                      window=none, min_rows=none, test='feature_skew') -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, min_rows) -%}
  {%- do ml_monitor._check_relation(test, relation, 'offline', offline, required=true) -%}
  {%- if offline_where is not none and (offline_where is not string or offline_where | trim == '') -%}
    {%- do ml_monitor._arg_error(test, relation, 'offline_where', 'must be a SQL condition as a string', offline_where) -%}
  {%- endif -%}
  {%- set key_names = ml_monitor._check_names(test, relation, 'entity_key', entity_key, required=true) -%}
  {%- set time_names = ml_monitor._check_names(test, relation, 'event_time_key', event_time_key) -%}
  {%- if time_names | length > 1 -%}
    {%- do ml_monitor._arg_error(test, relation, 'event_time_key', 'must be one column name', event_time_key) -%}
  {%- endif -%}
  {%- set feature_names = ml_monitor._check_names(test, relation, 'features', features, required=true) -%}
  {%- do ml_monitor._check_number(test, relation, 'n_examples', n_examples, required=true, min=0, max=20, integer=true) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_missing_offline_rate', max_missing_offline_rate, min=0, max=1) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_missing_serving_rate', max_missing_serving_rate, min=0, max=1) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_duplicate_key_rate', max_duplicate_key_rate, min=0, max=1) -%}
  {%- set all_keys = key_names + time_names -%}
  {%- for f in feature_names -%}
    {%- if ml_monitor.unquoted(f) | lower in (all_keys | map('lower') | list) -%}
      {%- do ml_monitor._arg_error(test, relation, 'features', "must not repeat a key column ('" ~ f ~ "')", features) -%}
    {%- endif -%}
  {%- endfor -%}

  {#- columns need the warehouse: nothing more to check while dbt parses -#}
  {%- if not execute -%}{{ return('select 1 as ml_monitor_parse_only') }}{%- endif -%}
  {#- columns and kinds: every key and feature must exist on both sides -#}
  {%- set serving_cols = ml_monitor._skew_columns(test, relation, relation, 'serving log') -%}
  {%- set offline_cols = ml_monitor._skew_columns(test, relation, offline, 'offline') -%}
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
  {%- set kinds = ['numeric', 'categorical'] -%}
  {%- set feats = [] -%}
  {%- for n in feature_names -%}
    {%- set name = ml_monitor.unquoted(n) -%}
    {%- set both_numeric = ml_monitor._is_numeric_type(serving_cols[name | lower].dtype) and ml_monitor._is_numeric_type(offline_cols[name | lower].dtype) -%}
    {%- set k = ml_monitor._skew_per_feature(test, relation, 'kind', kind, name) -%}
    {%- if k is none -%}{%- set k = 'numeric' if both_numeric else 'categorical' -%}{%- endif -%}
    {%- do ml_monitor._check_choice(test, relation, 'kind', k, kinds) -%}
    {%- if k == 'numeric' and not both_numeric -%}
      {%- do ml_monitor._arg_error(test, relation, 'kind', "numeric needs numeric columns on both sides; '" ~ name ~ "' is "
            ~ serving_cols[name | lower].dtype ~ " (serving) and " ~ offline_cols[name | lower].dtype ~ " (offline)", k) -%}
    {%- endif -%}
    {%- set spec = {'idx': loop.index, 'name': name, 'sql': ml_monitor.quote_column(n), 'kind': k} -%}
    {%- for arg, default, lo, hi in [('abs_tolerance', 0, 0, none), ('rel_tolerance', 0, 0, none),
                                     ('max_mismatch_rate', none, 0, 1), ('max_mean_abs_diff', none, 0, none)] -%}
      {%- set v = ml_monitor._skew_per_feature(test, relation, arg, {'abs_tolerance': abs_tolerance, 'rel_tolerance': rel_tolerance,
                    'max_mismatch_rate': max_mismatch_rate, 'max_mean_abs_diff': max_mean_abs_diff}[arg], name) -%}
      {%- do ml_monitor._check_number(test, relation, arg ~ ('.' ~ name), v, min=lo, max=hi) -%}
      {%- do spec.update({arg: default if v is none else v}) -%}
    {%- endfor -%}
    {%- do feats.append(spec) -%}
  {%- endfor -%}

  {%- set lower_features = feats | map(attribute='name') | map('lower') | list -%}
  {%- for arg, value in [('kind', kind), ('abs_tolerance', abs_tolerance), ('rel_tolerance', rel_tolerance),
                         ('max_mismatch_rate', max_mismatch_rate), ('max_mean_abs_diff', max_mean_abs_diff)] -%}
    {%- if value is mapping -%}
      {%- for k in value.keys() -%}
        {%- if (k | string | lower) not in lower_features -%}
          {%- do ml_monitor._arg_error(test, relation, arg, "is a mapping feature -> value, but '" ~ k ~ "' is not one of features (" ~ (feats | map(attribute='name') | join(', ')) ~ ")", value) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}

  {%- set keys = [] -%}
  {%- for n in all_keys -%}{%- do keys.append({'idx': loop.index, 'sql': ml_monitor.quote_column(n), 'name': ml_monitor.unquoted(n)}) -%}{%- endfor -%}
  {%- set key_label = key_names | map('string') | map('trim') | join(', ') ~ ((' @ ' ~ time_names[0]) if time_names else '') -%}
  {%- set key_text -%}
    {%- for k in keys -%}coalesce({{ ml_monitor.to_string('ml_k' ~ k.idx) }}, 'null'){% if not loop.last %} || '/' || {% endif %}{%- endfor -%}
  {%- endset -%}
  {%- set key_join -%}
    {%- for k in keys %}s.ml_k{{ k.idx }} = o.ml_k{{ k.idx }}{% if not loop.last %} and {% endif %}{% endfor -%}
  {%- endset -%}
  {%- set key_not_null -%}
    {%- for k in keys %}{{ k.sql }} is not null{% if not loop.last %} and {% endif %}{% endfor -%}
  {%- endset -%}

with serving as (
  select {{ ml_monitor._select_list(scope, (keys | map(attribute='sql') | list) + (feats | map(attribute='sql') | list)) }}
  from {{ relation }}
  where {{ scope.filter }} and {{ key_not_null }}
),

-- one row per key on each side: the row count says whether the key is duplicated
serving_keyed as (
  select
    {%- for k in keys %}
    {{ k.sql }} as ml_k{{ k.idx }},
    {%- endfor %}
    {%- for s in scope.segments %}
    max({{ s.sql }}) as {{ s.sql }},
    {%- endfor %}
    {%- for f in feats %}
    max({{ ml_monitor.to_double(f.sql) if f.kind == 'numeric' else ml_monitor.to_string(f.sql) }}) as ml_s{{ f.idx }},
    {%- endfor %}
    count(*) as ml_n_serving
  from serving
  group by {% for k in keys %}{{ k.sql }}{% if not loop.last %}, {% endif %}{% endfor %}
),

offline_keyed as (
  select
    {%- for k in keys %}
    {{ k.sql }} as ml_k{{ k.idx }},
    {%- endfor %}
    {%- for f in feats %}
    max({{ ml_monitor.to_double(f.sql) if f.kind == 'numeric' else ml_monitor.to_string(f.sql) }}) as ml_o{{ f.idx }},
    {%- endfor %}
    count(*) as ml_n_offline
  from {{ offline }}
  where {{ key_not_null }}{% if offline_where is not none %} and ({{ offline_where }}){% endif %}
  group by {% for k in keys %}{{ k.sql }}{% if not loop.last %}, {% endif %}{% endfor %}
),

-- the one join: keys on either side; a key present once on both sides is compared
joined as (
  select
    {%- for k in keys %}
    coalesce(s.ml_k{{ k.idx }}, o.ml_k{{ k.idx }}) as ml_k{{ k.idx }},
    {%- endfor %}
    {%- for s in scope.segments %}
    s.{{ s.sql }} as {{ s.sql }},
    {%- endfor %}
    s.ml_n_serving,
    o.ml_n_offline,
    case when s.ml_n_serving = 1 and o.ml_n_offline = 1 then 1 else 0 end as ml_compared
    {%- for f in feats %},
    s.ml_s{{ f.idx }},
    o.ml_o{{ f.idx }}
    {%- endfor %}
  from serving_keyed as s
  full outer join offline_keyed as o
    on {{ key_join }}
),

-- per compared key and feature: mismatch (NULL vs NULL matches) and absolute difference
compared as (
  select
    joined.*
    {%- for f in feats %},
    case
      when ml_compared = 0 then null
      when ml_s{{ f.idx }} is null and ml_o{{ f.idx }} is null then 0
      when ml_s{{ f.idx }} is null or ml_o{{ f.idx }} is null then 1
      {%- if f.kind == 'numeric' %}
      when abs(ml_s{{ f.idx }} - ml_o{{ f.idx }}) <= {{ ml_monitor.greatest2(ml_monitor.double_literal(f.abs_tolerance), ml_monitor.double_literal(f.rel_tolerance) ~ ' * abs(ml_o' ~ f.idx ~ ')') }} then 0
      {%- else %}
      when ml_s{{ f.idx }} = ml_o{{ f.idx }} then 0
      {%- endif %}
      else 1
    end as ml_mis{{ f.idx }},
    case when ml_compared = 1 and (ml_s{{ f.idx }} is null or ml_o{{ f.idx }} is null)
              and not (ml_s{{ f.idx }} is null and ml_o{{ f.idx }} is null) then 1 else 0 end as ml_onenull{{ f.idx }}
    {%- if f.kind == 'numeric' %},
    case when ml_compared = 1 then abs(ml_s{{ f.idx }} - ml_o{{ f.idx }}) end as ml_diff{{ f.idx }}
    {%- endif %}
    {%- endfor %}
  from joined
),

-- all counts in one aggregate: overall row plus one row per segment value
aggregated as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    sum(case when ml_n_serving is not null then 1 else 0 end) as n_serving_keys,
    sum(case when ml_n_serving is not null and ml_n_offline is null then 1 else 0 end) as n_missing_offline,
    sum(case when ml_n_offline is not null then 1 else 0 end) as n_offline_keys,
    sum(case when ml_n_offline is not null and ml_n_serving is null then 1 else 0 end) as n_missing_serving,
    sum(case when ml_n_serving is not null and (ml_n_serving > 1 or ml_n_offline > 1) then 1 else 0 end) as n_dup_keys,
    sum(case when ml_n_serving > 1 then 1 else 0 end) as n_dup_serving,
    sum(case when ml_n_serving is not null and ml_n_offline > 1 then 1 else 0 end) as n_dup_offline,
    sum(ml_compared) as n_compared
    {%- for f in feats %},
    sum(ml_mis{{ f.idx }}) as n_mis{{ f.idx }},
    sum(ml_onenull{{ f.idx }}) as n_onenull{{ f.idx }}
    {%- if f.kind == 'numeric' %},
    count(ml_diff{{ f.idx }}) as n_diff{{ f.idx }},
    avg(ml_diff{{ f.idx }}) as mad{{ f.idx }}
    {%- endif %}
    {%- endfor %}
  from compared
  {{ ml_monitor._group_by_segments(scope) }}
),

{%- if n_examples > 0 %}

-- the worst mismatching keys per feature and segment (largest difference first, then the key)
ranked_examples as (
  {%- set groupings = [none] + scope.segments %}
  {%- for g in groupings %}
  {%- set outer = loop %}
  {%- for f in feats %}
  select
    {{ ml_monitor.to_string(g.literal if g else 'null') }} as segment_column,
    {{ ml_monitor.to_string(g.sql if g else 'null') }} as segment_value,
    {{ f.idx }} as feature_idx,
    row_number() over (
      {% if g %}partition by {{ g.sql }} {% endif %}order by
      {%- if f.kind == 'numeric' %} case when ml_diff{{ f.idx }} is null then 0 else 1 end, ml_diff{{ f.idx }} desc,{% endif %} {{ key_text }}
    ) as rn,
    {{ key_text }} || ' ('
      || {% if f.kind == 'numeric' %}coalesce({{ ml_monitor._fmt('ml_s' ~ f.idx, 6) }}, 'null'){% else %}coalesce(ml_s{{ f.idx }}, 'null'){% endif %}
      || ' vs ' || {% if f.kind == 'numeric' %}coalesce({{ ml_monitor._fmt('ml_o' ~ f.idx, 6) }}, 'null'){% else %}coalesce(ml_o{{ f.idx }}, 'null'){% endif %}
      || ')' as example
  from compared
  where ml_mis{{ f.idx }} = 1{% if g %} and ml_n_serving is not null{% endif %}
  {%- if not (outer.last and loop.last) %}
  union all
  {%- endif %}
  {%- endfor %}
  {%- endfor %}
),

examples as (
  select
    segment_column,
    segment_value,
    feature_idx,
    {%- for i in range(1, n_examples + 1) %}
    {% if i > 1 %}coalesce(', ' || {% endif %}max(case when rn = {{ i }} then example end){% if i > 1 %}, ''){% endif %}{% if not loop.last %} ||{% endif %}
    {%- endfor %} as examples
  from ranked_examples
  where rn <= {{ n_examples }}
  group by segment_column, segment_value, feature_idx
),
{%- endif %}

-- unpivot: per feature mismatch_rate (and mean_abs_diff), then the key-level rates
long as (
  {%- for f in feats %}
  {%- set rate = ml_monitor.safe_divide('a.n_mis' ~ f.idx, 'a.n_compared') %}
  select
    {{ ml_monitor.string_literal(f.name) }} as column_name,
    a.segment_column,
    a.segment_value,
    'mismatch_rate' as metric,
    {{ rate }} as value,
    {{ ml_monitor.double_literal(f.max_mismatch_rate) }} as threshold,
    {{ ml_monitor.null_double() }} as baseline_value,
    a.n_compared as sample_size,
    {% if f.max_mismatch_rate is none %}false{% else %}{{ rate }} > {{ f.max_mismatch_rate }}{% endif %} as is_fail,
    {{ ml_monitor.to_string('a.n_mis' ~ f.idx) }} || ' of ' || {{ ml_monitor.to_string('a.n_compared') }}
      || ' keys differ ({{ f.kind }}{% if f.kind == 'numeric' %}, tolerance max({{ f.abs_tolerance }}, {{ f.rel_tolerance }} x |offline|){% endif %}; '
      || {{ ml_monitor.to_string('a.n_onenull' ~ f.idx) }} || ' null on one side only)'
      {%- if f.max_mismatch_rate is not none %}
      || case when {{ rate }} > {{ f.max_mismatch_rate }} then ', above max_mismatch_rate {{ f.max_mismatch_rate }}' else '' end
      {%- endif %}
      {%- if n_examples > 0 %}
      || coalesce('; worst keys (serving vs offline): ' || e.examples, '')
      {%- endif %} as detail,
    case when a.n_serving_keys > 0 then 'no key is present exactly once on both sides' end as undefined_reason
  from aggregated as a
  {%- if n_examples > 0 %}
  left join examples as e
    on e.feature_idx = {{ f.idx }}
   and {{ ml_monitor.null_safe_equal('e.segment_column', 'a.segment_column') }}
   and {{ ml_monitor.null_safe_equal('e.segment_value', 'a.segment_value') }}
  {%- endif %}
  union all
  {%- if f.kind == 'numeric' %}
  select
    {{ ml_monitor.string_literal(f.name) }} as column_name,
    segment_column,
    segment_value,
    'mean_abs_diff' as metric,
    mad{{ f.idx }} as value,
    {{ ml_monitor.double_literal(f.max_mean_abs_diff) }} as threshold,
    {{ ml_monitor.null_double() }} as baseline_value,
    n_diff{{ f.idx }} as sample_size,
    {% if f.max_mean_abs_diff is none %}false{% else %}mad{{ f.idx }} > {{ f.max_mean_abs_diff }}{% endif %} as is_fail,
    'mean |serving - offline| ' || coalesce({{ ml_monitor._fmt('mad' ~ f.idx, 6) }}, '-') || ' over '
      || {{ ml_monitor.to_string('n_diff' ~ f.idx) }} || ' keys with both values non-null'
      {%- if f.max_mean_abs_diff is not none %}
      || case when mad{{ f.idx }} > {{ f.max_mean_abs_diff }} then ', above max_mean_abs_diff {{ f.max_mean_abs_diff }}' else '' end
      {%- endif %} as detail,
    case when n_compared > 0 then 'no compared key has both values non-null' end as undefined_reason
  from aggregated
  union all
  {%- endif %}
  {%- endfor %}
  {%- set rates = [
      ('missing_offline_rate', 'n_missing_offline', 'n_serving_keys', max_missing_offline_rate,
       " || ' of ' || " , "' serving keys have no offline row'"),
      ('duplicate_key_rate', 'n_dup_keys', 'n_serving_keys', max_duplicate_key_rate,
       " || ' of ' || ", "' serving keys have several rows (' || " ~ ml_monitor.to_string('n_dup_serving') ~ " || ' in the serving log, ' || " ~ ml_monitor.to_string('n_dup_offline') ~ " || ' offline) and are not compared'"),
      ('missing_serving_rate', 'n_missing_serving', 'n_offline_keys', max_missing_serving_rate,
       " || ' of ' || ", "' offline keys were never logged at serving'"),
  ] %}
  {%- for metric, num, den, thr, sep, tail in rates %}
  select
    {{ ml_monitor.string_literal(key_label) }} as column_name,
    segment_column,
    segment_value,
    '{{ metric }}' as metric,
    {{ ml_monitor.safe_divide(num, den) }} as value,
    {{ ml_monitor.double_literal(thr) }} as threshold,
    {{ ml_monitor.null_double() }} as baseline_value,
    {{ den }} as sample_size,
    {% if thr is none %}false{% else %}{{ ml_monitor.safe_divide(num, den) }} > {{ thr }}{% endif %} as is_fail,
    {{ ml_monitor.to_string(num) }}{{ sep }}{{ ml_monitor.to_string(den) }} || {{ tail }}
      {%- if thr is not none %}
      || case when {{ ml_monitor.safe_divide(num, den) }} > {{ thr }} then ', above max_{{ metric }} {{ thr }}' else '' end
      {%- endif %} as detail,
    {{ ml_monitor.null_string() }} as undefined_reason
  from aggregated
  {%- if metric == 'missing_serving_rate' %}
  -- offline rows carry no segment: this rate exists for the overall row only
  where segment_column is null
  {%- else %}
  union all
  {%- endif %}
  {%- endfor %}
)

{{ ml_monitor._finalize_observations('feature_skew', 'long', scope) }}
{%- endmacro %}

{#- Columns of one side as {lowercase name: column}. -#}
{% macro _skew_columns(test, relation, rel, side) -%}
  {%- set found = {} -%}
  {%- for c in ml_monitor._relation_columns(rel) -%}{%- do found.update({(c.name | lower): c}) -%}{%- endfor -%}
  {{ return(found) }}
{%- endmacro %}

{#- An argument given for all features (a value) or per feature (a mapping feature -> value). -#}
{% macro _skew_per_feature(test, relation, arg, value, name) -%}
  {%- if value is mapping -%}
    {{ return(value.get(name, value.get(name | lower))) }}
  {%- endif -%}
  {{ return(value) }}
{%- endmacro %}
