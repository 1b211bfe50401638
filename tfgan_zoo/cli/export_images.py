"""Write a dataset's images to a folder of files, one sub-folder per class.

    tfgan-zoo export-images --dataset fashion_mnist --n 2000 --image-size 64 --channels 3 \
        --format jpg --out data/fashion64

The folder is then a dataset of its own: ``--dataset data/fashion64``.
"""

from __future__ import annotations

import argparse
import json
from typing import Sequence

from .argtypes import int_at_least


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run ``export-images`` with the command-line arguments ``argv``; returns the exit status."""
    from ..choices import DATASETS

    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 1)[1])
    p.add_argument("--dataset", default="mnist", help=f"a built-in dataset ({', '.join(DATASETS)}) or .npz/.npy file")
    p.add_argument("--split", default="train", choices=("train", "test", "all"))
    p.add_argument("--n", type=int_at_least(1), default=None, help="first N images (default: all)")
    p.add_argument("--image-size", type=int_at_least(1), default=None, help="resize and centre-crop to N x N")
    p.add_argument("--channels", type=int, choices=(1, 3), default=None)
    p.add_argument("--format", default="png", choices=("png", "jpg", "bmp", "gif"))
    p.add_argument("--data-dir", default=None)
    p.add_argument("--out", required=True, help="folder to write (created)")
    args = p.parse_args(argv)
    if args.n is not None and args.n < 1:
        p.error("--n must be >= 1")
    import numpy as np

    from .. import data

    x, y = data.load_arrays(args.dataset, args.split, data_dir=args.data_dir)
    x, y = x[:args.n], (y[:args.n] if y is not None else None)
    x = data.convert_arrays(x, args.image_size, args.channels)
    if x.dtype != np.uint8:  # float32 in [-1, 1]
        x = np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)
    paths = data.write_image_folder(x, args.out, labels=y, fmt=args.format)
    print(json.dumps({"out": args.out, "images": len(paths), "shape": list(x.shape[1:]),
                      "classes": int(len(np.unique(y))) if y is not None else 0}))
    return 0

