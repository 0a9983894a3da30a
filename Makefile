# The two commands a fresh machine needs (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/onep-inbox: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

demo: $(BIN)/onep-inbox
	$(BIN)/onep-inbox demo --dir demo

test: $(BIN)/onep-inbox
	scripts/system-deps.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(BIN)/onep-inbox
	$(BIN)/python -m bench.ingest

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
