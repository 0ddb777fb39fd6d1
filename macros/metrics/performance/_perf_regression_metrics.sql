{#- Regression metrics: errors of a numeric prediction against a numeric label. -#}
{% macro _perf_regression_registry() -%}
  {{ return({
    'mae':  {'kind': 'regression', 'input': 'pred', 'higher': false},
    'rmse': {'kind': 'regression', 'input': 'pred', 'higher': false},
    'mape': {'kind': 'regression', 'input': 'pred', 'higher': false},
    'r2':   {'kind': 'regression', 'input': 'pred', 'higher': true},
  }) }}
{%- endmacro %}

{#- |prediction| or |target| above this: squared errors (and their sums) would overflow double
    precision (PostgreSQL raises "value out of range: overflow", DuckDB returns inf and r2 NaN). -#}
{% macro _perf_regression_max_abs() %}{{ return('1e100') }}{% endmacro %}

{#- A row whose prediction and target are both within +-_perf_regression_max_abs (false for NaN
    and +-inf on every engine: NaN sorts above every number, or compares false). -#}
{% macro _perf_regression_in_range() -%}
  {%- set b = ml_monitor._perf_regression_max_abs() -%}
  {{ return('abs(mm_pred) <= ' ~ b ~ ' and abs(mm_y) <= ' ~ b) }}
{%- endmacro %}

{% macro _perf_regression_metric_sql(metric, spec=none) -%}
  {%- set out = ml_monitor._perf_regression_metric_sql_in_range(metric) -%}
  {%- set s = ml_monitor._perf_s -%}
  {#- (NaN / infinite rows are said first, by _perf_metric_sql: n_out_of_range_p counts them too) -#}
  {%- do out.update({
        'value': 'case when n_out_of_range_p = 0 then ' ~ out.value ~ ' end',
        'reason': "case when n_out_of_range_p > 0 then " ~ s('n_out_of_range_p') ~ " || ' of ' || " ~ s('n_p')
                  ~ " || ' labelled rows have a prediction or target beyond +-" ~ ml_monitor._perf_regression_max_abs()
                  ~ " (squared errors overflow double precision): " ~ metric ~ " undefined' else " ~ out.reason ~ " end"}) -%}
  {{ return(out) }}
{%- endmacro %}

{% macro _perf_regression_metric_sql_in_range(metric) -%}
  {%- set d = ml_monitor._perf_d -%}
  {%- set s = ml_monitor._perf_s -%}
  {%- if metric == 'mae' -%}
    {{ return({'n_used': 'n_p', 'value': 'ae_sum / ' ~ d('n_p'), 'reason': "null"}) }}
  {%- elif metric == 'rmse' -%}
    {{ return({'n_used': 'n_p', 'value': 'sqrt(se_sum / ' ~ d('n_p') ~ ')', 'reason': "null"}) }}
  {%- elif metric == 'mape' -%}
    {#- rows with a zero target are excluded (and counted in the detail) -#}
    {{ return({'n_used': 'n_nonzero', 'value': 'ape_sum / ' ~ d('n_nonzero'), 'reason': "null",
        'empty_reason': "case when n_p > 0 then 'all ' || " ~ s('n_p') ~ " || ' labelled targets are zero: mape undefined' end",
        'note': "case when n_p > n_nonzero then '; ' || " ~ s('n_p - n_nonzero') ~ " || ' rows with a zero target excluded' else '' end",
        'facts': "',\"zero_targets\":' || " ~ ml_monitor.json_int('n_p - n_nonzero')}) }}
  {%- elif metric == 'r2' -%}
    {#- sst corrected for the error of the window mean (corrected two-pass, Chan, Golub & LeVeque):
        sum((y - m)^2) - (sum(y - m))^2 / n is sum((y - mean)^2) for any m near the mean; with values
        of 1e15 spread by 20 the mean's last bit moved r2 by 3e-6 -#}
    {%- set sst = '(sst - sst_shift * sst_shift / ' ~ d('n_p') ~ ')' -%}
    {{ return({'n_used': 'n_p', 'value': 'case when y_max > y_min and ' ~ sst ~ ' > 0 then 1 - se_sum / ' ~ sst ~ ' end',
        'reason': "'constant target over ' || " ~ s('n_p') ~ " || ' labelled rows: r2 undefined'"}) }}
  {%- endif -%}
{%- endmacro %}

{#- Error sums in the one scan of mm_agg; r2's total sum of squares needs the mean target of each
    grouping first (mm_scored_mean). -#}
{% macro _perf_regression_parts(p, arms) -%}
  {%- set parts = {} -%}
  {%- if 'regression' not in p.families -%}{{ return(parts) }}{%- endif -%}
  {%- set r2 = 'r2' in p.metrics -%}
  {%- set in_range = ml_monitor._perf_regression_in_range() -%}
  {%- set eps = ml_monitor._perf_d(ml_monitor._perf_log_loss_eps()) -%}
  {%- set aggregates %},
    -- the sums read only rows within +-{{ ml_monitor._perf_regression_max_abs() }}: a larger value overflows a square (the
    -- metric is then undefined, n_out_of_range_p); mape divides by max(|y|, 2**-52) as scikit-learn
    sum(case when mm_use_p = 1 and {{ in_range }} then abs(mm_pred - mm_y) end) as ae_sum,
    sum(case when mm_use_p = 1 and {{ in_range }} then (mm_pred - mm_y) * (mm_pred - mm_y) end) as se_sum,
    sum(case when mm_use_p = 1 and {{ in_range }} and mm_y <> 0 then abs(mm_pred - mm_y) / (case when abs(mm_y) < {{ eps }} then {{ eps }} else abs(mm_y) end) end) as ape_sum,
    sum(case when mm_use_p = 1 and mm_y <> 0 then 1 else 0 end) as n_nonzero,
    sum(case when mm_use_p = 1 and ({{ ml_monitor.is_non_finite('mm_pred') }} or {{ ml_monitor.is_non_finite('mm_y') }}) then 1 else 0 end) as n_nonfinite_p,
    sum(case when mm_use_p = 1 and not ({{ in_range }}) then 1 else 0 end) as n_out_of_range_p
    {%- if r2 %},
    min(case when mm_use_p = 1 and {{ in_range }} then mm_y end) as y_min,
    max(case when mm_use_p = 1 and {{ in_range }} then mm_y end) as y_max,
    {{ ml_monitor._perf_by_grouping(p.seg_groups, 'sum(case when mm_use_p = 1 and ' ~ in_range ~ ' then (mm_y - mm_ybar_{i}) * (mm_y - mm_ybar_{i}) end)') }} as sst,
    {{ ml_monitor._perf_by_grouping(p.seg_groups, 'sum(case when mm_use_p = 1 and ' ~ in_range ~ ' then mm_y - mm_ybar_{i} end)') }} as sst_shift
    {%- endif %}
  {%- endset %}
  {%- do parts.update({'aggregates': aggregates,
                       'agg_names': ['ae_sum', 'se_sum', 'ape_sum', 'n_nonzero', 'n_nonfinite_p', 'n_out_of_range_p'] + (['y_min', 'y_max', 'sst', 'sst_shift'] if r2 else []),
                       'columns': ', g.ae_sum, g.se_sum, g.ape_sum, coalesce(g.n_nonzero, 0) as n_nonzero, coalesce(g.n_nonfinite_p, 0) as n_nonfinite_p, coalesce(g.n_out_of_range_p, 0) as n_out_of_range_p' ~ (', g.sst, g.sst_shift, g.y_min, g.y_max' if r2 else '')}) -%}
  {%- if r2 -%}
    {%- set pre_ctes %}

-- r2 needs sum((y - mean y)^2): the mean of each grouping, as a window, for a stable sum
mm_scored_mean as (
  select
    mm_scored.*,
    avg(case when mm_use_p = 1 and {{ ml_monitor._perf_regression_in_range() }} then mm_y end) over (partition by {{ ml_monitor._perf_k(p) }}mm_arm) as mm_ybar_0
    {%- for c in p.seg_sqls %},
    avg(case when mm_use_p = 1 and {{ ml_monitor._perf_regression_in_range() }} then mm_y end) over (partition by {{ ml_monitor._perf_k(p) }}mm_arm, {{ c }}) as mm_ybar_{{ loop.index }}
    {%- endfor %}
  from mm_scored
),
    {%- endset %}
    {%- do parts.update({'pre_ctes': pre_ctes, 'agg_src': 'mm_scored_mean'}) -%}
  {%- endif -%}
  {{ return(parts) }}
{%- endmacro %}
