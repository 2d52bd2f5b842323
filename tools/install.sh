#!/usr/bin/env bash
# Installs the OpenMMLab stack and clamp_mmpose into ./.venv (CPU machine, Python 3.11).
#
# Idempotent: each step checks whether it is already done. The slow step, building mmcv 2.1.0
# with its compiled ops from the PyPI sdist (no wheel exists for torch 2.14), runs once per
# machine (tools/mmcv_wheel.sh); the wheel is kept in $CLAMP_MMPOSE_CACHE (default
# ~/.cache/clamp-mmpose) under the torch version, outside the repository and outside pip's cache,
# and reused by every later install and every fresh clone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
CACHE="${CLAMP_MMPOSE_CACHE:-$HOME/.cache/clamp-mmpose}"
WHEELS="$CACHE/wheels"
CONSTRAINTS="$ROOT/requirements/constraints.txt"
STAMP="$VENV/.clamp-mmpose-installed"

source "$ROOT/tools/mmcv_wheel.sh"

t_start=$(date +%s)
step() { printf '\n[install %4ss] %s\n' "$(( $(date +%s) - t_start ))" "$*"; }

# This machine's pip.conf lists extra local indexes; drop pip's notes about packages they lack.
pip_() {
    "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" -c "$CONSTRAINTS" 2>&1 \
        | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
}

# A stamp records the hash of everything that decides what gets installed; a ready venv
# with the same hash skips straight to the check at the end.
want_hash=$(cat "$CONSTRAINTS" "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$0" \
    "$ROOT/tools/mmcv_wheel.sh" | sha1sum | cut -c1-16)
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want_hash" ]]; then
    step "venv $VENV is up to date (stamp $want_hash)"
    "$VENV/bin/python" -c "import clamp_mmpose, mmcv.ops, mmpose.models" \
        && { step "ready"; exit 0; }
    step "venv is stamped but broken: reinstalling"
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    step "creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi

step "torch 2.14.1 + torchvision 0.29.1, numpy<2, build tools (about 1 min on a fresh venv)"
pip_ install torch torchvision numpy setuptools wheel ninja

# Wheels built by an earlier install.sh sat directly in $CACHE/wheels, built against this torch.
TORCH_WHEELS="$WHEELS/torch-$("$VENV/bin/python" -c 'import torch; print(torch.__version__.split("+")[0])')"
if ls "$WHEELS"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
    mkdir -p "$TORCH_WHEELS" && mv "$WHEELS"/mmcv-2.1.0-*.whl "$TORCH_WHEELS/"
fi
step "mmcv 2.1.0 with compiled ops for this torch"
mmcv_wheel=$(cached_mmcv_wheel "$TORCH_WHEELS" "$VENV/bin/python" "$CACHE/mmcv-build.log")
step "mmengine, open_clip, xtcocotools, the rest of the runtime requirements, mim, onnx"
pip_ install -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt" \
    -r "$ROOT/requirements/mim.txt" -r "$ROOT/requirements/deploy.txt" \
    addict packaging pyyaml yapf regex

step "installing $(basename "$mmcv_wheel")"
pip_ install --no-deps "$mmcv_wheel"

step "mmpose 1.3.2 and mmdet 3.3.0 (--no-deps)"
pip_ install --no-deps mmpose mmdet

step "clamp_mmpose (editable)"
pip_ install --no-deps --no-build-isolation -e "$ROOT"

step "checking the stack"
"$VENV/bin/python" - <<'PY'
import torch, mmcv, mmengine, mmpose, mmdet, open_clip, numpy
from mmcv.ops import nms, RoIAlign  # noqa: F401  (the compiled ops are present)
import mmpose.models, mmdet.models  # noqa: F401
import clamp_mmpose
print(f"torch {torch.__version__}, mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, "
      f"mmpose {mmpose.__version__}, mmdet {mmdet.__version__}, open_clip {open_clip.__version__}, "
      f"numpy {numpy.__version__}, clamp_mmpose {clamp_mmpose.__version__}")
PY
echo "$want_hash" > "$STAMP"
step "ready"
