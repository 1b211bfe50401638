#!/usr/bin/env python3
"""Train-step throughput: our compiled step vs the Keras DCGAN example's step.

Protocol: 28x28x1 DCGAN pair (tfgan_zoo.nets, width 64, latent 100), batch 128,
float32, random real images (throughput does not depend on pixel values).
Every model runs ``--warmup`` steps, then ``--steps`` timed steps; the timed
rounds alternate between the reference and our steps (``--rounds`` times) and
the median round is reported, so machine noise hits both alike.

Reference: the step of keras-io ``dcgan_overriding_train_step.py`` -- one
GradientTape for D on the concatenation of real and generated images (with the
example's label noise), a second tape for G with fresh noise, BCE from logits,
``tf.function`` without XLA -- on networks identical to ours.

Ours: ``tfgan_zoo.models`` ``train_on_batch`` with the default compile
(``jit_compile="auto"``: XLA on GPUs/TPUs, not on the CPU; generator forward reused
for the G update), each loss with ``n_critic=1`` so that every row does the same
number of updates as the reference; plus ``nsgan_xla``, the same step forced
through XLA.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfgan_zoo import models, nets  # noqa: E402
from machine import cpu_description, load_average  # noqa: E402

SHAPE, LATENT = (28, 28, 1), 100


def reference_step_fn(g, d, latent_dim):
    """The keras-io DCGAN example's train_step, as a plain tf.function (no XLA)."""
    d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_opt.build(d.trainable_variables)
    g_opt.build(g.trainable_variables)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function(jit_compile=False)
    def step(real):
        batch = tf.shape(real)[0]
        z = tf.random.normal((batch, latent_dim))
        generated = g(z, training=True)
        combined = tf.concat([generated, real], axis=0)
        labels = tf.concat([tf.ones((batch, 1)), tf.zeros((batch, 1))], axis=0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))
        with tf.GradientTape() as tape:
            d_loss = bce(labels, d(combined, training=True))
        grads = tape.gradient(d_loss, d.trainable_variables)
        d_opt.apply(grads, d.trainable_variables)
        z = tf.random.normal((batch, latent_dim))
        misleading = tf.zeros((batch, 1))
        with tf.GradientTape() as tape:
            g_loss = bce(misleading, d(g(z, training=True), training=True))
        grads = tape.gradient(g_loss, g.trainable_variables)
        g_opt.apply(grads, g.trainable_variables)
        return d_loss, g_loss

    return lambda x: [float(v) for v in step(x)]


def ours_step_fn(loss, jit="auto"):
    g, d = nets.build("dcgan", SHAPE, LATENT)
    gan = models.build_gan(loss, g, d, n_critic=1, seed=0)
    gan.compile(jit_compile=jit)
    return lambda x: gan.train_on_batch(x, return_dict=True)


def time_steps(fn, x, steps):
    t0 = time.perf_counter()
    for _ in range(steps):
        fn(x)  # both return host floats: the step has finished
    return (time.perf_counter() - t0) / steps


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--losses", default="gan,nsgan,lsgan,wgan,wgan-gp,hinge")
    args = p.parse_args(argv)
    keras.utils.set_random_seed(0)
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (args.batch_size, *SHAPE)).astype("float32"))
    losses = args.losses.split(",")
    g, d = nets.build("dcgan", SHAPE, LATENT)
    fns = {"reference": reference_step_fn(g, d, LATENT)}
    fns.update({f"ours_{loss}": ours_step_fn(loss) for loss in losses})
    fns["ours_nsgan_xla"] = ours_step_fn("nsgan", jit=True)
    for fn in fns.values():
        for _ in range(args.warmup):
            fn(x)
    times = {k: [] for k in fns}
    for _ in range(args.rounds):
        for k, fn in fns.items():
            times[k].append(time_steps(fn, x, args.steps))
    ips = {k: args.batch_size / statistics.median(v) for k, v in times.items()}
    ref = ips["reference"]
    result = {
        "benchmark": "train_step",
        "protocol": {"network": "dcgan 28x28x1 width 64", "latent_dim": LATENT, "batch_size": args.batch_size,
                     "precision": "float32", "n_critic": 1, "steps": args.steps, "rounds": args.rounds,
                     "statistic": "median of rounds", "machine": f"{platform.machine()} {os.cpu_count()} cpus", "cpu": cpu_description(), "load_average_at_start": load_average(),
                     "tensorflow": tf.__version__, "keras": keras.__version__},
        "reference_images_per_s": round(ref, 1),
        "images_per_s": {k[5:]: round(v, 1) for k, v in ips.items() if k.startswith("ours_")},
        # the same algorithm as the reference (BCE, non-saturating G loss), default compile
        "speedup": round(ips["ours_nsgan"] / ref, 3) if "ours_nsgan" in ips else None,
        "speedup_by_loss": {k[5:]: round(v / ref, 3) for k, v in ips.items() if k.startswith("ours_")},
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
