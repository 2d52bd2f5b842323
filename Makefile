# Two commands on a fresh machine: `make demo` and `make test`. Both install what they need
# first (into ./.venv; the mmcv build is cached in ~/.cache/clamp-mmpose and reused).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k head -x"
PYTEST_ARGS ?=

.PHONY: install test test-compat demo clean

install:
	@PYTHON=$(PYTHON) VENV=$(abspath $(VENV)) bash tools/install.sh

test: install
	@echo "[test] pytest (durations of the slowest tests at the end)"
	@start=$$(date +%s); \
	$(PY) -m pytest tests -q --durations=15 $(PYTEST_ARGS); rc=$$?; \
	echo "[test] pytest took $$(( $$(date +%s) - start ))s"; exit $$rc

# The whole suite again in a torch 2.1.2 + mmcv 2.1.0 + numpy 1.26 venv (.venv-compat), the
# package installed into it as the README tells GPU users, checking that nothing already there
# changed version. The first run on a machine builds mmcv for torch 2.1.2 (about 13 minutes).
test-compat:
	@PYTHON=$(PYTHON) PYTEST_ARGS="$(PYTEST_ARGS)" bash tools/test_compat.sh

demo: install
	@echo "[demo] CLAMP on generated animals: data, untrained AP, training, AP, pictures (about 6 minutes on 2 CPU cores)"
	@start=$$(date +%s); \
	$(PY) -m clamp_mmpose.tools.demo $(DEMO_ARGS); rc=$$?; \
	echo "[demo] took $$(( $$(date +%s) - start ))s"; exit $$rc

clean:
	rm -rf $(VENV) .venv-compat work_dirs .pytest_cache
