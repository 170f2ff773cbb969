# Two commands do everything on a fresh machine with python3 and make:
#   make demo   – install into .venv and run the main job
#   make test   – install into .venv and run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install system demo lint test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# Parts beyond PyPI (CJK TrueType font, PostgreSQL, chromium, poppler): located or
# installed when this machine allows it; their absence is reported, never fatal.
system:
	@bash .ci/system-deps.sh

demo: install system
	$(BIN)/assured demo

# ruff (lint and format check) over the whole tree; mypy on checks, registry, certificates, documents.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite on SQLite, then the tests that touch the registry again on a real
# PostgreSQL server (started by the tests; skipped with a reason where it cannot run).
# Tests run in up to 4 worker processes, one per core (TEST_WORKERS=0: in this process).
TEST_WORKERS ?= $(shell $(PY) -c "import os; print(min(4, len(os.sched_getaffinity(0))))")
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist worksteal)
test: install system lint
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)
	ASSURED_TEST_BACKEND=postgresql $(BIN)/python -m pytest tests/registry tests/flows tests/publish tests/web $(XDIST) $(PYTEST_ARGS)

bench: install system
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .assured build *.egg-info
