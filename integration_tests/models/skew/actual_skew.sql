-- Every production-failure metric macro on the skew inputs, one case per block; compared with
-- seeds/expected/expected_skew.csv (computed in pandas by scripts/gen_skew.py).
{%- set serving = ref('skew_serving') %}
{%- set offline = ref('skew_offline') %}
{%- set requests = ref('skew_requests') %}
{%- set day = {'period': 'day', 'count': 1} %}
{%- set training = ref('skew_training') %}
{%- set cases = {
  'skew_segments': ml_monitor.feature_skew(serving, offline=offline, entity_key='id', event_time_key='event_day',
                                           features=['income', 'age', 'plan'], rel_tolerance={'income': 0.001},
                                           max_mismatch_rate=0.05, max_missing_offline_rate=0.1,
                                           max_missing_serving_rate=0.2, max_duplicate_key_rate=0.05,
                                           segment_by='channel'),
  'skew_window_tolerance': ml_monitor.feature_skew(serving, offline=offline, entity_key=['id'], event_time_key='event_day',
                                                   features=['income', 'plan'], abs_tolerance={'income': 20.0},
                                                   max_mismatch_rate={'income': 0.1, 'plan': 0.02}, max_mean_abs_diff=100.0,
                                                   timestamp_column='event_ts', window={'period': 'day', 'count': 2},
                                                   min_rows=5),
  'skew_entity_only': ml_monitor.feature_skew(serving, offline=offline, entity_key='id', features='age',
                                              offline_where='id <= 150'),
  'skew_age_categorical': ml_monitor.feature_skew(serving, offline=offline, entity_key='id', event_time_key='event_day',
                                                  features=['age', 'plan'], kind='categorical',
                                                  max_mismatch_rate=0, n_examples=0),
  'skew_empty': ml_monitor.feature_skew(serving, offline=offline, entity_key='id', event_time_key='event_day',
                                        features=['plan'], where='id < 0'),
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
