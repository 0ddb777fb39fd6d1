{#- The expected observations of the cases this target runs: all of them, except the
    Evidently case on Spark (its 20,000-row seed is not loaded there, see drift.yml). -#}
select * from {{ ref('expected_drift') }}
{%- if target.type == 'spark' %}
where case_name <> 'psi_evidently'
{%- endif %}
