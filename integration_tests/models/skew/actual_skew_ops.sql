-- The serving_slo and point_in_time cases of the skew family, one case per block (see
-- actual_skew_features.sql).
{%- set requests = ref('skew_requests') %}
{%- set day = {'period': 'day', 'count': 1} %}
{%- set training = ref('skew_training') %}
{%- set history = ref('skew_feature_history') %}
{%- set cases = {
  'slo_segments': ml_monitor.serving_slo(requests, latency_column='latency_ms', status_column='http_status',
                                         error_values=[500, 503], max_p95_ms=250, max_error_rate=0.02,
                                         min_throughput=100, min_throughput_per_second=0.002,
                                         segment_by=['model_version', 'endpoint'], timestamp_column='requested_at',
                                         window=day),
  'slo_no_window': ml_monitor.serving_slo(requests, latency_column='latency_ms', status_column='http_status',
                                          error_values=['500', '503', '429'], max_p50_ms=120, max_p95_ms=400,
                                          max_p99_ms=600, max_error_rate=0.05),
  'slo_latency_only_hours': ml_monitor.serving_slo(requests, latency_column='latency_ms', max_p99_ms=500,
                                                   timestamp_column='requested_at', window={'period': 'hour', 'count': 6},
                                                   min_rows=50, segment_by='model_version'),
  'slo_empty_window': ml_monitor.serving_slo(requests, latency_column='latency_ms', status_column='http_status',
                                             error_values=[500], max_error_rate=0.1, min_throughput=1,
                                             timestamp_column='requested_at', window=day, where='request_id < 0',
                                             segment_by=['model_version']),
  'pit_segments': ml_monitor.point_in_time(training, cutoff_column='prediction_ts',
                                           feature_time_columns=['income_updated_at', 'plan_updated_at'],
                                           label_time_column='label_ts', max_leakage_rate=0.05,
                                           max_target_leakage_rate=0.01, segment_by=['region']),
  'pit_window_labels': ml_monitor.point_in_time(training, cutoff_column='prediction_ts', label_time_column='label_ts',
                                                timestamp_column='prediction_ts', window={'period': 'day', 'count': 7},
                                                min_rows=10),
  'pit_empty': ml_monitor.point_in_time(training, cutoff_column='prediction_ts', feature_time_columns='income_updated_at',
                                        where='id < 0'),
  'pit_as_of': ml_monitor.point_in_time(training, cutoff_column='prediction_ts', feature_time_columns='income_updated_at',
                                        max_leakage_rate=0.1, feature_history=history, entity_key='id',
                                        valid_from='valid_from', valid_to='valid_to', history_features=['income', 'plan'],
                                        max_as_of_mismatch_rate=0.05, segment_by=['region']),
  'slo_windows': ml_monitor.serving_slo(requests, latency_column='latency_ms', status_column='http_status',
                                        error_values=[500, 503], max_p95_ms=300, min_throughput=250,
                                        segment_by=['model_version'], timestamp_column='requested_at',
                                        window=day, windows=3),
  'pit_windows': ml_monitor.point_in_time(training, cutoff_column='prediction_ts', feature_time_columns='income_updated_at',
                                          label_time_column='label_ts', max_leakage_rate=0.05, max_target_leakage_rate=0.05,
                                          feature_history=history, entity_key='id', valid_from='valid_from',
                                          valid_to='valid_to', history_features='income',
                                          timestamp_column='prediction_ts', window={'period': 'day', 'count': 7}, windows=3),
} %}
{%- for name, sql in cases.items() %}
select {{ ml_monitor.string_literal(name) }} as case_name, obs.*
from (
  {{ sql }}
) as obs
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
