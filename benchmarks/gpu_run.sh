#!/usr/bin/env bash
# The GPU figures of docs/benchmarks.md ("GPU figures") in one go, on a machine with python3, torch
# (CUDA) and onnxruntime but without the OpenMMLab stack, which comes as wheels in .whl/ (mmcv
# built without ops, mmengine, mmpose, open_clip_torch, xtcocotools and their small needs):
# benchmarks/gpu_wheels.sh makes them; carry .whl to the machine.
#
#   OUT=work_dirs/gpu bash benchmarks/gpu_run.sh [all|cpu|int8|train|compile-tests]  # default: a-d
#
# a. installs the wheels into /tmp/site and prints versions, the GPU and the CPU;
# b. the CUDA smoke test (tests/test_cuda.py);
# c. benchmarks/benchmark.py on CUDA, float32 and AMP (RN50 and ViT-B/16, full size);
# d. at the same time, on CPU cores 0 and 1 only (the GPU work runs on the others), the CPU
#    inference rows with ONNX Runtime at 2 threads, the PyTorch baseline in the same run;
# e. (int8) a CLAMP RN50 trained on the GPU from random weights on generated animals (the demo
#    with the paper config, short schedule), then benchmarks/int8_accuracy.py on it: the AP of
#    its float32 and int8 exports in ONNX Runtime.
# f. (train) the training-step rows of issue #24, RN50 and ViT-B/16 at batch 32: eager in float32,
#    AMP and float32 with fused AdamW (in place of the configs' foreach), then compiled as a
#    config's compile=True does (inductor), each with kernel launches per step (and in eager mode
#    each module's CPU time). At most 8.5 minutes.
# g. (compile-tests) the eager RN50 step's CUDA profile (profile.log, for docs/profiles/), the
#    compiled-runner tests (tests/engine/test_compile_train_step_hook.py, inductor on CUDA)
#    with the CUDA smoke test, and RN50's compiled step with CUDA graphs
#    (compile=dict(mode='reduce-overhead')). At most 9 minutes.
# cpu runs a and d; int8 runs a, c for RN50 in float32, d and e; train runs a and f;
# compile-tests runs a and g.
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
    # xtcocotools comes as source (no Python 3.12 wheel): built here against this numpy.
    if ls .whl/xtcocotools-*.tar.gz >/dev/null 2>&1; then
        python3 -m pip wheel -q --no-index --no-deps --no-build-isolation -w .whl \
            .whl/xtcocotools-*.tar.gz || echo FAILED xtcocotools build
    fi
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

MODE=${1:-all}
if [[ $MODE == train ]]; then
    for opt in "" --amp --fused-adamw; do
        step train 80 python3 benchmarks/benchmark.py --device cuda --train-only $opt \
            --out "$OUT/train_eager${opt/--/_}.json"
    done
    step train 270 python3 benchmarks/benchmark.py --device cuda --train-only --compile \
        --out "$OUT/train_compiled.json"
    grep -h -A30 '^Device:' "$OUT"/train.log
    grep -h 'compiled in' "$OUT"/train.log
    exit 0
fi
if [[ $MODE == compile-tests ]]; then
    # The profile of docs/profiles/ (operators by GPU time, launches, module CPU times).
    step profile 90 python3 benchmarks/profile_step.py --device cuda --arch rn50 --batch 32 \
        --modules --top 25
    step test_compile 240 python3 -m pytest tests/engine/test_compile_train_step_hook.py \
        tests/test_cuda.py -v -rs -p no:cacheprovider
    # CUDA graphs on top of the compiled step.
    step train 200 python3 benchmarks/benchmark.py --device cuda --train-only --compile \
        --compile-mode reduce-overhead --archs rn50 --out "$OUT/train_cudagraphs_rn50.json"
    grep -h -E 'passed|failed|skipped' "$OUT"/test_compile.log
    grep -h -A30 '^Device:' "$OUT"/train.log
    exit 0
fi

# d. in the background, pinned to cores 0 and 1.
step cpu_onnx 420 taskset -c 0,1 env OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 \
    python3 benchmarks/benchmark.py --device cpu --inference-only --no-flip --repeats 3 \
    --archs rn50 vitb16 --out "$OUT/cpu_onnx.json" &
cpu_pid=$!

GPU_CORES="2-$((NCPU - 1))"
if [[ $MODE == int8 ]]; then
    step gpu 120 taskset -c "$GPU_CORES" python3 benchmarks/benchmark.py --device cuda \
        --archs rn50 --out "$OUT/gpu_fp32_rn50.json"
    # The paper's RN50 config without CLIP weights, warm-up and decay fitted to 60 epochs.
    cat >/tmp/clamp_rn50_generated.py <<EOF
_base_ = ['$PWD/configs/ap10k/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py']
model = dict(backbone=dict(pretrained=None), head=dict(clip_weights=None))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=60, milestones=[45, 55], gamma=0.1, by_epoch=True)]
train_dataloader = dict(num_workers=8, persistent_workers=True)
EOF
    step train_rn50 240 taskset -c "$GPU_CORES" python3 -m clamp_mmpose.tools.demo \
        --config /tmp/clamp_rn50_generated.py --epochs 60 --work-dir /tmp/rn50_generated \
        --data-root /tmp/generated_ap10k
    step int8_accuracy 150 taskset -c "$GPU_CORES" python3 benchmarks/int8_accuracy.py \
        /tmp/clamp_rn50_generated.py /tmp/rn50_generated/epoch_60.pth \
        --data-root /tmp/generated_ap10k --out "$OUT/int8_accuracy_rn50.json"
elif [[ $MODE != cpu ]]; then
    step test_cuda 180 taskset -c "$GPU_CORES" python3 -m pytest tests/test_cuda.py -v -rs \
        -p no:cacheprovider
    step gpu 150 taskset -c "$GPU_CORES" python3 benchmarks/benchmark.py --device cuda \
        --out "$OUT/gpu_fp32.json"
    step gpu 150 taskset -c "$GPU_CORES" python3 benchmarks/benchmark.py --device cuda --amp \
        --out "$OUT/gpu_amp.json"
fi
wait "$cpu_pid"
grep -h -A40 '^Device:' "$OUT"/gpu.log "$OUT"/cpu_onnx.log
grep -h -A22 'val images' "$OUT"/int8_accuracy.log 2>/dev/null
grep -h 'AP (val' "$OUT"/train_rn50.log 2>/dev/null
