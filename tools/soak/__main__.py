"""`python -m tools.soak`: see tools/soak/cli.py."""

import sys

from tools.soak.cli import main

sys.exit(main())
