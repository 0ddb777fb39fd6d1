{#- The rows of seeds/drift/drift_kstwo_grid.csv where the SQL distribution
    (ml_monitor._kstwo_sf_ctes) is further than 1e-9 from scipy.stats.kstwo.sf, or has no
    value; `shift` is added to scipy's value first (0 for the test, 2e-9 for its negative
    control). -#}
{% macro ks_pvalue_grid_failures(shift=0) %}
with grid as (
  select {{ ml_monitor.to_bigint('n') }} as ks_n, {{ ml_monitor.to_double('x') }} as ks_x,
    {{ ml_monitor.to_double('expected') }} + {{ shift }} as expected
  from {{ ref('drift_kstwo_grid') }}
),
{{ ml_monitor._kstwo_sf_ctes('grid') }}
select grid.ks_n, grid.ks_x, grid.expected, kp.kp_method, kp.kp_sf
from grid
left join kp_sf as kp on kp.ks_n = grid.ks_n and kp.ks_x = grid.ks_x
where kp.kp_sf is null or abs({{ ml_monitor._clamp01('kp.kp_sf') }} - grid.expected) > 1e-9
{% endmacro %}
