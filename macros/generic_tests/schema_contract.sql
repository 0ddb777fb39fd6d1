{#- Fails when an expected column is missing, renamed or retyped (and, with
    allow_extra_columns: false, when the relation has columns outside the contract). -#}
{% test schema_contract(model, columns=none, allow_extra_columns=true) %}
  {{ config(**ml_monitor._test_config(false)) }}
  {%- if execute %}
  {#- an argument not in the signature above (a misspelling) is an error for this test alone -#}
  {%- do ml_monitor._check_known_args('schema_contract', model, kwargs, ml_monitor.test_schema_contract) -%}
  {{ ml_monitor.schema_contract(model, columns, allow_extra_columns=allow_extra_columns) }}
  {%- endif %}
{% endtest %}
