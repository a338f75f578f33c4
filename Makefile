# The two commands a new user needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= auto
TEST_OUTPUT ?= test-output

.PHONY: install run test unit system-deps bench proof clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The main job: `hub demo` on the embedded default (no servers needed): a fresh demo
# database in instance/demo, the 16 centers synced from their sample systems, a working
# week simulated through the services, then the pages, API and /metrics on 127.0.0.1:8000.
run: install
	$(BIN)/hub demo

# Debian packages the tests drive for real: promtool, headless Chromium, a CJK font.
system-deps:
	@scripts/ensure-system-deps

test: install system-deps
	mkdir -p $(TEST_OUTPUT)
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist load --junitxml=$(TEST_OUTPUT)/junit.xml

# Issue 8's proof (tests/proof/, docs/RELIABILITY.md): fault, load and attack scenarios on
# the real services. They stop and restart PostgreSQL and RabbitMQ, so they run after
# `make test`, one at a time; each restores what it stopped.
proof: install system-deps
	mkdir -p $(TEST_OUTPUT)
	HUB_PROOF=1 $(BIN)/pytest tests/proof -p no:xdist --junitxml=$(TEST_OUTPUT)/proof.xml

# Issue 9's benchmarks (docs/BENCHMARKS.md): SpiffWorkflow 3.2 and py-spy go into the
# benchmark's own virtualenv, never the project's; every figure is measured against a
# baseline of the same run. About ten minutes on 2 cores; needs PostgreSQL and RabbitMQ.
BENCH_VENV := bench/.venv-spiff

$(BENCH_VENV)/.installed:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet 'SpiffWorkflow==3.2.0' 'py-spy==0.4.3'
	touch $@

bench: install $(BENCH_VENV)/.installed
	$(BIN)/python bench/run_all.py

unit: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) tests/unit

clean:
	rm -rf $(VENV) build *.egg-info instance $(TEST_OUTPUT) .pytest_cache
