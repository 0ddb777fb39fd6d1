-- Every production-failure metric macro on the skew inputs: the rows of actual_skew_features
-- (feature_skew), actual_skew_entity_only and actual_skew_window_tolerance (one feature_skew case
-- each, see there) and actual_skew_ops (serving_slo, point_in_time); compared with
-- seeds/expected/expected_skew.csv (computed in pandas by scripts/gen_skew.py).
select * from {{ ref('actual_skew_features') }}
union all
select * from {{ ref('actual_skew_entity_only') }}
union all
select * from {{ ref('actual_skew_window_tolerance') }}
union all
select * from {{ ref('actual_skew_ops') }}
