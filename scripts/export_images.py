#!/usr/bin/env python3
"""Write a dataset's images to a folder: a thin wrapper of ``tfgan-zoo export-images`` (same flags)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tfgan_zoo.cli.export_images import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
