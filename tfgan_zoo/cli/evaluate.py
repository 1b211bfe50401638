"""Evaluate generated images against real ones; prints one JSON object (metrics + protocol).

    tfgan-zoo evaluate --real mnist --fake runs/lsgan/generator --n 10000
    tfgan-zoo evaluate --real mnist --fake fashion_mnist --n 2000 --metrics fid,kid
    tfgan-zoo evaluate --real mnist --fake runs/x/generator --network mnist-classifier --metrics fid,classifier

A SOURCE is a dataset name, an image folder, a .npz/.npy file or an exported generator directory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Sequence

from .argtypes import int_at_least, positive_float
from ..choices import FID_NETWORKS as NETWORKS
METRICS = ("fid", "kid", "classifier")


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run ``evaluate`` with the command-line arguments ``argv``; returns the exit status."""
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 1)[1])
    p.add_argument("--real", required=True, help="SOURCE of real images (its statistics are cached)")
    p.add_argument("--fake", required=True, help="SOURCE of generated images")
    p.add_argument("--network", default="fid-inception", choices=NETWORKS,
                   help="feature network: the standard FID Inception (2015-12-05 weights), Keras' ImageNet "
                        "InceptionV3 (non-standard), or a committed 28x28 classifier (mnist-classifier for digits, "
                        "fashion-classifier for Fashion-MNIST)")
    p.add_argument("--n", type=int_at_least(1), default=10_000, help="images per side")
    p.add_argument("--metrics", default="fid,kid", help=f"comma-separated subset of {','.join(METRICS)}")
    p.add_argument("--real-split", default="train")
    p.add_argument("--fake-split", default="test", help="split used when --fake is a dataset")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--truncation", type=positive_float, default=None,
                   help="draw the generator's noise from its prior truncated to |z_i| <= T (the truncation trick: "
                        "typical samples for less diversity); recorded in the protocol")
    args = p.parse_args(argv)
    metrics = [m for m in args.metrics.split(",") if m]
    bad = [m for m in metrics if m not in METRICS]
    if bad or not metrics:
        p.error(f"--metrics: invalid {bad or metrics!r} (choose from {', '.join(METRICS)})")
    if args.n < 2:
        p.error("--n must be >= 2")
    from ..data import CorruptDatasetError, DatasetUnavailableError
    from ..metrics.evaluate import evaluate
    from ..metrics.inception import WeightsUnavailableError

    try:  # progress bars go to stderr: stdout carries only the JSON result
        with contextlib.redirect_stdout(sys.stderr):
            result = evaluate(args.real, args.fake, args.network, args.n, metrics, args.real_split,
                              args.fake_split, args.data_dir, truncation=args.truncation)
    except (ValueError, OSError, DatasetUnavailableError, CorruptDatasetError, WeightsUnavailableError) as e:
        print(f"{p.prog}: error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0

