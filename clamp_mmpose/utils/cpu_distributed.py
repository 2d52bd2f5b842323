"""Let MMEngine 0.10.7's ``pytorch`` launcher start CPU-only process groups (gloo).

MMEngine's ``_init_dist_pytorch`` always calls ``torch.cuda.set_device``, so ``torchrun`` jobs
on machines without a GPU fail before the first step, even with ``backend='gloo'``. When no
CUDA device exists and the config asks for gloo, the process group is created directly from
torchrun's environment; every other case goes to MMEngine unchanged. CPU jobs also need
``model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None)`` (DDP takes no
device ids for CPU modules); see docs/multi_gpu.md.
"""
import torch
import torch.distributed as torch_dist
from mmengine.dist import utils as dist_utils

_original_init_dist_pytorch = dist_utils._init_dist_pytorch


def _init_dist_pytorch(backend, init_backend='torch', **kwargs) -> None:
    if backend == 'gloo' and init_backend == 'torch' and not torch.cuda.is_available():
        torch_dist.init_process_group(backend='gloo', **kwargs)
        return
    _original_init_dist_pytorch(backend, init_backend=init_backend, **kwargs)


def patch_mmengine_cpu_distributed() -> None:
    """Install the CPU-aware initialisation (idempotent)."""
    dist_utils._init_dist_pytorch = _init_dist_pytorch
