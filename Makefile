# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/liandong_test
RUN_APP ?= orders

.PHONY: run test install install-dev bench clean

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
	$(BIN)/liandong install $(RUN_APP)
	$(BIN)/liandong run --host 127.0.0.1 --port 5000

# Runs every test on SQLite, and on PostgreSQL too when one answers on 127.0.0.1:5432.
test: $(DEV_STAMP)
	@if [ -z "$$LIANDONG_TEST_POSTGRES_URL" ] && command -v pg_isready >/dev/null \
	    && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  export LIANDONG_TEST_POSTGRES_URL=$(PG_TEST_URL); \
	fi; \
	if [ -n "$$LIANDONG_TEST_POSTGRES_URL" ]; then echo "Testing on SQLite and PostgreSQL"; \
	else echo "PostgreSQL not reachable: testing on SQLite only"; fi; \
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
