{#- Every performance-family case (one model per case, so that no engine has to plan them all
    in one statement), compared with seeds/expected/expected_performance.csv (scikit-learn
    values) by performance.yml. -#}
select * from {{ ref('actual_performance__cls_all') }}
union all
select * from {{ ref('actual_performance__cls_threshold') }}
union all
select * from {{ ref('actual_performance__cls_drop_abs') }}
union all
select * from {{ ref('actual_performance__cls_drop_rel') }}
union all
select * from {{ ref('actual_performance__challenger_columns') }}
union all
select * from {{ ref('actual_performance__challenger_versions') }}
union all
select * from {{ ref('actual_performance__drop_reference_relation') }}
union all
select * from {{ ref('actual_performance__composite_key') }}
union all
select * from {{ ref('actual_performance__regression') }}
union all
select * from {{ ref('actual_performance__invalid_scores') }}
union all
select * from {{ ref('actual_performance__coverage') }}
union all
select * from {{ ref('actual_performance__coverage_empty') }}
union all
select * from {{ ref('actual_performance__calibration') }}
union all
select * from {{ ref('actual_performance__reliability') }}
union all
select * from {{ ref('actual_performance__positive_label') }}
union all
select * from {{ ref('actual_performance__drop_empty_reference') }}
