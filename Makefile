# OneVisit — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := pwa/vendor
VENDOR_STAMP := $(VENDOR)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*?## "} /^[a-zA-Z_-]+:.*?## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(VENDOR_STAMP): package.json package-lock.json server/vendor.py $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python -m server.vendor node_modules $(VENDOR)
	touch $@

.PHONY: install
install: $(STAMP) $(VENDOR_STAMP) ## Install Python and front-end dependencies
	@true

.PHONY: run
run: install ## Migrate, load the demo district into an empty database, serve on :8000
	$(BIN)/onevisit db upgrade
	$(BIN)/onevisit demo --if-empty
	$(BIN)/onevisit serve --host $(HOST) --port $(PORT)

.PHONY: test
test: install ## Run the whole suite (starts a SeaweedFS S3 server for the session)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The date-sensitive tests with the machine's clock faked (libfaketime, Debian's `faketime`) at
# district 00:05, 23:55 and 07:30 (UTC 16:05 and 15:55, and 23:30 the day before): the suite's
# own clock (tests/support/clock.py) must make the machine's time irrelevant. An S3 server
# refuses requests signed hours off its own time, so these runs store in a folder.
CLOCK_MOMENTS ?= 2026-12-05T16:05:00 2026-12-06T15:55:00 2026-12-06T23:30:00
CLOCK_TESTS ?= tests/test_clock.py tests/planning tests/colour tests/inspections tests/public \
	tests/complaints

.PHONY: test-clock
test-clock: install ## Run the date-sensitive tests at three faked system times
	@for moment in $(CLOCK_MOMENTS); do \
		TZ=UTC faketime -f "@$${moment/T/ }" date -u +"== the machine's clock reads %F %T UTC"; \
		TZ=UTC TEST_STORAGE=local faketime -f "@$${moment/T/ }" \
			$(BIN)/python -m pytest -q -p no:cacheprovider $(CLOCK_TESTS) $(PYTEST_ARGS) || exit 1; \
	done

.PHONY: test-artefact
test-artefact: install ## Build the wheel as the Dockerfile does, install it outside the checkout, serve and check it
	$(BIN)/python -m tests.artefact.run

# Schemathesis against the live API description, signed in as a supervisor (tests/fuzz/run.py):
# no 5xx, and no status an operation's description does not list. PostgreSQL with
# TEST_DATABASE_URL; FUZZ_SECONDS bounds the fuzzing, FUZZ_SEED repeats a run.
FUZZ_SECONDS ?= 120

.PHONY: fuzz
fuzz: install ## Fuzz the running API with schemathesis for FUZZ_SECONDS (default 120)
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python -m tests.fuzz.run

.PHONY: lint
lint: install ## ruff check and format check
	$(BIN)/ruff check server tests bench setup.py
	$(BIN)/ruff format --check server tests bench setup.py

.PHONY: format
format: install ## Format the code
	$(BIN)/ruff format server tests bench setup.py
	$(BIN)/ruff check --fix server tests bench setup.py

.PHONY: bench
bench: install ## Run the benchmarks (see bench/README.md)
	$(BIN)/python bench/import/run.py
	$(BIN)/python bench/plan/run.py
	$(BIN)/python bench/scan_page/run.py
	$(BIN)/python bench/recompute/run.py

.PHONY: migration
migration: install ## Autogenerate a migration: make migration m="what changed"
	$(BIN)/python -c "from alembic import command; from server.migrate import alembic_config; \
	command.revision(alembic_config('sqlite:///var/migration-draft.db'), message='$(m)', autogenerate=True)"

.PHONY: clean
clean: ## Remove the venv, front-end libraries and caches (keeps var/ and media/)
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .ruff_cache
