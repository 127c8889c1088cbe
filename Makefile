# Rapport: `make run` serves the demo, `make test` runs the whole suite.
# Each target sets up its own virtualenv in .venv (re-installed when pyproject.toml changes).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Test processes (pytest-xdist): one per core by default; PYTEST_WORKERS=0 runs in-process.
PYTEST_WORKERS ?= auto

.PHONY: run test install install-test translations messages dev-setup bench bench-events clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

translations:
	@for d in core/translations plugins/*/translations; do \
	  if ls $$d/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then $(BIN)/pybabel -q compile -f -d $$d || exit 1; fi; \
	done
	@$(BIN)/pybabel -q compile -f -d core/translations -D wtforms

# Re-extract every catalog (core and each plugin) and update el/lt/fa/he, creating missing
# ones. No locations and sorted by msgid, so two branches adding strings merge cleanly.
LANGS := el lt fa he
BABEL_KEYWORDS := -k _l -k N_ -k lazy_gettext -k lazy_ngettext:1,2 -k pgettext:1c,2 -k npgettext:1c,2,3 \
                  -k lazy_pgettext:1c,2
messages: | $(BIN)/python
	@for d in core plugins/*; do \
	  [ -f $$d/__init__.py ] || continue; \
	  mkdir -p $$d/translations; \
	  $(BIN)/pybabel -q extract -F core/babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
	    --project=Rapport --copyright-holder="Rapport contributors" -o $$d/translations/messages.pot $$d || exit 1; \
	  for l in $(LANGS); do \
	    if [ -f $$d/translations/$$l/LC_MESSAGES/messages.po ]; then \
	      $(BIN)/pybabel -q update --ignore-obsolete -w 100 -i $$d/translations/messages.pot -d $$d/translations -l $$l || exit 1; \
	    else \
	      $(BIN)/pybabel -q init -w 100 -i $$d/translations/messages.pot -d $$d/translations -l $$l || exit 1; \
	    fi; \
	  done; \
	done

# Git settings for developers: the catalog merge driver named in .gitattributes.
dev-setup:
	git config merge.po.name "gettext catalogs, entry by entry"
	git config merge.po.driver "$(abspath $(BIN))/python tools/po_merge.py %O %A %B"

# The web server and a worker together (`rapport run`); Ctrl-C stops both.
run: install
	$(BIN)/rapport init --demo
	$(BIN)/rapport run --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m bench.customers_list

# What durable events cost: 1,000 order confirmations, in-memory events vs durable (bench/README.md).
bench-events: install-test
	$(BIN)/python -m bench.events

clean:
	rm -rf $(VENV) .pytest_cache
