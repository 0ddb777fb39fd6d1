{#- Every performance-family case, as observation rows with a case_name; compared with
    seeds/expected/expected_performance.csv (scikit-learn values) by performance.yml. -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
{#- refs outside `if execute` so that dbt sees the dependencies at parse time -#}
{%- set shadow = ref('perf_shadow') -%}
{%- set reg_preds = ref('perf_reg_predictions') -%}
{%- set reg_labels = ref('perf_reg_labels') -%}
{%- set invalid = ref('perf_invalid') -%}
{%- set invalid_labels = ref('perf_invalid_labels') -%}
{%- set labels = ref('perf_labels') -%}
{%- set cases = [] -%}
{%- if execute -%}
{%- do cases.append(('cls_all', ml_monitor.performance(preds, metric=['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'pr_auc', 'log_loss', 'brier'],
      score_column='score', prediction_column='predicted_label', segment_by=['region', 'tier'], **common))) -%}
{%- do cases.append(('cls_threshold', ml_monitor.performance(preds, metric=['accuracy', 'f1'], score_column='score',
      decision_threshold=0.5, min_value=0.65, segment_by=['region'], **common))) -%}
{%- do cases.append(('cls_drop_abs', ml_monitor.performance(preds, metric='roc_auc', score_column='score',
      max_drop={'absolute': 0.1}, reference_window={'period': 'day', 'count': 14}, segment_by=['region'], **common))) -%}
{%- do cases.append(('cls_drop_rel', ml_monitor.performance(preds, metric='accuracy', prediction_column='predicted_label',
      max_drop={'relative': 0.1}, reference_where="prediction_ts < '2026-01-10'", segment_by=['region'], **common))) -%}
{%- do cases.append(('challenger_columns', ml_monitor.performance(preds, metric=['roc_auc', 'accuracy'], score_column='score',
      prediction_column='predicted_label', challenger_score_column='score_v2', challenger_prediction_column='predicted_label_v2',
      challenger_margin={'absolute': 0.02}, segment_by=['region'], **common))) -%}
{%- do cases.append(('challenger_versions', ml_monitor.performance(shadow, metric=['accuracy', 'recall'],
      labels=labels, join_key='id', label_column='label', label_timestamp_column='label_ts',
      prediction_column='predicted_label', model_version_column='model_version', champion_version='v1',
      challenger_version='v2', challenger_margin={'relative': 0.05}, segment_by=['region']))) -%}
{%- do cases.append(('regression', ml_monitor.performance(reg_preds, metric=['mae', 'rmse', 'mape', 'r2'],
      labels=reg_labels, join_key=['id'], label_column='actual', label_timestamp_column='label_ts',
      timestamp_column='prediction_ts', label_delay={'period': 'day', 'count': 7}, window={'period': 'day', 'count': 14},
      prediction_column='predicted_value', max_value=15.0, segment_by=['store']))) -%}
{%- do cases.append(('invalid_scores', ml_monitor.performance(invalid, metric=['roc_auc', 'pr_auc', 'log_loss', 'brier'],
      labels=invalid_labels, join_key='id', label_column='label', score_column='score', segment_by=['region']))) -%}
{%- do cases.append(('coverage', ml_monitor.label_coverage(preds, min_coverage=0.8, segment_by=['region'], **common))) -%}
{%- do cases.append(('coverage_empty', ml_monitor.label_coverage(preds, labels=labels, join_key='id', label_column='label',
      timestamp_column='prediction_ts', label_delay={'period': 'year', 'count': 5}))) -%}
{%- do cases.append(('calibration', ml_monitor.calibration(preds, score_column='score', bins=10, max_ece=0.12, segment_by=['region'], **common))) -%}
{%- endif -%}
{%- set s = ml_monitor.type_string() -%}

{% for name, sql in cases %}
select cast('{{ name }}' as {{ s }}) as case_name, o.* from (
{{ sql }}
) as o
union all
{% endfor %}
select
  cast('reliability' as {{ s }}) as case_name,
  cast('reliability_table' as {{ s }}) as monitor,
  cast('bin_' || {{ ml_monitor.to_string('r.bin') }} as {{ s }}) as column_name,
  r.segment_column, r.segment_value,
  cast(m.metric as {{ s }}) as metric,
  case when m.metric = 'mean_score' then r.mean_score else r.fraction_positive end as value,
  {{ ml_monitor.null_double() }} as threshold,
  {{ ml_monitor.null_double() }} as baseline_value,
  r.n_rows as sample_size,
  cast(null as {{ ml_monitor.type_timestamp() }}) as window_start,
  cast(null as {{ ml_monitor.type_timestamp() }}) as window_end,
  cast('pass' as {{ s }}) as status,
  {{ ml_monitor.null_string() }} as detail
from (
{%- if execute %}
{{ ml_monitor.reliability_table(preds, score_column='score', bins=10, segment_by=['region'], **common) }}
{%- else %}
select 1 as bin
{%- endif %}
) as r
cross join (select 'mean_score' as metric union all select 'fraction_positive' as metric) as m
