#!/usr/bin/env python3
"""Step time of the DCGAN pair per generator upsampling: transposed convolutions against a resize + convolution.

    python benchmarks/upsample_step.py --batch-size 32 --rounds 6 --steps 20
    ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/upsample_step.py     # oneDNN's AVX2 kernels on an AVX-512 CPU

Protocol: one process builds the DCGAN pair (28x28x1, z 100) once per ``--upsample`` choice (``transpose``, the
default 4x4 stride-2 transposed convolutions; ``bilinear-conv`` and ``nearest-conv``, a 2x resize and a 3x3
convolution, Odena et al. 2016) under the LSGAN loss, warms each up, then times ``--rounds`` rounds in which every
variant runs ``--steps`` training steps on one fixed batch in turn (ABCABC...), so that load from other processes
falls on all of them alike. Reported: the median milliseconds per step of each variant and its ratio to
``transpose`` (the reference in the same run). Prints one JSON object with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from machine import facts as machine_facts  # noqa: E402

UPSAMPLINGS = ("transpose", "bilinear-conv", "nearest-conv")


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--steps", type=int, default=20, help="steps per variant per round")
    p.add_argument("--warmup", type=int, default=5)
    a = p.parse_args(argv)
    machine = machine_facts()
    import keras
    import numpy as np
    import tensorflow as tf

    from tfgan_zoo import models, nets

    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (a.batch_size, 28, 28, 1)).astype("float32"))
    gans: dict = {}
    for up in UPSAMPLINGS:
        keras.utils.set_random_seed(0)
        g, d = nets.build("dcgan", (28, 28, 1), 100, upsample=up)
        gan = models.build_gan("lsgan", g, d, latent_dim=100, seed=0)
        gan.compile()
        for _ in range(a.warmup):
            gan.train_on_batch(x)
        gans[up] = gan
    rounds: dict[str, list[float]] = {k: [] for k in gans}
    for _ in range(a.rounds):
        for k, gan in gans.items():
            t = time.perf_counter()
            for _ in range(a.steps):
                gan.train_on_batch(x)
            rounds[k].append((time.perf_counter() - t) / a.steps * 1000)
    med = {k: statistics.median(v) for k, v in rounds.items()}
    result = {"benchmark": "upsample_step", "protocol": __doc__.split("Protocol: ", 1)[1].split("\n\n")[0]
              .replace("\n", " "), "batch_size": a.batch_size, "rounds": a.rounds, "steps_per_round": a.steps,
              "loss": "lsgan", "machine": machine,
              "ms_per_step_median": {k: round(v, 2) for k, v in med.items()},
              "ratio_to_transpose": {k: round(v / med["transpose"], 3) for k, v in med.items()},
              "rounds_ms": {k: [round(t, 2) for t in v] for k, v in rounds.items()}}
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
