{#- Anomaly detection on a monitor's per-window series (docs/anomaly-detection.md).

    A monitor given `anomaly: {...}` evaluates a series of windows in its one scan (windows: N,
    derived from the anomaly settings when not given), and this builder appends one
    `<metric>_anomaly` row per series (monitor, column, segment, metric): the newest window's value
    held against the training windows before it. Nothing here reads the monitored table: the
    builder works on the monitor's own observation rows (CTE `ml_observed`).

    Rules (mirrored by integration_tests/scripts/gen_anomaly.py):
      - usable value of a window: the row's value when its status is pass or fail (a value
        computed on enough rows, finite); no row / no_data / skipped / NaN -> missing;
      - training windows of window i: the `training_windows` windows i - stride, i - 2*stride, ...
        (stride 1, or the windows in a week / a day with seasonality day_of_week / hour_of_day);
        the tested (newest) window is never among them;
      - exclude_anomalies: a training window is left out when its own value breaches the band of
        its own training windows (same rules, one level, without exclusion, judged only when it
        has min_training_windows usable values);
      - band: expected +- sensitivity * spread, its bounds clipped to the metric's domain
        (macros/core/metric_domain.sql: rates to [0, 1]); zscore: mean and sample standard deviation
        (ddof 1), mad: median and 1.4826 * median(|v - median|); spread 0 -> band [e, e];
      - fail when the value leaves the band in the watched direction and |v - e| > min_abs_change
        and |v - e| > min_rel_change * |e|; fewer than min_training_windows usable training
        values -> skipped; no usable value in the tested window -> no_data. -#}

{#- Every setting with its default: one place. -#}
{% macro _anomaly_defaults() -%}
  {{ return({'method': 'zscore', 'sensitivity': 3, 'training_windows': 14, 'min_training_windows': 5,
             'direction': 'both', 'seasonality': none, 'min_abs_change': 0, 'min_rel_change': 0,
             'exclude_anomalies': true}) }}
{%- endmacro %}

{#- `anomaly` (a mapping, or true for the defaults) checked against the monitor's window and
    `windows`; returns the settings plus stride (windows per season) and windows_needed, or none. -#}
{% macro _anomaly_config(test, relation, anomaly, window, windows, timestamp_column) -%}
  {%- if anomaly is none or anomaly is false -%}{{ return(none) }}{%- endif -%}
  {%- set given = {} if anomaly is true else anomaly -%}
  {%- if given is not mapping -%}
    {{ ml_monitor._arg_error(test, relation, 'anomaly', "must be a mapping like {method: zscore, sensitivity: 3} (or true for the defaults)", anomaly) }}
  {%- endif -%}
  {%- set cfg = ml_monitor._anomaly_defaults() -%}
  {%- set known = cfg.keys() | list -%}
  {%- for k, v in given.items() -%}
    {%- if k not in known -%}
      {{ ml_monitor._arg_error(test, relation, 'anomaly.' ~ k, "is not an anomaly setting; the settings are: " ~ (known | sort | join(', ')), v) }}
    {%- endif -%}
    {%- do cfg.update({k: v}) -%}
  {%- endfor -%}
  {%- if window is none or timestamp_column is none -%}
    {{ ml_monitor._arg_error(test, relation, 'anomaly', "needs timestamp_column and window (it learns from the series of windows)", anomaly) }}
  {%- endif -%}
  {%- do ml_monitor._check_choice(test, relation, 'anomaly.method', cfg.method, ['zscore', 'mad']) -%}
  {%- do ml_monitor._check_choice(test, relation, 'anomaly.direction', cfg.direction, ['spike', 'drop', 'both']) -%}
  {%- do ml_monitor._check_choice(test, relation, 'anomaly.seasonality', cfg.seasonality, [none, 'day_of_week', 'hour_of_day']) -%}
  {%- do ml_monitor._check_number(test, relation, 'anomaly.sensitivity', cfg.sensitivity, required=true) -%}
  {%- if cfg.sensitivity <= 0 -%}
    {{ ml_monitor._arg_error(test, relation, 'anomaly.sensitivity', "must be a number > 0", cfg.sensitivity) }}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'anomaly.min_training_windows', cfg.min_training_windows, required=true, min=2, integer=true) -%}
  {%- do ml_monitor._check_number(test, relation, 'anomaly.training_windows', cfg.training_windows, required=true, min=1, integer=true) -%}
  {%- if cfg.training_windows < cfg.min_training_windows -%}
    {{ ml_monitor._arg_error(test, relation, 'anomaly.training_windows', "must be at least min_training_windows (" ~ cfg.min_training_windows ~ ")", cfg.training_windows) }}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'anomaly.min_abs_change', cfg.min_abs_change, required=true, min=0) -%}
  {%- do ml_monitor._check_number(test, relation, 'anomaly.min_rel_change', cfg.min_rel_change, required=true, min=0) -%}
  {%- do ml_monitor._check_bool(test, relation, 'anomaly.exclude_anomalies', cfg.exclude_anomalies) -%}
  {%- set spec = ml_monitor._check_period(test, relation, 'window', window) -%}
  {%- set stride = 1 -%}
  {%- if cfg.seasonality is not none -%}
    {%- set season_seconds = 604800 if cfg.seasonality == 'day_of_week' else 86400 -%}
    {%- set w_seconds = ml_monitor._period_seconds(spec) -%}
    {%- if spec.period in ['month', 'year'] or w_seconds >= season_seconds or season_seconds % w_seconds != 0 -%}
      {{ ml_monitor._arg_error(test, relation, 'anomaly.seasonality', cfg.seasonality ~ " needs windows shorter than a " ~ ('week' if cfg.seasonality == 'day_of_week' else 'day') ~ " that divide it evenly (window is " ~ spec.count ~ " " ~ spec.period ~ ")", cfg.seasonality) }}
    {%- endif -%}
    {%- set stride = (season_seconds // w_seconds) | int -%}
  {%- endif -%}
  {%- set needed = 1 + stride * cfg.training_windows * (2 if cfg.exclude_anomalies else 1) -%}
  {#- windows: N (any N >= 1) scans only the N newest windows: the older training windows come
      from the metric store (_anomaly_plan) -#}
  {%- if needed > 1000 -%}
    {{ ml_monitor._arg_error(test, relation, 'anomaly.training_windows', "needs " ~ needed ~ " windows in the scan (over 1000): use fewer training windows or longer windows", cfg.training_windows) }}
  {%- endif -%}
  {%- do cfg.update({'stride': stride, 'windows_needed': needed, 'test': test, 'relation': relation}) -%}
  {{ return(cfg) }}
{%- endmacro %}

{#- The season a window belongs to, for the detail text: '' without seasonality. -#}
{% macro _anomaly_season_label(cfg, w) -%}
  {%- if cfg.seasonality == 'day_of_week' -%}
    {{ return('weekday ' ~ w.start.strftime('%A') ~ ((' ' ~ w.start.strftime('%H:%M')) if cfg.stride > 7 else '')) }}
  {%- elif cfg.seasonality == 'hour_of_day' -%}
    {{ return('hour ' ~ w.start.strftime('%H:%M')) }}
  {%- endif -%}
  {{ return('') }}
{%- endmacro %}

{#- Where the series comes from; sets cfg.series_windows and cfg.store, returns cfg.
    The series: the windows the rules need (windows_needed, or the N of `windows: N` when more),
    ending at `end` (window length `spec`), oldest first; the newest is tested. `candidates`: the
    windows the monitor is asked for; `scanned`: those this run evaluates (incremental refresh
    leaves out windows the metric store already holds). Every series window not scanned is read
    from the metric store (the latest stored evaluation of this test's window) when the store can
    be read: incremental refresh on, a test being compiled (its unique_id is the store's key), the
    history table present. Otherwise cfg.store is none and such windows are missing values. -#}
{% macro _anomaly_plan(cfg, end, spec, candidates, scanned) -%}
  {%- set series = ml_monitor._window_bounds(end, spec, [cfg.windows_needed, candidates | length] | max, cfg.test, cfg.relation) -%}
  {%- set scanned_starts = scanned | map(attribute='start') | list -%}
  {%- set unscanned = [] -%}
  {%- for w in series -%}
    {%- if w.start not in scanned_starts -%}{%- do unscanned.append(w) -%}{%- endif -%}
  {%- endfor -%}
  {%- set store = none -%}
  {%- if unscanned and execute and ml_monitor._incremental_enabled() -%}
    {%- set test_id = ml_monitor._current_test_id() -%}
    {%- set history = ml_monitor.history_relation() -%}
    {%- if test_id is not none and history is not none
          and adapter.get_relation(history.database, history.schema, history.identifier) is not none -%}
      {%- set store = {'history': history, 'test_id': test_id, 'windows': unscanned} -%}
    {%- endif -%}
  {%- endif -%}
  {%- do cfg.update({'series_windows': series, 'store': store}) -%}
  {{ return(cfg) }}
{%- endmacro %}

{#- The anomaly CTEs and the final select, after a CTE `ml_observed` of observation rows (with
    is_deciding) of the scanned windows; cfg as _anomaly_plan left it (series_windows, store).

    One chain: every CTE reads the one before it once, and ml_observed is read once (Spark
    inlines a CTE at each reference, so a CTE read twice is planned twice). Each observation row
    is copied once per part it plays (the copies of ml_anomaly_copies):
      obs     the row itself, passed through; in the partition of the tested window it is the
              tested value ('self') or one of its training values ('train');
      anom    a candidate for the series' anomaly row (one per series is kept);
      jself / jtrain   (exclude_anomalies) a training window judged against its own training
              windows: the window itself, and each earlier window that trains it (offset m).
    Bands are window functions partitioned by series (and target window): no join, no group by,
    no window over all rows. -#}
{% macro _anomaly_sql(cfg) -%}
  {%- set windows = cfg.series_windows -%}
  {%- set n = windows | length -%}
  {%- set tested = n - 1 -%}
  {%- set tested_phase = tested % cfg.stride -%}
  {%- set tested_cycle = tested // cfg.stride -%}
  {#- the cycles of the tested window's training windows (same phase) -#}
  {%- set first_cycle = tested_cycle - cfg.training_windows -%}
  {%- set n_training = [cfg.training_windows, tested_cycle] | min -%}
  {%- set s = ml_monitor.type_string() -%}
  {%- set series = 'monitor, column_name, segment_column, segment_value, metric' -%}
  {%- set k = ml_monitor.double_literal(cfg.sensitivity) -%}
  {%- set w = windows[-1] -%}
  {%- set cols = ml_monitor.observation_columns() | join(', ') -%}

-- the series' windows (literals, oldest first): windows with the same phase are a season apart
{%- set window_rows = [] %}
{%- for win in windows %}
  {%- do window_rows.append([win.start_sql, loop.index0, loop.index0 % cfg.stride, loop.index0 // cfg.stride]) %}
{%- endfor %}
ml_anomaly_windows as (
  select * from {{ ml_monitor.literal_rows(window_rows, ['window_start', 'ml_idx', 'ml_phase', 'ml_cycle'], 'ml_w') }}
),

-- the parts an observation row plays (see above); ml_m: how many seasons before its target
{%- set copy_rows = [["'obs'", 0], ["'anom'", 0]] %}
{%- if cfg.exclude_anomalies %}
  {%- do copy_rows.append(["'jself'", 0]) %}
  {%- for m in range(1, cfg.training_windows + 1) %}{%- do copy_rows.append(["'jtrain'", m]) %}{%- endfor %}
{%- endif %}
ml_anomaly_copies as (
  select * from {{ ml_monitor.literal_rows(copy_rows, ['ml_kind', 'ml_m'], 'ml_c') }}
),

{%- if cfg.store is not none %}
-- training windows this run does not scan: the metric store's latest evaluation of them (this
-- test's rows in the audit log {{ cfg.store.history }}), for training only (never output)
ml_anomaly_stored as (
  select {{ cols }}, false as is_deciding, 1 as ml_stored
  from ({{ ml_monitor.metric_store_sql(cfg.store.history, cfg.store.test_id) }}) as ml_store
  where window_start in ({% for sw in cfg.store.windows %}{{ sw.start_sql }}{% if not loop.last %}, {% endif %}{% endfor %})
),

{% endif -%}
-- every observation row in each of its parts: ml_target is the window whose band it enters
-- (the tested window {{ tested }}, or a judged training window), ml_role self / train / none;
-- ml_point: the row's value when its status is pass or fail (computed on enough rows) and
-- finite, null (missing) for no_data, skipped or NaN
ml_anomaly_parts as (
  select o.*, w.ml_idx, c.ml_kind,
         case c.ml_kind when 'jtrain' then w.ml_idx + c.ml_m * {{ cfg.stride }}
                        when 'jself' then w.ml_idx
                        else {{ tested }} end as ml_target,
         case
           when c.ml_kind = 'obs' and w.ml_idx = {{ tested }} then 'self'
           when c.ml_kind = 'obs' and w.ml_phase = {{ tested_phase }}
                and w.ml_cycle between {{ first_cycle }} and {{ tested_cycle - 1 }} then 'train'
           when c.ml_kind = 'jself' then 'self'
           when c.ml_kind = 'jtrain' then 'train'
           else 'none'
         end as ml_role,
         case when o.status in ('pass', 'fail') and not {{ ml_monitor.is_non_finite('o.value') }} then o.value end as ml_point
  {%- if cfg.store is not none %}
  from (
    select {{ cols }}, is_deciding, 0 as ml_stored from ml_observed
    union all
    select * from ml_anomaly_stored
  ) as o
  {%- else %}
  from (select ml_observed.*, 0 as ml_stored from ml_observed) as o
  {%- endif %}
  left join ml_anomaly_windows as w
    on w.window_start = o.window_start
  join ml_anomaly_copies as c
    on c.ml_kind = 'obs'
    or (w.ml_idx is not null
        and (c.ml_kind = 'anom' and o.ml_stored = 0
             {%- if cfg.exclude_anomalies %}
             -- judged: the tested window's training windows; trained: the windows m seasons before them
             or (c.ml_kind in ('jself', 'jtrain') and w.ml_phase = {{ tested_phase }}
                 and w.ml_cycle + c.ml_m between {{ first_cycle }} and {{ tested_cycle - 1 }})
             {%- endif %}
            ))
),
{%- if cfg.exclude_anomalies %}

-- exclude_anomalies: each judged training window's band from its own training windows
ml_anomaly_judge_values as (
  select *, case when ml_role = 'train' and ml_kind = 'jtrain' then ml_point end as ml_j_tv
  from ml_anomaly_parts
),

{{ ml_monitor._anomaly_band_ctes(cfg, 'ml_j', 'ml_anomaly_judge_values', series ~ ', ml_target') }},

-- training windows anomalous against their own training windows (judged with at least
-- min_training_windows values): flagged on every row of their window, to be left out
ml_anomaly_flagged as (
  select *,
         max(case when ml_kind = 'jself' and ml_point is not null and ml_j_n >= {{ cfg.min_training_windows }}
                   and {{ ml_monitor._anomaly_breach_sql(cfg, 'ml_point', 'ml_j_e', 'ml_j_s') }} then 1 else 0 end)
           over (partition by {{ series }}, ml_idx) as ml_is_excluded
  from ml_j_band
),
{%- endif %}

-- the tested window's training values: usable and not excluded
ml_anomaly_test_values as (
  select *,
         case when ml_kind = 'obs' and ml_role = 'train'{% if cfg.exclude_anomalies %} and ml_is_excluded = 0{% endif %} then ml_point end as ml_t_tv
  from {{ 'ml_anomaly_flagged' if cfg.exclude_anomalies else 'ml_anomaly_parts' }}
),

{{ ml_monitor._anomaly_band_ctes(cfg, 'ml_t', 'ml_anomaly_test_values', series) }},

-- per series: the tested window's value, row status and size; training windows without a value
-- (of the {{ n_training }} in the series), excluded, and read from the store; one anom copy per
-- series is kept
ml_anomaly_series as (
  select *,
         max(case when ml_kind = 'obs' and ml_role = 'self' then ml_point end) over (partition by {{ series }}) as ml_tested_v,
         max(case when ml_kind = 'obs' and ml_role = 'self' then sample_size end) over (partition by {{ series }}) as ml_tested_size,
         max(case when ml_kind = 'obs' and ml_role = 'self' then status end) over (partition by {{ series }}) as ml_observed_status,
         {{ n_training }} - count(case when ml_kind = 'obs' and ml_role = 'train' then ml_point end) over (partition by {{ series }}) as ml_missing,
         {% if cfg.exclude_anomalies %}sum(case when ml_kind = 'obs' and ml_role = 'train' then ml_is_excluded else 0 end) over (partition by {{ series }}){% else %}0{% endif %} as ml_excluded,
         count(case when ml_kind = 'obs' and ml_role = 'train' and ml_stored = 1 then ml_point end) over (partition by {{ series }}) as ml_from_store,
         row_number() over (partition by {{ series }}, ml_kind order by ml_idx) as ml_copy_rank
  from ml_t_band
),

-- the rows passed through, and the tested window of every series against its band
ml_anomaly_scored as (
  select *,
         ml_tested_v as ml_v,
         ml_t_n as ml_n, ml_t_e as ml_expected, ml_t_s as ml_spread,
         -- the band's bounds, clipped to the metric's domain (a rate's lower bound is at least 0)
         {{ ml_monitor._clip_to_metric_domain('(ml_t_e - ' ~ k ~ ' * ml_t_s)', 'metric', 'lower') }} as ml_lower,
         {{ ml_monitor._clip_to_metric_domain('(ml_t_e + ' ~ k ~ ' * ml_t_s)', 'metric', 'upper') }} as ml_upper,
         {{ ml_monitor.to_string(ml_monitor.string_literal(w.label)) }} as ml_label,
         {{ ml_monitor.to_string(ml_monitor.string_literal(ml_monitor._anomaly_season_label(cfg, w))) }} as ml_season,
         case
           when ml_tested_v is null then 'no_data'
           when ml_t_n < {{ cfg.min_training_windows }} then 'skipped'
           when {{ ml_monitor._anomaly_breach_sql(cfg, 'ml_tested_v', 'ml_t_e', 'ml_t_s') }} then 'fail'
           else 'pass'
         end as ml_status
  from ml_anomaly_series
  where (ml_kind = 'obs' and ml_stored = 0) or (ml_kind = 'anom' and ml_copy_rank = 1)
)

{#- the anomaly rows decide the test (whatever fail_on says about the per-window rows) -#}
{%- set a = "ml_kind = 'anom'" %}
select
  monitor, column_name, segment_column, segment_value,
  case when {{ a }} then cast(metric || '_anomaly' as {{ s }}) else metric end as metric,
  case when {{ a }} then {{ ml_monitor.to_double("case when ml_status in ('pass', 'fail') then (case when ml_spread > 0 then (ml_v - ml_expected) / ml_spread when ml_v = ml_expected then 0 end) end") }}
       else value end as value,
  case when {{ a }} then {{ k }} else threshold end as threshold,
  case when {{ a }} then {{ ml_monitor.to_double("case when ml_status in ('pass', 'fail') then ml_expected end") }}
       else baseline_value end as baseline_value,
  case when {{ a }} then {{ ml_monitor.to_bigint('coalesce(ml_tested_size, 0)') }} else sample_size end as sample_size,
  case when {{ a }} then {{ ml_monitor.to_timestamp(w.start_sql) }} else window_start end as window_start,
  case when {{ a }} then {{ ml_monitor.to_timestamp(w.end_sql) }} else window_end end as window_end,
  case when {{ a }} then cast(ml_status as {{ s }}) else status end as status,
  case when {{ a }} then cast({{ ml_monitor._anomaly_detail_sql(cfg) }} as {{ s }}) else detail end as detail,
  case when {{ a }} then cast({{ ml_monitor._anomaly_facts_sql(cfg) }} as {{ s }}) else facts end as facts,
  case when {{ a }} then true else is_deciding end as is_deciding
from ml_anomaly_scored
{%- endmacro %}

{#- CTEs `<p>_centre` .. `<p>_band` after `input`, whose column `<p>_tv` holds the training values
    (null: not one): per partition `part`, <p>_n (how many), <p>_e (expected value) and <p>_s
    (spread), on every row. Window functions only, each CTE reading the previous one once. Two
    passes (the centre, then the deviations from it), so a constant series has spread exactly 0.
    Medians as numpy's: the middle value, or the mean of the two middle ones (row numbers among
    the non-null values: 2 * rank in [n, n + 2]). -#}
{% macro _anomaly_band_ctes(cfg, p, input, part) -%}
  {%- set tv = p ~ '_tv' -%}
  {%- set is_null = 'case when ' ~ tv ~ ' is null then 1 else 0 end' -%}
{{ p }}_centre as (
  select *,
         count({{ tv }}) over (partition by {{ part }}) as {{ p }}_n,
  {%- if cfg.method == 'mad' %}
         row_number() over (partition by {{ part }}, {{ is_null }} order by {{ tv }}) as {{ p }}_rank
  {%- else %}
         avg({{ tv }}) over (partition by {{ part }}) as {{ p }}_e
  {%- endif %}
  from {{ input }}
),
{%- if cfg.method == 'mad' %}

{{ p }}_median as (
  select *,
         avg(case when 2 * {{ p }}_rank between {{ p }}_n and {{ p }}_n + 2 then {{ tv }} end) over (partition by {{ part }}) as {{ p }}_e
  from {{ p }}_centre
),

{{ p }}_deviation as (
  select *,
         row_number() over (partition by {{ part }}, {{ is_null }} order by abs({{ tv }} - {{ p }}_e)) as {{ p }}_dev_rank
  from {{ p }}_median
),

{{ p }}_band as (
  -- robust spread: 1.4826 * the median absolute deviation (the normal's standard deviation)
  select *,
         1.4826 * avg(case when 2 * {{ p }}_dev_rank between {{ p }}_n and {{ p }}_n + 2 then abs({{ tv }} - {{ p }}_e) end)
           over (partition by {{ part }}) as {{ p }}_s
  from {{ p }}_deviation
)
{%- else %}

{{ p }}_band as (
  -- sample standard deviation (ddof 1), as pandas' std()
  select *,
         case when {{ p }}_n > 1 then sqrt(sum(({{ tv }} - {{ p }}_e) * ({{ tv }} - {{ p }}_e)) over (partition by {{ part }}) / ({{ p }}_n - 1)) end as {{ p }}_s
  from {{ p }}_centre
)
{%- endif %}
{%- endmacro %}

{#- SQL boolean: value v breaches the band (e, spread) in the watched direction by more than the
    minimum changes. Spread 0 (a constant training series): any change beyond them. -#}
{% macro _anomaly_breach_sql(cfg, v, e, spread) -%}
  {%- set k = ml_monitor.double_literal(cfg.sensitivity) -%}
  {%- set parts = [] -%}
  {%- if cfg.direction in ['spike', 'both'] -%}{%- do parts.append(v ~ ' > ' ~ e ~ ' + ' ~ k ~ ' * ' ~ spread) -%}{%- endif -%}
  {%- if cfg.direction in ['drop', 'both'] -%}{%- do parts.append(v ~ ' < ' ~ e ~ ' - ' ~ k ~ ' * ' ~ spread) -%}{%- endif -%}
  (({{ parts | join(' or ') }})
   and abs({{ v }} - {{ e }}) > {{ ml_monitor.double_literal(cfg.min_abs_change) }}
   and abs({{ v }} - {{ e }}) > {{ ml_monitor.double_literal(cfg.min_rel_change) }} * abs({{ e }}))
{%- endmacro %}

{#- The sentence of an anomaly row (ml_anomaly_rows columns). -#}
{% macro _anomaly_detail_sql(cfg) -%}
  {%- set f = ml_monitor._fmt -%}
  {%- set t = ml_monitor.to_string -%}
  {%- set band = "' expected range [' || " ~ f('ml_lower') ~ " || ', ' || " ~ f('ml_upper') ~ " || '] from ' || " ~ ml_monitor._count_text('ml_n', 'training window')
                 ~ " || case when ml_season <> '' then ' (' || ml_season || ')' else '' end" -%}
  (case
    when ml_status = 'no_data' then 'no value in the tested window ' || ml_label || ' (' || coalesce(ml_observed_status, 'no row') || ')'
    when ml_status = 'skipped' then {{ ml_monitor._count_text('ml_n', 'training window') }} || ' with a value, fewer than min_training_windows {{ cfg.min_training_windows }}'
    when ml_status = 'fail' then 'value ' || {{ f('ml_v') }} || ' outside' || {{ band }}
    when ml_v >= ml_lower and ml_v <= ml_upper then 'value ' || {{ f('ml_v') }} || ' inside' || {{ band }}
    else 'value ' || {{ f('ml_v') }} || ' outside' || {{ band }}
      || '; not an anomaly: ' || case
        {%- if cfg.direction == 'spike' %}
        when ml_v < ml_lower then 'direction is spike'
        {%- elif cfg.direction == 'drop' %}
        when ml_v > ml_upper then 'direction is drop'
        {%- endif %}
        when abs(ml_v - ml_expected) <= {{ ml_monitor.double_literal(cfg.min_abs_change) }}
          then 'change ' || {{ f('abs(ml_v - ml_expected)') }} || ' within min_abs_change {{ cfg.min_abs_change }}'
        else 'change ' || {{ f('abs(ml_v - ml_expected)') }} || ' within min_rel_change {{ cfg.min_rel_change }} of the expected value'
      end
  end
  || case when ml_missing > 0 then '; ' || {{ ml_monitor._count_text('ml_missing', 'training window') }} || ' without a value skipped' else '' end
  || case when ml_excluded > 0 then '; ' || {{ ml_monitor._count_text('ml_excluded', 'training window') }} || ' excluded as anomalies' else '' end)
{%- endmacro %}

{#- The facts of an anomaly row: the settings, the band and the counts (JSON text). -#}
{% macro _anomaly_facts_sql(cfg) -%}
  {%- set settings = {} -%}
  {%- for k in ml_monitor._anomaly_defaults().keys() -%}{%- do settings.update({k: cfg[k]}) -%}{%- endfor -%}
  {%- set num = ml_monitor.json_number -%}
  '{"anomaly":' || {{ ml_monitor.json_literal(settings) }}
    || ',"observed":' || {{ num('ml_v') }}
    || ',"expected":' || {{ num('ml_expected') }}
    || ',"spread":' || {{ num('ml_spread') }}
    || ',"lower":' || {{ num('ml_lower') }}
    || ',"upper":' || {{ num('ml_upper') }}
    || ',"training":' || {{ ml_monitor.json_int('ml_n') }}
    || ',"missing":' || {{ ml_monitor.json_int('ml_missing') }}
    || ',"excluded":' || {{ ml_monitor.json_int('ml_excluded') }}
    || ',"from_store":' || {{ ml_monitor.json_int('ml_from_store') }}
    || ',"season":' || {{ ml_monitor.json_string("case when ml_season <> '' then ml_season end") }}
    || '}'
{%- endmacro %}

{#- For the stand-alone anomaly tests: keyword arguments split into anomaly settings (given flat,
    merged over `anomaly` and `defaults`) and the monitor's own arguments (checked against
    `monitor_macro`'s signature: an unknown name is an error naming the test). -#}
{% macro _anomaly_split_args(test, relation, anomaly, given, monitor_macro, defaults={}) -%}
  {%- set settings = {} -%}
  {%- do settings.update(defaults) -%}
  {%- if anomaly is mapping -%}{%- do settings.update(anomaly) -%}
  {%- elif anomaly is not none and anomaly is not true -%}
    {{ ml_monitor._arg_error(test, relation, 'anomaly', "must be a mapping like {method: mad, sensitivity: 3}", anomaly) }}
  {%- endif -%}
  {%- set names = ml_monitor._anomaly_defaults().keys() | list -%}
  {%- set rest = {} -%}
  {%- for k, v in given.items() -%}
    {%- if k in names -%}{%- do settings.update({k: v}) -%}{%- else -%}{%- do rest.update({k: v}) -%}{%- endif -%}
  {%- endfor -%}
  {%- do ml_monitor._check_known_args(test, relation, rest, monitor_macro, names + ['fail_on_no_data']) -%}
  {{ return({'anomaly': settings, 'rest': rest}) }}
{%- endmacro %}
