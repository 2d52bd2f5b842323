from .checkpoint_compat import patch_mmengine_checkpoint_loading
from .cpu_distributed import patch_mmengine_cpu_distributed

__all__ = ['patch_mmengine_checkpoint_loading', 'patch_mmengine_cpu_distributed']
