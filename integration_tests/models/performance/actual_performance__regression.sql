{#- case regression: mae, rmse, mape (zero targets excluded), r2 (constant target undefined) by store -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
{%- set r_perf_reg_labels = ref('perf_reg_labels') -%}
{%- set r_perf_reg_predictions = ref('perf_reg_predictions') -%}
select cast('regression' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.performance(r_perf_reg_predictions, metric=['mae', 'rmse', 'mape', 'r2'],
      labels=r_perf_reg_labels, join_key=['id'], label_column='actual', label_timestamp_column='label_ts',
      timestamp_column='prediction_ts', label_delay={'period': 'day', 'count': 7}, window={'period': 'day', 'count': 14},
      prediction_column='predicted_value', max_value=15.0, segment_by=['store']) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
