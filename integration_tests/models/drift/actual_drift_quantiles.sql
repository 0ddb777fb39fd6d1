{#- Drift part 'quantiles': the exact-quantile shim (cross_db/quantiles.sql) that quantile
    binning rests on, against numpy's np.quantile (linear) in scripts/gen_drift.py. Compiled
    for BigQuery / Snowflake / Databricks too (cli/tests/test_integration.py), where PSI's
    own quantile query runs only against a live warehouse.
    Case 'quantiles_bracketed': the same quantiles by the distributed exact method
    (_drift_quantiles.sql, Spark's default for reference edges) on this engine; status fail if
    a bracket missed and the exact aggregate answered instead (the method itself is under test). -#}
{%- set probs = [0.1, 0.25, 0.5, 0.9] -%}
{%- set s = ml_monitor.type_string() -%}
with q as (
  select count(f_stable) as n, {{ ml_monitor.quantiles('f_stable', probs) }} as qs
  from {{ ref('drift_main') }}
  where sample_name = 'ref'
)
{%- for p in probs %}
select
  cast('quantiles' as {{ s }}) as case_name,
  cast('quantile' as {{ s }}) as monitor,
  cast('f_stable' as {{ s }}) as column_name,
  cast(null as {{ s }}) as segment_column,
  cast(null as {{ s }}) as segment_value,
  cast('quantile_{{ p }}' as {{ s }}) as metric,
  {{ ml_monitor.array_element('qs', loop.index) }} as value,
  {{ ml_monitor.null_double() }} as threshold,
  {{ ml_monitor.null_double() }} as baseline_value,
  {{ ml_monitor.to_bigint('n') }} as sample_size,
  {{ ml_monitor.timestamp_literal(none) }} as window_start,
  {{ ml_monitor.timestamp_literal(none) }} as window_end,
  cast('pass' as {{ s }}) as status,
  cast(null as {{ s }}) as detail,
  cast(null as {{ s }}) as facts,
  true as is_deciding
from q
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- set b = ml_monitor._exact_quantiles_bracketed(ref('drift_main'), 'f_stable', probs, "sample_name = 'ref'") if execute else {'values': [], 'n': 0, 'fallback': false} %}
{%- for p in probs %}
union all
select
  cast('quantiles_bracketed' as {{ s }}) as case_name,
  cast('quantile' as {{ s }}) as monitor,
  cast('f_stable' as {{ s }}) as column_name,
  cast(null as {{ s }}) as segment_column,
  cast(null as {{ s }}) as segment_value,
  cast('quantile_{{ p }}' as {{ s }}) as metric,
  {{ ml_monitor.double_literal(b['values'][loop.index0] if b['values'] else none) }} as value,
  {{ ml_monitor.null_double() }} as threshold,
  {{ ml_monitor.null_double() }} as baseline_value,
  {{ ml_monitor.to_bigint(b['n']) }} as sample_size,
  {{ ml_monitor.timestamp_literal(none) }} as window_start,
  {{ ml_monitor.timestamp_literal(none) }} as window_end,
  cast('{{ 'fail' if b['fallback'] else 'pass' }}' as {{ s }}) as status,
  cast(null as {{ s }}) as detail,
  cast(null as {{ s }}) as facts,
  true as is_deciding
{%- endfor %}
