"""``python -m clamp_mmpose.datasets.synthetic``: see :func:`.command.main`."""
import sys

from .command import main

sys.exit(main())
