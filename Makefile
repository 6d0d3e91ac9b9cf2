# Two commands: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements/lock.txt | sha256sum | cut -c1-12)

.PHONY: run test install chromium bench services-stop clean lint

$(STAMP): requirements/lock.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/lock.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

run: install
	$(PY) -m saas.run

# Debian's chromium for the browser tests (Playwright never downloads browsers).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "warning: /usr/bin/chromium missing and apt not usable; browser tests will be skipped"; fi; \
	fi

# ruff, pinned; the rules and why each is on are in ruff.toml
lint: install
	$(VENV)/bin/ruff check .

# the suite in 2 processes (pytest-xdist), a module per process at a time: each has its own database, Redis database,
# Celery worker and gunicorn (saas/settings/test.py); TEST_WORKERS=0 runs it in one. --no-loadscope-reorder: modules
# go out in the suite's order (tests/conftest.py, the longest first), not xdist's default of the most tests first,
# which left the longest single-test modules for the end
TEST_WORKERS ?= 2
test: install chromium lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder --durations=15

# every benchmark, each to the end whatever the others printed; the summary names the ones that FAILED
BENCH_SCRIPTS := tenants ingest train accuracy accuracy_periodic predict_latency forecast_api fairness load fuzz chaos audit simulate pages rescore refresh refresh_product hierarchy lifecycle fuzz_uploads gzip_members what_if launches scale
bench: install
	$(PY) -m pip install --quiet -r requirements/bench.txt
	@failed=""; for s in $(BENCH_SCRIPTS); do echo "== bench/$$s.py"; $(PY) bench/$$s.py || failed="$$failed $$s"; done; \
	if [ -n "$$failed" ]; then echo "make bench: FAILED:$$failed"; exit 1; fi; echo "make bench: every script PASSED"

services-stop:
	$(PY) -m saas.embedded stop
	$(PY) -m saas.embedded stop --test

clean: services-stop
	rm -rf var/test
