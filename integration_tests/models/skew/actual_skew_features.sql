-- The feature_skew cases of the skew family, one case per block (actual_skew unions them with
-- the other skew models; compared with seeds/expected/expected_skew.csv, computed in pandas by
-- scripts/gen_skew.py).
{%- set serving = ref('skew_serving') %}
{%- set offline = ref('skew_offline') %}
{%- set day = {'period': 'day', 'count': 1} %}
{%- set cases = {
  'skew_segments': ml_monitor.feature_skew(serving, offline=offline, entity_key='id', event_time_key='event_day',
                                           features=['income', 'age', 'plan'], rel_tolerance={'income': 0.001},
                                           max_mismatch_rate=0.05, max_missing_offline_rate=0.1,
                                           max_missing_serving_rate=0.2, max_duplicate_key_rate=0.05,
                                           segment_by='channel'),
  'skew_age_categorical': ml_monitor.feature_skew(serving, offline=offline, entity_key='id', event_time_key='event_day',
                                                  features=['age', 'plan'], kind='categorical',
                                                  max_mismatch_rate=0, n_examples=0),
  'skew_empty': ml_monitor.feature_skew(serving, offline=offline, entity_key='id', event_time_key='event_day',
                                        features=['plan'], where='id < 0'),
  'skew_windows': ml_monitor.feature_skew(serving, offline=offline, entity_key='id', event_time_key='event_day',
                                          features=['income', 'plan'], rel_tolerance={'income': 0.001},
                                          max_mismatch_rate=0.05, max_missing_offline_rate=0.1,
                                          segment_by='channel', timestamp_column='event_ts', window=day, windows=3),
  'skew_window_tolerance': ml_monitor.feature_skew(serving, offline=offline, entity_key=['id'], event_time_key='event_day',
                                                   features=['income', 'plan'], abs_tolerance={'income': 20.0},
                                                   max_mismatch_rate={'income': 0.1, 'plan': 0.02}, max_mean_abs_diff=100.0,
                                                   timestamp_column='event_ts', window={'period': 'day', 'count': 2},
                                                   min_rows=5),
  'skew_entity_only': ml_monitor.feature_skew(serving, offline=offline, entity_key='id', features='age',
                                              offline_where='id <= 150'),
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
