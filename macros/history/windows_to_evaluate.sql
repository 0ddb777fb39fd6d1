{#- Incremental refresh: which of a test's windows a run evaluates.

    With history present, a run evaluates only
      - windows absent from the metric store for this test,
      - the newest window (its data may still be arriving),
      - for label-joined monitors (performance, calibration, label_coverage): windows whose
        labels changed since they were stored (late labels re-score the past), or, with
        performance's relative reference (reference_window), the labels of their reference
        period (it gives the window's baseline_value): _windows_with_new_labels.
    Everything else is read from the metric store ml_monitor_metrics, so a scheduled run after a
    backfill reads only the new window's rows plus the labels that arrived.

    Opt-outs (every window is evaluated): `dbt build --full-refresh`, var
    ml_monitor_incremental: false, no history table yet, a single window, or fail_on: any (its
    verdict is over every window of the series: a window read from the store would not count,
    and a failing past window would stop failing the test on the next run).

    windows: [{start, end, ...}] oldest first (naive UTC datetimes), as scope built them.
    label_check: none, or {relation, filter, lj} for label-joined monitors: the predictions,
      the SQL boolean of eligible rows without the window bounds (user where, label cutoff),
      and the dict of ml_monitor._label_join(...).
      Optional key reference: {relation (none: the predictions), filter} with each window's
      ref_start (the start of its reference period), for a reference_window.
    Returns the windows to evaluate (a sublist, same order). -#}
{% macro _windows_to_evaluate(windows, label_check=none, fail_on='latest') -%}
  {%- if not execute or windows | length <= 1 or fail_on == 'any' or not ml_monitor._incremental_enabled() -%}
    {{ return(windows) }}
  {%- endif -%}
  {%- set test_id = ml_monitor._current_test_id() -%}
  {%- set history = ml_monitor.history_relation() -%}
  {%- if test_id is none or history is none
        or adapter.get_relation(history.database, history.schema, history.identifier) is none -%}
    {{ return(windows) }}
  {%- endif -%}
  {%- set stored = ml_monitor._stored_windows(history, test_id, windows) -%}
  {%- set changed = [] -%}
  {%- if label_check is not none -%}
    {%- set changed = ml_monitor._windows_with_new_labels(windows, stored, label_check) -%}
  {%- endif -%}
  {%- set todo = [] -%}
  {%- for w in windows -%}
    {%- set key = ml_monitor._window_key(w.start, w.end) -%}
    {%- if loop.last or key not in stored or key in changed -%}{%- do todo.append(w) -%}{%- endif -%}
  {%- endfor -%}
  {{ log("ml_monitor: " ~ test_id ~ ": evaluating " ~ (todo | length) ~ " of " ~ (windows | length)
         ~ " windows (" ~ (windows | length - stored | length) ~ " new to the store, " ~ (changed | length)
         ~ " with new labels, theirs or their reference period's; the rest read from ml_monitor_metrics)", info=false) }}
  {{ return(todo) }}
{%- endmacro %}

{#- false under --full-refresh or var ml_monitor_incremental: false, and when compiling for
    another engine (var ml_monitor_dialect: the SQL is rendered for it, the queries would run here). -#}
{% macro _incremental_enabled() -%}
  {%- if flags.FULL_REFRESH or var('ml_monitor_dialect', none) is not none -%}{{ return(false) }}{%- endif -%}
  {%- set v = var('ml_monitor_incremental', true) -%}
  {{ return(not (v is false or (v is string and v | lower in ['false', '0', 'no']))) }}
{%- endmacro %}

{#- The unique_id of the test being compiled. Inside a generic test's body `model` is the
    tested relation (the test's own argument); in a macro it is the node being compiled. -#}
{% macro _current_test_id() -%}
  {%- if model is mapping and model.get('resource_type') == 'test' -%}{{ return(model.get('unique_id')) }}{%- endif -%}
  {%- if model is not mapping and model is defined and model.resource_type is defined and model.resource_type == 'test' -%}
    {{ return(model.unique_id) }}
  {%- endif -%}
  {{ return(none) }}
{%- endmacro %}

{% macro _window_key(start, end) -%}
  {{ return((start.strftime('%Y-%m-%d %H:%M:%S') if start is not none else '') ~ '/' ~ (end.strftime('%Y-%m-%d %H:%M:%S') if end is not none else '')) }}
{%- endmacro %}

{#- A timestamp read back from the warehouse (datetime, or text on some drivers) as a naive datetime. -#}
{% macro _as_datetime(v) -%}
  {%- if v is none -%}{{ return(none) }}{%- endif -%}
  {%- if v is string -%}{{ return(ml_monitor._try_strptime(v[:19].replace('T', ' '), '%Y-%m-%d %H:%M:%S')) }}{%- endif -%}
  {{ return(v.replace(tzinfo=none, microsecond=0)) }}
{%- endmacro %}

{#- The windows of this test that the metric store holds, among the candidates:
    {key: {as_of, labelled}} (labelled: labelled rows of the overall label_coverage row). -#}
{% macro _stored_windows(history, test_id, windows) -%}
  {%- set sql -%}
    select
      window_start,
      window_end,
      max(as_of) as as_of,
      sum(case when metric = 'label_coverage' and segment_column is null
               then round(value * sample_size) end) as labelled
    from ({{ ml_monitor.metric_store_sql(history, test_id) }}) as store
    where window_start >= {{ ml_monitor.timestamp_literal(windows[0].start) }}
      and window_end <= {{ ml_monitor.timestamp_literal(windows[-1].end) }}
    group by window_start, window_end
  {%- endset -%}
  {%- set found = {} -%}
  {%- for row in run_query(sql).rows -%}
    {%- set key = ml_monitor._window_key(ml_monitor._as_datetime(row[0]), ml_monitor._as_datetime(row[1])) -%}
    {%- do found.update({key: {'as_of': ml_monitor._as_datetime(row[2]),
                               'labelled': (row[3] | int) if row[3] is not none else none}}) -%}
  {%- endfor -%}
  {{ return(found) }}
{%- endmacro %}

{#- Stored windows whose labels changed. With a label timestamp: a label stamped after the
    evaluation time (as_of) of the window's stored evaluation, and not after this run's, joined
    to a prediction of the window - only those new labels are read, and the predictions' key
    and timestamp in the stored windows. Without one: the number of labelled predictions per
    window differs from the stored label_coverage (this reads the keys of every prediction in
    the stored windows). Returns the keys of the changed windows.

    A relative reference (label_check.reference, each window's ref_start: performance's and
    calibration's reference_window): the window's baseline is computed on the labels of its
    reference period [ref_start, start), so those count as the window's labels too. With a label
    timestamp the check reads [ref_start, end) of each stored window (the reference period of the
    oldest reaches before the series), on the reference relation when one is given. Without
    one, a stored window is also changed when its reference period overlaps a window whose
    labelled count changed (no count of a reference period is stored: a reference period before
    the series' first window, or on another relation, is not checked). -#}
{% macro _windows_with_new_labels(windows, stored, label_check) -%}
  {%- set lj = label_check.lj -%}
  {%- set ref = label_check.get('reference') -%}
  {%- set checked = [] -%}
  {%- for w in windows[:-1] -%}
    {%- set key = ml_monitor._window_key(w.start, w.end) -%}
    {%- if key in stored and (lj.label_ts_sql is not none and stored[key].as_of is not none
                              or lj.label_ts_sql is none and stored[key].labelled is not none) -%}
      {%- do checked.append({'i': loop.index0, 'key': key, 'w': w, 's': stored[key]}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if checked | length == 0 or lj.ts_sql is none -%}{{ return([]) }}{%- endif -%}
  {%- set ts = lj.ts_sql_p -%}
  {#- the prediction ranges whose new labels change a window: sides of (relation, filter, ranges),
      each range a window's [lo, hi) for the bounds named in `spans` -#}
  {%- set spans = [] -%}
  {%- if lj.label_ts_sql is not none and ref is not none and ref.relation is none -%}
    {%- do spans.append((label_check.relation, label_check.filter, 'ref_start', 'end')) -%}
  {%- else -%}
    {%- do spans.append((label_check.relation, label_check.filter, 'start', 'end')) -%}
    {%- if lj.label_ts_sql is not none and ref is not none -%}
      {%- do spans.append((ref.relation, ref.filter, 'ref_start', 'start')) -%}
    {%- endif -%}
  {%- endif -%}
  {%- set sides = [] -%}
  {%- for relation, filter, lo, hi in spans -%}
    {%- set ranges = [] -%}
    {%- for c in checked -%}{%- do ranges.append({'i': c.i, 'start': c.w[lo], 'end': c.w[hi], 'as_of': c.s.as_of}) -%}{%- endfor -%}
    {%- do sides.append({'relation': relation, 'filter': filter, 'ranges': ranges}) -%}
  {%- endfor -%}
  {%- set sql -%}
    {%- if lj.label_ts_sql is not none %}
    {%- set since = checked | map(attribute='s') | map(attribute='as_of') | min %}
    -- labels that arrived after the oldest stored evaluation (one label per key is enough)
    with new_labels as (
      select {% for k in lj['keys'] %}{{ k.l }} as {{ k.alias }}, {% endfor %}max({{ lj.label_ts_sql }}) as mm_label_ts
      from {{ lj.labels }}
      where {{ lj.label_sql }} is not null
        {%- for k in lj['keys'] %}
        and {{ k.l }} is not null
        {%- endfor %}
        and {{ lj.label_ts_sql }} > {{ ml_monitor.timestamp_literal(since) }}
        and {{ lj.label_ts_sql }} <= {{ ml_monitor.timestamp_literal(lj.as_of) }}
      group by {{ lj['keys'] | map(attribute='l') | join(', ') }}
    ),
    {%- else %}
    with new_labels as (
      select distinct {% for k in lj['keys'] %}{{ k.l }} as {{ k.alias }}{% if not loop.last %}, {% endif %}{% endfor %}
      from {{ lj.labels }}
      where {{ lj.label_sql }} is not null
        {%- for k in lj['keys'] %}
        and {{ k.l }} is not null
        {%- endfor %}
    ),
    {%- endif %}
    -- the stored window of each eligible prediction with such a label
    -- (the predictions read as a subquery: a test's `where` config makes dbt pass the model as
    -- "(select * from x where ...) dbt_subquery", which cannot take an alias of its own)
    hits as (
      {%- for side in sides %}
      {%- set ns = namespace(overlap=false) %}
      {%- for r in side.ranges[1:] %}{% if r.start < side.ranges[loop.index0].end %}{% set ns.overlap = true %}{% endif %}{% endfor %}
      {%- if not loop.first %}
      union all
      {%- endif %}
      {%- if ns.overlap %}
      -- overlapping ranges (reference periods): a prediction counts for every window it is in
      select f.mm_window
      from (select * from {{ side.relation }}) as p
      join new_labels as l
        on {% for k in lj['keys'] %}p.{{ k.p }} = l.{{ k.alias }}{% if not loop.last %} and {% endif %}{% endfor %}
      join (
        {%- for r in side.ranges %}
        select {{ r.i }} as mm_window, {{ ml_monitor.timestamp_literal(r.start) }} as mm_lo,
               {{ ml_monitor.timestamp_literal(r.end) }} as mm_hi, {{ ml_monitor.timestamp_literal(r.as_of) }} as mm_as_of
        {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
      ) as f
        on {{ ts }} >= f.mm_lo and {{ ts }} < f.mm_hi and l.mm_label_ts > f.mm_as_of
      where ({{ side.filter }})
        and ({{ ml_monitor._window_ranges_sql(ts, side.ranges) }})
      {%- else %}
      select
        case
          {%- for r in side.ranges %}
          when {{ ts }} >= {{ ml_monitor.timestamp_literal(r.start) }} and {{ ts }} < {{ ml_monitor.timestamp_literal(r.end) }}
            {%- if lj.label_ts_sql is not none %} and l.mm_label_ts > {{ ml_monitor.timestamp_literal(r.as_of) }}{% endif %} then {{ r.i }}
          {%- endfor %}
        end as mm_window
      from (select * from {{ side.relation }}) as p
      join new_labels as l
        on {% for k in lj['keys'] %}p.{{ k.p }} = l.{{ k.alias }}{% if not loop.last %} and {% endif %}{% endfor %}
      where ({{ side.filter }})
        and ({{ ml_monitor._window_ranges_sql(ts, side.ranges) }})
      {%- endif %}
      {%- endfor %}
    )
    select mm_window, count(*) as n
    from hits
    where mm_window is not null
    group by mm_window
  {%- endset -%}
  {%- set counts = {} -%}
  {%- for row in run_query(sql).rows -%}{%- do counts.update({row[0] | int: row[1] | int}) -%}{%- endfor -%}
  {%- set changed = [] -%}
  {%- set changed_ranges = [] -%}
  {%- for c in checked -%}
    {%- if lj.label_ts_sql is not none and counts.get(c.i, 0) > 0
          or lj.label_ts_sql is none and counts.get(c.i, 0) != c.s.labelled -%}
      {%- do changed.append(c.key) -%}
      {%- do changed_ranges.append(c.w) -%}
    {%- endif -%}
  {%- endfor -%}
  {#- without a label timestamp: a window whose reference period (on the same relation) overlaps
      a window whose labelled count changed -#}
  {%- if lj.label_ts_sql is none and ref is not none and ref.relation is none -%}
    {%- for c in checked if c.key not in changed -%}
      {%- for w in changed_ranges -%}
        {%- if w.start < c.w.start and w.end > c.w.ref_start and c.key not in changed -%}{%- do changed.append(c.key) -%}{%- endif -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(changed) }}
{%- endmacro %}


