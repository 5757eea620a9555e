# The commands the README and CI use. `make test` installs into .venv, then runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install install-runtime up test lint bench demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

install-runtime: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

up: install-runtime
	$(BIN)/loanflow up

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/loanflow bench $(ARGS)

demo: install-runtime
	$(BIN)/loanflow demo $(ARGS)
