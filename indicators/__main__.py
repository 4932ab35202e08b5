"""``python -m indicators``: the same command line as ``python -m indicators.cli``."""

import sys

from indicators.cli import main

sys.exit(main())
