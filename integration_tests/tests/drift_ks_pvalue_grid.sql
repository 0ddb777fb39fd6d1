{#- The two-sample KS p-value's distribution (macros/metrics/drift/_ks_pvalue.sql) against
    scipy.stats.kstwo.sf(x, n) over every branch of scipy's computation
    (seeds/drift/drift_kstwo_grid.csv, written by scripts/gen_drift.py: n from 1 to 5,000,000).
    Fails on every grid point further than 1e-9 from scipy, or without a value. -#}
{{ ks_pvalue_grid_failures() }}
