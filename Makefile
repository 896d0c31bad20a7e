# Trajectory: `make run` serves a populated demo; `make test` runs every check.
SHELL := /bin/bash
# uv itself, or through the Python that pip installed it into.
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)
PY := .venv/bin/python
# Every CPU runs tests (pytest-xdist; an idle worker takes tests queued for a busy one, so one
# long walk started late does not hold the pass up); the slowest 15 are named at the end of each pass.
PYTEST := .venv/bin/pytest -n auto --dist worksteal --durations=15
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install system-deps lint format check pytest-sqlite pytest-postgres demo bench clean

run: install demo
	@echo "Serving Trajectory on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(PY) manage.py runserver $(HOST):$(PORT)

demo:
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_curriculum
	$(PY) manage.py seed_lists
	$(PY) manage.py seed_demo

test: install system-deps lint check pytest-sqlite pytest-postgres

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet uv
	$(UV) sync --frozen

system-deps:
	@bin/install-system-deps
	@# Test-only tools from the npm registry: axe-core and the Nu HTML Checker (package.json).
	@if [ ! -d node_modules/axe-core ] || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ]; then \
		npm ci --no-audit --no-fund --ignore-scripts --loglevel=error; fi

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format:
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

check:
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

pytest-sqlite:
	@echo "== pytest on SQLite =="
	env -u DATABASE_URL $(PYTEST)

pytest-postgres:
	@echo "== pytest on PostgreSQL (a throwaway cluster): the tests that use the database =="
	bin/with-postgres $(PYTEST) --only-database-tests

bench: install
	$(PY) bench/run.py

clean:
	rm -rf var/ .pytest_cache .ruff_cache .hypothesis
