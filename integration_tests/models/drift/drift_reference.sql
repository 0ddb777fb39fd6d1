{#- The reference rows as their own relation (like a training table). -#}
select * from {{ ref('drift_main') }} where sample_name = 'ref'
