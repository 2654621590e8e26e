# The two commands of the course (see README.md):
#   make lab    set everything up and open the notebooks in JupyterLab
#   make test   set everything up and run the whole test suite (what .ci/run runs)
#
#   make browser  install Chromium for the browser tests (Debian/Ubuntu; needs root or sudo)
#
# Everything is installed into a virtual environment in .venv. torch is installed first, pinned,
# so that the package's `torch>=2.2` is already satisfied and pip never pulls a CUDA build.
# Elsewhere, choose another torch:  make test TORCH="torch --index-url <a CPU wheel index>"

PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin

# Extra pytest arguments, e.g.  make test PYTEST_ARGS='-m "not browser"'
PYTEST_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup lab test lint browser clean

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
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Debian's chromium for Playwright (`playwright install` cannot download a browser here), and a
# small CJK font so that the screenshots show the Chinese headings.
browser:
	@if dpkg -s chromium fonts-wqy-microhei >/dev/null 2>&1; then \
		echo "$$(chromium --version) is installed"; \
	elif command -v apt-get >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-wqy-microhei >/dev/null && echo "installed $$(chromium --version)"; \
	else \
		echo "no apt-get: install Chromium or Chrome and set COURSEKIT_CHROMIUM to its path"; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
