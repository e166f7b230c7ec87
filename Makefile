# salesops: `make` lists the targets. The two that matter: `make reports` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO := data/demo.duckdb
PYTEST_ARGS ?=

.PHONY: help reports test lint format bench lab demo clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-9s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "salesops needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

$(DEMO): | $(VENV)/.installed
	$(BIN)/salesops demo --out $(DEMO)

demo: $(VENV)/.installed ## (re)make the demo CRM in data/demo.duckdb
	$(BIN)/salesops demo --out $(DEMO)

reports: $(VENV)/.installed $(DEMO) ## render the latest complete quarter for every team into reports/
	$(BIN)/salesops run --quarter latest

test: $(VENV)/.installed-dev $(DEMO) ## run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.installed-dev $(DEMO) ## run the benchmarks and print the table
	$(BIN)/python -m bench

lab: $(VENV)/.installed $(DEMO) ## start JupyterLab on the notebooks
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean: ## remove the environment, the demo data and rendered reports
	rm -rf $(VENV) data reports/20*
