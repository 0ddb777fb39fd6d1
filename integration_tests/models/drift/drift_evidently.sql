{#- N(0,1) vs N(0.3,1), 10,000 each (numpy default_rng(0), reference first), plus a
    low-cardinality integer and a categorical column. -#}
select
  cast(sample_name as {{ ml_monitor.type_string() }}) as sample_name,
  cast(x as {{ ml_monitor.type_double() }}) as x,
  cast(k as integer) as k,
  cast(c as {{ ml_monitor.type_string() }}) as c
from {{ ref('drift_evidently_input') }}
