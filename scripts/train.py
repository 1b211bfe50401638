#!/usr/bin/env python3
"""Train a GAN from the command line: a thin wrapper of ``tfgan-zoo train`` (``python scripts/train.py --help``)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tfgan_zoo.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
