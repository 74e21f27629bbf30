# sellerdesk — `make run` serves the demo shop, `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
PYTEST := $(BIN)/python -m pytest

.PHONY: install run serve test test-sqlite test-pg lint bench messages clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/sellerdesk migrate --noinput -v0
	$(BIN)/sellerdesk demo --if-empty
	$(BIN)/sellerdesk serve

test: install
	@scripts/system-deps
	$(BIN)/sellerdesk compilemessages -v0 --ignore=.venv
	scripts/run-pytest $(PYTEST) tests --ignore=tests/pg
	scripts/run-pytest $(PYTEST) -p tests.support.pg_plugin tests --ignore=tests/e2e

# lint-imports: the layers, no cycle between apps, no private names used across modules
# (pyproject.toml [tool.importlinter], docs/development.md).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy sellerdesk
	$(BIN)/lint-imports --no-cache
	$(BIN)/sellerdesk makemigrations --check --dry-run -v0

bench: install
	@scripts/system-deps
	@$(BIN)/python bench/run.py

messages: install
	cd sellerdesk && ../$(BIN)/sellerdesk makemessages -l zh_Hans -l en --no-obsolete && ../$(BIN)/sellerdesk compilemessages

clean:
	rm -rf $(VENV) var
