from .safe_checkpoint import (TRUST_ENV, UnsafeCheckpointError, load_checkpoint_file,
                              patch_mmengine_checkpoint_loading)
from .config_path import project_config
from .cpu_distributed import patch_mmengine_cpu_distributed

__all__ = ['TRUST_ENV', 'UnsafeCheckpointError', 'load_checkpoint_file',
           'patch_mmengine_checkpoint_loading', 'patch_mmengine_cpu_distributed', 'project_config']
