#!/usr/bin/env bash
# Fills .whl/ with what benchmarks/gpu_run.sh installs on the lent GPU machine, which has
# python3 3.12 with torch, numpy, opencv, onnxruntime, cython and a compiler, reaches no package
# index, and lacks the OpenMMLab stack. Run it here (it needs the package index), then carry it:
#
#   bash benchmarks/gpu_wheels.sh            # about 6 MB
#   device run, carry=['.whl'], command: OUT=$OUT bash benchmarks/gpu_run.sh train
#
# The versions are this repository's pins (requirements/constraints.txt). mmcv is built here
# without its compiled ops (a pure-Python wheel, mmcv-lite): top-down heatmap models never
# call them. xtcocotools has no wheel for Python 3.12 on the index, so its source goes along
# and gpu_run.sh builds it there.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
pin() { grep -i -m1 "^$1==" requirements/constraints.txt; }
rm -rf .whl && mkdir -p .whl
PURE=(mmengine mmpose open-clip-torch addict ftfy json-tricks munkres platformdirs termcolor
      wcwidth yapf)
"$PY" -m pip download --no-deps -q -d .whl --python-version 3.12 --implementation cp \
    --only-binary=:all: --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux_2_28_x86_64 $(for p in "${PURE[@]}"; do pin "$p"; done)
"$PY" -m pip download --no-deps -q -d .whl --no-binary :all: "$(pin xtcocotools)" "$(pin mmcv)"
(cd .whl && MMCV_WITH_OPS=0 "../$PY" -m pip wheel --no-deps --no-build-isolation -q -w . \
    mmcv-*.tar.gz && rm mmcv-*.tar.gz)
ls -la .whl
