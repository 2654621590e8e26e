# The two commands of the course (see README.md):
#   make lab    set everything up and open the notebooks in JupyterLab
#   make test   set everything up and run the whole test suite (what .ci/run runs)
#
# Everything is installed into a virtual environment in .venv. torch is installed first, pinned,
# so that the package's `torch>=2.2` is already satisfied and pip never pulls a CUDA build.
# Elsewhere, choose another torch:  make test TORCH="torch --index-url <a CPU wheel index>"

PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin

.PHONY: setup lab test lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(TORCH)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

lab: setup
	$(BIN)/jupyter lab notebooks/

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
