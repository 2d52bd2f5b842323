#!/usr/bin/env bash
# The GPU figures of the README ("GPU figures") in one go, on a machine with python3, torch
# (CUDA) and onnxruntime but without the OpenMMLab stack, which comes as wheels in .whl/ (mmcv
# built without ops, mmengine, mmpose, open_clip_torch, xtcocotools and their small needs).
#
#   OUT=work_dirs/gpu bash benchmarks/gpu_run.sh       # all; with the argument cpu: a and d only
#
# a. installs the wheels into /tmp/site and prints versions, the GPU and the CPU;
# b. the CUDA smoke test (tests/test_cuda.py);
# c. benchmarks/benchmark.py on CUDA, float32 and AMP (RN50 and ViT-B/16, full size);
# d. at the same time, on CPU cores 0 and 1 only (the GPU work runs on the others), the CPU
#    inference rows with ONNX Runtime at 2 threads, the PyTorch baseline in the same run.
# Every step logs to $OUT and the script goes on when one fails.
set -u
OUT=${OUT:-work_dirs/gpu}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH=/tmp/site:$PWD MPLBACKEND=Agg
NCPU=$(nproc)

step() {  # step NAME TIMEOUT_S COMMAND...: output appended to $OUT/NAME.log
    local name=$1 limit=$2 t0=$SECONDS rc
    shift 2
    echo "== $name: $*" | tee -a "$OUT/$name.log"
    timeout "$limit" "$@" >>"$OUT/$name.log" 2>&1
    rc=$?
    echo "== $name: rc=$rc, $((SECONDS - t0)) s" | tee -a "$OUT/$name.log"
}

{
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || echo FAILED install
    # mmcv without ops has no mmcv._ext; mmpose imports mmcv.ops (deformable attention, never run
    # by top-down heatmap models) at import time: a stand-in that fails only when called.
    cat >/tmp/site/mmcv/_ext.py <<'EOF'
def __getattr__(name):
    def missing(*args, **kwargs):
        raise RuntimeError(f'mmcv was built without ops: {name} is not available')
    return missing
EOF
    python3 -c 'import sys, torch, numpy, cv2, onnxruntime, mmcv, mmengine, mmpose, open_clip
import clamp_mmpose
print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda,
      "numpy", numpy.__version__, "cv2", cv2.__version__, "onnxruntime", onnxruntime.__version__,
      "mmcv", mmcv.__version__, "mmengine", mmengine.__version__, "mmpose", mmpose.__version__,
      "open_clip", open_clip.__version__)
print(torch.cuda.get_device_name())' || echo FAILED imports
    nvidia-smi -L
    grep -m1 'model name' /proc/cpuinfo
    echo "cpus: $NCPU"
} >"$OUT/env.log" 2>&1
cat "$OUT/env.log"

# d. in the background, pinned to cores 0 and 1.
step cpu_onnx 420 taskset -c 0,1 env OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 \
    python3 benchmarks/benchmark.py --device cpu --inference-only --no-flip --repeats 3 \
    --archs rn50 vitb16 --out "$OUT/cpu_onnx.json" &
cpu_pid=$!

GPU_CORES="2-$((NCPU - 1))"
[[ "${1:-all}" == cpu ]] || {
step test_cuda 180 taskset -c "$GPU_CORES" python3 -m pytest tests/test_cuda.py -v -rs \
    -p no:cacheprovider
step gpu 150 taskset -c "$GPU_CORES" python3 benchmarks/benchmark.py --device cuda \
    --out "$OUT/gpu_fp32.json"
step gpu 150 taskset -c "$GPU_CORES" python3 benchmarks/benchmark.py --device cuda --amp \
    --out "$OUT/gpu_amp.json"
}
wait "$cpu_pid"
grep -h -A40 '^Device:' "$OUT"/gpu.log "$OUT"/cpu_onnx.log
