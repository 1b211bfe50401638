#!/usr/bin/env python3
"""Evaluate generated images against real ones: a thin wrapper of ``tfgan-zoo evaluate`` (same flags)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tfgan_zoo.cli.evaluate import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
