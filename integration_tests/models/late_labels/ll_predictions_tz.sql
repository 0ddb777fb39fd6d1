-- ll_predictions with prediction_ts as a time-zone-aware instant (the same instants as the naive
-- UTC seed). Its two tests (late_labels.yml) must store the same rows as the seed's: on the runs
-- after the first, the incremental label check reads the predictions under an alias, and once
-- wrote p.("prediction_ts" at time zone 'UTC') (a syntax error) for such a column.
select id, {{ tz_aware_from_utc_text('prediction_ts') }} as prediction_ts, region, score
from {{ ref('ll_predictions') }}
