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
	@case "$(DEMO)" in \
	  0|no|No|NO|false|False|FALSE|off|Off|OFF) \
	    echo "DEMO=$(DEMO): no demo data. Create the first admin with: $(FLASK) create-user EMAIL --role admin" ;; \
	  *) $(FLASK) seed-demo && $(FLASK) demo-county --if-empty ;; \
	esac

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
