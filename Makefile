# newsbeam: `make run` sets everything up and runs the main job on seeds/; `make test` runs the suite
# (`make test-fast`: the unit and stage tests only).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUTPUT ?= data/articles
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-fast lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/newsbeam run --input seeds/ --output $(OUTPUT)
	@echo
	@echo 'Query it (DuckDB):  $(BIN)/newsbeam query "SELECT date, topic, count(*) AS articles FROM articles GROUP BY ALL ORDER BY ALL" --output $(OUTPUT)'
	$(BIN)/newsbeam query "SELECT date, topic, count(*) AS articles FROM articles GROUP BY ALL ORDER BY ALL" --output $(OUTPUT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# On every core; each test file whole on one worker, so a module's fixtures (a newsbeam run) are built once.
test: install lint
	$(BIN)/pytest -q -n auto --dist loadfile

# The unit and stage tests only (no whole newsbeam processes, no browser, nothing slow): under 2 minutes.
test-fast: install
	$(BIN)/pytest -q -n auto --dist loadfile -m "not e2e and not slow and not browser"

bench: install
	$(BIN)/python bench/run_all.py

# Accuracy on public ground truth beside the project (../shared/data): extraction, dates, topics, cost.
.PHONY: bench-quality
bench-quality: install
	$(BIN)/python bench/quality.py

clean:
	rm -rf data/articles .pytest_cache .mypy_cache .ruff_cache build *.egg-info
