# igf-outcomes: `make demo` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_LOGGING_LEVEL ?= WARNING

# Debian packages the tests and documents need: PDF tools for reading PDFs back, LibreOffice to
# open DOCX files, Noto fonts covering Latin, Cyrillic, Arabic and CJK, Chromium for the preview's
# browser test.
APT_PACKAGES := poppler-utils qpdf libreoffice-writer-nogui fonts-noto-core fonts-noto-cjk fontconfig libharfbuzz-subset0 chromium

.PHONY: demo test test-scale bench lint lock system venv clean

demo: venv system
	$(VENV)/bin/outcomes build --all inputs --out outputs
	@echo "Outputs are in $(CURDIR)/outputs/<session>/ (PDF, DOCX, HTML, report.json, build.json)"

test: venv system
	$(VENV)/bin/pytest -q

test-scale: venv system
	bash tests/scale/run.sh

# Register the Prefect deployments of prefect.yaml with the server in PREFECT_API_URL, and the
# automation that marks a flow run whose heartbeats stopped Crashed (docs/prefect.md).
.PHONY: deploy
deploy: venv
	$(VENV)/bin/prefect --no-prompt deploy --all
	$(PY) -m flows.automations

bench: venv system
	$(PY) -m bench.run $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check outcomes flows tests tools bench

system:
	@missing=""; \
	for cmd in pdftotext pdftoppm qpdf soffice fc-list chromium; do command -v $$cmd >/dev/null || missing=1; done; \
	fc-list | grep -q "Noto Sans CJK" || missing=1; fc-list | grep -q "Noto Naskh Arabic" || missing=1; \
	ldconfig -p | grep -q libharfbuzz-subset || missing=1; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[test,dask,postgres]'
	touch $(STAMP)

# Re-resolve the pinned set from requirements.in (needs the package registry).
lock:
	python3 -m venv /tmp/igf-lock && /tmp/igf-lock/bin/pip install -q -r requirements.in
	/tmp/igf-lock/bin/pip freeze --exclude-editable > constraints.txt

clean:
	rm -rf outputs/* bench/work
