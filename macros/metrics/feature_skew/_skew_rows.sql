{#- feature_skew, step 4: the CTE long, one observation row per feature and metric
    (mismatch_rate, mean_abs_diff for numerics) and per key-level rate (missing_offline_rate,
    duplicate_key_rate, and missing_serving_rate on the overall row without windows: N). -#}
{% macro _skew_long_cte(skew) -%}
  {%- set scope = skew.scope -%}
long as (
  {%- for f in skew.feats %}
  {%- set rate = ml_monitor.safe_divide('a.n_mis' ~ f.idx, 'a.n_compared') %}
  {%- set check = ml_monitor._bound_check(rate, f.max_mismatch_rate, '>', 'max_mismatch_rate') %}
  {%- set detail -%}
    {{ ml_monitor.to_string('a.n_mis' ~ f.idx) }} || ' of ' || {{ ml_monitor.to_string('a.n_compared') }}
      || ' keys differ ({{ f.kind }}{% if f.kind == 'numeric' %}, tolerance max({{ f.abs_tolerance }}, {{ f.rel_tolerance }} x |offline|){% endif %}; '
      || {{ ml_monitor.to_string('a.n_onenull' ~ f.idx) }} || ' null on one side only'
      {%- if f.kind == 'numeric' %}
      || case when a.n_nonfinite_mis{{ f.idx }} > 0
           then ', ' || {{ ml_monitor.to_string('a.n_nonfinite_mis' ~ f.idx) }} || ' NaN/inf against another value' else '' end
      {%- endif %}
      || ')'
      {{ check.note }}
      {%- if skew.n_examples > 0 %}
      || coalesce('; worst keys (serving vs offline): ' || e.examples, '')
      {%- endif %}
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, f.name, 'mismatch_rate', value=rate, threshold=f.max_mismatch_rate,
         sample_size='a.n_compared', is_fail=check.is_fail, detail=detail, frame='a',
         undefined_reason="case when a.n_serving_keys > 0 then 'no key is present exactly once on both sides' end") }}
  from aggregated as a
  {%- if skew.n_examples > 0 %}
  left join examples as e
    on e.feature_idx = {{ f.idx }}
   and {{ ml_monitor.null_safe_equal('e.segment_column', 'a.segment_column') }}
   and {{ ml_monitor.null_safe_equal('e.segment_value', 'a.segment_value') }}
   {%- if scope.multi %}
   and e.ml_window_start = a.window_start
   {%- endif %}
  {%- endif %}
  union all
  {%- if f.kind == 'numeric' %}
  {%- set check = ml_monitor._bound_check('mad' ~ f.idx, f.max_mean_abs_diff, '>', 'max_mean_abs_diff') %}
  {%- set detail -%}
    'mean |serving - offline| ' || coalesce({{ ml_monitor._fmt('mad' ~ f.idx, 6) }}, '-') || ' over '
      || {{ ml_monitor.to_string('n_diff' ~ f.idx) }} || ' keys with both values finite'
      || case when n_nonfinite{{ f.idx }} > 0
           then '; ' || {{ ml_monitor.to_string('n_nonfinite' ~ f.idx) }} || ' with NaN/inf left out' else '' end
      {{ check.note }}
  {%- endset %}
  select
    {{ ml_monitor._long_row(scope, f.name, 'mean_abs_diff', value='mad' ~ f.idx, threshold=f.max_mean_abs_diff,
         sample_size='n_diff' ~ f.idx, is_fail=check.is_fail, detail=detail,
         undefined_reason="case when n_compared > 0 then 'no compared key has both values finite (non-null, not NaN/inf)'"
                          ~ " when n_serving_keys > 0 then 'no key is present exactly once on both sides' end") }}
  from aggregated
  union all
  {%- endif %}
  {%- endfor %}
  {%- set rates = [
      ('missing_offline_rate', 'n_missing_offline', 'n_serving_keys', skew.max_missing_offline_rate,
       "' serving keys have no offline row'"),
      ('duplicate_key_rate', 'n_dup_keys', 'n_serving_keys', skew.max_duplicate_key_rate,
       "' serving keys have several rows (' || " ~ ml_monitor.to_string('n_dup_serving') ~ " || ' in the serving log, ' || " ~ ml_monitor.to_string('n_dup_offline') ~ " || ' offline) and are not compared'"),
  ] %}
  {#- offline rows carry no window: without windows: N only -#}
  {%- if not scope.multi %}
  {%- do rates.append(('missing_serving_rate', 'n_missing_serving', 'n_offline_keys', skew.max_missing_serving_rate,
                       "' offline keys were never logged at serving'")) %}
  {%- endif %}
  {%- for metric, num, den, thr, tail in rates %}
  {%- set value = ml_monitor.safe_divide(num, den) %}
  {%- set check = ml_monitor._bound_check(value, thr, '>', 'max_' ~ metric) %}
  select
    {{ ml_monitor._long_row(scope, skew.key_label, metric, value=value, threshold=thr, sample_size=den,
         is_fail=check.is_fail,
         detail=ml_monitor.to_string(num) ~ " || ' of ' || " ~ ml_monitor.to_string(den) ~ ' || ' ~ tail ~ ' ' ~ check.note,
         undefined_reason=(ml_monitor.string_literal('the offline side has no row with a key'
                           ~ (' under offline_where' if skew.offline_where is not none else '')) if metric == 'missing_serving_rate' else none)) }}
  from aggregated
  {%- if metric == 'missing_serving_rate' %}
  -- offline rows carry no segment: this rate exists for the overall row only
  where segment_column is null
  {%- elif not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
)
{%- endmacro %}
