-- The case skew_window_tolerance of the skew family alone (actual_skew unions it with the others). On Spark 4.3
-- its missing_offline_rate / missing_serving_rate came out as if the offline side were the serving
-- log when it was one branch of the union of every feature_skew case (each case alone, as a test
-- runs it, agreed with pandas): one model per such case.
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
