# Two commands for a newcomer: `make run` and `make test`. `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_DEBUG ?= 1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run serve migrate seed test test-postgres lint bench prod-check pgbouncer-check clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

migrate: install ## apply migrations (SQLite file db.sqlite3 unless DATABASE_URL is set)
	$(PY) manage.py migrate --noinput -v0

seed: migrate ## load the Can Tho 2023 demo data (idempotent) and print the logins
	$(PY) manage.py seed_demo

run: migrate ## install, migrate, load demo data, serve on http://127.0.0.1:8000
	@echo "Loading the demo data, then serving on http://$(HOST):$(PORT)/  (API docs: /api/docs/, schema: /api/schema/)"
	@$(PY) manage.py seed_demo
	@$(PY) manage.py runserver $(HOST):$(PORT)

test: install ## run the whole test suite (SQLite unless DATABASE_URL is set)
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(PY) -m pytest

lint: install ## ruff lint and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: install ## measure the engine (see docs/benchmarks.md); QUICK=1 for a short run, PARTS=a,b for some parts
	$(PY) manage.py bench $(if $(QUICK),--quick,) $(if $(PARTS),--parts $(PARTS),)

prod-check: install ## production smoke test: debug off, PostgreSQL, Redis, gunicorn, Celery (deploy/prod-check.sh)
	bash deploy/prod-check.sh

pgbouncer-check: install ## migrate and a subset of the tests through a real PgBouncer in transaction mode (deploy/pgbouncer-check.sh)
	bash deploy/pgbouncer-check.sh

clean: ## remove the virtualenv, the SQLite database and caches
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .pytest_cache .ruff_cache
