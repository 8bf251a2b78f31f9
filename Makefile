# Power Dynamics course. `make book` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# make test runs on two pytest-xdist workers, one test file per worker at a time (the built
# book is built once, tests/conftest.py); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

.PHONY: help install book test lint unit lab dist notebooks bench clean

help:
	@echo "make book       build the HTML book and its browser edition into _build/html (creates $(VENV) on first use)"
	@echo "make test       ruff, import layers, mypy + pytest: unit, nbval over notebooks/, book build, browser, nbgrader"
	@echo "make lab        open the lessons (notebooks/) in JupyterLab on 127.0.0.1 (with a token)"
	@echo "make dist       build the trainee wheel and sdist (lessons inside, no instructor material) into dist/"
	@echo "make notebooks  re-execute the lesson notebooks and store clean outputs"
	@echo "make bench      print the benchmark figures"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	@test -x $(BIN)/python || { echo "Creating the virtualenv in $(VENV) ..."; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the course and its tools into $(VENV) (first time: a few minutes) ..."
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[course,test,hub,lite]'
	@touch $@

# axe-core for the accessibility gate of the test suite (not needed to build the book).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the accessibility tests (Debian: apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build --warningiserror --keep-going .
	$(BIN)/python scripts/build_lite.py
	@echo
	@echo "The book is built: $(CURDIR)/_build/html/index.html"
	@echo "The browser edition (JupyterLite, offline): $(CURDIR)/_build/html/lite/ (serve _build/html over HTTP to use it)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(STAMP) node_modules/axe-core/axe.min.js lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --nbval notebooks tests $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not browser and not lab and not nbgrader and not book and not hub and not install and not lite" $(PYTEST_ARGS)

# The trainee launcher, rooted at notebooks/ (the lessons are used in place), so that the
# file browser cannot reach exercises/ (the graded keys).
lab: $(STAMP)
	$(BIN)/powerdynamics lab "$(CURDIR)/notebooks"

# The trainee edition: a wheel and an sdist with the lessons and no instructor material
# (tests/e2e/install/test_trainee_dist.py checks both). setup.py copies notebooks/ into the wheel.
dist: $(STAMP)
	rm -rf dist build
	$(BIN)/python -m build --outdir dist .
	rm -rf build src/powerdynamics.egg-info
	@ls -l dist

notebooks: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py

bench: $(STAMP)
	$(BIN)/python -m bench.bench_engine
	$(BIN)/python -m bench.bench_site
	$(BIN)/python -m bench.bench_autograde
	$(BIN)/python -m bench.bench_parallel
	$(BIN)/python -m bench.bench_report
	$(BIN)/python -m bench.bench_lite

clean:
	rm -rf _build .pytest_cache .ruff_cache dist build   # .cache/lite (the browser edition's downloads) stays
