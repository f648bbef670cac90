# Two commands on a fresh clone:  `make demo`  and  `make test`  (see README).
VENV   ?= .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed-$(shell sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-12)
PACKAGES   := core warehouse checks statements signing flows portal
LINT_PATHS := $(PACKAGES) tests benchmarks tools

export GX_ANALYTICS_ENABLED := false
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup demo test test-slow system-deps lint lock bench identity clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(UV) pip sync --quiet --python $(PY) requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	mkdir -p $(VENV)/typecheck/ecocluster
	for p in $(PACKAGES); do ln -sfn $(CURDIR)/$$p $(VENV)/typecheck/ecocluster/$$p; done
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

# Tools the tests call as independent verifiers (pdftotext, pdfsig, pdftoppm), and the browser the portal's
# end-to-end test drives (Debian's chromium; Playwright never downloads one).
system-deps:
	@command -v pdfsig >/dev/null 2>&1 && command -v certutil >/dev/null 2>&1 && command -v softhsm2-util >/dev/null 2>&1 \
	  && test -x /usr/bin/chromium || { \
	  echo "installing poppler-utils (pdfsig, pdftotext), libnss3-tools (certutil), softhsm2 (PKCS#11 token) and chromium (portal browser tests)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils libnss3-tools softhsm2 chromium >/dev/null) \
	  || { echo "could not install poppler-utils; run as root or install it"; exit 1; }; }

demo: setup
	$(VENV)/bin/ecocluster demo

test: setup system-deps
	$(PY) -m pytest -m "not slow" -q -n auto --maxprocesses 4

test-slow: setup system-deps
	$(PY) -m pytest -m slow -q

# Every linter, the fast ones first (ruff and ruff format also run from .pre-commit-config.yaml):
# the extended rule set, the formatting, declared = imported dependencies, the layers contract, mypy --strict.
lint: setup
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/deptry .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

lock:
	$(UV) pip compile requirements.in -o requirements.lock --python-version 3.11 --generate-hashes -q

bench: setup
	$(PY) -m benchmarks

# Byte-identity of every reproducible output (statements, packages, reports, tables, demo output) between two
# checkouts, each set up with `make setup`:  make identity BEFORE=../main AFTER=.   (3 demo runs, minutes)
identity: setup
	$(PY) tools/byte_identity.py $(BEFORE) $(AFTER)

clean:
	rm -rf $(VENV) .ecocluster
