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

test: install chromium lint
	$(PY) -m pytest

bench: install
	$(PY) -m pip install --quiet -r requirements/bench.txt
	$(PY) bench/tenants.py
	$(PY) bench/ingest.py
	$(PY) bench/train.py
	$(PY) bench/accuracy.py
	$(PY) bench/predict_latency.py
	$(PY) bench/forecast_api.py
	$(PY) bench/fairness.py
	$(PY) bench/load.py
	$(PY) bench/fuzz.py
	$(PY) bench/chaos.py
	$(PY) bench/audit.py
	$(PY) bench/simulate.py
	$(PY) bench/pages.py
	$(PY) bench/rescore.py
	$(PY) bench/refresh.py
	$(PY) bench/refresh_product.py
	$(PY) bench/hierarchy.py
	$(PY) bench/lifecycle.py
	$(PY) bench/fuzz_uploads.py
	$(PY) bench/gzip_members.py

services-stop:
	$(PY) -m saas.embedded stop
	$(PY) -m saas.embedded stop --test

clean: services-stop
	rm -rf var/test
