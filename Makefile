# jingsu — two commands do everything on a fresh Debian machine with Python 3.11:
#   make demo   set up .venv and the system packages, migrate, run the end-to-end demo
#   make test   set up the same, run the whole test suite (ruff, mypy, lint-imports, pytest)
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SYSSTAMP := var/.system-packages
NODESTAMP := node_modules/.package-lock.json

.PHONY: demo test setup system-packages lint typecheck clean bench

$(STAMP): pyproject.toml $(SYSSTAMP)
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON)이 필요합니다 (Python 3.11)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(SYSSTAMP): scripts/system-packages.sh
	bash scripts/system-packages.sh
	@mkdir -p var && touch $(SYSSTAMP)

# KRDS (krds-uiux) for the staff console, exactly as package-lock.json says; served as static files.
$(NODESTAMP): package.json package-lock.json $(SYSSTAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODESTAMP)

setup: $(STAMP) $(SYSSTAMP) $(NODESTAMP)

demo: setup
	$(VENV)/bin/jingsu migrate --no-input -v 0
	$(VENV)/bin/jingsu demo

test: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q

bench: setup
	@echo "benchmarks: see bench/*.py and docs/benchmarks.md"

clean:
	rm -rf $(VENV) var/demo var/test-artifacts node_modules
