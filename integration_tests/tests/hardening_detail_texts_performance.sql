-- Detail texts the docs promise (issue #13, item 8). Every returned row is a failure.
-- max_drop with an empty reference window names the reference window, not the current one
select 'empty reference window' as what, detail
from {{ ref('actual_performance') }}
where case_name = 'drop_empty_reference' and metric = 'roc_auc'
  and (detail is null or detail not like '%no eligible predictions in the reference window [2025-12-27 00:00:00, 2026-01-10 00:00:00)%')
