#!/usr/bin/env bash
# Training on a slurm cluster; MMEngine reads the rank and world size from slurm.
#   [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5] tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py options]
# e.g. GPUS=16 tools/slurm_train.sh gpu clamp_vitb configs/ap10k/clamp_clip-vit-b16_4xb32-210e_ap10k-256x256.py work_dirs/clamp_vitb
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-4}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
PYTHON=${PYTHON:-python}
TRAIN=$("$PYTHON" -c "import mmpose, os; print(os.path.join(os.path.dirname(mmpose.__file__), '.mim', 'tools', 'train.py'))")
exec srun -p "$PARTITION" --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 \
    "$PYTHON" -u "$TRAIN" "$CONFIG" --work-dir="$WORK_DIR" --launcher slurm "${@:5}"
