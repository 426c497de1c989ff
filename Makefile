# The README's two commands: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
TRANSLATIONS := omni_store/translations

.PHONY: run test lint install translations migrate seed extract-messages clean

run: install translations migrate seed
	@echo ""
	@echo "omni-store demo: http://$(HOST):$(PORT)"
	@echo "  associate@rivoli.demo / demo   (sales associate, Paris Rivoli)"
	@echo "  manager@rivoli.demo   / demo   (store manager, Paris Rivoli)"
	@echo "  admin@omni.demo       / demo   (admin)"
	@echo "  API key: demo-api-key"
	@echo ""
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install translations lint
	$(BIN)/pytest $(PYTEST_ARGS)

# ruff, then import-linter: the declared layers of docs/layers.md ([tool.importlinter] in pyproject.toml).
lint: install
	$(BIN)/ruff check --quiet omni_store tests bench app.py
	$(BIN)/lint-imports --no-cache

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: install
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS) -D messages

migrate: install
	$(FLASK) db upgrade

# Idempotent: a second run finds the demo chain and adds nothing.
seed: install
	$(FLASK) demo seed

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -D messages

clean:
	rm -rf $(VENV) instance/omni_store.sqlite* test-artifacts

# Each screen and API call under gunicorn + wrk against bare-Flask floors; writes bench/results.json.
# A quick run: make bench BENCH_ARGS="--scale demo --db sqlite --duration 3"
.PHONY: bench
bench: install
	@command -v wrk >/dev/null || { echo "make bench loads with wrk: installing it"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench $(BENCH_ARGS)

# Schemathesis, every check, against a running server (`make run` in another terminal).
.PHONY: schemathesis
schemathesis: install
	$(BIN)/schemathesis --config-file tests/api/schemathesis.toml run --checks all \
		--max-examples 500 --seed 20261201 http://$(HOST):$(PORT)/api/v1/openapi.json
