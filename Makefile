# The two commands of the README. Both set up everything a fresh machine lacks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export OCOP_INSTANCE ?= $(CURDIR)/instance

.PHONY: run test lint bench clean translations

MO := $(patsubst %.po,%.mo,$(wildcard verify_web/translations/*/LC_MESSAGES/messages.po))

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate requirements.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -i $< -o $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

## make run: migrate a SQLite database, make a signing key and demo data, serve on 127.0.0.1:$(PORT)
run: $(VENV)/.installed $(MO)
	@PORT=$(PORT) $(BIN)/python -m verify_web.devserver

## make test: the whole suite (SQLite and PostgreSQL, browser tests, label decoding), the
## JavaScript verifier on every vector (Node from Debian's nodejs), then lint
test: $(VENV)/.installed-test $(MO)
	$(BIN)/python -m pytest -q
	node --test tests/js/
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(VENV)/.installed-test
	$(BIN)/python bench/bench_code.py
	$(BIN)/python bench/bench_issue.py
	$(BIN)/python bench/bench_revoke.py
	$(BIN)/python bench/bench_verify.py

## make translations: re-extract UI strings and update the catalogues (then fill in vi)
translations: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k ValidationError:2 -k Conflict:3 -k StateError:3 -o verify_web/translations/messages.pot .
	$(BIN)/pybabel -q update -i verify_web/translations/messages.pot -d verify_web/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
