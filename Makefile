# The two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the demo needs the package alone (dbt-duckdb): ~1/4 of the full install (no pyspark, no test tools)
BASE   := $(VENV)/.installed-base

.PHONY: demo test test-fast test-duckdb test-postgres test-spark setup clean

$(BASE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(BASE)

$(STAMP): pyproject.toml $(BASE)
	$(BIN)/pip install --quiet -e ".[test,postgres,spark,bench]"
	touch $(STAMP)

setup: $(STAMP)

## Set up and run the demo on embedded DuckDB.
demo: $(BASE)
	@# exit 1 means "checks failed", which is what the demo shows on purpose
	$(BIN)/ml-monitor demo || [ $$? -eq 1 ]

## Set up and run every test (DuckDB, PostgreSQL, Spark, CLI, report).
test: $(STAMP)
	bash scripts/test.sh

## Fast feedback: the tests that need no warehouse (`unit`) and the docs check (`docs`);
## markers are assigned in cli/tests/conftest.py, see docs/contributing.md.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "unit or docs" -q

## One adapter only.
test-duckdb: $(STAMP)
	ML_MONITOR_ADAPTERS=duckdb bash scripts/test.sh
test-postgres: $(STAMP)
	ML_MONITOR_ADAPTERS=postgres bash scripts/test.sh
test-spark: $(STAMP)
	ML_MONITOR_ADAPTERS=spark bash scripts/test.sh

clean:
	rm -rf $(VENV) target integration_tests/target integration_tests/dbt_packages logs

## Benchmark: the monitoring suite vs the raw scan, pandas and Evidently (1M + 1M rows, < 10 min);
## prints the table and writes bench/results/*.json. See docs/benchmarks.md.
.PHONY: bench
bench: $(STAMP)
	@$(BIN)/python -c "import pyarrow, sklearn" 2>/dev/null || $(BIN)/pip install --quiet -e ".[bench]"
	@test -x bench/.venv-evidently/bin/python || { $(PYTHON) -m venv bench/.venv-evidently && \
	  bench/.venv-evidently/bin/pip install --quiet "evidently>=0.7,<0.8" "pandas<3" pyarrow; } || \
	  echo "Evidently could not be installed: the benchmark runs without it"
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)

## The NannyML 0.13.1 virtualenv, oracle of the estimated_performance (CBPE) tests; the tests and
## integration_tests/scripts/gen_cbpe.py build it themselves on first use.
.PHONY: nannyml-venv
nannyml-venv:
	bash scripts/nannyml_venv.sh
