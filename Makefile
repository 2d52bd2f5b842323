# Two commands on a fresh machine: `make demo` and `make test`. Both install what they need
# first (into ./.venv; the mmcv build is cached in ~/.cache/clamp-mmpose and reused).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k head -x"
PYTEST_ARGS ?=

.PHONY: install test demo clean

install:
	@PYTHON=$(PYTHON) VENV=$(abspath $(VENV)) bash tools/install.sh

test: install
	@echo "[test] pytest (durations of the slowest tests at the end)"
	@start=$$(date +%s); \
	$(PY) -m pytest tests -q --durations=15 $(PYTEST_ARGS); rc=$$?; \
	echo "[test] pytest took $$(( $$(date +%s) - start ))s"; exit $$rc

demo: install
	@echo "[demo] CLAMP on generated animals: data, untrained AP, training, AP, pictures (a few minutes on 2 CPU cores)"
	@start=$$(date +%s); \
	$(PY) -m clamp_mmpose.tools.demo $(DEMO_ARGS); rc=$$?; \
	echo "[demo] took $$(( $$(date +%s) - start ))s"; exit $$rc

clean:
	rm -rf $(VENV) work_dirs .pytest_cache
