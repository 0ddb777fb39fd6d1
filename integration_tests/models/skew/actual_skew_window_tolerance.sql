-- The case skew_window_tolerance of the skew family in a model of its own (actual_skew unions it with the
-- others, except on Spark: see the known issue in expected_skew_engine.sql).
{%- set serving = ref('skew_serving') %}
{%- set offline = ref('skew_offline') %}
{%- set day = {'period': 'day', 'count': 1} %}
{%- set cases = {
  'skew_window_tolerance': ml_monitor.feature_skew(serving, offline=offline, entity_key=['id'], event_time_key='event_day',
                                                   features=['income', 'plan'], abs_tolerance={'income': 20.0},
                                                   max_mismatch_rate={'income': 0.1, 'plan': 0.02}, max_mean_abs_diff=100.0,
                                                   timestamp_column='event_ts', window={'period': 'day', 'count': 2},
                                                   min_rows=5),
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
