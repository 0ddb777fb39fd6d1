-- The expected rows every engine is compared on: all of seeds/expected/expected_skew.csv.
-- (Until issue #18's Spark fix, Spark's missing-key rates of skew_entity_only and
-- skew_window_tolerance were wrong under CREATE TABLE AS: see _skew_key_rows in
-- macros/metrics/feature_skew/_skew_join.sql.)
select * from {{ ref('expected_skew') }}
