"""`python -m tests.soak`: see tests/soak/cli.py."""

import sys

from tests.soak.cli import main

sys.exit(main())
