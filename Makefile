# The two commands of the course (see README.md):
#   make lab    set everything up and open the student release (student/) in JupyterLab
#   make test   set everything up and run the whole test suite (what .ci/run runs): lint, unit
#               tests, every notebook under nbval natively and on an emulated CPU, and the
#               notebooks in JupyterLab with Chromium (installed by `make browser`)
#
#   make robust   the robustness matrix: nbval under emulated CPUs, every notebook's asserts for
#                 seeds 0-4 (tools/robust.py; about 10 minutes)
#   make lock     regenerate requirements-lock.txt from pyproject.toml (uv pip compile)
#   make slides   offline reveal.js slides of every notebook in build/slides/ (tools/slides.py)
#   make browser  install Chromium and a CJK font for the browser tests (Debian/Ubuntu; root or sudo)
#
# Everything is installed into a virtual environment in .venv, exactly as pinned in
# requirements-lock.txt (Python 3.11, Linux x86_64, torch's CPU build), so that a fresh install
# months from now gets the same packages. The lock pins torch==2.13.0+cpu, which pip takes from a
# local wheel folder or from PyTorch's CPU index, never a multi-gigabyte CUDA build. Elsewhere:
#   make test PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"

PYTHON ?= python3
VENV ?= .venv
LOCK ?= requirements-lock.txt
TORCH ?= torch==2.13.0
# The widget manager that also loads in RISE's slideshow page (jupyterlab-rise 0.43 is built on
# JupyterLab 4.3; jupyterlab-widgets 3.0.11 and later need @jupyterlab/console, which that page
# does not share), and so ipywidgets 8.1.2. Users elsewhere may take any ipywidgets >= 8.
WIDGETS_PIN ?= jupyterlab-widgets==3.0.10
# Where `make lock` finds the CPU build of $(TORCH): a folder or page of wheels (uv --find-links).
TORCH_WHEELS ?= /opt/wheels
PIP_ARGS ?=
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check

# Extra pytest arguments, e.g.  make test PYTEST_ARGS='-m "not browser"' BROWSER=skip
PYTEST_ARGS ?=
# The emulated CPU that `make test` runs the notebooks on besides the native one (robust.py's CI_CONFIG).
EMULATED_CPU := ATEN_CPU_CAPABILITY=default MKL_ENABLE_INSTRUCTIONS=SSE4_2
# `install`: `make test` installs Chromium if it is missing; `skip`: leave the system alone.
BROWSER ?= install
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup lab lab-instructor release course slides test lint browser robust lock clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet $(PIP_ARGS) -r $(LOCK)
	$(PIP) install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

# Students work in student/: nbgrader's release of the notebooks (solutions replaced by stubs,
# hidden tests removed), made once; later runs keep what is there (a student's work).
lab: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python tools/release.py --keep student
	$(BIN)/jupyter lab student/

# The instructor's notebooks, solutions and hidden tests included.
lab-instructor: setup
	$(BIN)/jupyter lab notebooks/

# A fresh release of every notebook in build/release/, to hand out (nbgrader generate_assignment).
release: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python tools/release.py build/release

# An nbgrader course folder in course/ to grade in: sources, releases, gradebook (README: instructors).
course: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python tools/release.py --course course

# Lecture mode (README): each notebook as reveal.js slides that open offline, in build/slides/.
# reveal.js and MathJax come from the npm registry, checked against pinned sha512 sums.
slides: setup
	$(BIN)/python tools/slides.py --out build/slides

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@echo "== the notebooks again, on an emulated CPU: $(EMULATED_CPU)"
	$(EMULATED_CPU) $(BIN)/python -m pytest notebooks $(PYTEST_ARGS)

robust: setup
	$(BIN)/python tools/robust.py

# uv resolves pyproject.toml with the test extra for Python 3.11 on Linux x86_64, with torch
# pinned to $(TORCH) and taken from $(TORCH_WHEELS) (the CPU build: no CUDA packages).
lock:
	$(PYTHON) -m venv build/lock-tools
	build/lock-tools/bin/python -m pip install --quiet --disable-pip-version-check uv
	printf '%s\n' '$(TORCH)' '$(WIDGETS_PIN)' > build/lock-constraints.txt
	build/lock-tools/bin/uv pip compile pyproject.toml --extra test --quiet \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 \
		--find-links $(TORCH_WHEELS) --constraint build/lock-constraints.txt \
		--no-emit-find-links --custom-compile-command "make lock" --output-file $(LOCK)

# Debian's chromium for Playwright (`playwright install` cannot download a browser here), a
# small CJK font so that the screenshots show the Chinese headings, and PostgreSQL, whose server
# the tests of shared Optuna studies start on 127.0.0.1 (as an unprivileged user) and stop.
browser:
	@if [ "$(BROWSER)" = skip ]; then \
		echo "BROWSER=skip: not checking for Chromium"; \
	elif [ -n "$$COURSEKIT_CHROMIUM" ]; then \
		echo "using COURSEKIT_CHROMIUM=$$COURSEKIT_CHROMIUM"; \
	elif command -v dpkg >/dev/null 2>&1 && dpkg -s chromium fonts-wqy-microhei postgresql >/dev/null 2>&1; then \
		echo "$$(chromium --version) and PostgreSQL are installed"; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "make: the browser tests need Chromium, and there is no apt-get here to install it." >&2; \
		echo "  Install Chromium or Chrome and run: make test COURSEKIT_CHROMIUM=/path/to/chromium" >&2; \
		echo "  or leave the browser tests out: make test BROWSER=skip PYTEST_ARGS='-m \"not browser\"'" >&2; \
		exit 1; \
	elif [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null 2>&1; then \
		echo "make: the browser tests need Debian's chromium and fonts-wqy-microhei (and the study" >&2; \
		echo "  tests postgresql), and installing them needs root: run" >&2; \
		echo "  'apt-get install chromium fonts-wqy-microhei postgresql' as root, or" >&2; \
		echo "  leave the browser tests out: make test BROWSER=skip PYTEST_ARGS='-m \"not browser\"'" >&2; \
		exit 1; \
	else \
		echo "installing Debian's chromium, fonts-wqy-microhei and postgresql for the tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-wqy-microhei postgresql >/dev/null && echo "installed $$(chromium --version)"; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build/lock-tools
