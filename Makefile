# The two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-duckdb test-postgres test-spark setup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,postgres,spark]"
	touch $(STAMP)

setup: $(STAMP)

## Set up and run the demo on embedded DuckDB.
demo: $(STAMP)
	$(BIN)/ml-monitor demo

## Set up and run every test (DuckDB, PostgreSQL, Spark, CLI, report).
test: $(STAMP)
	bash scripts/test.sh

## One adapter only.
test-duckdb: $(STAMP)
	ML_MONITOR_ADAPTERS=duckdb bash scripts/test.sh
test-postgres: $(STAMP)
	ML_MONITOR_ADAPTERS=postgres bash scripts/test.sh
test-spark: $(STAMP)
	ML_MONITOR_ADAPTERS=spark bash scripts/test.sh

clean:
	rm -rf $(VENV) target integration_tests/target integration_tests/dbt_packages logs
