# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Each builds .venv (Python 3.11+, for the test tools) and installs what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo sandbox test pythons bench smoke live-check lint format clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "make needs Python 3.11+ for the test tools (the scripts themselves run on 3.9+); try: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

## make demo: start the local sandbox and walk through the skill's operations (no credentials)
demo: $(STAMP)
	$(PY) tests/demo.py

## make sandbox: run the sandbox in the foreground and print the three export lines (ARGS="--port 3000")
# exec: the sandbox replaces the shell, so a SIGTERM to make reaches it
sandbox: $(STAMP)
	PYTHONPATH=tests exec $(PY) -m sandbox $(ARGS)

## make test: the test suite on every core (-n auto), in under a minute on 2 cores (the slow tiers below have their own targets)
test: $(STAMP)
	$(PY) -m pytest -q -n auto -m "not pythons"

## make pythons: the scripts under each Python 3.9-3.13 on this machine (builds a venv per version once)
pythons: $(STAMP)
	$(PY) -m pytest -q -m pythons

## make bench: timings and peak memory against the sandbox, next to the import floor and plain curl (a few minutes)
bench: $(STAMP)
	$(PY) tests/bench.py

## make smoke: install the committed skill as users do (npx skills for claude-code and codex, pip, uv)
## and run every script from the installed copy against the sandbox (needs the npm registry and PyPI)
smoke: $(STAMP)
	$(PY) tests/smoke.py

## make live-check: check the skill against YOUR Chatwoot, read-only (set the three CHATWOOT_* variables)
live-check: $(STAMP)
	$(PY) tests/live_check.py

## make lint: ruff
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
