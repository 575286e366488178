# Thin wrapper over strict tools. Every target bootstraps what it needs (scripts/bootstrap.sh).
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: bootstrap run test lint typecheck pytest bench fmt clean

bootstrap:
	@scripts/bootstrap.sh

## The main job: start the local reference stack and run every journey against it.
run: bootstrap
	$(BIN)/cuaso walk

## The test command (README, .ci/run): lint, strict types, then the tests against real Redis and HTTP.
test: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

lint: bootstrap
	$(BIN)/ruff check .

typecheck: bootstrap
	$(BIN)/mypy

pytest: bootstrap
	$(BIN)/pytest $(PYTEST_ARGS)

fmt: bootstrap
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmarks (not tests): ratios measured side by side in one run.
bench:
	@scripts/bootstrap.sh wrk
	$(BIN)/python -m stack.bench

clean:
	rm -rf var reports/out .mypy_cache .ruff_cache .pytest_cache
