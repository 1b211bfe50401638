#!/usr/bin/env python3
"""Evaluate generated images against real ones; prints one JSON object (metrics + protocol).

    python scripts/evaluate.py --real mnist --fake runs/lsgan/generator --n 10000
    python scripts/evaluate.py --real mnist --fake fashion_mnist --n 2000 --metrics fid,kid
    python scripts/evaluate.py --real mnist --fake runs/x/generator --network mnist-classifier --metrics fid,classifier

A SOURCE is a dataset name, an image folder, a .npz/.npy file or an exported generator directory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

NETWORKS = ("fid-inception", "keras-imagenet", "mnist-classifier")
METRICS = ("fid", "kid", "classifier")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--real", required=True, help="SOURCE of real images (its statistics are cached)")
    p.add_argument("--fake", required=True, help="SOURCE of generated images")
    p.add_argument("--network", default="fid-inception", choices=NETWORKS,
                   help="feature network: the standard FID Inception (2015-12-05 weights), Keras' ImageNet "
                        "InceptionV3 (non-standard), or the committed MNIST classifier")
    p.add_argument("--n", type=int, default=10_000, help="images per side")
    p.add_argument("--metrics", default="fid,kid", help=f"comma-separated subset of {','.join(METRICS)}")
    p.add_argument("--real-split", default="train")
    p.add_argument("--fake-split", default="test", help="split used when --fake is a dataset")
    p.add_argument("--data-dir", default=None)
    args = p.parse_args(argv)
    metrics = [m for m in args.metrics.split(",") if m]
    bad = [m for m in metrics if m not in METRICS]
    if bad or not metrics:
        p.error(f"--metrics: invalid {bad or metrics!r} (choose from {', '.join(METRICS)})")
    if args.n < 2:
        p.error("--n must be >= 2")
    from tfgan_zoo.data import CorruptDatasetError, DatasetUnavailableError
    from tfgan_zoo.metrics.evaluate import evaluate
    from tfgan_zoo.metrics.inception import WeightsUnavailableError

    try:  # progress bars go to stderr: stdout carries only the JSON result
        with contextlib.redirect_stdout(sys.stderr):
            result = evaluate(args.real, args.fake, args.network, args.n, metrics, args.real_split,
                              args.fake_split, args.data_dir)
    except (ValueError, OSError, DatasetUnavailableError, CorruptDatasetError, WeightsUnavailableError) as e:
        print(f"evaluate.py: error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
