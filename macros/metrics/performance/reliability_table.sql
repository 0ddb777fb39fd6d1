{#- The reliability table behind ml_monitor.calibration: one row per non-empty score bin,
    overall and per segment, with the same label join, delay, window and bins.

    dbt show --inline "{{ ml_monitor.reliability_table(ref('predictions'), labels=ref('labels'),
        join_key='id', label_column='label', score_column='score', bins=10, segment_by=['region']) }}"

    Columns: segment_column, segment_value, bin (0-based), bin_lower, bin_upper, n_rows,
    mean_score, fraction_positive, gap (fraction_positive - mean_score). Bins are right-closed
    (bin_lower, bin_upper], the first one includes 0, like calibration_curve(strategy='uniform'),
    whose prob_pred / prob_true are mean_score / fraction_positive. Scores outside [0, 1] and
    rows without a label or a score are left out (calibration reports them). -#}
{% macro reliability_table(relation, labels=none, join_key=none, label_column=none, score_column=none, bins=10,
                           positive_label=1, label_timestamp_column=none, label_join_key=none,
                           timestamp_column=none, label_delay=none, window=none, where=none, segment_by=none,
                           test='reliability_table') -%}
  {%- do ml_monitor._check_number(test, relation, 'bins', bins, required=true, min=1, max=1000, integer=true) -%}
  {%- set names = ml_monitor._check_names(test, relation, 'score_column', score_column, required=true) -%}
  {%- set scope = ml_monitor._scope(test, relation, where, segment_by, none, none, none) -%}
  {%- set lj = ml_monitor._label_join(test, relation, labels, join_key, label_column, label_join_key,
                                      label_timestamp_column, timestamp_column, label_delay) -%}
  {%- set win = ml_monitor._label_join_window(test, relation, lj, window) -%}
  {%- set score = ml_monitor.quote_column(names[0]) -%}
  {%- set carry = (scope.segments | map(attribute='sql') | list) + ([score] if score not in (scope.segments | map(attribute='sql') | list) else []) -%}
  {%- set d = ml_monitor.to_double -%}

with
{{ ml_monitor._label_join_ctes(lj) }}

mm_source as (
  {{ ml_monitor._label_join_side(lj, 'cur', relation, ([scope.user_filter] + win.conds) | join(' and '), carry) }}
),

mm_binned as (
  select
    {%- for c in scope.segments %}
    {{ c.sql }},
    {%- endfor %}
    {{ d(score) }} as mm_score,
    case when mm_label = {{ ml_monitor._perf_literal(positive_label) }} then 1 else 0 end as mm_y,
    {{ ml_monitor._perf_score_bin(d(score), bins) }} as mm_bin
  from mm_source
  where mm_has_label = 1 and {{ d(score) }} >= 0 and {{ d(score) }} <= 1
),

mm_bins as (
  select
    {{ ml_monitor._segment_keys(scope) }},
    mm_bin,
    count(*) as n_rows,
    avg(mm_score) as mean_score,
    avg({{ d('mm_y') }}) as fraction_positive
  from mm_binned
  {{ ml_monitor._perf_group_by(scope, 'mm_bin') }}
)

select
  {{ ml_monitor.to_string('segment_column') }} as segment_column,
  {{ ml_monitor.to_string('segment_value') }} as segment_value,
  {{ ml_monitor.to_bigint('mm_bin') }} as bin,
  {{ d('mm_bin') }} / {{ bins }} as bin_lower,
  {{ d('mm_bin + 1') }} / {{ bins }} as bin_upper,
  {{ ml_monitor.to_bigint('n_rows') }} as n_rows,
  {{ d('mean_score') }} as mean_score,
  {{ d('fraction_positive') }} as fraction_positive,
  {{ d('fraction_positive - mean_score') }} as gap
from mm_bins
{%- endmacro %}
