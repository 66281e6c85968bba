"""``python -m bot`` — the same as the ``qabot`` console script."""

import sys

from bot.cli import main

sys.exit(main())
