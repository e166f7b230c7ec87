# salesops: `make` lists the targets. The two that matter: `make reports` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Supported interpreters, newest first. The newest one found (on PATH as pythonX.Y, or in pyenv)
# builds .venv; `make test` also tests the others it finds. PYTHON=/path/to/python overrides.
SUPPORTED_PYTHONS := 3.13 3.12 3.11
define find_python
for c in $$(command -v python$(1)) $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$(1).*/bin/python$(1) 2>/dev/null | sort -rV); do \
  $$c -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != ($(subst .,$(comma) ,$(1))))' >/dev/null 2>&1 && { echo $$c; break; }; \
done
endef
comma := ,
FOUND_PYTHONS := $(foreach v,$(SUPPORTED_PYTHONS),$(shell $(call find_python,$(v))))
PYTHON ?= $(firstword $(FOUND_PYTHONS))
VENV := .venv
BIN := $(VENV)/bin
DEMO := data/demo.duckdb
PYTEST_ARGS ?=

.PHONY: help reports test test-pythons lint format docs messages bench lab demo clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "salesops needs Python $(subst $() ,$(comma) ,$(SUPPORTED_PYTHONS)); none found: set PYTHON=/path/to/python3" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; ok = (3, 11) <= sys.version_info[:2] <= (3, 13); print(f"using Python {sys.version.split()[0]} ({sys.executable})" if ok else ""); sys.exit(0 if ok else f"salesops needs Python 3.11 to 3.13, not {sys.version.split()[0]}; set PYTHON=/path/to/python3")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

$(DEMO): | $(VENV)/.installed
	$(BIN)/salesops demo --out $(DEMO) --force

demo: $(VENV)/.installed ## (re)make the demo CRM in data/demo.duckdb
	$(BIN)/salesops demo --out $(DEMO) --force

reports: $(VENV)/.installed $(DEMO) ## render the latest complete quarter for every team into reports/
	$(BIN)/salesops run --quarter latest

test: $(VENV)/.installed-dev $(DEMO) ## run the whole test suite, and test-pythons beside it
	@if [ -n "$(PYTEST_ARGS)" ]; then exec $(BIN)/python -m pytest $(PYTEST_ARGS); fi; \
	mkdir -p build; \
	$(MAKE) --no-print-directory test-pythons > build/test-pythons.log 2>&1 & others=$$!; \
	$(BIN)/python -m pytest; suite=$$?; \
	wait $$others; pythons=$$?; \
	echo "--- the other supported Pythons (build/test-pythons.log) ---"; cat build/test-pythons.log; \
	exit $$(( suite || pythons ))

# A venv per other supported Python found: one run whose headline JSON must equal the same run on
# .venv's Python; the oldest of them also runs the unit tests.
test-pythons: $(VENV)/.installed-dev $(DEMO) ## one run's JSON on every other supported Python, unit tests on the oldest
	@version='import sys; print("%d.%d" % sys.version_info[:2])'; \
	main=$$($(BIN)/python -c "$$version"); tested=""; status=0; \
	oldest=$$($(lastword $(FOUND_PYTHONS)) -c "$$version"); \
	for py in $(FOUND_PYTHONS); do \
	  v=$$($$py -c "$$version"); venv=.venv-$$v; \
	  [ "$$v" = "$$main" ] && continue; \
	  if [ ! -f $$venv/.installed-dev ] || [ pyproject.toml -nt $$venv/.installed-dev ]; then \
	    $$py -m venv $$venv && $$venv/bin/python -m pip install --quiet --upgrade pip \
	      && $$venv/bin/python -m pip install --quiet -e '.[dev]' && touch $$venv/.installed-dev \
	      || { echo "Python $$v: install failed"; status=1; continue; }; \
	  fi; \
	  if [ "$$v" = "$$oldest" ]; then \
	    echo "Python $$v: unit tests"; \
	    $$venv/bin/python -m pytest -q -p no:cacheprovider -m 'not slow' || status=1; \
	  fi; \
	  echo "Python $$v: one team's reports against Python $$main"; \
	  SALESOPS_REFERENCE_PYTHON=$(abspath $(BIN)/python) $$venv/bin/python -m pytest -q \
	    -p no:cacheprovider tests/test_python_versions.py || status=1; \
	  tested="$$tested $$v"; \
	done; \
	if [ -z "$$tested" ]; then \
	  echo "only Python $$main is on this machine: the whole suite ran on it, no other version tested"; \
	else echo "tested beside Python $$main:$$tested"; fi; \
	exit $$status

lint: $(VENV)/.installed-dev ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

docs: $(VENV)/.installed ## regenerate docs/contract.md from the data contract
	$(BIN)/python -m salesops.data.contract_doc > docs/contract.md

messages: $(VENV)/.installed ## gather new msgids into the catalogues and list those without a translation
	$(BIN)/python -m salesops.messages update

bench: $(VENV)/.installed-dev $(DEMO) ## run the benchmarks and print the table
	$(BIN)/python -m bench

lab: $(VENV)/.installed $(DEMO) ## start JupyterLab on the notebooks
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean: ## remove the environment, the demo data and rendered reports
	rm -rf $(VENV) $(VENV)-3.* build data reports/20*
