# Two commands on a fresh machine: `make test` and `make demo`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_STAMP := $(VENV)/.installed-test
DEMO_STAMP := $(VENV)/.installed-demo
# Every package the tests and the demo use, at the versions they were last tested with.  The
# library itself keeps lower bounds only (pyproject.toml); `make lock` refreshes this file.
LOCK := requirements-lock.txt
PIP_VERSION := $(shell sed -n 's/^pip==//p' $(LOCK))

.PHONY: test demo lint typecheck pytest docs bench clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "pip==$(PIP_VERSION)"

$(TEST_STAMP): pyproject.toml setup.py $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[test]"
	touch $(TEST_STAMP) $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml setup.py $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[demo]"
	touch $(DEMO_STAMP)

# Resolve the newest versions allowed by pyproject.toml in a throw-away environment and write
# them to $(LOCK); run the tests afterwards before committing the new lock.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e ".[test,demo]"
	.lock-venv/bin/python -m pip freeze --all --exclude-editable \
	  | sed '/^o2c[= @]/d' | LC_ALL=C sort -f > $(LOCK)
	rm -rf .lock-venv

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks tools setup.py
	$(BIN)/ruff format --check src tests benchmarks tools setup.py

typecheck: $(TEST_STAMP)
	$(BIN)/mypy --strict src

pytest: $(TEST_STAMP)
	$(BIN)/python -m pytest

# The documentation site (mkdocs-material, API reference from the docstrings) in strict mode:
# any warning (a broken link, a page left out of the nav, a docstring griffe cannot read) fails.
docs: $(TEST_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

test: lint typecheck pytest docs

demo: $(DEMO_STAMP)
	$(BIN)/o2c demo

bench: $(TEST_STAMP)
	for f in benchmarks/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .lock-venv site .pytest_cache .mypy_cache .ruff_cache .hypothesis build src/*.egg-info
