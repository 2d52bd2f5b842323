#!/usr/bin/env bash
# `make test-compat`: the whole test suite in the environment most GPU users have, installed the
# way the README tells them, with a check that the install changed nothing already there.
#
# 0. In a fresh venv holding only numpy 1.26.4, `pip install --dry-run -e .` keeps numpy 1.x.
# 1. A new venv ($COMPAT_VENV, default ./.venv-compat) holding the users' stack: torch 2.1.2,
#    torchvision 0.16.2, numpy 1.26.4, mmcv 2.1.0 built for that torch, mmengine 0.10.7, and
#    mmpose 1.3.2 / mmdet 3.3.0 with --no-deps. mmcv is built once per machine from the PyPI sdist
#    (about 13 minutes on 2 cores) and kept in $CLAMP_MMPOSE_CACHE/wheels/torch-2.1.2/.
# 2. `pip install -e ".[tests,deploy]"`, as the README's "Existing OpenMMLab environment" says.
# 3. Every package installed before step 2 must have the same version after it.
# 4. pytest over tests/, with that venv's Python (after adding the [mim] extra, whose openxlab
#    pins do change packages, for the tests that run mim).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${COMPAT_VENV:-$ROOT/.venv-compat}"
PYTHON="${PYTHON:-python3}"
CACHE="${CLAMP_MMPOSE_CACHE:-$HOME/.cache/clamp-mmpose}"
TORCH=2.1.2
WHEELS="$CACHE/wheels/torch-$TORCH"
STACK="$ROOT/requirements/compat-stack.txt"
PY="$VENV/bin/python"

t_start=$(date +%s)
step() { printf '\n[compat %4ss] %s\n' "$(( $(date +%s) - t_start ))" "$*"; }
# --no-cache-dir: torch 2.1.2's CUDA build is about 2.5 GB of downloads; a copy in pip's cache
# as well would need that much more disk, for a venv that is made anew each run.
pip_() {
    "$PY" -m pip --disable-pip-version-check --no-cache-dir -q "$@" 2>&1 \
        | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
}
source "$ROOT/tools/mmcv_wheel.sh"

step "a fresh venv holding only numpy 1.26.4: pip install --dry-run -e . must keep it"
dry="$(mktemp -d)"
"$PYTHON" -m venv "$dry/venv"
"$dry/venv/bin/python" -m pip --disable-pip-version-check -q install numpy==1.26.4 2>&1 \
    | { grep -v 'is ignored' || true; }
(cd "$ROOT" && "$dry/venv/bin/python" -m pip --disable-pip-version-check -q install --dry-run \
    --report "$dry/report.json" -e . 2>&1 | { grep -v 'is ignored' || true; })
"$dry/venv/bin/python" - "$dry/report.json" <<'PY'
import json, sys
chosen = {i['metadata']['name'].lower(): i['metadata']['version']
          for i in json.load(open(sys.argv[1]))['install']}
print('would install', len(chosen), 'packages; numpy:', chosen.get('numpy', 'kept at 1.26.4'))
sys.exit(1 if chosen.get('numpy', '1').split('.')[0] != '1' else 0)
PY
rm -rf "$dry"

# A new venv every run: the check below needs the users' stack exactly as it is, untouched by
# an earlier run's install. Only the mmcv build is kept between runs.
rm -rf "$VENV"
# The venv unpacks to about 5.7 GB, with about 2.5 GB of downloads beside it while pip installs.
# Say so up front where the disk looks too small, rather than leave pip's bare "No space left".
need_gb=8
free_gb=$(( $(df -Pk "$(dirname "$VENV")" | awk 'NR==2 {print $4}') / 1024 / 1024 ))
if (( free_gb < need_gb )); then
    echo "[compat] warning: ${free_gb} GB free on the disk of $VENV, and the torch $TORCH venv" \
        "needs about ${need_gb} GB while it installs. If pip runs out of space, free some (old" \
        "/tmp/pytest-of-$(id -un) runs, pip's cache) or set COMPAT_VENV to a larger disk." >&2
fi
step "creating $VENV: the users' stack (torch $TORCH from PyPI, a CUDA build: a few minutes)"
"$PYTHON" -m venv "$VENV"
pip_ install -c "$STACK" torch torchvision numpy setuptools wheel ninja
mmcv_wheel=$(cached_mmcv_wheel "$WHEELS" "$PY" "$CACHE/mmcv-build-torch-$TORCH.log")
step "installing $(basename "$mmcv_wheel"), mmengine, mmpose and mmdet (--no-deps)"
pip_ install -c "$STACK" --no-deps "$mmcv_wheel"
pip_ install -c "$STACK" mmengine
pip_ install -c "$STACK" --no-deps mmpose mmdet

step "the environment before the install"
"$PY" -m pip --disable-pip-version-check list --format=freeze 2>/dev/null | sort > "$VENV/before.txt"
cat "$VENV/before.txt" | grep -iE '^(torch|torchvision|numpy|mmcv|mmengine|mmpose|mmdet|setuptools)=='

step 'pip install -e ".[tests,deploy]" (as the README tells GPU users, with pytest and onnx)'
(cd "$ROOT" && pip_ install -e ".[tests,deploy]")

step "checking that no package installed before changed version"
"$PY" -m pip --disable-pip-version-check list --format=freeze 2>/dev/null | sort > "$VENV/after.txt"
"$PY" - "$VENV/before.txt" "$VENV/after.txt" <<'PY'
import sys

def read(path):
    return dict(line.strip().split('==', 1) for line in open(path) if '==' in line)

before, after = read(sys.argv[1]), read(sys.argv[2])
changed = {name: (v, after.get(name)) for name, v in before.items() if after.get(name) != v}
added = sorted(set(after) - set(before))
print(f'{len(before)} packages before, {len(added)} added: {", ".join(added)}')
if changed:
    for name, (old, new) in sorted(changed.items()):
        print(f'CHANGED {name}: {old} -> {new}')
    sys.exit(1)
print('no installed package changed version')
PY

# The tests run mim too. openmim (the [mim] extra) pins old setuptools, requests, rich and
# others through openxlab, which is why it is optional: installed after the check.
step 'pip install -e ".[mim]" for the tests that run mim'
(cd "$ROOT" && pip_ install -e ".[mim]")

step "the test suite on torch $TORCH"
"$PY" -c "import torch, mmcv, mmpose, numpy; print(f'torch {torch.__version__}, mmcv {mmcv.__version__}, mmpose {mmpose.__version__}, numpy {numpy.__version__}')"
cd "$ROOT"
start=$(date +%s)
set +e
"$PY" -m pytest tests -q --durations=10 -p no:cacheprovider ${PYTEST_ARGS:-}
rc=$?
set -e
echo "[compat] pytest took $(( $(date +%s) - start ))s"
exit $rc
