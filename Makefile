# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := .demo/monitor.db

.PHONY: run test lint format venv chromium bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The demo plays recorded mentions from the start each time, on its own SQLite file.
run: $(STAMP)
	mkdir -p .demo && rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@echo "Demo: open http://127.0.0.1:8000/ and sign in as demo / demo (Ctrl-C stops it)"
	DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/monitor run --config monitor/demo/demo.toml

# Debian's chromium for the dashboard's browser tests (Playwright drives it; it cannot download one here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium" >&2; exit 1; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP) chromium lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_pipeline.py --json

clean:
	rm -rf $(VENV) .demo test-artifacts *.egg-info
