# strokescreen: the two commands a fresh machine needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
DEMO_DIR ?= demo_out

.PHONY: setup demo test test-fast lint bench clean

setup: $(STAMP)

# torch is installed first and pinned, so nothing pulls a CUDA build; then the package
# with every extra that installs from the registry (dlib, praat, app, cluster, dev).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev,app,dlib,praat,cluster]'
	@# headless Chromium for the browser test and PDF reports (Debian package; optional)
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "note: chromium not installed; browser tests and PDF reports will be skipped"; }
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/strokescreen demo --out $(DEMO_DIR)

test: $(STAMP)
	$(PY) -m pytest -q

# everything but the tests marked slow (each over about 5 s on 2 cores)
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks tools
	$(VENV)/bin/mypy src

bench: $(STAMP)
	$(PY) benchmarks/preprocess_speed.py
	$(PY) benchmarks/speech_speed.py
	$(PY) benchmarks/assess_speed.py
	$(PY) benchmarks/train_speed.py
	$(PY) benchmarks/app_load.py

clean:
	rm -rf $(DEMO_DIR) .pytest_cache
