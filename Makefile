# The two commands a newcomer runs: `make demo` and `make test`. Both create .venv on first use, installing
# exactly the versions in requirements.lock (hashed) with uv, itself pinned by hash in bootstrap.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV := $(BIN)/uv
# What the lock is resolved for: the oldest Python kepu supports, every platform (--universal).
LOCK_FLAGS := --extra test --extra dask --universal --generate-hashes --python-version 3.11 --quiet \
	--custom-compile-command "make lock"
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export UV_NO_PROGRESS := 1

# What kepu runs keeps the bytecode Python compiles for it (in .venv and the sources' __pycache__, both
# git-ignored), as pip-installed packages have it: where PYTHONDONTWRITEBYTECODE is set (as on these machines
# and in CI) every process would otherwise compile pandas, Prefect and DuckDB's Python anew (measured: `import
# kepu.flows.nightly` 11.1 → 3.1 CPU-s, `kepu status` 4.0 → 1.4). Compiled as first imported, not at install:
# uv's --compile-bytecode compiles every installed package, +16 s on a fresh `make demo`.
KEEP_BYTECODE := env -u PYTHONDONTWRITEBYTECODE

.PHONY: demo test bench corpus lock upgrade-lock clean

$(STAMP): requirements.lock bootstrap.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r bootstrap.lock
	$(UV) pip sync --quiet --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(KEEP_BYTECODE) $(BIN)/kepu demo --path demo

# One pytest-xdist worker per core; a file's tests stay together (its module fixtures are built once), and the
# demo cities every worker reads are built once per session (tests/builders.py: built_once).
TEST_WORKERS ?= auto
test: $(STAMP)
	$(KEEP_BYTECODE) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

FILES ?= 5000
bench: $(STAMP)
	$(KEEP_BYTECODE) $(BIN)/python -m tests.bench --files $(FILES)

corpus: $(STAMP)
	$(KEEP_BYTECODE) $(BIN)/python -m tests.corpus

# Re-resolve the lock on purpose. `make lock`: after pyproject.toml changed (keeps every pin that still fits);
# `make upgrade-lock`: every package to its newest version that pyproject.toml allows. Run `make test` after.
lock: $(STAMP)
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.lock

upgrade-lock: $(STAMP)
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) --upgrade -o requirements.lock

clean:
	rm -rf $(VENV) demo .pytest_cache .hypothesis
