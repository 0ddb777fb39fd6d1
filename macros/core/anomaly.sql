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
  {%- if windows is not none -%}
    {%- if windows is number and windows < 1 + stride * cfg.min_training_windows -%}
      {{ ml_monitor._arg_error(test, relation, 'windows', "must be at least " ~ (1 + stride * cfg.min_training_windows) ~ " with anomaly (the tested window plus min_training_windows " ~ cfg.min_training_windows ~ (" windows a season apart" if stride > 1 else " earlier windows") ~ ")", windows) }}
    {%- endif -%}
  {%- elif needed > 1000 -%}
    {{ ml_monitor._arg_error(test, relation, 'anomaly.training_windows', "needs " ~ needed ~ " windows in the scan (over 1000): use fewer training windows or longer windows", cfg.training_windows) }}
  {%- endif -%}
  {%- do cfg.update({'stride': stride, 'windows_needed': needed, 'test': test}) -%}
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

{#- The anomaly CTEs and the final select, after a CTE `ml_observed` of observation rows (with
    is_deciding). `windows`: the series' windows, oldest first (the newest is tested). -#}
{% macro _anomaly_sql(cfg, windows) -%}
  {%- set n = windows | length -%}
  {%- set tested_phase = (n - 1) % cfg.stride -%}
  {%- set tested_cycle = (n - 1) // cfg.stride -%}
  {%- set s = ml_monitor.type_string() -%}
  {%- set keys = ['monitor', 'column_name', 'segment_column', 'segment_value', 'metric'] -%}

-- the series' windows (literals, oldest first): windows with the same phase are a season apart;
-- role: the tested (newest) window, its training windows, or other (earlier, judges training)
ml_anomaly_windows as (
  {%- for w in windows %}
  {%- set idx = loop.index0 %}
  {%- set role = 'tested' if loop.last else ('training' if (idx % cfg.stride == tested_phase and idx // cfg.stride >= tested_cycle - cfg.training_windows) else 'other') %}
  select {{ w.start_sql }} as window_start, {{ w.end_sql }} as window_end, {{ idx }} as ml_idx,
         {{ idx % cfg.stride }} as ml_phase, {{ idx // cfg.stride }} as ml_cycle,
         {{ ml_monitor.to_string(ml_monitor.string_literal(role)) }} as ml_role,
         {{ ml_monitor.to_string(ml_monitor.string_literal(w.label)) }} as ml_label,
         {{ ml_monitor.to_string(ml_monitor.string_literal(ml_monitor._anomaly_season_label(cfg, w))) }} as ml_season
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
),

-- every series the monitor returned: (monitor, column, segment, metric)
ml_anomaly_series as (
  select {{ keys | join(', ') }},
         row_number() over (order by {{ keys | join(', ') }}) as ml_sid
  from (select distinct {{ keys | join(', ') }} from ml_observed) as ml_keys
),

-- each series at each window: the value when the window's status is pass or fail (computed on
-- enough rows) and finite; null (missing) for no row, no_data, skipped or NaN
ml_anomaly_points as (
  select s.ml_sid, w.ml_idx, w.ml_phase, w.ml_cycle, w.ml_role,
         case when o.status in ('pass', 'fail') and not {{ ml_monitor.is_non_finite('o.value') }} then o.value end as ml_v
  from ml_anomaly_series as s
  cross join ml_anomaly_windows as w
  left join ml_observed as o
    on {% for k in keys %}{{ ml_monitor.null_safe_equal('o.' ~ k, 's.' ~ k) }} and {% endfor %}o.window_start = w.window_start
),

-- (target, training window) pairs: the training_windows windows a season apart before the
-- target; targets are the tested window and, to exclude anomalies, its training windows
ml_anomaly_pairs as (
  select t.ml_sid, t.ml_idx as ml_target, t.ml_role as ml_target_role, tr.ml_idx as ml_train, tr.ml_v
  from ml_anomaly_points as t
  join ml_anomaly_points as tr
    on tr.ml_sid = t.ml_sid
   and tr.ml_phase = t.ml_phase
   and tr.ml_cycle < t.ml_cycle
   and tr.ml_cycle >= t.ml_cycle - {{ cfg.training_windows }}
  where t.ml_role {% if cfg.exclude_anomalies %}in ('tested', 'training'){% else %}= 'tested'{% endif %}
),
{%- if cfg.exclude_anomalies %}

{{ ml_monitor._anomaly_band_ctes(cfg, 'ml_anomaly_judge',
     "select ml_sid, ml_target, ml_v from ml_anomaly_pairs where ml_target_role = 'training' and ml_v is not null") }},

-- training windows that are anomalous against their own training windows: left out
ml_anomaly_excluded as (
  select b.ml_sid, b.ml_target as ml_idx
  from ml_anomaly_judge_band as b
  join ml_anomaly_points as p
    on p.ml_sid = b.ml_sid and p.ml_idx = b.ml_target
  where b.ml_n >= {{ cfg.min_training_windows }}
    and p.ml_v is not null
    and {{ ml_monitor._anomaly_breach_sql(cfg, 'p.ml_v', 'b.ml_expected', 'b.ml_spread') }}
),
{%- endif %}

-- the tested window's training pairs, each marked missing (no usable value) or excluded
ml_anomaly_training as (
  select p.ml_sid, p.ml_target, p.ml_v,
         {% if cfg.exclude_anomalies %}case when e.ml_idx is not null then 1 else 0 end{% else %}0{% endif %} as ml_is_excluded
  from ml_anomaly_pairs as p
  {%- if cfg.exclude_anomalies %}
  left join ml_anomaly_excluded as e
    on e.ml_sid = p.ml_sid and e.ml_idx = p.ml_train
  {%- endif %}
  where p.ml_target_role = 'tested'
),

ml_anomaly_counts as (
  select ml_sid,
         sum(case when ml_v is null then 1 else 0 end) as ml_missing,
         sum(ml_is_excluded) as ml_excluded
  from ml_anomaly_training
  group by ml_sid
),

{{ ml_monitor._anomaly_band_ctes(cfg, 'ml_anomaly_test',
     "select ml_sid, ml_target, ml_v from ml_anomaly_training where ml_v is not null and ml_is_excluded = 0") }},

-- the tested window of every series against its band
ml_anomaly_scored as (
  select
    s.monitor, s.column_name, s.segment_column, s.segment_value, s.metric,
    w.window_start, w.window_end, w.ml_label, w.ml_season,
    t.ml_v, o.sample_size, o.status as ml_observed_status,
    coalesce(b.ml_n, 0) as ml_n, b.ml_expected, b.ml_spread,
    -- the band's bounds, clipped to the metric's domain (a rate's lower bound is at least 0)
    {{ ml_monitor._clip_to_metric_domain('(b.ml_expected - ' ~ ml_monitor.double_literal(cfg.sensitivity) ~ ' * b.ml_spread)', 's.metric', 'lower') }} as ml_lower,
    {{ ml_monitor._clip_to_metric_domain('(b.ml_expected + ' ~ ml_monitor.double_literal(cfg.sensitivity) ~ ' * b.ml_spread)', 's.metric', 'upper') }} as ml_upper,
    coalesce(c.ml_missing, 0) as ml_missing, coalesce(c.ml_excluded, 0) as ml_excluded
  from ml_anomaly_series as s
  join ml_anomaly_points as t
    on t.ml_sid = s.ml_sid and t.ml_role = 'tested'
  join ml_anomaly_windows as w
    on w.ml_idx = t.ml_idx
  left join ml_anomaly_test_band as b
    on b.ml_sid = s.ml_sid
  left join ml_anomaly_counts as c
    on c.ml_sid = s.ml_sid
  left join ml_observed as o
    on {% for k in keys %}{{ ml_monitor.null_safe_equal('o.' ~ k, 's.' ~ k) }} and {% endfor %}o.window_start = w.window_start
),

ml_anomaly_rows as (
  select *,
    case
      when ml_v is null then 'no_data'
      when ml_n < {{ cfg.min_training_windows }} then 'skipped'
      when {{ ml_monitor._anomaly_breach_sql(cfg, 'ml_v', 'ml_expected', 'ml_spread') }} then 'fail'
      else 'pass'
    end as ml_status
  from ml_anomaly_scored
)

select {{ ml_monitor.observation_columns() | join(', ') }}, is_deciding
from ml_observed
union all
select
  monitor, column_name, segment_column, segment_value,
  cast(metric || '_anomaly' as {{ s }}) as metric,
  {{ ml_monitor.to_double("case when ml_status in ('pass', 'fail') then (case when ml_spread > 0 then (ml_v - ml_expected) / ml_spread when ml_v = ml_expected then 0 end) end") }} as value,
  {{ ml_monitor.double_literal(cfg.sensitivity) }} as threshold,
  {{ ml_monitor.to_double("case when ml_status in ('pass', 'fail') then ml_expected end") }} as baseline_value,
  {{ ml_monitor.to_bigint('coalesce(sample_size, 0)') }} as sample_size,
  {{ ml_monitor.to_timestamp('window_start') }} as window_start,
  {{ ml_monitor.to_timestamp('window_end') }} as window_end,
  cast(ml_status as {{ s }}) as status,
  cast({{ ml_monitor._anomaly_detail_sql(cfg) }} as {{ s }}) as detail,
  cast({{ ml_monitor._anomaly_facts_sql(cfg) }} as {{ s }}) as facts,
  {#- the anomaly rows decide the test (whatever fail_on says about the per-window rows) -#}
  true as is_deciding
from ml_anomaly_rows
{%- endmacro %}

{#- `<name>_band`: per (series, target) over `input_sql` (ml_sid, ml_target, ml_v; usable values
    only): ml_n, ml_expected and ml_spread, in two passes (the centre first, then the deviations
    from it, so a constant series has spread exactly 0). -#}
{% macro _anomaly_band_ctes(cfg, name, input_sql) -%}
{{ name }}_values as (
  {{ input_sql }}
),

{{ name }}_centre as (
  select ml_sid, ml_target, count(*) as ml_n,
         {% if cfg.method == 'mad' %}{{ ml_monitor.quantile('ml_v', 0.5) }}{% else %}avg({{ ml_monitor.to_double('ml_v') }}){% endif %} as ml_expected
  from {{ name }}_values
  group by ml_sid, ml_target
),

{{ name }}_band as (
  select c.ml_sid, c.ml_target, c.ml_n, c.ml_expected,
  {%- if cfg.method == 'mad' %}
         -- robust spread: 1.4826 * the median absolute deviation (the normal's standard deviation)
         1.4826 * {{ ml_monitor.quantile('abs(v.ml_v - c.ml_expected)', 0.5) }} as ml_spread
  {%- else %}
         -- sample standard deviation (ddof 1), as pandas' std()
         case when c.ml_n > 1 then sqrt(sum((v.ml_v - c.ml_expected) * (v.ml_v - c.ml_expected)) / (c.ml_n - 1)) end as ml_spread
  {%- endif %}
  from {{ name }}_centre as c
  join {{ name }}_values as v
    on v.ml_sid = c.ml_sid and v.ml_target = c.ml_target
  group by c.ml_sid, c.ml_target, c.ml_n, c.ml_expected
)
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
  {%- set band = "' expected range [' || " ~ f('ml_lower') ~ " || ', ' || " ~ f('ml_upper') ~ " || '] from ' || " ~ t('ml_n') ~ " || ' training windows'"
                 ~ " || case when ml_season <> '' then ' (' || ml_season || ')' else '' end" -%}
  (case
    when ml_status = 'no_data' then 'no value in the tested window ' || ml_label || ' (' || coalesce(ml_observed_status, 'no row') || ')'
    when ml_status = 'skipped' then {{ t('ml_n') }} || ' training windows with a value, fewer than min_training_windows {{ cfg.min_training_windows }}'
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
  || case when ml_missing > 0 then '; ' || {{ t('ml_missing') }} || ' training windows without a value skipped' else '' end
  || case when ml_excluded > 0 then '; ' || {{ t('ml_excluded') }} || ' training windows excluded as anomalies' else '' end)
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
