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
             windows=none, fail_on=none, test='psi_drift') -%}
  {{ return(ml_monitor._binned_drift(test, 'psi', relation, columns, reference, reference_where, reference_window,
                                      baseline, kind, bins, binning, epsilon, include_nulls, max_categories, threshold,
                                      where, segment_by, timestamp_column, window, min_rows, windows, fail_on)) }}
{%- endmacro %}

{#- Shared by psi and js_distance. -#}
{% macro _binned_drift(test, metric, relation, columns, reference, reference_where, reference_window, baseline,
                       kind, bins, binning, epsilon, include_nulls, max_categories, threshold,
                       where, segment_by, timestamp_column, window, min_rows, windows=none, fail_on=none) -%}
  {%- set setup = ml_monitor._drift_setup(test, relation, columns, reference, reference_where, reference_window, baseline,
                                          where, segment_by, timestamp_column, window, min_rows,
                                          windows=windows, fail_on=fail_on, allow_previous=true) -%}
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
    {%- set threshold = (0.1 if binning == 'evidently' else 0.2) if metric == 'psi' else 0.1 -%}
  {%- endif -%}
  {%- do ml_monitor._check_number(test, relation, 'threshold', threshold, min=0) -%}
  {#- nothing is read while dbt parses -#}
  {%- if not execute -%}{{ return('select 1 as ml_monitor_parse_only') }}{%- endif -%}
  {%- set names = ml_monitor._monitored_columns(test, relation, none, columns) -%}
  {%- set cols = ml_monitor._drift_columns(test, relation, names, kind, reference=setup.ref_relation) -%}
  {%- set fail_op = '>=' if (binning == 'evidently' and metric == 'psi') else '>' -%}
  {%- if setup.previous -%}
    {#- each window against the one before it, binned by that window's own edges -#}
    {%- set ctes = ml_monitor._drift_previous_ctes(setup, ml_monitor._drift_previous_plan(setup, cols, args), args, include_nulls) -%}
  {%- else -%}
    {%- set ctes = ml_monitor._drift_binned_ctes(setup, ml_monitor._drift_plan(setup, cols, args), args, include_nulls) -%}
  {%- endif -%}
  {%- set sql -%}
with {{ ctes }},

long as (
  {{ ml_monitor._drift_metric_rows(setup, metric, metric, threshold, fail_op) }}
)

{{ ml_monitor._finalize_observations(test, 'long', setup.scope, has_facts=true) }}
  {%- endset -%}
  {{ return(sql) }}
{%- endmacro %}
