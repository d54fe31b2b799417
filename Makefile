# OneXperience Booking. `make run` starts everything on one machine; `make test` runs the suite
# against SQLite, a throwaway PostgreSQL and a throwaway Mosquitto that it starts itself.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PORT   ?= 8000
# The suite on both cores (pytest-xdist); each worker starts its own servers. 0 runs it serially.
PYTEST_WORKERS ?= 2
export ONEXP_LOG_LEVEL ?= INFO

.PHONY: run test bench lint install dev-install system-packages clean translations prod-local

# The pages' translations: .po files are the source (committed), .mo files are built here.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard booking/translations/*/LC_MESSAGES/messages.po))

$(BIN)/onexp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/onexp $(MO_FILES)

booking/translations/%/LC_MESSAGES/messages.mo: booking/translations/%/LC_MESSAGES/messages.po | $(BIN)/onexp
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing a page's words: refresh the catalogs, translate the new strings in the .po files.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location --sort-output \
		--project onexperience-booking --version 0.1.0 --copyright-holder OneXperience \
		-o booking/translations/messages.pot .
	$(BIN)/pybabel update -i booking/translations/messages.pot -d booking/translations --width 120 --ignore-obsolete

system-packages:
	@bash scripts/ensure-system-packages.sh

run: install system-packages
	@bash scripts/run.sh

test: install system-packages
	bash scripts/ensure-system-packages.sh --browser --node
	$(MAKE) --no-print-directory tests/js/node_modules/.package-lock.json
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

# What the tests read their output with (Mozilla's ical.js for .ics files, axe-core for pages), exactly as locked.
tests/js/node_modules/.package-lock.json: tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund

prod-local: install system-packages
	@bash scripts/prod-local.sh $(PROD_LOCAL_ARGS)

bench: install system-packages
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache test-output bench/out tests/js/node_modules
