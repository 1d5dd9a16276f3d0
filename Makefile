# The two commands: `make demo` and `make test`; each does all set-up itself.
SHELL := /bin/bash
NODE := node_modules/.bin/node
PREFIX ?= /usr/local
TEST_FILES := 'src/**/*.test.ts' 'test/**/*.test.ts'

.PHONY: setup install demo test test-unit test-faults typecheck lint bench clean-test

setup:
	@bash scripts/setup.sh

install: setup
	ln -sf $(CURDIR)/bin/berth $(PREFIX)/bin/berth
	ln -sf $(CURDIR)/bin/berthd $(PREFIX)/bin/berthd

demo: install
	@bash scripts/demo.sh

typecheck: setup
	node_modules/.bin/tsc --noEmit -p .

lint: setup
	node_modules/.bin/biome check .

test-unit: setup
	$(NODE) --test --test-concurrency=4 'src/**/*.test.ts'

test: setup typecheck lint
	$(NODE) --disable-warning=ExperimentalWarning --test --test-concurrency=2 --test-timeout=300000 $(TEST_FILES)

bench: install
	$(NODE) --disable-warning=ExperimentalWarning bench/run.ts

# The fault-injection suite in a longer form than `make test` runs (more rounds, a longer fuzz).
test-faults: setup
	BERTH_FAULT_ROUNDS=40 BERTH_FUZZ_MS=120000 BERTH_LOAD_CLIENTS=50 BERTH_LOAD_MS=60000 $(NODE) --disable-warning=ExperimentalWarning --test --test-timeout=1800000 'test/faults/*.test.ts' 'test/fuzz/*.test.ts'
