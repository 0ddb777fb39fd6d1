{#- Point-in-time correctness of a training set (or any feature / label table): were the
    values known at the time the prediction was made?
    - leakage_rate, per feature_time_column: share of rows whose feature value became known
      after the cutoff (feature_time > cutoff): features from the future;
    - target_leakage_rate, on label_time_column: share of rows whose label is timestamped
      before the prediction (label_time < cutoff): the outcome was known when predicting.
    Rows where either time is NULL are not counted (the detail says how many).

    {{ ml_monitor.point_in_time(ref('training_set'), cutoff_column='prediction_ts',
                                feature_time_columns=['income_updated_at'], label_time_column='label_ts') }}
-#}
{% macro point_in_time(relation, cutoff_column, feature_time_columns=none, label_time_column=none,
                       max_leakage_rate=none, max_target_leakage_rate=none, where=none, segment_by=none,
                       timestamp_column=none, window=none, min_rows=none, test='point_in_time') -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, timestamp_column, window, min_rows) -%}
  {%- set cutoff = ml_monitor._check_names(test, relation, 'cutoff_column', cutoff_column, required=true) -%}
  {%- if cutoff | length > 1 -%}{%- do ml_monitor._arg_error(test, relation, 'cutoff_column', 'must be one column name', cutoff_column) -%}{%- endif -%}
  {%- set feature_times = ml_monitor._check_names(test, relation, 'feature_time_columns', feature_time_columns) -%}
  {%- set label_time = ml_monitor._check_names(test, relation, 'label_time_column', label_time_column) -%}
  {%- if label_time | length > 1 -%}{%- do ml_monitor._arg_error(test, relation, 'label_time_column', 'must be one column name', label_time_column) -%}{%- endif -%}
  {%- if not feature_times and not label_time -%}
    {%- do ml_monitor._arg_error(test, relation, 'feature_time_columns', "or 'label_time_column' is required", 'neither') -%}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'max_leakage_rate', max_leakage_rate, min=0, max=1) -%}
  {%- do ml_monitor._check_number(test, relation, 'max_target_leakage_rate', max_target_leakage_rate, min=0, max=1) -%}
  {%- if not execute -%}{{ return('select 1 as ml_monitor_parse_only') }}{%- endif -%}
  {%- set found = {} -%}
  {%- for c in ml_monitor._relation_columns(relation) -%}{%- do found.update({(c.name | lower): c}) -%}{%- endfor -%}
  {%- for arg, names in [('cutoff_column', cutoff), ('feature_time_columns', feature_times), ('label_time_column', label_time)] -%}
    {%- for n in names -%}
      {%- if (ml_monitor.unquoted(n) | lower) not in found -%}
        {%- do ml_monitor._arg_error(test, relation, arg, "must name columns of the relation (it has: " ~ (found.keys() | list | sort | join(', ')) ~ ")", ml_monitor.unquoted(n)) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- set cut = ml_monitor.quote_column(cutoff[0]) -%}
  {%- set checks = [] -%}
  {%- for n in feature_times -%}
    {%- do checks.append({'idx': loop.index, 'name': ml_monitor.unquoted(n), 'sql': ml_monitor.quote_column(n), 'metric': 'leakage_rate',
                          'op': '>', 'bound': max_leakage_rate, 'what': 'known after the cutoff'}) -%}
  {%- endfor -%}
  {%- for n in label_time -%}
    {%- do checks.append({'idx': feature_times | length + 1, 'name': ml_monitor.unquoted(n), 'sql': ml_monitor.quote_column(n), 'metric': 'target_leakage_rate',
                          'op': '<', 'bound': max_target_leakage_rate, 'what': 'labelled before the cutoff'}) -%}
  {%- endfor -%}

with source as (
  select {{ ml_monitor._select_list(scope, [cut] + (checks | map(attribute='sql') | list)) }}
  from {{ relation }}
  where {{ scope.filter }}
),

-- per time column: rows with both times, and those on the wrong side of the cutoff
grouped as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    count(*) as n_rows
    {%- for c in checks %},
    sum(case when {{ c.sql }} is not null and {{ cut }} is not null then 1 else 0 end) as n_timed_{{ c.idx }},
    sum(case when {{ c.sql }} {{ c.op }} {{ cut }} then 1 else 0 end) as n_leak_{{ c.idx }}
    {%- endfor %}
  from source
  {{ ml_monitor._group_by_segments(scope) }}
),

-- the overall row exists even on empty input (Spark returns none for grouping sets there)
{{ ml_monitor._segment_rows(scope, 'grouped') }},

long as (
  {%- for c in checks %}
  {%- set rate = ml_monitor.safe_divide('n_leak_' ~ c.idx, 'n_timed_' ~ c.idx) %}
  select
    {{ ml_monitor.string_literal(c.name) }} as column_name,
    segment_column,
    segment_value,
    '{{ c.metric }}' as metric,
    {{ rate }} as value,
    {{ ml_monitor.double_literal(c.bound) }} as threshold,
    {{ ml_monitor.null_double() }} as baseline_value,
    n_timed_{{ c.idx }} as sample_size,
    {% if c.bound is none %}false{% else %}{{ rate }} > {{ c.bound }}{% endif %} as is_fail,
    {{ ml_monitor.to_string('n_leak_' ~ c.idx) }} || ' of ' || {{ ml_monitor.to_string('n_timed_' ~ c.idx) }}
      || ' rows {{ c.what }} ({{ c.name }} {{ c.op }} {{ ml_monitor.unquoted(cutoff[0]) }}); '
      || {{ ml_monitor.to_string('n_rows - n_timed_' ~ c.idx) }} || ' rows without both times'
      {%- if c.bound is not none %}
      || case when {{ rate }} > {{ c.bound }} then ', above max_{{ c.metric }} {{ c.bound }}' else '' end
      {%- endif %} as detail,
    case when n_rows > 0 and n_timed_{{ c.idx }} = 0 then 'no row has both {{ c.name }} and {{ ml_monitor.unquoted(cutoff[0]) }}' end as undefined_reason
  from aggregated
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
)

{{ ml_monitor._finalize_observations('point_in_time', 'long', scope) }}
{%- endmacro %}
