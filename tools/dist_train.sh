#!/usr/bin/env bash
# Multi-GPU / multi-node training with MMPose's own train script and MMEngine's launcher.
#   tools/dist_train.sh CONFIG GPUS [train.py options, e.g. --amp --resume]
# Multi-node: NNODES=2 NODE_RANK=0|1 MASTER_ADDR=<node 0> PORT=29500 on every node.
set -euo pipefail
CONFIG=$1
GPUS=$2
PYTHON=${PYTHON:-python}
TRAIN=$("$PYTHON" -c "import mmpose, os; print(os.path.join(os.path.dirname(mmpose.__file__), '.mim', 'tools', 'train.py'))")
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
    --nproc_per_node="$GPUS" \
    "$TRAIN" "$CONFIG" --launcher pytorch "${@:3}"
