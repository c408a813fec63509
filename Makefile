# The two commands of the README's quick start: `make run` and `make test`.
# Both create .venv and install the pinned dependencies first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CSMS_HOST ?= 127.0.0.1
CSMS_PORT ?= 9000

# Keep compiled bytecode (__pycache__, git-ignored) even where the environment
# says not to: otherwise every test worker, and every server and manage.py the
# tests start, compiles the project and pytest's rewrite of its plugins anew.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run test test-fast test-postgres lint format lock messages bench clean

# A venv whose creation failed halfway (no ensurepip) is removed, not reused.
$(VENV)/.created:
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "python3 -m venv failed: install python3-venv"; exit 1; }
	touch $@

# Reinstall whenever the lock file changes.
$(VENV)/.installed: requirements.lock | $(VENV)/.created
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

# The admin's browser libraries (charts, map), served from static/ (settings.py).
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed node_modules/.installed

# The local demo: DEBUG on (the settings' default is off), SQLite, the demo data.
run: export DEBUG ?= 1
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py load_demo
	CSMS_HOST=$(CSMS_HOST) CSMS_PORT=$(CSMS_PORT) exec $(BIN)/python manage.py serve

# The whole suite, on one test worker per core (each with its own database);
# a module's end-to-end tests stay together on one worker, with one server.
# Prints the slowest 15 tests at the end. PYTEST_ARGS passes more options,
# e.g. make test PYTEST_ARGS="-k admission -x".
WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(WORKERS) --dist loadgroup --durations=15 $(PYTEST_ARGS)
test: install
	$(PYTEST)

# The inner loop: everything but the tests that start servers or browsers.
test-fast: install
	$(PYTEST) -m "not e2e and not browser"

# The same suite on PostgreSQL; DATABASE_URL must name a server whose user
# may create the test databases, one per worker (.ci/run starts one).
test-postgres: install
	DATABASE_URL=$${DATABASE_URL:?set DATABASE_URL=postgres://...} $(PYTEST)

# One CSMS process against a raw WebSocket echo server on the same core, a Node
# load client on the other (bench/capacity.py), then the cost engine
# (bench/pricing.py), then the import commands on 10,000-line files
# (bench/imports.py). Prints tables, asserts nothing. Override e.g.
# make bench CHARGERS=200 SECONDS=10 STORM=500 IDLE=500 IMPORT_LINES=1000.
CHARGERS ?= 1000
SECONDS ?= 20
STORM ?= 10000
IDLE ?= 10000
IMPORT_LINES ?= 10000
bench: install
	npm ci --prefix bench/load --no-audit --no-fund --silent
	$(BIN)/python bench/capacity.py --chargers $(CHARGERS) --seconds $(SECONDS) \
		--storm $(STORM) --idle $(IDLE)
	$(BIN)/python bench/pricing.py
	$(BIN)/python bench/imports.py --lines $(IMPORT_LINES)

# Style, then the layering of docs/architecture.md (import contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-pin every dependency after editing pyproject.toml.
lock: install
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements.lock pyproject.toml

# The translations of our own messages (locale/, README: Errors): extract
# every message marked for translation into each language's django.po (GNU
# gettext's xgettext: apt-get install gettext), then compile each django.mo
# with polib, which tests/test_api_i18n.py checks against its .po. Translate
# the empty msgstr "" it reports, and run it again.
LANGUAGES ?= th
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages $(foreach l,$(LANGUAGES),--locale $(l)) \
		--no-obsolete --add-location file --ignore '.venv/*' --ignore 'node_modules/*' \
		--ignore 'tests/*' --ignore 'bench/*' --ignore 'static*' --ignore 'docs/*'
	$(BIN)/python -c 'import glob, polib; \
	[(po := polib.pofile(path)).save_as_mofile(path[:-2] + "mo") \
	or print(path, "untranslated:", len(po.untranslated_entries()), "fuzzy:", len(po.fuzzy_entries())) \
	for path in sorted(glob.glob("locale/*/LC_MESSAGES/django.po"))]'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache node_modules bench/load/node_modules
