{#- Every drift case: the metric macros' observation rows, tagged with case_name.
    Expected values: scripts/gen_drift.py (numpy / scipy), seeds/expected/expected_drift.csv.
    The cases are split over four models: one statement with every case is slow to plan. -#}
{%- for part in ['psi', 'js_ks', 'modes', 'edge', 'quantiles', 'stats', 'cdf'] %}
select * from {{ ref('actual_drift_' ~ part) }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
