{#- Negative control of drift_ks_pvalue_grid: scipy's values moved by 2e-9 must put every one of
    the 214 grid points out of tolerance (the test passes only when exactly 214 rows fail). The
    comparison is the same SQL on every engine: proven on DuckDB and PostgreSQL, not repeated on
    Spark (~40 s of its CI time; drift_ks_pvalue_grid itself runs there). -#}
{{ config(error_if='!=214', warn_if='!=214', enabled=(target.type != 'spark')) }}
{{ ks_pvalue_grid_failures(shift='2e-9') }}
