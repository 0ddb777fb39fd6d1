-- Every production-failure metric macro on the skew inputs: the rows of actual_skew_features
-- (feature_skew) and actual_skew_ops (serving_slo, point_in_time); compared with
-- expected_skew_engine (seeds/expected/expected_skew.csv, computed in pandas by scripts/gen_skew.py).
select * from {{ ref('actual_skew_features') }}
union all
select * from {{ ref('actual_skew_ops') }}
