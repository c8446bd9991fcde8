# One entry point for people and CI. Every target honours RAW_ROOT, WAREHOUSE_PATH, SERVING_PATH,
# REPORTS_DIR and PII_SALT from the environment; the defaults live under data/.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt
UV_VERSION := 0.13.8

export RAW_ROOT ?= $(CURDIR)/data/raw
export WAREHOUSE_PATH ?= $(CURDIR)/data/warehouse.duckdb
export SERVING_PATH ?= $(CURDIR)/data/serving.duckdb
export REPORTS_DIR ?= $(CURDIR)/data/reports
# DuckDB would otherwise keep up to 80% of RAM as cache: 6 GiB keeps a 500k-user build under 8 GB
# on a 24 GB machine (bench/results.md); set it higher on a bigger machine, or empty for no cap.
export DUCKDB_MEMORY_LIMIT ?= 6GiB
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)
# Dagster keeps its run history here (gitignored); `make refresh`/`rebuild` runs show in `make ui`.
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
DAGSTER_HOST ?= 127.0.0.1
DAGSTER_PORT ?= 3000

# Size of the sample landing zone that `make demo` generates when RAW_ROOT is empty.
DEMO_USERS ?= 20000
DEMO_DAYS ?= 90
DEMO_SEED ?= 7

.PHONY: help setup demo test lint build refresh rebuild ui clean-data bench spark-check

help:
	@echo "make demo   set up, generate sample data, build + test the warehouse, print a summary"
	@echo "make test   set up and run the whole test suite (pytest, dbt, sqlfluff, ruff)"
	@echo "make setup  create .venv with the locked dependencies (idempotent)"
	@echo "make build  dbt build (seeds, models, tests) against RAW_ROOT into WAREHOUSE_PATH"
	@echo "make refresh  T+hours job through Dagster: load new deliveries, rebuild marts, publish SERVING_PATH"
	@echo "make rebuild  T+1 job through Dagster: every model from scratch, publish SERVING_PATH, reports"
	@echo "make ui     Dagster UI on http://$(DAGSTER_HOST):$(DAGSTER_PORT) (Ctrl-C stops it)"
	@echo "make lint   sqlfluff + ruff"
	@echo "make bench  benchmarks at 50k/200k/500k users (long), results in bench/results.md"
	@echo "make spark-check  staging and key marts on local Spark, compared with DuckDB"

# The stamp is newer than the lock file once the venv matches it, so a second run does nothing.
setup: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	@test -x $(VENV)/bin/uv || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(VENV)/bin/uv sync --frozen --inexact --quiet
	@touch $@

$(RAW_ROOT)/.complete: | setup
	$(PYTHON) -m sample_data.generate --out $(RAW_ROOT) --users $(DEMO_USERS) --days $(DEMO_DAYS) --seed $(DEMO_SEED)
	@touch $@

build: setup
	@mkdir -p $(dir $(WAREHOUSE_PATH))
	$(DBT) build

# The Dagster instance settings (one warehouse writer at a time in the run queue).
$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	@cp $< $@

# T+hours through Dagster: base models load only new deliveries, everything downstream is rebuilt,
# the marts are published to SERVING_PATH. Waits for another writer (or: ARGS=--skip-if-busy).
refresh: setup $(DAGSTER_HOME)/dagster.yaml
	@mkdir -p $(dir $(WAREHOUSE_PATH)) $(dir $(SERVING_PATH)) $(REPORTS_DIR)
	$(PYTHON) -m orchestration.cli refresh $(ARGS)

# T+1 through Dagster: every model from scratch (--full-refresh), serving copy, reports.
rebuild: setup $(DAGSTER_HOME)/dagster.yaml
	@mkdir -p $(dir $(WAREHOUSE_PATH)) $(dir $(SERVING_PATH)) $(REPORTS_DIR)
	$(PYTHON) -m orchestration.cli rebuild $(ARGS)

# The Dagster UI and daemon (schedules, sensors) on this machine only; Ctrl-C stops both.
ui: setup $(DAGSTER_HOME)/dagster.yaml
	@mkdir -p $(dir $(WAREHOUSE_PATH)) $(dir $(SERVING_PATH)) $(REPORTS_DIR)
	$(PYTHON) -m orchestration.ui --host $(DAGSTER_HOST) --port $(DAGSTER_PORT)

demo: setup
	@if [ ! -d "$(RAW_ROOT)" ] || [ -z "$$(ls -A $(RAW_ROOT) 2>/dev/null)" ]; then \
		$(MAKE) --no-print-directory $(RAW_ROOT)/.complete; \
	else echo "Using the landing zone already in $(RAW_ROOT)"; fi
	$(MAKE) --no-print-directory rebuild
	$(PYTHON) -m orchestration.summary

# Lint runs beside pytest: on small zones dbt's and Dagster's Python keeps about one core busy, so
# the lint (3 min on 2 slow cores) fits in the other; its output is printed once pytest is done.
test: setup
	@lint_log=$$(mktemp); \
	$(MAKE) --no-print-directory lint > $$lint_log 2>&1 & lint=$$!; \
	$(PYTHON) -m pytest; tests=$$?; \
	wait $$lint; linted=$$?; \
	cat $$lint_log; rm -f $$lint_log; \
	if [ $$linted -ne 0 ]; then echo "make lint failed (output above)"; fi; \
	exit $$(( tests || linted ))

# sqlfluff on every core (--processes 0): the dbt templater made it 5 min on 2 slow cores, 3 in parallel.
lint: setup
	@mkdir -p $(dir $(WAREHOUSE_PATH))
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/sqlfluff lint models macros --processes 0

clean-data:
	rm -rf data target logs

# Benchmarks at 50k, 200k and 500k users x 90 days (long: hours); results in bench/results.md.
# Smaller: make bench BENCH_ARGS="--scales 10k,50k". A zone made elsewhere (left unchanged):
# make bench BENCH_ARGS="--zone /path/to/landing --out bench/results_zone.md".
bench: setup
	$(PYTHON) bench/run.py $(BENCH_ARGS)

# The same staging and key marts on a local Spark session (dbt-spark, Java 17), compared with the
# DuckDB build; Spark lives in its own venv so the warehouse's lock stays untouched.
.venv-spark/.synced: spark/requirements.txt
	@test -x .venv-spark/bin/python || python3 -m venv .venv-spark
	.venv-spark/bin/python -m pip install --quiet --disable-pip-version-check -r spark/requirements.txt
	@touch $@

spark-check: setup .venv-spark/.synced
	.venv-spark/bin/python spark/check.py $(SPARK_ARGS)
