#!/usr/bin/env bash
# Installs the OpenMMLab stack and clamp_mmpose into ./.venv (CPU machine, Python 3.11).
#
# Idempotent: each step checks whether it is already done. The slow step, building mmcv 2.1.0
# with its compiled ops from the PyPI sdist (no wheel exists for torch 2.14), runs once per
# machine; the wheel is kept in $CLAMP_MMPOSE_CACHE (default ~/.cache/clamp-mmpose), outside
# the repository, and reused by every later install and every fresh clone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
CACHE="${CLAMP_MMPOSE_CACHE:-$HOME/.cache/clamp-mmpose}"
WHEELS="$CACHE/wheels"
CONSTRAINTS="$ROOT/requirements/constraints.txt"
STAMP="$VENV/.clamp-mmpose-installed"

t_start=$(date +%s)
step() { printf '\n[install %4ss] %s\n' "$(( $(date +%s) - t_start ))" "$*"; }

# This machine's pip.conf lists extra local indexes; drop pip's notes about packages they lack.
pip_() {
    "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" -c "$CONSTRAINTS" 2>&1 \
        | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
}

# A stamp records the hash of everything that decides what gets installed; a ready venv
# with the same hash skips straight to the check at the end.
want_hash=$(cat "$CONSTRAINTS" "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$0" | sha1sum | cut -c1-16)
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

mkdir -p "$WHEELS"
mmcv_wheel=$(ls "$WHEELS"/mmcv-2.1.0-*.whl 2>/dev/null | head -n1 || true)
if [[ -z "$mmcv_wheel" ]]; then
    step "building mmcv 2.1.0 with compiled ops from the PyPI sdist: this takes about 13 minutes on 2 cores, once per machine"
    build="$(mktemp -d)"
    # torch 2.14's headers need C++20; mmcv's setup.py hard-codes -std=c++17.
    cat > "$build/cxx" <<'WRAP'
#!/usr/bin/env bash
args=(); for a in "$@"; do [[ "$a" == -std=c++17 ]] && a=-std=c++20; args+=("$a"); done
exec g++ "${args[@]}"
WRAP
    chmod +x "$build/cxx"
    log="$CACHE/mmcv-build.log"
    (
        CXX="$build/cxx" MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "$VENV/bin/python" -m pip wheel -v --no-deps --no-build-isolation \
            -c "$CONSTRAINTS" -w "$build/out" mmcv==2.1.0 >"$log" 2>&1
    ) &
    pid=$!
    # ninja reports "[done/total]" per compiled object: show it every 30 s.
    while kill -0 "$pid" 2>/dev/null; do
        sleep 30
        progress=$(grep -oE '\[[0-9]+/[0-9]+\]' "$log" | tail -n1 || true)
        printf '  mmcv build: %s objects compiled, %ss elapsed\n' "${progress:-[preparing]}" "$(( $(date +%s) - t_start ))"
    done
    if ! wait "$pid"; then
        echo "mmcv build failed; the last lines of $log:" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
    mv "$build"/out/mmcv-2.1.0-*.whl "$WHEELS/"
    rm -rf "$build"
    mmcv_wheel=$(ls "$WHEELS"/mmcv-2.1.0-*.whl | head -n1)
else
    step "reusing the cached mmcv build $mmcv_wheel"
fi
step "mmengine, open_clip, xtcocotools and the rest of the runtime requirements"
pip_ install -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt" \
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
