# Every target sets itself up on a fresh machine: the first run creates .venv and
# installs everything; later runs reuse it (idempotent, keyed on pyproject.toml).
PYTHON ?= python3
VENV ?= .venv
# The CPU build lies on these machines; override for CUDA, e.g. TORCH_SPEC="torch==2.5.1".
TORCH_SPEC ?= torch==2.13.0
# Where torch comes from; e.g. TORCH_INDEX="--index-url https://download.pytorch.org/whl/cpu"
# for the CPU-only build on a Linux machine without a GPU (PyPI's pulls in CUDA).
TORCH_INDEX ?=
PIP_EXTRA := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_SECONDS ?= 240
PYTEST_ARGS ?=
# test-lowest: every direct dependency at its floor, in a venv of its own. The
# CPU build of the floor torch comes from PyTorch's index (set it empty to take
# PyPI's, which pulls the CUDA libraries).
LOWEST_VENV ?= .venv-lowest
LOWEST_TORCH_INDEX ?= --index-url https://download.pytorch.org/whl/cpu

.PHONY: setup demo test test-lowest bench lint docs clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(PIP_EXTRA) $(TORCH_INDEX) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q $(PIP_EXTRA) -e ".[dev,distributed,asr,docs,web]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/eegstream demo --seconds $(DEMO_SECONDS) $(if $(HEADSET),--headset $(HEADSET),)

# Compiled modules are cached (__pycache__, git-ignored) even where
# PYTHONDONTWRITEBYTECODE is set: each test worker and each eegstream
# subprocess of the tests then reads them instead of compiling again.
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# The floors in pyproject.toml, proven: direct dependencies at their lowest
# allowed version, what they pull in at the newest (lowest-direct resolution).
test-lowest:
	test -x $(LOWEST_VENV)/bin/python || $(PYTHON) -m venv $(LOWEST_VENV)
	$(PYTHON) .ci/floors.py > $(LOWEST_VENV)/floors.txt
	$(LOWEST_VENV)/bin/python -m pip install -q --upgrade pip
	$(LOWEST_VENV)/bin/python -m pip install -q $(LOWEST_TORCH_INDEX) \
		-c $(LOWEST_VENV)/floors.txt torch
	$(LOWEST_VENV)/bin/python -m pip install -q -c $(LOWEST_VENV)/floors.txt -e ".[dev]"
	$(LOWEST_VENV)/bin/python -m pip list --format=freeze > $(LOWEST_VENV)/installed.txt
	QT_QPA_PLATFORM=offscreen $(LOWEST_VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/run_all.py

# The documentation site from docs/ and the docstrings; any warning fails it.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(LOWEST_VENV) .pytest_cache .hypothesis build *.egg-info docs/_build docs/api/generated
