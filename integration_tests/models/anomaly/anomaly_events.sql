-- The rows of every anomaly case: n_rows rows per day, or per hour for the hourly series (all at
-- its start except the last one, at last_ts), the first n_null with a null x. Expanded with a 0..999 row counter.
with counter as (
  select a.d + 10 * b.d + 100 * c.d as j
  from {{ ref('anomaly_digits') }} as a
  cross join {{ ref('anomaly_digits') }} as b
  cross join {{ ref('anomaly_digits') }} as c
)

select
  s.case_name,
  case when counter.j = s.n_rows - 1 then s.last_ts else s.day_ts end as event_ts,
  case when counter.j < s.n_null then {{ ml_monitor.to_double('null') }} else {{ ml_monitor.to_double('1') }} end as x
from {{ ref('anomaly_series') }} as s
join counter
  on counter.j < s.n_rows
