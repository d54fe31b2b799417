# OneXperience Booking. `make run` starts everything on one machine; `make test` runs the suite
# against SQLite, a throwaway PostgreSQL and a throwaway Mosquitto that it starts itself.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PORT   ?= 8000
export ONEXP_LOG_LEVEL ?= INFO

.PHONY: run test bench lint install dev-install system-packages clean prod-local

$(BIN)/onexp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/onexp

system-packages:
	@bash scripts/ensure-system-packages.sh

run: install system-packages
	@bash scripts/run.sh

test: install system-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

prod-local: install system-packages
	@bash scripts/prod-local.sh $(PROD_LOCAL_ARGS)

bench: install system-packages
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache test-output bench/out
