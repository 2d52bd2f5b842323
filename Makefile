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
	@echo "make demo: the demo (CLAMP trained and evaluated on generated animals) is not built yet." >&2
	@exit 1

clean:
	rm -rf $(VENV) work_dirs .pytest_cache
