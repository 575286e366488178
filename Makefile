# Thin wrapper over strict tools. Every target bootstraps what it needs (scripts/bootstrap.sh).
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# Programs the tests use besides redis-server (PROGRAM:DEBIAN_PACKAGE): Prometheus' promtool and server and
# the Redis and process exporters for the dashboard and own-portal tests, Chromium for the report's browser
# test, wrk for the bench test, HAProxy for the multi-node topology (docs/topology.md), docker-compose and
# kubectl (Debian's kubernetes-client) for the deployment files' tests (no daemon or cluster needed).
TEST_TOOLS := promtool:prometheus prometheus:prometheus prometheus-redis-exporter prometheus-process-exporter chromium wrk \
	haproxy docker-compose kubectl:kubernetes-client


.PHONY: bootstrap run walk test lint typecheck pytest bench fmt lock clean

bootstrap:
	@scripts/bootstrap.sh

## The main job: a sweep and the phase-1 cutover drill on the local stack, a sizing, an HTML report.
run: bootstrap
	$(BIN)/cuaso assess

## Every journey once against a fresh local stack (a quick smoke test).
walk: bootstrap
	$(BIN)/cuaso walk

## The test command (README, .ci/run): lint, strict types, then the tests against real Redis and HTTP.
test:
	@scripts/bootstrap.sh $(TEST_TOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

lint: bootstrap
	$(BIN)/ruff check .

typecheck: bootstrap
	$(BIN)/mypy

pytest:
	@scripts/bootstrap.sh $(TEST_TOOLS)
	$(BIN)/pytest $(PYTEST_ARGS)

fmt: bootstrap
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmarks (not tests): ratios measured side by side in one run.
bench:
	@scripts/bootstrap.sh wrk haproxy
	$(BIN)/python -m bench.portal
	$(BIN)/python -m bench.replicated
	$(BIN)/python -m bench.accept
	$(BIN)/python -m bench.generator

## Re-pin every dependency at what the virtual env has now (after a deliberate upgrade); commit the result.
lock: bootstrap
	{ sed -n '1,2p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e'; } > constraints.tmp
	mv constraints.tmp constraints.txt

clean:
	rm -rf var reports/out .mypy_cache .ruff_cache .pytest_cache
