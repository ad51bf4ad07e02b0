# The two commands of the README: `make run` and `make test`. Everything else is a helper of theirs.
# Python 3.11 or 3.12 (the embedded PostgreSQL's wheels stop at 3.12; with DATABASE_URL newer ones work).
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do $$p -c "import sys" >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install setup demo bench load e2e lint format stop-db clean worker beat

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

setup: install
	$(BIN)/python manage.py compile_translations
	$(BIN)/python manage.py migrate --noinput

run: setup
	PORTAL_ADDRESS=$(HOST):$(PORT) $(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python manage.py compile_translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# End-to-end journeys: Playwright drives the system's Chromium (Debian package `chromium`; Playwright's own
# browser download is not used); axe-core from npm checks accessibility. Screenshots: artifacts/e2e/.
e2e: install
	$(BIN)/python -m pip install --quiet ".[dev,e2e]"
	npm ci --no-audit --no-fund --silent
	$(BIN)/python manage.py compile_translations
	$(BIN)/python -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

demo: setup
	$(BIN)/python manage.py seed_demo

bench: setup
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# The load test alone: the city's data (seeded if missing) served by gunicorn on loopback, driven by wrk.
load: setup
	$(BIN)/python -m benchmarks.load

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A kunshan_portal worker --loglevel=INFO

beat: install
	$(BIN)/celery -A kunshan_portal beat --loglevel=INFO

stop-db:
	@if [ -f .data/pg/postmaster.pid ]; then kill -INT $$(head -1 .data/pg/postmaster.pid) && echo "embedded PostgreSQL stopped"; fi

clean: stop-db
	rm -rf $(VENV) .data staticfiles
