# Kuwwa — the two-command quick start is `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ACCOUNTS ?= 2800

.PHONY: demo test lint format bench install messages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/kuwwa migrate --noinput
	$(BIN)/kuwwa demo-setup --accounts $(DEMO_ACCOUNTS)
	@echo ""
	@echo "Kuwwa is at http://$(HOST):$(PORT)/  (back office: http://$(HOST):$(PORT)/admin/)"
	$(BIN)/kuwwa runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy bench
	$(BIN)/kuwwa makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(STAMP)
	cd src/kuwwa && ../../$(BIN)/kuwwa makemessages -l ar -l en --no-obsolete && ../../$(BIN)/kuwwa compilemessages

BENCH_PG ?= postgres://postgres@127.0.0.1:5432/
bench: $(STAMP)
	$(BIN)/python bench/demo_data.py --accounts 50000
	$(BIN)/python bench/demo_data.py --accounts 100000 --db $(BENCH_PG)
	$(BIN)/python bench/billing.py --accounts 20000
	$(BIN)/python bench/billing.py --accounts 100000 --db $(BENCH_PG)
	$(BIN)/python bench/payments.py --db $(BENCH_PG) --seconds 10
	$(BIN)/python bench/api_load.py --db $(BENCH_PG) --seconds 10
	$(BIN)/python bench/reports.py --db $(BENCH_PG) --accounts 100000 --payments 100000
	$(BIN)/python bench/chaos.py --db $(BENCH_PG) --seconds 60

clean:
	rm -rf $(VENV) var/*.sqlite3* .mypy_cache .ruff_cache
