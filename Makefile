# mineral-briefs — the interface. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
OUT ?= reports

.DEFAULT_GOAL := help
.PHONY: help install briefs test test-fast lab bench check clean browser

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@# the editable install leaves the toolkit uncompiled: the first brief's three processes
	@# (render, worker, kernel) would each compile it (issue 16)
	$(BIN)/python -m compileall -q toolkit/mineral_briefs >/dev/null
	touch $(STAMP)

install: $(STAMP) ## create the virtualenv and install the pinned toolkit

browser: ## install Debian's Chromium for the browser tests and PDF printing (needs root)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' (browser tests will be skipped)"; fi; }

briefs: install ## install, then render every built-in scenario brief into reports/
	$(BIN)/mineral-briefs render --all --out $(OUT) --jobs $(JOBS)
	@echo "open $(OUT)/index.html"

test: install browser ## install, then run the whole test suite
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup

lab: install ## open JupyterLab on notebooks/
	$(BIN)/jupyter lab notebooks/

bench: install ## run the benchmarks and write bench/results.md
	$(BIN)/python -m bench

check: install ## lint and type-check
	$(BIN)/ruff check toolkit tests bench hatch_build.py
	$(BIN)/ruff format --check toolkit tests bench
	$(BIN)/mypy toolkit/mineral_briefs

clean: ## remove the virtualenv, caches and rendered briefs
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find $(OUT) -mindepth 1 ! -name README.md -exec rm -rf {} +
