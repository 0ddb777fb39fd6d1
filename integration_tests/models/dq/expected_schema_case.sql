-- The expected rows of actual_schema_case, by the engine's rule for identifiers (the rule is the
-- oracle here; docs/warehouses.md): where a quoted identifier is case-sensitive (PostgreSQL,
-- Snowflake) a contract name that differs only in case names another column, so it is reported
-- as renamed (1, fail); DuckDB, Spark and BigQuery resolve column names case-insensitively, so
-- the column is present (0, pass). `flip` renders the other rule: a negative control that must
-- fail on every engine (expected_schema_case_other_rule).
{{ expected_schema_case_rows(flip=false) }}
