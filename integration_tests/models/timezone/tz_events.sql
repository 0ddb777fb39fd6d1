-- The data-quality input with event_ts as a time-zone-aware instant (timestamptz; Spark
-- TIMESTAMP) holding the same instants as the naive UTC seed.
select
  id,
  {{ tz_aware_from_utc_text('event_ts') }} as event_ts,
  {{ adapter.quote('Feature A') }},
  {{ adapter.quote('select') }},
  all_null,
  segment
from {{ ref('dq_input') }}
