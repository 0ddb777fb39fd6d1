{#- The label join shared by performance, calibration, label_coverage and reliability_table.

    Labels live in their own relation and arrive late:
      - one label per key: the latest by `label_timestamp_column` (ties, and labels without
        a timestamp, broken by the greatest label value, so the pick is deterministic);
        without `label_timestamp_column` the greatest label value is kept. The join can
        never fan out: the labels side has one row per key.
      - labels whose timestamp is after ml_monitor.as_of() are ignored (they did not exist
        yet at the evaluation time); labels with a null key or a null label are ignored.
      - only predictions older than `label_delay` are eligible:
        timestamp_column < as_of - label_delay (the "cutoff"); a `window` then ends at the
        cutoff: [cutoff - window, cutoff). -#}

{#- Validates the label arguments and returns a dict describing the join. -#}
{% macro _label_join(test, relation, labels, join_key, label_column, label_join_key=none,
                     label_timestamp_column=none, timestamp_column=none, label_delay=none) -%}
  {%- do ml_monitor._check_relation(test, relation, 'labels', labels, required=true) -%}
  {%- set pkeys = ml_monitor._check_names(test, relation, 'join_key', join_key, required=true) -%}
  {%- set lkeys = ml_monitor._check_names(test, relation, 'label_join_key', label_join_key, exists_in=labels) -%}
  {%- if lkeys | length == 0 -%}
    {%- do ml_monitor._check_columns_exist(test, relation, 'join_key', pkeys, labels) -%}
    {%- set lkeys = ml_monitor._actual_column_names(labels, pkeys) -%}
  {%- endif -%}
  {%- if lkeys | length != pkeys | length -%}
    {{ ml_monitor._arg_error(test, relation, 'label_join_key', 'must name as many columns as join_key (' ~ (pkeys | length) ~ ')', label_join_key) }}
  {%- endif -%}
  {%- set label_names = ml_monitor._check_names(test, relation, 'label_column', label_column, required=true, exists_in=labels) -%}
  {%- if label_names | length != 1 -%}
    {{ ml_monitor._arg_error(test, relation, 'label_column', 'must be one column name', label_column) }}
  {%- endif -%}
  {%- set lts_names = ml_monitor._check_names(test, relation, 'label_timestamp_column', label_timestamp_column, exists_in=labels) -%}
  {%- if lts_names | length > 1 -%}
    {{ ml_monitor._arg_error(test, relation, 'label_timestamp_column', 'must be one column name', label_timestamp_column) }}
  {%- endif -%}
  {%- set ts_names = ml_monitor._check_names(test, relation, 'timestamp_column', timestamp_column) -%}
  {%- if ts_names | length > 1 -%}
    {{ ml_monitor._arg_error(test, relation, 'timestamp_column', 'must be one column name', timestamp_column) }}
  {%- endif -%}
  {%- for n in lts_names -%}{%- do ml_monitor._check_time_column(test, relation, 'label_timestamp_column', n, labels) -%}{%- endfor -%}
  {%- for n in ts_names -%}{%- do ml_monitor._check_time_column(test, relation, 'timestamp_column', n) -%}{%- endfor -%}
  {%- set as_of = ml_monitor.as_of() -%}
  {%- set ns = namespace(cutoff=as_of, delay=none) -%}
  {%- if label_delay is not none -%}
    {%- if ts_names | length == 0 -%}
      {{ ml_monitor._arg_error(test, relation, 'timestamp_column', 'is required when label_delay is given (the prediction time)', 'nothing') }}
    {%- endif -%}
    {%- set ns.delay = ml_monitor._check_period(test, relation, 'label_delay', label_delay) -%}
    {%- set ns.cutoff = ml_monitor._subtract_period(as_of, ns.delay.period, ns.delay.count, test, relation, 'label_delay') -%}
  {%- endif -%}
  {#- timestamps below are UTC instants (the time-zone rule, cross_db/timestamps.sql) -#}
  {%- set keys = [] -%}
  {%- for i in range(pkeys | length) -%}
    {%- do keys.append({'p': ml_monitor.quote_column(pkeys[i]), 'l': ml_monitor.quote_column(lkeys[i]), 'alias': 'mm_key_' ~ loop.index}) -%}
  {%- endfor -%}
  {%- set label_name = ml_monitor.unquoted(label_names[0]) -%}
  {{ return({
      'labels': labels,
      'keys': keys,
      'label_name': label_name,
      'label_sql': ml_monitor.quote_column(label_names[0]),
      'label_ts_sql': ml_monitor._timestamp_utc_sql(labels, lts_names[0]) if lts_names else none,
      'label_ts_name': ml_monitor.unquoted(lts_names[0]) if lts_names else none,
      'ts_sql': ml_monitor._timestamp_utc_sql(relation, ts_names[0]) if ts_names else none,
      'ts_sql_p': ml_monitor._timestamp_utc_sql(relation, ts_names[0], 'p') if ts_names else none,
      'ts_name': ml_monitor.unquoted(ts_names[0]) if ts_names else none,
      'as_of': as_of,
      'cutoff': ns.cutoff,
      'delay': ns.delay,
      'dedup_rule': ('kept the latest by ' ~ ml_monitor.unquoted(lts_names[0])) if lts_names
                    else ('no label_timestamp_column: kept the greatest ' ~ label_name),
  }) }}
{%- endmacro %}

{#- CTE mm_labels (one row per key: mm_key_1.., mm_label, mm_versions), followed by a comma.
    Without a label timestamp, on engines whose max() takes any label type (booleans too:
    not PostgreSQL), one hash aggregate keeps the greatest label; otherwise a window ranks
    the labels of each key. Both keep the same label.
    restrict: none, or [{relation, filter}]: only the labels of keys that these predictions
    have are deduplicated (a semi join), so a run over one window does not rank or aggregate
    the labels of every key ever labelled (the join below reads only those keys anyway). -#}
{% macro _label_join_ctes(lj, restrict=none) -%}
  {%- set lkeys = lj['keys'] | map(attribute='l') | list -%}
  {%- set by_max = lj.label_ts_sql is none and ml_monitor._dispatch('_label_dedup_by_max')() -%}
  {%- set usable -%}
  from {% if restrict %}(select * from {{ lj.labels }}) as mm_l{% else %}{{ lj.labels }}{% endif %}
  where {{ lj.label_sql }} is not null
    {%- for k in lj['keys'] %}
    and {{ k.l }} is not null
    {%- endfor %}
    {%- if restrict %}
    -- only keys of the predictions evaluated
    and ({% for side in restrict %}exists (
      select 1 from (select * from {{ side.relation }}) as mm_p
      where {% for k in lj['keys'] %}mm_p.{{ k.p }} = mm_l.{{ k.l }} and {% endfor %}({{ side.filter }})
    ){% if not loop.last %} or {% endif %}{% endfor %})
    {%- endif %}
    {%- if lj.label_ts_sql and not restrict %}
    -- a label stamped after the evaluation time did not exist yet
    and ({{ lj.label_ts_sql }} is null or {{ lj.label_ts_sql }} <= {{ ml_monitor.timestamp_literal(lj.as_of) }})
    {%- endif %}
  {%- endset -%}
  {#- with restrict and a label timestamp, "did not exist yet" is applied in the ranking below, not
      as a filter: a range filter on the labels makes DuckDB estimate them (20% of the table) below
      the window's predictions (20% of theirs) and build the semi join's hash table on every label
      ever written (21M at the bench's 30 x 1M: 10 s of a 1-window run); unfiltered, the hash is
      built on the window's predictions and only their keys' labels are read. Same label kept. -#}
  {%- set late = lj.label_ts_sql and restrict -%}
  {%- set usable_sql = '(' ~ lj.label_ts_sql ~ ' is null or ' ~ lj.label_ts_sql ~ ' <= ' ~ ml_monitor.timestamp_literal(lj.as_of) ~ ')' if lj.label_ts_sql else none -%}
{%- if by_max %}
-- one label per key, the greatest (no label timestamp): the join below can never fan out
mm_labels as (
  select
    {%- for k in lj['keys'] %}
    {{ k.l }} as {{ k.alias }},
    {%- endfor %}
    max({{ lj.label_sql }}) as mm_label,
    count(*) as mm_versions
  {{ usable }}
  group by {{ lkeys | join(', ') }}
),
{%- else %}
-- every usable label, ranked within its key: latest label timestamp first, then greatest label
{%- if late %}
-- (labels stamped after the evaluation time rank last and are dropped below: they did not exist yet)
{%- endif %}
mm_labels_ranked as (
  select
    {%- for k in lj['keys'] %}
    {{ k.l }} as {{ k.alias }},
    {%- endfor %}
    {{ lj.label_sql }} as mm_label,
    {%- if late %}
    case when {{ usable_sql }} then 1 else 0 end as mm_usable,
    {%- endif %}
    row_number() over (
      partition by {{ lkeys | join(', ') }}
      order by {% if late %}case when {{ usable_sql }} then 1 else 0 end desc, {% endif %}{% if lj.label_ts_sql %}{{ lj.label_ts_sql }} desc nulls last, {% endif %}{{ lj.label_sql }} desc
    ) as mm_rank,
    {%- if late %}
    sum(case when {{ usable_sql }} then 1 else 0 end) over (partition by {{ lkeys | join(', ') }}) as mm_versions
    {%- else %}
    count(*) over (partition by {{ lkeys | join(', ') }}) as mm_versions
    {%- endif %}
  {{ usable }}
),

-- one label per key: the join below can never fan out
mm_labels as (
  select {% for k in lj['keys'] %}{{ k.alias }}, {% endfor %}mm_label, mm_versions
  from mm_labels_ranked
  where mm_rank = 1{% if late %} and mm_usable = 1{% endif %}
),
{%- endif %}
{%- endmacro %}

{#- max() of a label column of any type (numbers, strings, booleans)? PostgreSQL has no
    max(boolean); the window is the portable default. -#}
{% macro default___label_dedup_by_max() %}{{ return(false) }}{% endmacro %}
{% macro duckdb___label_dedup_by_max() %}{{ return(true) }}{% endmacro %}
{% macro spark___label_dedup_by_max() %}{{ return(true) }}{% endmacro %}

{#- One side of the labelled source: the predictions matching `filter`, with their label.
    cols: quoted prediction columns to carry (keys are added). window (windows: N): none, or
    {sql: the window key of a row (mm_w)} or {frame: SQL of rows (mm_w, mm_lo, mm_hi) joined on
    the prediction time, one copy of a row per range it falls in}; ts_sql: the prediction time. -#}
{% macro _label_join_side(lj, side, relation, filter, cols, window=none) -%}
  {%- set needed = [] -%}
  {%- for c in (lj['keys'] | map(attribute='p') | list) + cols -%}
    {%- if c not in needed -%}{%- do needed.append(c) -%}{%- endif -%}
  {%- endfor -%}
  select
    {{ ml_monitor.string_literal(side) }} as mm_side,
    {%- if window is not none %}
    p.mm_w,
    {%- endif %}
    {%- for c in needed %}
    p.{{ c }},
    {%- endfor %}
    l.mm_label,
    coalesce(l.mm_versions, 0) as mm_versions,
    case when l.mm_label is not null then 1 else 0 end as mm_has_label
  from (
    {%- if window is none %}
    select {{ needed | join(', ') }}
    from {{ relation }}
    where {{ filter }}
    {%- elif window.frame is defined %}
    select {{ needed | join(', ') }}, mm_wf.mm_w
    from {{ relation }}
    inner join ({{ window.frame }}) as mm_wf
      on {{ lj.ts_sql }} >= mm_wf.mm_lo and {{ lj.ts_sql }} < mm_wf.mm_hi
    where {{ filter }}
    {%- else %}
    select {{ needed | join(', ') }}, {{ window.sql }} as mm_w
    from {{ relation }}
    where {{ filter }}
    {%- endif %}
  ) as p
  left join mm_labels as l
    on {% for k in lj['keys'] %}p.{{ k.p }} = l.{{ k.alias }}{% if not loop.last %} and {% endif %}{% endfor %}
{%- endmacro %}

{#- The prediction-time filter of the current rows: before the cutoff, inside the window
    (which ends at the cutoff). Returns {filter, start, end}. -#}
{% macro _label_join_window(test, relation, lj, window) -%}
  {%- set conds = [] -%}
  {%- set ns = namespace(start=none, end=none) -%}
  {%- if lj.ts_sql is not none -%}
    {%- set ns.end = lj.cutoff -%}
    {%- do conds.append(lj.ts_sql ~ ' < ' ~ ml_monitor.timestamp_literal(lj.cutoff)) -%}
  {%- endif -%}
  {%- if window is not none -%}
    {%- if lj.ts_sql is none -%}
      {{ ml_monitor._arg_error(test, relation, 'timestamp_column', 'is required when a window is given', 'nothing') }}
    {%- endif -%}
    {%- set spec = ml_monitor._check_period(test, relation, 'window', window) -%}
    {%- set ns.start = ml_monitor._subtract_period(lj.cutoff, spec.period, spec.count, test, relation) -%}
    {%- do conds.append(lj.ts_sql ~ ' >= ' ~ ml_monitor.timestamp_literal(ns.start)) -%}
  {%- endif -%}
  {{ return({'conds': conds, 'start': ns.start, 'end': ns.end}) }}
{%- endmacro %}

{#- Labels and what they are compared with (prediction columns, positive_label) must be of one
    kind: text labels ('yes' / 'no') against numeric predictions or a numeric positive_label
    (or the reverse) is explained at compile time, instead of an engine's Conversion Error. -#}
{% macro _check_label_types(test, relation, labels, label_column, prediction_columns, positive_label, uses_positive=true) -%}
  {%- set label_name = (label_column[0] if (label_column is iterable and label_column is not string) else label_column) -%}
  {%- set linfo = ml_monitor._column_info(labels, label_name) -%}
  {%- if linfo is none -%}{{ return(none) }}{%- endif -%}
  {%- set lkind = ml_monitor._value_kind(linfo.dtype) -%}
  {%- for pc in prediction_columns if pc is not none -%}
    {%- set pinfo = ml_monitor._column_info(relation, pc) -%}
    {%- set pkind = ml_monitor._value_kind(pinfo.dtype) if pinfo is not none else 'other' -%}
    {%- if 'other' not in [lkind, pkind] and lkind != pkind and 'text' in [lkind, pkind] -%}
      {{ ml_monitor._arg_error(test, relation, 'label_column',
          "'" ~ label_name ~ "' holds " ~ lkind ~ " (" ~ linfo.dtype ~ ") but the prediction column '" ~ pc ~ "' holds "
          ~ pkind ~ " (" ~ pinfo.dtype ~ "): labels and predictions are compared for equality, so they must be of the same kind; "
          ~ "map one onto the other in a model (e.g. case when label = 'yes' then 1 else 0 end)", label_name) }}
    {%- endif -%}
  {%- endfor -%}
  {%- set pos_kind = 'booleans' if positive_label is boolean else ('numbers' if positive_label is number else 'text') -%}
  {%- if uses_positive and 'text' in [lkind, pos_kind] and lkind != pos_kind and lkind != 'other' -%}
    {{ ml_monitor._arg_error(test, relation, 'positive_label',
        "is " ~ pos_kind ~ " but label_column '" ~ label_name ~ "' holds " ~ lkind ~ " (" ~ linfo.dtype ~ "); give the positive class as the labels spell it"
        ~ (" (e.g. positive_label: 'yes')" if lkind == 'text' else ""), positive_label) }}
  {%- endif -%}
{%- endmacro %}

{#- Regression metrics subtract the prediction from the label: both must hold numbers. A text or
    boolean column is explained at compile time, instead of an engine's Conversion Error at run
    time (or, for text that happens to parse, a metric that breaks on the first 'n/a'). -#}
{% macro _check_regression_types(test, relation, labels, label_column, prediction_columns) -%}
  {%- set label_name = (label_column[0] if (label_column is iterable and label_column is not string) else label_column) -%}
  {%- set checks = [('label_column', labels, label_name)] -%}
  {%- for arg, pc in prediction_columns if pc is not none -%}{%- do checks.append((arg, relation, pc)) -%}{%- endfor -%}
  {%- for arg, rel, col in checks -%}
    {%- set info = ml_monitor._column_info(rel, col) -%}
    {%- set kind = ml_monitor._value_kind(info.dtype) if info is not none else 'other' -%}
    {%- if kind in ['text', 'booleans'] -%}
      {{ ml_monitor._arg_error(test, relation, arg, "'" ~ col ~ "' holds " ~ kind ~ " (" ~ info.dtype ~ "), but regression metrics "
          ~ "(mae, rmse, mape, r2) need numbers: cast it in a model (and decide there what a value that is no number means)", col) }}
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}

{#- numbers / text / booleans / other, from a column type. -#}
{% macro _value_kind(data_type) -%}
  {%- set family = ml_monitor.type_family(data_type) -%}
  {%- if family in ['integer', 'float', 'decimal'] -%}{{ return('numbers') }}
  {%- elif family == 'string' -%}{{ return('text') }}
  {%- elif family == 'boolean' -%}{{ return('booleans') }}
  {%- endif -%}
  {{ return('other') }}
{%- endmacro %}
