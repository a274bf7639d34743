# bayes_scaling: the two commands of the README, plus the slow tiers.
#   make demo   set up .venv and run the main job on the embedded dataset
#   make test   set up .venv and run the default (fast) test tier
#   make docs   set up .venv (+ the docs extra) and build the site in docs/_build/html
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: demo test test-slow benchmark lint notebooks docs clean setup install

$(STAMP): pyproject.toml
	@set -e; \
	python=$$(bash .ci/find-python); \
	if [ ! -x "$(PY)" ]; then "$$python" -m venv "$(VENV)"; fi; \
	"$(PY)" -m pip install --quiet --upgrade pip; \
	"$(PY)" -m pip install --quiet ".[test]"; \
	touch "$(STAMP)"

setup: $(STAMP)

# Reinstall the package itself (non-editable, so tests run against the built wheel
# and prove that priors/ and datasets/ ship inside it).
install: $(STAMP)
	@"$(PY)" -m pip install --quiet --no-deps --force-reinstall .

# The default tier runs on TEST_WORKERS processes (pytest-xdist; 0 runs it in this process).
# --dist loadfile keeps each test file on one worker, so the fits a file caches
# (tests/_fits.py, module-level caches) are made once.
TEST_WORKERS ?= 2

demo: install
	"$(VENV)/bin/bayes-scaling" demo $(DEMO_ARGS)

test: install
	cd tests && "../$(PY)" -m pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS) -c ../pyproject.toml --rootdir ..

# Every notebook executed with quick sampler settings (~5 min on 2 cores), without building
# the site. CI executes them in `make docs` instead (the gallery runs the same notebooks with
# the same settings and fails on an error), so that they run once.
notebooks: install
	cd tests && "../$(PY)" -m pytest -p no:cacheprovider -m notebooks -c ../pyproject.toml --rootdir .. $(PYTEST_ARGS)

test-slow: install
	cd tests && "../$(PY)" -m pytest -p no:cacheprovider -m slow -c ../pyproject.toml --rootdir .. $(PYTEST_ARGS)

# Benchmark suite (not a test tier): results in benchmarks/results/, tables in BENCHMARKS.md.
# make benchmark BENCH_ARGS=--quick checks that the scripts work (~5 min on 2 cores);
# BENCH_ARGS="speed --repeats 3" runs one part. Needs the offline data mirror for the public
# datasets (BAYES_SCALING_DATA_MIRROR, default ../shared/datasets/raw).
benchmark: install
	PYTHONPATH=. "$(PY)" -m benchmarks $(BENCH_ARGS)

# The documentation site (docs/): user guide, API reference, and a gallery of every notebook
# in notebooks/ plus the demo report, executed at build time with the quick settings
# (BAYES_SCALING_QUICK=1, as `make notebooks`). Warnings are errors (-W --keep-going), broken
# cross-references too (-n). Public tables are read from the offline mirror
# (BAYES_SCALING_DATA_MIRROR, default ../shared/datasets/raw). Executed notebooks are cached
# in docs/_build/.jupyter_cache, so a rebuild re-executes only the notebooks that changed;
# DOCS_ARGS=-E rebuilds every page.
$(DOCS_STAMP): pyproject.toml $(STAMP)
	"$(PY)" -m pip install --quiet ".[test,docs]"
	@touch "$(DOCS_STAMP)"

docs: $(DOCS_STAMP) install
	"$(PY)" -m sphinx -b html -W --keep-going -n $(DOCS_ARGS) docs docs/_build/html
	@echo "docs: open docs/_build/html/index.html"

lint: $(STAMP)
	"$(VENV)/bin/ruff" check bayes_scaling tests datasets/experiments docs

clean:
	rm -rf "$(VENV)" build dist .pytest_cache docs/_build docs/gallery/notebooks
