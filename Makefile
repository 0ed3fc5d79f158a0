# StoryCorner: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck contracts pytest migrate fmt worker messages bench clean

# The service runs from this folder (`python -m app`), so only its dependencies are installed,
# from pyproject.toml: the runtime ones to serve, the tools and tests (`dev`) for `make test`.
DEPS = $(BIN)/python -c 'import sys, tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	print("\n".join(p["optional-dependencies"][sys.argv[1]] if len(sys.argv) > 1 else p["dependencies"]))'
PIP = $(BIN)/python -m pip install --quiet --disable-pip-version-check

$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade pip
	@$(DEPS) > $(VENV)/requirements.txt && $(PIP) -r $(VENV)/requirements.txt
	@touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	@$(DEPS) dev > $(VENV)/requirements-dev.txt && $(PIP) -r $(VENV)/requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

## Serve the embedded default (SQLite under var/, jobs in-process) on http://$(HOST):$(PORT)
run: $(RUN_STAMP)
	@$(BIN)/python -m app migrate
	@echo "Demo data and accounts:"
	@$(BIN)/python -m app seed-demo
	@echo "Serving on http://$(HOST):$(PORT)"
	@HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m app serve

migrate: $(RUN_STAMP)
	@$(BIN)/python -m app migrate

worker: $(RUN_STAMP)
	@$(BIN)/python -m app worker

fmt: $(STAMP)
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

## pytest on SQLite, then on PostgreSQL (with Redis) when TEST_DATABASE_URL is set; two
## pytest-xdist workers, each with its own database (`PYTEST_WORKERS=0` runs in one process).
PYTEST_WORKERS ?= 2
XDIST = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadgroup)
pytest: $(STAMP)
	STORYCORNER_TEST_ENGINE=sqlite $(BIN)/pytest -q $(XDIST) $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "--- again on PostgreSQL ($$TEST_DATABASE_URL)"; \
		STORYCORNER_TEST_ENGINE=postgres $(BIN)/pytest -q $(XDIST) $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "error: CI=true needs TEST_DATABASE_URL (PostgreSQL)" >&2; exit 1; \
	else \
		echo "--- TEST_DATABASE_URL is not set: the PostgreSQL pass was not run"; \
	fi

test: lint typecheck contracts pytest

## Add each package's new translatable strings to its English catalogue (to translate).
messages: $(STAMP)
	$(BIN)/python -m tests.web.msgids --update

## Benchmarks (tests/load/bench.py): PostgreSQL + Redis + several web processes, then the
## embedded SQLite variant. `make bench SCALE=city`; BENCH_ARGS='--profile' samples with py-spy.
SCALE ?= district
bench: $(STAMP)
	$(BIN)/python -m tests.load.bench --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
