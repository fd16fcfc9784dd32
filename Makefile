# Every target sets itself up on a fresh machine: the first run creates .venv and
# installs everything; later runs reuse it (idempotent, keyed on pyproject.toml).
PYTHON ?= python3
VENV ?= .venv
# The CPU build lies on these machines; override for CUDA, e.g. TORCH_SPEC="torch==2.5.1".
TORCH_SPEC ?= torch==2.13.0
PIP_EXTRA := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_SECONDS ?= 240
PYTEST_ARGS ?=

.PHONY: setup demo test bench lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(PIP_EXTRA) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q $(PIP_EXTRA) -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/eegstream demo --seconds $(DEMO_SECONDS) $(if $(HEADSET),--headset $(HEADSET),)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
