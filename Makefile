# The two commands a newcomer runs: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: demo test bench corpus clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
# setuptools warns on every editable install that a folder named like the package could shadow it: here
# that folder is the package itself (kepu/), so the warning says nothing to a newcomer.
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kepu demo --path demo

test: $(STAMP)
	$(BIN)/python -m pytest

FILES ?= 5000
bench: $(STAMP)
	$(BIN)/python -m tests.bench --files $(FILES)

corpus: $(STAMP)
	$(BIN)/python -m tests.corpus

clean:
	rm -rf $(VENV) demo .pytest_cache .hypothesis
