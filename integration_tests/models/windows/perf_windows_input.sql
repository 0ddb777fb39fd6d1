-- The late_labels family's predictions with a challenger score (score_b = 1 - score) and a 0/1
-- prediction (score >= 0.5), for the label-joined windows cases (actual_windows_perf).
select
  id,
  prediction_ts,
  region,
  score,
  1 - score as score_b,
  case when score >= 0.5 then 1 else 0 end as predicted
from {{ ref('ll_predictions') }}
