{#- case reliability: ml_monitor.reliability_table rows in the observation shape (bin k -> column_name bin_k) -#}
{%- set common = {
    'labels': ref('perf_labels'), 'join_key': 'id', 'label_column': 'label',
    'label_timestamp_column': 'label_ts', 'timestamp_column': 'prediction_ts',
    'label_delay': {'period': 'day', 'count': 7}, 'window': {'period': 'day', 'count': 14},
} -%}
{%- set preds = ref('perf_predictions') -%}
{%- set s = ml_monitor.type_string() -%}
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
  {{ ml_monitor.null_string() }} as detail,
  {{ ml_monitor.null_string() }} as facts,
  true as is_deciding
from (
{%- if execute %}
{{ ml_monitor.reliability_table(preds, score_column='score', bins=10, segment_by=['region'], **common) }}
{%- else %}
select 1 as placeholder
{%- endif %}
) as r
cross join (select 'mean_score' as metric union all select 'fraction_positive' as metric) as m
