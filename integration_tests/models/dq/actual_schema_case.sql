-- depends_on: {{ ref('dq_input') }}
-- schema_contract with contract names that differ from the columns only in case ("MixedCase" and
-- "Feature A" of dq_input written as mixedcase and FEATURE A); compared with the documented
-- per-engine rule in expected_schema_case (docs/warehouses.md, "Engine limitations").
{{ union_cases([
  ('schema_contract_case_rename', ml_monitor.schema_contract(ref('dq_input'),
                                                             {'id': 'integer', 'mixedcase': 'integer',
                                                              'FEATURE A': 'double'})),
] if execute else []) }}
