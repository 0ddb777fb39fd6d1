{#- Population Stability Index of one or more columns: current window vs a reference.

    PSI = sum over bins of (c_i - r_i) * ln(c_i / r_i), c / r the current / reference shares.

    {{ ml_monitor.psi(ref('predictions'), columns=['age', 'device'], reference=ref('training_set'),
                      timestamp_column='scored_at', window={'period': 'day', 'count': 1}) }}

    binning: quantile (default; `bins` reference quantiles, open-ended outer bins),
             equal_width (`bins` or 'sturges' equal-width bins over reference and current together),
             evidently (Evidently 0.7's PSI: sturges bins, one bin per value when the
             reference has <= 20 distinct values, Evidently's zero fill, fail when psi >= threshold).
    Categorical columns: one bin per reference category plus one for unseen categories.
    reference: previous_window (with timestamp_column, window, windows): each window against the
    one before it, binned by the previous window's quantile edges / categories, in one scan.
-#}
{% macro psi(relation, columns, reference=none, reference_where=none, reference_window=none, baseline=none,
             kind=none, bins=none, binning='quantile', epsilon=0.0001, include_nulls=false, max_categories=200,
             threshold=none, where=none, segment_by=none, timestamp_column=none, window=none, min_rows=none,
             windows=none, fail_on=none, anomaly=none, test='psi_drift') -%}
  {{ return(ml_monitor._binned_drift(test, 'psi', relation, columns, reference, reference_where, reference_window,
                                      baseline, kind, bins, binning, epsilon, include_nulls, max_categories, threshold,
                                      where, segment_by, timestamp_column, window, min_rows, windows, fail_on, anomaly)) }}
{%- endmacro %}

{#- Distance or test of one or more columns on the psi bins (numeric: reference quantile or
    equal-width bins; categorical: one bin per reference category, one for unseen ones),
    current window vs a reference, one scan per side like psi. `statistic`:
      hellinger        sqrt(sum (sqrt c_i - sqrt r_i)^2 / 2), between 0 and 1 (default threshold 0.1)
      total_variation  sum |c_i - r_i| / 2, between 0 and 1 (default 0.1)
      linf             max |c_i - r_i|, categorical columns only (default 0.1)
      chi2_pvalue      p-value of Pearson's chi-square test of homogeneity on the 2 x k table of
                       reference / current counts, as scipy.stats.chi2_contingency(correction=False);
                       categorical columns only; fails when p < threshold (default 0.05)
      psi, js_distance as ml_monitor.psi / ml_monitor.js_distance
    c_i / r_i are the raw current / reference shares (no epsilon).

    {{ ml_monitor.binned_drift(ref('predictions'), columns=['device'], statistic='chi2_pvalue',
                               reference=ref('training_set')) }}
-#}
{% macro binned_drift(relation, columns, statistic='hellinger', reference=none, reference_where=none, reference_window=none,
                      baseline=none, kind=none, bins=none, binning='quantile', epsilon=0.0001, include_nulls=false,
                      max_categories=200, threshold=none, where=none, segment_by=none, timestamp_column=none, window=none,
                      min_rows=none, windows=none, fail_on=none, anomaly=none, test='binned_drift') -%}
  {%- do ml_monitor._check_choice(test, relation, 'statistic', statistic, ml_monitor._binned_statistics().keys() | list) -%}
  {%- if binning == 'evidently' and statistic != 'psi' -%}
    {{ ml_monitor._arg_error(test, relation, 'binning', "evidently is a PSI mode: use quantile or equal_width for " ~ statistic, binning) }}
  {%- endif -%}
  {{ return(ml_monitor._binned_drift(test, statistic, relation, columns, reference, reference_where, reference_window,
                                      baseline, kind, bins, binning, epsilon, include_nulls, max_categories, threshold,
                                      where, segment_by, timestamp_column, window, min_rows, windows, fail_on, anomaly)) }}
{%- endmacro %}

{#- The statistics of the psi bins, their default thresholds, and which fail below the threshold. -#}
{% macro _binned_statistics() -%}
  {{ return({'psi': 0.2, 'js_distance': 0.1, 'hellinger': 0.1, 'total_variation': 0.1, 'linf': 0.1, 'chi2_pvalue': 0.05}) }}
{%- endmacro %}

{#- The largest chi-square degrees of freedom of planned columns: valid bins - 1. -#}
{% macro _chi2_max_dof(plan, include_nulls) -%}
  {%- set ns = namespace(m=0) -%}
  {%- for c in plan -%}
    {%- set k = (c.bins | length) + (1 if c.unseen else 0) + (1 if include_nulls else 0) - 1 -%}
    {%- if k > ns.m -%}{%- set ns.m = k -%}{%- endif -%}
  {%- endfor -%}
  {{ return(ns.m) }}
{%- endmacro %}

{#- Shared by psi, js_distance and binned_drift. -#}
{% macro _binned_drift(test, metric, relation, columns, reference, reference_where, reference_window, baseline,
                       kind, bins, binning, epsilon, include_nulls, max_categories, threshold,
                       where, segment_by, timestamp_column, window, min_rows, windows=none, fail_on=none, anomaly=none) -%}
  {%- set setup = ml_monitor._drift_setup(test, relation, columns, reference, reference_where, reference_window, baseline,
                                          where, segment_by, timestamp_column, window, min_rows,
                                          windows=windows, fail_on=fail_on, anomaly=anomaly, allow_previous=true) -%}
  {%- if setup.scope.multi and binning != 'quantile' -%}
    {{ ml_monitor._arg_error(test, relation, 'binning', "must be quantile with windows > 1 (equal-width bins depend on each current window; quantile edges come from the reference and are the same for every window)", binning) }}
  {%- endif -%}
  {%- set bins = (none if binning == 'evidently' else 10) if bins is none else bins -%}
  {%- set args = ml_monitor._drift_binning_args(test, relation, binning, bins, epsilon, max_categories) -%}
  {%- do ml_monitor._check_bool(test, relation, 'include_nulls', include_nulls) -%}
  {%- if baseline is not none and binning != 'quantile' -%}
    {{ ml_monitor._arg_error(test, relation, 'binning', "must be quantile with a frozen baseline (equal-width bins depend on the current window)", binning) }}
  {%- endif -%}
  {%- if threshold is none -%}
    {%- set threshold = 0.1 if (binning == 'evidently' and metric == 'psi') else ml_monitor._binned_statistics()[metric] -%}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'threshold', threshold, min=0, max=(1 if metric == 'chi2_pvalue' else none)) -%}
  {#- nothing is read while dbt parses -#}
  {%- if not execute -%}{{ return('select 1 as ml_monitor_parse_only') }}{%- endif -%}
  {%- set names = ml_monitor._monitored_columns(test, relation, none, columns) -%}
  {%- set categorical_only = metric in ['linf', 'chi2_pvalue'] -%}
  {%- set cols = ml_monitor._drift_columns(test, relation, names, kind, reference=setup.ref_relation,
                                           allowed_kinds=(['categorical'] if categorical_only else ['numeric', 'categorical'])) -%}
  {%- set fail_op = '<' if metric == 'chi2_pvalue' else ('>=' if (binning == 'evidently' and metric == 'psi') else '>') -%}
  {%- if setup.previous -%}
    {#- each window against the one before it, binned by that window's own edges -#}
    {%- set plan = ml_monitor._drift_previous_plan(setup, cols, args) -%}
    {%- set chi2_max_dof = none -%}
    {%- if metric == 'chi2_pvalue' -%}
      {%- set ns = namespace(m=0) -%}
      {%- for w in plan -%}{%- set k = ml_monitor._chi2_max_dof(w.cols, include_nulls) -%}{%- if k > ns.m -%}{%- set ns.m = k -%}{%- endif -%}{%- endfor -%}
      {%- set chi2_max_dof = ns.m -%}
    {%- endif -%}
    {%- set ctes = ml_monitor._drift_previous_ctes(setup, plan, args, include_nulls, chi2_max_dof=chi2_max_dof) -%}
  {%- else -%}
    {%- set plan = ml_monitor._drift_plan(setup, cols, args) -%}
    {%- set ctes = ml_monitor._drift_binned_ctes(setup, plan, args, include_nulls,
                                                 chi2_max_dof=(ml_monitor._chi2_max_dof(plan, include_nulls) if metric == 'chi2_pvalue' else none)) -%}
  {%- endif -%}
  {%- set sql -%}
with {{ ctes }},

long as (
  {{ ml_monitor._drift_metric_rows(setup, metric, ml_monitor._clamp01('chi2_pvalue_raw') if metric == 'chi2_pvalue' else metric, threshold, fail_op) }}
)

{{ ml_monitor._finalize_observations(test, 'long', setup.scope, has_facts=true) }}
  {%- endset -%}
  {{ return(sql) }}
{%- endmacro %}
