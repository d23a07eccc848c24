# The two set-up commands (README.md, Set up): `make run` and `make test`; both create .venv.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format typecheck schema check bench bench-import bench-history clean

# Reinstall only when a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(VENV)/.installed
	DEBUG=true SECURE_SSL_REDIRECT=false USE_JSON_LOGS=false $(PY) manage.py migrate --no-input
	DEBUG=true SECURE_SSL_REDIRECT=false USE_JSON_LOGS=false $(PY) manage.py seed_demo
	@echo ""
	@echo "  Running Training Tracker on http://$(HOST):$(PORT)/  (development mode)"
	@echo "  Runner login: demo / demo-password     Coach login (admin at /admin/): coach / coach-password"
	@echo ""
	@# The whole-history import worker runs beside the server and stops with it.
	DEBUG=true SECURE_SSL_REDIRECT=false USE_JSON_LOGS=false $(PY) manage.py import_worker & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true SECURE_SSL_REDIRECT=false USE_JSON_LOGS=false $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/pytest --cov --cov-report=term $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy tracker accounts training analytics coaching dashboard

schema: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=tracker.settings_test $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

check: lint typecheck schema

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov staticfiles

# Benchmark of the real server (gunicorn, production settings, PostgreSQL) against a raw-WSGI
# ceiling; needs Debian's wrk. See bench/run.py for the knobs.
bench: $(VENV)/.installed
	$(PY) bench/run.py

# Seconds per activity-file import (longest real file, synthetic marathons at 1 Hz); target < 1 s.
bench-import: $(VENV)/.installed
	$(PY) bench/imports.py

# One import worker through a generated Strava archive of 2,000 activities (about 1 GB): seconds
# and the worker's peak RSS; targets < 600 s and < 300 MB. DATABASE_URL selects PostgreSQL.
bench-history: $(VENV)/.installed
	$(PY) bench/history_import.py
