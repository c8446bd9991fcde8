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
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)

# Size of the sample landing zone that `make demo` generates when RAW_ROOT is empty.
DEMO_USERS ?= 20000
DEMO_DAYS ?= 90
DEMO_SEED ?= 7

.PHONY: help setup demo test lint build clean-data

help:
	@echo "make demo   set up, generate sample data, build + test the warehouse, print a summary"
	@echo "make test   set up and run the whole test suite (pytest, dbt, sqlfluff, ruff)"
	@echo "make setup  create .venv with the locked dependencies (idempotent)"
	@echo "make build  dbt build (seeds, models, tests) against RAW_ROOT into WAREHOUSE_PATH"
	@echo "make lint   sqlfluff + ruff"

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

demo: setup
	@if [ ! -d "$(RAW_ROOT)" ] || [ -z "$$(ls -A $(RAW_ROOT) 2>/dev/null)" ]; then \
		$(MAKE) --no-print-directory $(RAW_ROOT)/.complete; \
	else echo "Using the landing zone already in $(RAW_ROOT)"; fi
	$(MAKE) --no-print-directory build
	$(PYTHON) -m orchestration.summary

test: setup
	$(PYTHON) -m pytest
	$(MAKE) --no-print-directory lint

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/sqlfluff lint models macros tests/dbt analyses

clean-data:
	rm -rf data target logs
