# queuectl: make test | test-slow | test-postgres[-slow] | lint | test-compat | test-oldest | test-newest | bench
PYTHON ?= python3
VENV := .venv
CACHE := .cache
SQLITE_OLD_DIR := $(CACHE)/sqlite-3.15.0
SQLITE_OLD := $(SQLITE_OLD_DIR)/libsqlite3.so.0
PY_OLDEST := 3.6.15
VERSION = $(shell $(PYTHON) queuectl.py --version)

.PHONY: test test-slow test-postgres test-postgres-slow bench-postgres lint test-compat test-oldest test-newest bench version clean

## the README's test command: the suite under the default python3 (slow tier skipped)
test:
	$(PYTHON) -m unittest test_queuectl

## only the slow tier: load, huge output, huge batches (CI runs it too)
test-slow:
	QUEUECTL_SLOW_TESTS=1 $(PYTHON) -m unittest -k test_concurrent_adds -k test_huge_output \
		-k test_kill_9_during_a_big_batch -k test_the_provisioning_script -k test_a_full_disk_holds \
		-k test_twenty_parallel_adds test_queuectl

## the suite's PostgreSQL half: a throwaway server (initdb, needs PostgreSQL's server
## tools) and psycopg in .venv; here a PostgreSQL test that cannot run fails
test-postgres: $(VENV)/.psycopg
	QUEUECTL_TEST_POSTGRES=required $(VENV)/bin/python -m unittest -k Postgres test_queuectl

## the PostgreSQL slow tier: 1,000 adds from 50 processes while a pool runs them
test-postgres-slow: $(VENV)/.psycopg
	QUEUECTL_SLOW_TESTS=1 QUEUECTL_TEST_POSTGRES=required $(VENV)/bin/python -m unittest \
		-k TestLoadOnPostgres test_queuectl

$(VENV)/.psycopg:
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check "psycopg[binary]"
	touch $@

## vermin proves the Python 3.6 floor; the SQL scan proves the SQLite 3.15 floor
lint: $(VENV)/bin/vermin
	$(VENV)/bin/vermin -q -t=3.6- --violations --no-tips queuectl.py test_queuectl.py $(wildcard bench_queuectl.py)
	$(PYTHON) -m unittest test_queuectl.TestPortability

$(VENV)/bin/vermin:
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check vermin

## every CPython 3.6-3.13 that pyenv has, then Python 3.6 on SQLite 3.15.0
test-compat:
	@if ! command -v pyenv >/dev/null 2>&1; then echo "test-compat: SKIPPED: pyenv not found"; exit 0; fi; \
	tested=""; \
	for v in $$(pyenv versions --bare | grep -E '^3\.(6|7|8|9|10|11|12|13)\.[0-9]+$$'); do \
		echo "== Python $$v"; \
		PYENV_VERSION=$$v python3 -c 'import sqlite3,sys; print(sys.version.split()[0], "SQLite", sqlite3.sqlite_version)'; \
		PYENV_VERSION=$$v python3 -m unittest test_queuectl || exit 1; \
		tested="$$tested $$v"; \
	done; \
	echo "test-compat: passed on:$$tested"
	$(MAKE) test-oldest

## Python 3.6 against SQLite 3.15.0 (the floor); builds the library once
## QUEUECTL_REQUIRE_FLOOR=1 (CI) turns "SKIPPED" into a failure.
test-oldest:
	@skip() { echo "test-oldest: SKIPPED: $$1"; [ "$$QUEUECTL_REQUIRE_FLOOR" != 1 ] || \
		{ echo "test-oldest: FAILED: the floor (Python $(PY_OLDEST), SQLite 3.15.0) must run in CI"; exit 1; }; exit 0; }; \
	if ! command -v pyenv >/dev/null 2>&1 || ! pyenv versions --bare | grep -qx '$(PY_OLDEST)'; then \
		skip "pyenv or Python $(PY_OLDEST) not found"; fi; \
	if [ ! -f $(SQLITE_OLD) ] && ! $(MAKE) --no-print-directory $(SQLITE_OLD); then \
		skip "could not build SQLite 3.15.0 (needs npm and gcc)"; fi; \
	echo "== Python $(PY_OLDEST) with SQLite 3.15.0"; \
	LD_LIBRARY_PATH=$(CURDIR)/$(SQLITE_OLD_DIR) PYENV_VERSION=$(PY_OLDEST) \
		QUEUECTL_EXPECT_SQLITE=3.15.0 python3 -m unittest test_queuectl

## the newest CPython that pyenv has
test-newest:
	@if ! command -v pyenv >/dev/null 2>&1; then echo "test-newest: SKIPPED: pyenv not found"; exit 0; fi; \
	v=$$(pyenv versions --bare | grep -E '^3\.[0-9]+\.[0-9]+$$' | sort -t. -k2,2n -k3,3n | tail -1); \
	echo "== Python $$v (newest; deprecations are errors)"; \
	PYTHONWARNINGS=error::DeprecationWarning PYENV_VERSION=$$v python3 -m unittest test_queuectl

$(SQLITE_OLD):
	@command -v npm >/dev/null && command -v gcc >/dev/null || { echo "npm or gcc missing"; exit 1; }
	rm -rf $(CACHE)/sqlite-build && mkdir -p $(CACHE)/sqlite-build $(SQLITE_OLD_DIR)
	cd $(CACHE)/sqlite-build && npm pack --silent sqlite3@4.0.0 >/dev/null \
		&& tar xzf sqlite3-4.0.0.tgz package/deps/sqlite-autoconf-3150000.tar.gz \
		&& tar xzf package/deps/sqlite-autoconf-3150000.tar.gz \
		&& gcc -O1 -shared -fPIC sqlite-autoconf-3150000/sqlite3.c -o libsqlite3.so.0 -lpthread -ldl
	mv $(CACHE)/sqlite-build/libsqlite3.so.0 $(SQLITE_OLD)
	rm -rf $(CACHE)/sqlite-build

## throughput, latency and start-up against floors and peers
bench:
	$(PYTHON) bench_queuectl.py

## the same with the PostgreSQL column (psycopg in .venv, a throwaway server)
bench-postgres: $(VENV)/.psycopg
	$(VENV)/bin/python bench_queuectl.py

version:
	@echo $(VERSION)

clean:
	rm -rf $(VENV) $(CACHE) __pycache__ build dist *.egg-info
