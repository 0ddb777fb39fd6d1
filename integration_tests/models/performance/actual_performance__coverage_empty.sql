{#- case coverage_empty: nothing older than a 5-year label_delay: no_data -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
{%- set r_perf_labels = ref('perf_labels') -%}
select cast('coverage_empty' as {{ ml_monitor.type_string() }}) as case_name, o.* from (
{%- if execute %}
{{ ml_monitor.label_coverage(preds, labels=r_perf_labels, join_key='id', label_column='label',
      timestamp_column='prediction_ts', label_delay={'period': 'year', 'count': 5}) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as o
