"""`python -m bot` does what `backprop run` does."""

import sys

from bot.cli import main

sys.exit(main(sys.argv[1:] or ["run"]))
