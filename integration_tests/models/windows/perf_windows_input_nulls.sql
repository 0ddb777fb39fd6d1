-- perf_windows_input plus 3 predictions with a NULL prediction_ts (labelled: ids of ll_labels_known
-- would join; these have their own ids): in no window, counted and excluded (case perf_w_notes).
select id, prediction_ts, region, score, score_b, predicted
from {{ ref('perf_windows_input') }}
union all
select id + 1000000 as id, {{ ml_monitor.to_timestamp('null') }} as prediction_ts, region, score, score_b, predicted
from {{ ref('perf_windows_input') }}
where id in (select min(id) from {{ ref('perf_windows_input') }} union all select max(id) from {{ ref('perf_windows_input') }}
             union all select min(id) + 1 from {{ ref('perf_windows_input') }})
