# sellerdesk — `make run` serves the demo shop, `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: the runtime (make run) and the runtime plus the tests' and linters' tools.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt pyproject.toml | cksum | cut -d' ' -f1)
PYTEST := $(BIN)/python -m pytest
# The suite runs in parallel (pytest-xdist), each test module whole in one process, so a
# module-scoped fixture (a loaded demo shop) is set up once; the slowest modules first
# (tests/conftest.py), in that order. auto: one process per core.
TEST_PROCESSES ?= auto
XDIST := -n $(TEST_PROCESSES) --dist loadscope --no-loadscope-reorder
# Tests run on a test clock (tests/support/clock.py): today's date in the first run
# (SELLERDESK_TEST_CLOCK overrides it), years ahead in the other two.
PG_TEST_CLOCK ?= 2030-02-28
LATER_TEST_CLOCK ?= 2027-12-31

.PHONY: install install-dev run serve test test-setup test-sqlite test-pg test-later lint bench messages clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-[0-9]*
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-dev-*
	touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

# A development start (SELLERDESK_ENV=development): development defaults for the secrets,
# the simulated payment gateway and carrier on. Any other start is a production one
# (docs/deploy.md).
run: export SELLERDESK_ENV = development
run: install
	$(BIN)/sellerdesk migrate --noinput -v0 --skip-checks
	$(BIN)/sellerdesk demo --if-empty --skip-checks
	# Sign-in codes are recorded, not yet sent (no SMS gateway): the portal shows them here.
	PORTAL_SHOW_CODES=1 $(BIN)/sellerdesk serve

test: test-sqlite test-pg test-later

test-setup: install-dev
	@scripts/system-deps
	$(BIN)/sellerdesk compilemessages -v0 --ignore=.venv

# SQLite, the browser tests too, on today's date.
test-sqlite: test-setup
	scripts/run-pytest $(PYTEST) $(XDIST) tests --ignore=tests/pg

# A throwaway PostgreSQL (tests/pg too), without the browser, with the clock in 2030.
test-pg: test-setup
	SELLERDESK_TEST_CLOCK=$(PG_TEST_CLOCK) scripts/run-pytest $(PYTEST) $(XDIST) -p tests.support.pg_plugin tests --ignore=tests/e2e

# SQLite again, without the browser, on the last day of 2027.
test-later: test-setup
	SELLERDESK_TEST_CLOCK=$(LATER_TEST_CLOCK) scripts/run-pytest $(PYTEST) $(XDIST) tests --ignore=tests/pg --ignore=tests/e2e

# lint-imports: the layers, no cycle between apps, no private names used across modules
# (pyproject.toml [tool.importlinter], docs/development.md).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy sellerdesk
	$(BIN)/lint-imports --no-cache
	$(BIN)/sellerdesk makemigrations --check --dry-run -v0

bench: install-dev
	@scripts/system-deps
	@$(BIN)/python bench/run.py

messages: install-dev
	cd sellerdesk && ../$(BIN)/sellerdesk makemessages -l zh_Hans -l en --no-obsolete && ../$(BIN)/sellerdesk compilemessages

clean:
	rm -rf $(VENV) var
