# make run   - set up everything on a fresh machine and open the app (embedded database, demo data)
# make test  - the same set-up, then the whole test suite (twice over the database tests in CI)
# make bench - benchmarks, printed as a table and written to docs/BENCHMARKS.md
# make lint  - ruff and mypy

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# Debian packages: a CJK TrueType font (windows and PDFs), poppler and zbar (the PDF tests read text and
# barcodes back), and the xcb libraries Qt needs for a real window.
DEB_PACKAGES := fonts-wqy-microhei poppler-utils zbar-tools libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
                libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3
# The office-server case in CI: the PostgreSQL already running on this machine.
CI_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: run test bench soak lint setup system-packages clean

setup: $(STAMP) system-packages

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $@

system-packages:
	@missing=""; for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if ! command -v apt-get >/dev/null; then \
	        echo "Please install:$$missing (or their equivalents on your system)"; exit 0; fi; \
	    sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
	    echo "Installing Debian packages:$$missing"; \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null \
	    || { $$sudo apt-get update -q >/dev/null && \
	         $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
	fi

run: setup
	$(PY) main.py

test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest
	@if [ "$$CI" = "true" ] || [ -n "$$ERP_TEST_DATABASE_URL" ]; then \
	    url="$${ERP_TEST_DATABASE_URL:-$(CI_DATABASE_URL)}"; \
	    if $(PY) -c "import sys, psycopg2; from sqlalchemy.engine import make_url as m; u = m(sys.argv[1]); \
	        psycopg2.connect(host=u.host, port=u.port, user=u.username, password=u.password, \
	        dbname=u.database or 'postgres', connect_timeout=5).close()" "$$url" 2>/dev/null; then \
	        echo "== database tests again, on the shared server $$url =="; \
	        ERP_TEST_DATABASE_URL="$$url" QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m db; \
	    else echo "No server answers at $$url: database tests ran on the embedded server only."; fi; \
	fi

bench: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m bench

soak: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m bench.soak

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
