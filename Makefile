# Huddle: `make run` sets up and serves; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
DEMO ?= 1
FLASK := $(BIN)/flask --app moderation_app
STAMP := $(VENV)/.installed

.PHONY: run serve setup install test test-stats test-app test-browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

setup: install
	$(FLASK) db upgrade
	$(FLASK) load-vignettes
	$(FLASK) seed-demo
	@if [ "$(DEMO)" != "0" ]; then $(FLASK) demo-county --if-empty; fi

run: setup serve

serve: install
	@echo "Serving Huddle on $(HOST):$(PORT); open $${PUBLIC_URL:-http://$(HOST):$(PORT)}/  (Ctrl+C to stop)"
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - 'moderation_app:create_app()'

test: install
	$(BIN)/python -m pytest

test-stats: install
	$(BIN)/python -m pytest tests/test_stats

test-app: install
	$(BIN)/python -m pytest tests/app

test-browser: install
	$(BIN)/python -m pytest tests/browser

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
