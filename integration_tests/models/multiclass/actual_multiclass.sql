{#- Every multiclass case (one model per case), compared with seeds/expected/expected_multiclass.csv
    (scikit-learn values, scripts/gen_multiclass.py) by multiclass.yml. -#}
select * from {{ ref('actual_multiclass__all') }}
union all
select * from {{ ref('actual_multiclass__codes') }}
union all
select * from {{ ref('actual_multiclass__drop') }}
union all
select * from {{ ref('actual_multiclass__bad') }}
