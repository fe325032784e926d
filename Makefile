# Two commands for a new machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DOCS_ASSETS := expectations/data_docs_assets/node_modules/.abs-etl-lock.sha256

.PHONY: run test install bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or make PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,cluster]'
	@touch $(STAMP)

# The Data Docs' CSS/JS from the npm registry (offline pages); without npm the docs still build
# but need internet to render, so a failure here warns instead of stopping the install.
$(DOCS_ASSETS): expectations/data_docs_assets/package-lock.json
	bash scripts/install-data-docs-assets.sh || echo "WARNING: Data Docs assets not installed: the Data Docs will need internet to render"

install: $(STAMP) $(DOCS_ASSETS)

run: install
	$(BIN)/abs-etl run

# The cluster tests run in a pytest process of their own: they start real services and set a
# cluster client's environment, which the rest of the suite must never inherit.
test: install
	$(BIN)/python -m pytest -m "not cluster"
	$(BIN)/python -m pytest -m cluster tests/cluster

bench: install
	$(BIN)/python bench/parse_reports.py

clean:
	rm -rf data test-output
