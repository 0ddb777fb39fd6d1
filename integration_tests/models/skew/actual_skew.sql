-- Every production-failure metric macro on the skew inputs: the rows of actual_skew_features
-- (feature_skew), actual_skew_entity_only and actual_skew_window_tolerance (one feature_skew case
-- each) and actual_skew_ops (serving_slo, point_in_time); compared with expected_skew_engine
-- (seeds/expected/expected_skew.csv, computed in pandas by scripts/gen_skew.py; on Spark without
-- the two cases of expected_skew_engine.sql's known issue).
select * from {{ ref('actual_skew_features') }}
{%- if target.type != 'spark' %}
union all
select * from {{ ref('actual_skew_entity_only') }}
union all
select * from {{ ref('actual_skew_window_tolerance') }}
{%- endif %}
union all
select * from {{ ref('actual_skew_ops') }}
