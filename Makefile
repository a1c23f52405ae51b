# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/liandong_test
# `make run` shows the inventory app (进销存) with a year of demo data and one
# login per role (printed before the server starts; see README "Demo logins").
RUN_APP ?= inventory
RUN_FLAGS ?= --demo-data
RUN_HOST ?= 127.0.0.1
RUN_PORT ?= 5000

.PHONY: run test install install-dev bench soak clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml setup.py
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

run: $(STAMP)
	$(BIN)/liandong install $(RUN_APP) $(RUN_FLAGS)
	@echo
	@echo "Liandong: http://$(RUN_HOST):$(RUN_PORT)/  (sign in with a demo login above)"
	@echo
	$(BIN)/liandong run --host $(RUN_HOST) --port $(RUN_PORT)

# Runs every test on SQLite, and on PostgreSQL too when one answers on 127.0.0.1:5432.
test: $(DEV_STAMP)
	@if [ -z "$$LIANDONG_TEST_POSTGRES_URL" ] && command -v pg_isready >/dev/null \
	    && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  export LIANDONG_TEST_POSTGRES_URL=$(PG_TEST_URL); \
	fi; \
	if [ -n "$$LIANDONG_TEST_POSTGRES_URL" ]; then echo "Testing on SQLite and PostgreSQL"; \
	else echo "PostgreSQL not reachable: testing on SQLite only"; fi; \
	if [ ! -x /usr/bin/chromium ]; then \
	  echo "!!! /usr/bin/chromium is missing: browser tests (tests/e2e) will be SKIPPED."; \
	  echo "!!! Install it with: apt-get install -y chromium"; fi; \
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Deeper runs of the property, fuzz and concurrency tests than `make test` can
# afford (docs/operations.md, "Soak runs"); about 15-30 minutes. SOAK_ARGS go to pytest.
SOAK_ENV := LIANDONG_FUZZ_EXAMPLES=150 LIANDONG_INVENTORY_FUZZ_EXAMPLES=25 \
	LIANDONG_INVENTORY_FUZZ_SECONDS=1200 LIANDONG_STATEFUL_EXAMPLES=150 LIANDONG_STATEFUL_STEPS=30 \
	LIANDONG_CONCURRENCY_PROCESSES=16 LIANDONG_EXPRESSION_FUZZ_EXAMPLES=5000
soak: $(DEV_STAMP)
	@if [ -z "$$LIANDONG_TEST_POSTGRES_URL" ] && command -v pg_isready >/dev/null \
	    && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  export LIANDONG_TEST_POSTGRES_URL=$(PG_TEST_URL); \
	fi; \
	$(SOAK_ENV) $(BIN)/python -m pytest -q tests/api/test_openapi_fuzz.py tests/api/test_inventory_fuzz.py \
	  tests/rules/test_ledger_stateful.py tests/concurrency tests/unit/test_definition_fuzz.py \
	  tests/unit/test_expression_limits.py tests/unit/test_expression_sandbox.py $(SOAK_ARGS)

# UI strings: extract from engine/ and templates/, merge into the catalogs, compile
# the .mo files (committed, so an install needs no build step).
translations: $(DEV_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  -o engine/translations/messages.pot .
	$(BIN)/pybabel update -i engine/translations/messages.pot -d engine/translations -l zh
	$(BIN)/pybabel compile -d engine/translations

# Benchmarks against hand-written baselines (docs/performance.md); QUICK=1 for
# smaller data sets. Writes the results table into docs/performance.md.
bench: $(DEV_STAMP)
	$(BIN)/python -m benchmarks.run_all $(if $(QUICK),--quick) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
