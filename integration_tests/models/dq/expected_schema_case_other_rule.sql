-- The other engines' rule (see expected_schema_case): comparing actual_schema_case with it must
-- fail on both case-only names, on every engine (dq.yml), proving the behaviour is engine-specific
-- and compared.
{{ expected_schema_case_rows(flip=true) }}
