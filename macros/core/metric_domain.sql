{#- The values a metric can take, by its name, where that is known. A band around a metric is
    clipped to it: the anomaly rule's expected range of a null rate whose mean minus three standard
    deviations is -0.012 starts at 0, the rate's smallest value. Clipping changes no verdict (a
    value inside the domain breaches a clipped bound exactly when it breaches the unclipped one);
    it keeps the detail, the facts and the report's band within what the metric can be. Metrics
    not listed (shifts, r2's lower side, custom names) are not clipped. -#}
{% macro _metric_domains() -%}
  {{ return({
    'unit_interval': ['null_rate', 'violation_rate', 'label_coverage', 'mismatch_rate', 'as_of_mismatch_rate',
                      'error_rate', 'accuracy', 'precision', 'recall', 'f1', 'specificity', 'roc_auc', 'pr_auc',
                      'brier', 'ece', 'micro_f1', 'macro_f1', 'weighted_f1', 'macro_precision',
                      'weighted_precision', 'macro_recall', 'weighted_recall', 'roc_auc_ovr_macro',
                      'roc_auc_ovr_weighted', 'ks', 'ks_pvalue', 'js_distance', 'hellinger', 'total_variation',
                      'linf', 'chi2_pvalue'],
    'non_negative': ['row_count', 'row_count_ratio', 'distinct_count', 'new_categories', 'hours_since_latest',
                     'psi', 'wasserstein', 'wasserstein_norm', 'log_loss', 'mae', 'rmse', 'mape', 'mean_abs_diff'],
    'at_most_one': ['r2'],
  }) }}
{%- endmacro %}

{#- SQL: `expr`, the lower or upper `bound` of a band around the metric named by the SQL expression
    `metric_sql`, clipped to that metric's domain (_metric_domains). -#}
{% macro _clip_to_metric_domain(expr, metric_sql, bound) -%}
  {%- set d = ml_monitor._metric_domains() -%}
  {%- if bound == 'lower' -%}
    {%- set names, edge, op = d.unit_interval + d.non_negative, 0, '<' -%}
  {%- else -%}
    {%- set names, edge, op = d.unit_interval + d.at_most_one, 1, '>' -%}
  {%- endif -%}
  (case when {{ metric_sql }} in ({% for n in names %}{{ ml_monitor.string_literal(n) }}{{ ', ' if not loop.last }}{% endfor %})
         and {{ expr }} {{ op }} {{ edge }} then {{ ml_monitor.double_literal(edge) }} else {{ expr }} end)
{%- endmacro %}
