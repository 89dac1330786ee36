# hotline-bulletin: `make report` renders the sample month's bulletin, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOTLINE := $(VENV)/bin/hotline
STAMP := $(VENV)/.installed
MONTH ?= 2020-12

.PHONY: install report test lab bench clean

install: $(STAMP)

# Re-runs only when the dependencies change; a second `make install` takes well under a second.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name hotline --display-name "hotline-bulletin (Python 3)" >/dev/null
	touch $(STAMP)

# The sample month's bulletin: generate the sample data once, then render; prints the HTML's path.
report: install
	@test -d data/sample/exports || $(HOTLINE) sample
	@$(HOTLINE) report $(MONTH)

# JupyterLab on the project's kernel, with the notebooks ready (generates the sample data first).
lab: install
	@test -d data/sample/exports || $(HOTLINE) sample
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

test: install
	$(PY) -m pytest

# Speed figures measured in one run (medians of 3): outputs/bench.json and a table (about 10 minutes).
bench: install
	$(PY) -m hotline_lib.bench --readme

clean:
	rm -rf $(VENV) .cache
