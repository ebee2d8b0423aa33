# Support Space: every command a volunteer or developer needs. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
# Two workers suit the two-core machines we develop and test on; override with `make test WORKERS=4`.
WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help run test test-fast lint format bench stack stack-stop setup db-upgrade clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("Support Space needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --requirement requirements-dev.txt
	@touch $@

setup: $(BIN)/.installed ## Create .venv with the pinned dependencies

db-upgrade: setup ## Apply database migrations (instance/ SQLite unless PORTAL_DATABASE_URL is set)
	$(FLASK) db upgrade

run: db-upgrade ## Set up, migrate, load the bundled guides and serve on http://127.0.0.1:5000
	$(FLASK) guides sync
	$(FLASK) run --host 127.0.0.1 --port 5000

test: setup ## Run the whole suite (browser journeys too); PostgreSQL as well when PORTAL_TEST_DATABASE_URL is set
	$(BIN)/python -m pytest -n $(WORKERS) $(PYTEST_ARGS)

test-fast: setup ## Run the suite without the browser journeys
	$(BIN)/python -m pytest -n $(WORKERS) -m "not browser" $(PYTEST_ARGS)

lint: setup ## Check style, imports, security rules and complexity with ruff, then types with mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup ## Rewrite files in ruff's format and fix what ruff can fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup ## Measure speed, size and query counts; writes docs/performance.md
	$(BIN)/python -m bench

stack: setup ## Start two gunicorn hosts behind nginx (TLS) on PostgreSQL and Redis, in production mode
	$(BIN)/python -m deploy start

stack-stop: ## Stop `make stack`, dropping its databases and removing everything it made
	$(BIN)/python -m deploy stop

clean: ## Remove .venv and caches (instance/ holds your data and keys: it is kept)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
