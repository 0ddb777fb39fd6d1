-- Predictions with prediction_ts as a time-zone-aware instant (same instants as the naive UTC seed).
select id, {{ tz_aware_from_utc_text('prediction_ts') }} as prediction_ts, region, score
from {{ ref('perf_predictions') }}
