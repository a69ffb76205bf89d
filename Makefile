# Attention Explorer: common commands. `make help` lists them.
#
# Everything runs inside the project's virtual environment (.venv). Installs are recorded by
# stamp files inside .venv, so a repeated `make install` / `make test` skips pip unless a
# requirements file changed (or the venv was recreated).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
BIN     := $(VENV)/bin
# Interpreter used to create the venv: python3.11 if present, else python3.
PYTHON  ?= $(shell command -v python3.11 || command -v python3)
# Where `make run` listens. Use ADDRESS=0.0.0.0 to reach the app from other machines.
ADDRESS ?= 127.0.0.1
PORT    ?= 8501

RUNTIME_STAMP := $(VENV)/.installed-runtime
TEST_STAMP    := $(VENV)/.installed-test

.PHONY: help venv install install-test run test test-slow lint format clean distclean

help:  ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-13s %s\n", $$1, $$2}'

venv: $(BIN)/python  ## create .venv (python3.11, else python3) if missing

$(BIN)/python:
	scripts/make_venv.sh $(PYTHON) $(VENV)

install: $(RUNTIME_STAMP)  ## install the runtime requirements into .venv

# Never pass --isolated to pip: the machine's pip configuration is what finds the CPU build of torch.
$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -r requirements.txt
	@touch $@

install-test: $(TEST_STAMP)  ## install test/lint tools, Chromium and CJK fonts, axe-core, redis-server and nginx
	scripts/install_chromium.sh
	scripts/install_axe.sh
	scripts/install_servers.sh

$(TEST_STAMP): requirements-test.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -r requirements-test.txt
	@touch $(RUNTIME_STAMP) $@

run: install  ## start the app, models loaded before it answers (ADDRESS=127.0.0.1 PORT=8501 by default)
	$(BIN)/python -m explorer.ui.serve \
		--server.headless true \
		--server.address $(ADDRESS) \
		--server.port $(PORT) \
		--browser.gatherUsageStats false

# The tests write bytecode even where the environment says not to (PYTHONDONTWRITEBYTECODE, set in many
# containers): pytest keeps each test module's rewritten asserts there, and without it every worker of every phase
# rewrote all 365 modules again (collecting the tests without a browser took 66 s without that cache and 30 s with
# it, on this machine under load), and every server and CLI the tests start compiled the app anew.
test: export PYTHONDONTWRITEBYTECODE :=
test: install-test  ## lint, then every test but the slow suites: those without a browser on a worker per core, then the browser tests (two at a time, then the load tests alone)
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n auto --maxprocesses 4 -m "not e2e and not slow" --durations=10 --ignore=tests/e2e
	$(BIN)/pytest -q -n 2 --dist loadfile -m "e2e and not slow and not alone" --durations=10 tests/e2e
	$(BIN)/pytest -q -m "e2e and alone and not slow" --durations=10 tests/e2e

test-slow: install-test  ## the slow suites only (400 save kills, 50 training kills with --resume, torchrun, the rest of each `diagonal` grid and `first_quick` list)
	$(BIN)/pytest -q -m slow

lint: $(TEST_STAMP)  ## ruff check and format check, no changes
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_STAMP)  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:  ## remove caches (keeps .venv)
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis test-results build dist *.egg-info

distclean: clean  ## remove caches and .venv
	rm -rf $(VENV)
