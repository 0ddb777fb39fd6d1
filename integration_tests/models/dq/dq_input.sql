-- The data-quality input: the seed, with a quoted category and NaN / +inf / -inf injected where amount_special says so
-- (a CSV seed cannot carry them portably).
select
  id,
  event_ts,
  {{ adapter.quote('Feature A') }},
  -- a category with a quote, which a CSV seed cannot carry portably
  case when {{ adapter.quote('select') }} = 'it_s' then {{ ml_monitor.string_literal("it's") }}
       else {{ adapter.quote('select') }} end as {{ adapter.quote('select') }},
  {{ adapter.quote('MixedCase') }},
  case amount_special
    when 'nan' then {{ ml_monitor.to_double("'NaN'") }}
    when 'inf' then {{ ml_monitor.to_double("'Infinity'") }}
    when '-inf' then {{ ml_monitor.to_double("'-Infinity'") }}
    else amount
  end as amount,
  amount_special,
  segment,
  all_null
from {{ ref('dq_events') }}
