# bayes_scaling: the two commands of the README, plus the slow tiers.
#   make demo   set up .venv and run the main job on the embedded dataset
#   make test   set up .venv and run the default (fast) test tier
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow benchmark lint notebooks clean setup

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

demo: install
	"$(VENV)/bin/bayes-scaling" demo $(DEMO_ARGS)

test: install
	cd tests && "../$(PY)" -m pytest -p no:cacheprovider $(PYTEST_ARGS) -c ../pyproject.toml --rootdir ..

# Every notebook executed with quick sampler settings (~5 min on 2 cores); CI runs it after
# the default tier, which stays under ~10 minutes.
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

lint: $(STAMP)
	"$(VENV)/bin/ruff" check bayes_scaling tests datasets/experiments

clean:
	rm -rf "$(VENV)" build dist .pytest_cache
