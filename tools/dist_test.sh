#!/usr/bin/env bash
# Multi-GPU evaluation with MMPose's own test script and MMEngine's launcher.
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
PYTHON=${PYTHON:-python}
TEST=$("$PYTHON" -c "import mmpose, os; print(os.path.join(os.path.dirname(mmpose.__file__), '.mim', 'tools', 'test.py'))")
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
    --nproc_per_node="$GPUS" \
    "$TEST" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
