{#- The SQL p-value functions against scipy over a grid (seeds/drift/drift_pvalue_grid.csv,
    written by scripts/gen_drift.py): chi-square survival (scipy.stats.chi2.sf) for dof 1..12,
    25, 40 and x from 1e-6 to 1500 (the KS p-value has its own grid: drift_ks_pvalue_grid).
    Fails on every grid point further than 1e-9 from scipy. -#}
with grid as (
  select kind, {{ ml_monitor.to_double('x') }} as x, dof, {{ ml_monitor.to_double('expected') }} as expected
  from {{ ref('drift_pvalue_grid') }}
),
prepared as (
  select grid.*, x / 2.0 as h, {{ ml_monitor.ln('case when x > 0 then x / 2.0 end') }} as lnh
  from grid
),
computed as (
  select kind, x, dof, expected,
    {{ ml_monitor._chi2_sf_sql('x', 'dof', 40, 'h', 'lnh') }} as p_raw
  from prepared
)
select kind, x, dof, expected, p_raw
from computed
where p_raw is null or abs({{ ml_monitor._clamp01('p_raw') }} - expected) > 1e-9
