{#- The two-sample KS p-value's distribution (macros/metrics/drift/_ks_pvalue.sql) against
    scipy.stats.kstwo.sf(x, n) over every branch of scipy's computation
    (seeds/drift/drift_kstwo_grid.csv, written by scripts/gen_drift.py: n from 1 to 5,000,000).
    Fails on every grid point further than 1e-9 from scipy, or without a value. -#}
with grid as (
  select {{ ml_monitor.to_bigint('n') }} as ks_n, {{ ml_monitor.to_double('x') }} as ks_x,
    {{ ml_monitor.to_double('expected') }} as expected
  from {{ ref('drift_kstwo_grid') }}
),
{{ ml_monitor._kstwo_sf_ctes('grid') }}
select grid.ks_n, grid.ks_x, grid.expected, kp.kp_method, kp.kp_sf
from grid
left join kp_sf as kp on kp.ks_n = grid.ks_n and kp.ks_x = grid.ks_x
where kp.kp_sf is null or abs({{ ml_monitor._clamp01('kp.kp_sf') }} - grid.expected) > 1e-9
