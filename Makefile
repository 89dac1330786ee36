# hotline-bulletin: `make report` renders the sample month's bulletin, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOTLINE := $(VENV)/bin/hotline
STAMP := $(VENV)/.installed
MONTH ?= 2020-12

.PHONY: install browser report test lab bench clean

install: $(STAMP) browser

# The tested set: constraints.txt pins every package (pyproject.toml states ranges). Re-runs only
# when the dependencies change; a second `make install` takes well under a second.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name hotline --display-name "hotline-bulletin (Python 3)" >/dev/null
	@# jieba's prefix dictionary, built once with the installation rather than by a first render (2 s)
	$(PY) -c 'from hotline_lib.io.segment import prepare_dictionary; prepare_dictionary()'
	@# the CJK font cut to the common characters once, so that a page's font subset is cut from 1.8 MB, not 16 (2.5 s)
	$(PY) -c 'from hotline_lib.render.fonts import prepare_common_font; prepare_common_font()'
	touch $(STAMP)

# bulletin.pdf is printed by a Chromium-family browser (hotline_lib/render/pdf.py finds it). Where
# there is none: Debian's chromium when we are root with apt-get, else one line. A found browser
# costs one quick check (a second `make install` stays well under a second).
browser: $(STAMP)
	@$(PY) -c 'from hotline_lib.render.pdf import find_browser; raise SystemExit(find_browser() is None)' || { \
	  if [ -z "$$HOTLINE_BROWSER" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium (for bulletin.pdf)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      || echo "could not install chromium: bulletin.pdf will not be written (the other formats are)"; \
	  else \
	    echo "PDF output (bulletin.pdf) needs Chromium, Google Chrome or Microsoft Edge (or HOTLINE_BROWSER pointing at one): none found"; \
	  fi; }

# The sample month's bulletin: generate the sample data once, then render; prints the HTML's path.
report: install
	@test -d data/sample/exports || $(HOTLINE) sample
	@$(HOTLINE) report $(MONTH)

# JupyterLab on the project's kernel, with the notebooks ready (generates the sample data first), in
# Chinese and with the project's CJK font (hotline_lib/lab: `jupyter lab` with three options).
lab: install
	@test -d data/sample/exports || $(HOTLINE) sample
	$(PY) -m hotline_lib.lab --notebook-dir=notebooks

test: install
	$(PY) -m pytest

# Speed figures measured in one run (medians of 3): outputs/bench.json and a table (about 10 minutes).
bench: install
	$(PY) -m hotline_lib.bench --readme

clean:
	rm -rf $(VENV) .cache
