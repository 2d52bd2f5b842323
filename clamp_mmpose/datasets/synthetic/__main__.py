"""``python -m clamp_mmpose.datasets.synthetic``: see :func:`.ap10k_files.main`."""
import sys

from .ap10k_files import main

sys.exit(main())
