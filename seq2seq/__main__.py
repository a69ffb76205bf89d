"""Entry point: `python -m seq2seq ...` (see seq2seq/cli.py)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
