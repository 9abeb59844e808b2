# newsbeam: `make run` sets everything up and runs the main job on seeds/; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUTPUT ?= data/articles
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench clean

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

test: install lint
	$(BIN)/pytest -q

bench: install
	$(BIN)/python bench/run_all.py

# Accuracy on public ground truth beside the project (../shared/data): extraction, dates, topics, cost.
.PHONY: bench-quality
bench-quality: install
	$(BIN)/python bench/quality.py

clean:
	rm -rf data/articles .pytest_cache .mypy_cache .ruff_cache build *.egg-info
