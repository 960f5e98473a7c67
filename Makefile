# Zoufang — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
ONLY ?=

.PHONY: demo test fuzz scan lint format bench install serve messages clean-demo worker beat manual backup restore prod-check lock load

# Every dependency comes pinned with its hashes from requirements.lock (`make lock` writes it
# from pyproject.toml); the project itself is then installed without resolving anything.
$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

## make lock: re-pin every dependency (runtime and dev) with hashes into requirements.lock,
## after a change to pyproject.toml's dependencies; commit both files together.
lock:
	@test -x .venv-lock/bin/pip-compile || { $(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install --quiet pip-tools; }
	.venv-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links --extra dev --strip-extras --output-file requirements.lock pyproject.toml

install: $(VENV)/.installed

## make demo: install, migrate SQLite, build the demo city, print logins, serve on PORT (8000).
demo: install
	$(PY) manage.py migrate --noinput -v0
	PORT=$(PORT) $(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## make test: the whole suite (SQLite unless DATABASE_URL is set; browser tests need /usr/bin/chromium).
test: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	env -u DATABASE_URL $(PY) manage.py makemigrations --check --dry-run -v1
	$(PY) -m pytest

## make fuzz: the `fuzz` tests — schemathesis against the API once per role, and a client
## generated from the schema driving the field flow. Bounded: FUZZ_EXAMPLES generated requests
## per operation and role (15), the whole run cut at FUZZ_TIMEOUT seconds (900). Meant for
## PostgreSQL (set DATABASE_URL); .ci/run runs it on its PostgreSQL pass.
FUZZ_EXAMPLES ?= 15
FUZZ_TIMEOUT ?= 900
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) timeout $(FUZZ_TIMEOUT) $(PY) -m pytest -m fuzz zoufang

## make scan: bandit over our code (findings resolved or justified inline, `# nosec Bnnn - why`;
## config in pyproject's [tool.bandit]) and pip-audit of requirements.lock against PyPI's or
## OSV's vulnerability data — when neither is reachable it says so in capitals (and fails only
## with SCAN_REQUIRE_AUDIT=1). .ci/run runs it.
scan: install
	$(VENV)/bin/bandit -c pyproject.toml -r zoufang config -q
	$(PY) .ci/audit_deps.py

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## make bench [ONLY=name]: performance figures, written to .bench/results.json.
bench: install
	$(PY) bench/run.py $(if $(ONLY),--only $(ONLY),)

## make manual: retake the user guide's screenshots (docs/manual/img) with the browser test
## that checks them; look at them, then commit pictures and outlines together.
manual: install
	MANUAL_WRITE=1 $(PY) -m pytest -p no:cacheprovider zoufang/home/tests/test_manual.py -k match_the_pages

## make backup: the database and uploaded files in one archive encrypted with BACKUP_KEY
## (BACKUP_DIR, default backups/). make restore ARCHIVE=… INTO=<database or SQLite file>
## [MEDIA=<folder>]: restore it and check every table against the archive's manifest.
BACKUP_DIR ?= backups
backup: install
	$(PY) manage.py backup --out $(BACKUP_DIR)

restore: install
	@test -n "$(ARCHIVE)" -a -n "$(INTO)" || { echo "usage: make restore ARCHIVE=backups/zoufang-….zfb INTO=<database>"; exit 2; }
	$(PY) manage.py restore $(ARCHIVE) --into $(INTO) $(if $(MEDIA),--media $(MEDIA),)

## make prod-check: Django's deployment checks with the production settings and this
## machine's environment (.env values exported); clean means no warning.
prod-check: install
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py check --deploy --fail-level WARNING

## make load [LOAD_USERS=500] [LOAD_TIME=120]: locust's shift-change mix (decision 0044)
## against the local layout (nginx, two gunicorn nodes, pgbouncer, Celery worker and beat),
## on DATABASE_URL holding the demo city (`manage.py seed_demo`); prints throughput, p95 and
## errors and checks every acknowledged visit and finding is stored once. Loopback only,
## bounded by LOAD_TIME plus ten minutes for starting and stopping.
LOAD_USERS ?= 500
LOAD_TIME ?= 120
load: install
	@test -n "$$DATABASE_URL" || { echo "make load needs DATABASE_URL (PostgreSQL with the demo city)"; exit 2; }
	timeout $$(( $(LOAD_TIME) + 600 )) $(PY) bench/load/run.py --users $(LOAD_USERS) --time $(LOAD_TIME)

## make messages: refresh and compile the translation catalogs.
messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=static --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

## make worker / make beat: Celery worker and scheduler (need REDIS_URL; without it tasks run in-process).
worker: install
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev} $(VENV)/bin/celery -A config worker -l info

beat: install
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev} $(VENV)/bin/celery -A config beat -l info

serve: install
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

clean-demo:
	rm -f db.sqlite3 db.sqlite3-wal db.sqlite3-shm .demo-logins.txt
