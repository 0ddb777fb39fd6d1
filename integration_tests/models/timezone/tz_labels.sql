-- Labels with label_ts as a time-zone-aware instant (same instants as the naive UTC seed).
select id, label, {{ tz_aware_from_utc_text('label_ts') }} as label_ts
from {{ ref('perf_labels') }}
