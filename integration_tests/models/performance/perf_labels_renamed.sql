-- perf_labels keyed by (label_id, version) with other column names: exercises a composite
-- join_key with label_join_key (every label applies to both model versions).
select id as label_id, 'v1' as version, label as outcome, label_ts as recorded_at from {{ ref('perf_labels') }}
union all
select id as label_id, 'v2' as version, label as outcome, label_ts as recorded_at from {{ ref('perf_labels') }}
