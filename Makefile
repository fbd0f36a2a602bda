# ccn-platform: `make run` starts the platform with sample data, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: help venv run stop test test-fast lint format schemas bench soak kafka-jars clean

help:
	@echo "make run      start Kafka and the services on SQLite, with sample data"
	@echo "make stop     stop what make run started"
	@echo "make test     run the whole suite against real Kafka and PostgreSQL"
	@echo "make lint     ruff, mypy and the alert rules (promtool)"
	@echo "make schemas  record event schema revisions and the AsyncAPI document"
	@echo "make bench    run the benchmarks under bench/ (make soak: ten minutes of steady writes)"

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ccn-platform needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

venv: $(VENV)/.installed

kafka-jars:
	bash deploy/kafka/kafka.sh fetch

run: venv kafka-jars
	$(BIN)/ccn run

stop: venv
	$(BIN)/ccn infra down

test: venv kafka-jars
	$(BIN)/pytest

test-fast: venv kafka-jars
	$(BIN)/pytest -m "not slow"

lint: venv
	$(BIN)/ruff check shared services tests bench
	$(BIN)/ruff format --check shared services tests bench
	$(BIN)/mypy
	@command -v promtool >/dev/null || { echo "promtool is required: apt-get install prometheus"; exit 1; }
	promtool check rules deploy/prometheus/rules.yml
	promtool test rules deploy/prometheus/rules.test.yml

format: venv
	$(BIN)/ruff format shared services tests bench
	$(BIN)/ruff check --fix shared services tests bench

schemas: venv
	$(BIN)/ccn schemas

bench: venv kafka-jars
	$(BIN)/python bench/outbox_relay.py
	$(BIN)/python bench/registry_write.py
	$(BIN)/python bench/rebuild.py

soak: venv kafka-jars
	$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
