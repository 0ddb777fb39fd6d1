{#- Typed drift inputs: samples 'ref' (2026-01-23..29), 'cur' (2026-01-30), 'old' (ignored). -#}
{%- set d = ml_monitor.type_double() -%}
{%- set s = ml_monitor.type_string() -%}
select
  cast(sample_name as {{ s }}) as sample_name,
  cast(ts as {{ ml_monitor.type_timestamp() }}) as ts,
  cast(seg as {{ s }}) as seg,
  cast(f_stable as {{ d }}) as f_stable,
  cast(f_shift as {{ d }}) as f_shift,
  cast(f_int as integer) as f_int,
  cast(f_const as {{ d }}) as f_const,
  -- text in the seed: 'NaN', 'Infinity', '-Infinity' become the real non-finite doubles
  cast(cast(f_bad as {{ s }}) as {{ d }}) as f_bad,
  cast(cast(f_null_cur as {{ s }}) as {{ d }}) as f_null_cur,
  cast(cast(f_null_all as {{ s }}) as {{ d }}) as f_null_all,
  cast(cat as {{ s }}) as cat,
  cast(cat_num as integer) as cat_num,
  cast(score as {{ d }}) as score,
  cast(pred as integer) as pred,
  -- the same predictions as text and as booleans (positive_value 'yes' / true)
  case when pred is null then cast(null as {{ s }}) when pred = 1 then 'yes' else 'no' end as pred_text,
  case when pred is null then cast(null as boolean) else pred = 1 end as pred_bool
from {{ ref('drift_input') }}
