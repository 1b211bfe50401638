#!/usr/bin/env python3
"""Train-step throughput: our compiled step vs the Keras DCGAN example's step, as a share of the CPU's matmul rate.

Protocol: 28x28x1 DCGAN pair (tfgan_zoo.nets, width 64, latent 100), batch 128,
float32, random real images (throughput does not depend on pixel values).
Every model runs ``--warmup`` steps, then ``--steps`` timed steps; the timed
rounds alternate between all models (``--rounds`` times), each preceded by a
2048x2048 float32 matmul, and the median round is reported, so machine noise hits
all alike.

Reference: the step of keras-io ``dcgan_overriding_train_step.py`` -- one
GradientTape for D on the concatenation of real and generated images (with the
example's label noise), a second tape for G with fresh noise, BCE from logits,
``tf.function`` without XLA -- on networks identical to ours (native layers, as
the example has).

Ours: ``tfgan_zoo.models`` ``train_on_batch`` with the default compile
(``jit_compile="auto"``: XLA on GPUs/TPUs, not on the CPU; generator forward reused
for the G update), each loss with ``n_critic=1`` so that every row does the same
number of updates as the reference, with each transposed-convolution implementation
(``native``, ``subpixel``: see ``tfgan_zoo.nets.subpixel``); plus ``nsgan_xla``, the
default implementation's nsgan step forced through XLA.

Rates: GFLOP per step from TensorFlow's op statistics of the step's graph, taken on
the native networks (the function, not its implementation; ``layer_profile.step_gflop``;
the reference's graph is counted the same way), divided by the step time, as a share of
the GFLOP/s of three matmuls timed just before the model's steps in the same round (the
machine's speed drifts by 10-20% over minutes; adjacent timings cancel most of it); the
median over rounds. ``profile``: timed sub-graphs per
layer for the nsgan step with each implementation (``layer_profile.profile_layers``).

``--networks infogan,sndcgan,dcgan`` measures instead the step of each network as the recipes train it
(batch ``--batch-size``, 64 for the recipes; NS loss; infogan: compare_gan's InfoGAN pair with batch norm
in D and z of 64 (``mnist-lucic``); sndcgan: compare_gan's SN-DCGAN with spectral normalization and z of 128
(``mnist-pagan``); dcgan: the tutorial pair, z of 100) under each configuration: float32 with the native and
the sub-pixel transposed convolutions, float32 through XLA, and ``mixed_bfloat16`` (where the CPU has
AVX512_BF16 or AMX and oneDNN is on; otherwise recorded as skipped with the reason). Rates as above: the
step's GFLOP (op statistics of the float32 native step) per second, as a share of a 2048x2048 matmul of the
step's compute dtype timed just before it in each round (float32, or bfloat16 for ``mixed_bfloat16``), and
the generator iterations per hour.

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

tf.get_logger().setLevel("ERROR")  # the profiler's deprecation notes, retracing notes of the many models

from layer_profile import profile_layers, step_gflop  # noqa: E402
from machine import facts as machine_facts  # noqa: E402
from tfgan_zoo import models, nets  # noqa: E402
from tfgan_zoo.precision import bfloat16_not_native  # noqa: E402

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

    return (lambda x: [float(v) for v in step(x)]), step


def ours_gan(loss, impl, jit="auto"):
    g, d = nets.build("dcgan", SHAPE, LATENT, transpose_impl=impl)
    gan = models.build_gan(loss, g, d, n_critic=1, seed=0)
    gan.compile(jit_compile=jit)
    return gan


def matmul_fn(n=2048, dtype=tf.float32):
    a = tf.cast(tf.random.stateless_normal((n, n), seed=(0, 3)), dtype)
    mm = tf.function(lambda a: tf.matmul(a, a))
    return lambda _: mm(a).numpy(), 2 * n ** 3 / 1e9


def progress(msg: str) -> None:
    """A timestamped line on stderr (the JSON goes to stdout)."""
    print(f"[train_step {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def time_steps(fn, x, steps):
    t0 = time.perf_counter()
    for _ in range(steps):
        fn(x)  # both return host floats: the step has finished
    return (time.perf_counter() - t0) / steps


NETWORKS = {  # name: (nets.build arguments, latent size, GAN keyword arguments) as the recipes train them
    "infogan": (dict(arch="infogan", norm="batch"), 64, dict(prior="uniform")),
    "sndcgan": (dict(arch="sndcgan"), 128, dict(prior="uniform", constraint="sn")),
    "dcgan": (dict(arch="dcgan"), 100, {}),
}
CONFIGS = ("float32/native", "float32/subpixel", "float32/xla", "mixed_bfloat16")


def network_gan(name: str, config: str, default_impl: str):
    """The compiled GAN of ``NETWORKS[name]`` under ``config`` (one of ``CONFIGS``)."""
    build, latent, gan_kwargs = NETWORKS[name]
    precision = "mixed_bfloat16" if config == "mixed_bfloat16" else "float32"
    impl = config.split("/")[1] if config.split("/")[-1] in ("native", "subpixel") else default_impl
    keras.config.set_dtype_policy(precision)
    try:
        keras.utils.set_random_seed(0)
        g, d = nets.build(build["arch"], SHAPE, latent, transpose_impl=impl,
                          **{k: v for k, v in build.items() if k != "arch"})
        gan = models.build_gan("nsgan", g, d, latent_dim=latent, seed=0, **gan_kwargs)
        gan.compile(jit_compile=config == "float32/xla")
    finally:
        keras.config.set_dtype_policy("float32")
    return gan


def networks_main(args) -> dict:
    """``--networks``: the step of each recipe network under each configuration (module docstring)."""
    facts = machine_facts()
    names = args.networks.split(",")
    unknown = [n for n in names if n not in NETWORKS]
    if unknown:
        raise SystemExit(f"unknown network(s) {unknown}; choose from {', '.join(NETWORKS)}")
    default_impl = nets.resolve_transpose_impl("auto")
    skip = bfloat16_not_native()  # why mixed_bfloat16 is not timed here (None: it is)
    configs = [c for c in CONFIGS if c != "mixed_bfloat16" or skip is None]
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (args.batch_size, *SHAPE)).astype("float32"))
    mm = {"float32": matmul_fn(), "bfloat16": matmul_fn(dtype=tf.bfloat16)} if skip is None else \
        {"float32": matmul_fn()}
    fns, gflop = {}, {}
    for name in names:
        for config in configs:
            gan = network_gan(name, config, default_impl)
            if config == "float32/native":
                gflop[name] = step_gflop(gan.train_step, args.batch_size, SHAPE)
            fns[(name, config)] = lambda x, gan=gan: gan.train_on_batch(x, return_dict=True)
            t0 = time.perf_counter()
            for _ in range(args.warmup):
                fns[(name, config)](x)
            progress(f"{name} {config}: built and warmed up ({time.perf_counter() - t0:.0f} s)")
    times = {k: [] for k in fns}
    shares = {k: [] for k in fns}
    for r in range(args.rounds):
        progress(f"round {r + 1} of {args.rounds}")
        for (name, config), fn in fns.items():
            mm_fn, mm_gflop = mm["bfloat16" if config == "mixed_bfloat16" else "float32"]
            rate = mm_gflop / time_steps(mm_fn, x, 3)
            t = time_steps(fn, x, args.steps)
            times[(name, config)].append(t)
            shares[(name, config)].append(gflop[name] / t / rate)
    mm_rates = {k: round(g / statistics.median(time_steps(f, x, 3) for _ in range(3)), 1) for k, (f, g) in mm.items()}
    rows = {}
    for name in names:
        rows[name] = {"gflop_per_step": round(gflop[name], 2)}
        for config in configs:
            t = statistics.median(times[(name, config)])
            rows[name][config] = {"ms_per_step": round(1000 * t, 1), "iterations_per_hour": round(3600 / t),
                                  "gflop_per_s": round(gflop[name] / t, 1),
                                  "share_of_matmul": round(statistics.median(shares[(name, config)]), 3)}
        best = min(configs, key=lambda c: rows[name][c]["ms_per_step"])
        rows[name]["fastest"] = best
    result = {
        "benchmark": "train_step_networks",
        "protocol": {"networks": {n: {"build": NETWORKS[n][0], "latent_dim": NETWORKS[n][1], **NETWORKS[n][2]}
                                  for n in names},
                     "image_shape": list(SHAPE), "loss": "nsgan", "batch_size": args.batch_size, "n_critic": 1,
                     "configs": list(CONFIGS), "steps": args.steps, "warmup": args.warmup, "rounds": args.rounds,
                     "statistic": "median of rounds",
                     "flops": "op statistics of the float32 native step graph",
                     "matmul": "2048x2048 of the step's compute dtype, 3 timed just before each model's steps",
                     "machine": f"{platform.machine()} {os.cpu_count()} cpus", **facts,
                     "tensorflow": tf.__version__, "keras": keras.__version__,
                     "default_transpose_impl": default_impl},
        "matmul_gflop_per_s": mm_rates,
        "mixed_bfloat16": "timed" if skip is None else f"skipped: {skip}",
        "networks": rows,
    }
    print(json.dumps(result, indent=2))
    return result


#: (argument, default, default with --networks, what it is): the loss sweep's protocol, and for --networks the
#: recipes' batch and the protocol of the committed result files
DEFAULTS = (("batch_size", 128, 64, "images a step"), ("steps", 6, 5, "timed steps a round"),
            ("rounds", 5, 3, "rounds, each timing every model in turn"))


def fill_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """Each of ``DEFAULTS`` left unset on the command line takes the default of the mode asked for."""
    for key, default, networks_default, _ in DEFAULTS:
        if getattr(args, key) is None:
            setattr(args, key, networks_default if args.networks else default)
    return args


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for key, default, networks_default, what in DEFAULTS:  # None: fill_defaults picks the mode's default
        p.add_argument("--" + key.replace("_", "-"), type=int, default=None,
                       help=f"{what}: default {default} ({networks_default} with --networks)")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--losses", default="gan,nsgan,lsgan,wgan,wgan-gp,hinge")
    p.add_argument("--impls", default="native,subpixel")
    p.add_argument("--no-profile", dest="profile", action="store_false", help="skip the per-layer profile")
    p.add_argument("--networks", default=None, metavar="NAMES",
                   help=f"time these recipe networks ({', '.join(NETWORKS)}) under {', '.join(CONFIGS)} instead")
    args = fill_defaults(p.parse_args(argv))
    if args.networks:
        return networks_main(args)
    facts = machine_facts()  # before the timed steps: the load at the start
    keras.utils.set_random_seed(0)
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (args.batch_size, *SHAPE)).astype("float32"))
    losses, impls = args.losses.split(","), args.impls.split(",")
    default_impl = nets.resolve_transpose_impl("auto")
    g, d = nets.build("dcgan", SHAPE, LATENT, transpose_impl="native")
    ref_fn, ref_step = reference_step_fn(g, d, LATENT)
    mm_fn, mm_gflop = matmul_fn()
    fns, gflop = {"reference": ref_fn}, {"reference": step_gflop(ref_step, args.batch_size, SHAPE)}
    for impl in impls:
        for loss in losses:
            gan = ours_gan(loss, impl)
            if impl == "native":
                gflop[loss] = step_gflop(gan.train_step, args.batch_size, SHAPE)
            fns[f"{impl}/{loss}"] = lambda x, gan=gan: gan.train_on_batch(x, return_dict=True)
    xla = ours_gan("nsgan", default_impl, jit=True)
    fns["xla/nsgan"] = lambda x: xla.train_on_batch(x, return_dict=True)
    for fn in fns.values():
        for _ in range(args.warmup):
            fn(x)
    mm_fn(x)
    times = {k: [] for k in fns}
    mm_times = {k: [] for k in fns}  # the matmul timed just before each model's steps, every round
    for _ in range(args.rounds):
        for k, fn in fns.items():
            mm_times[k].append(time_steps(mm_fn, x, 3))
            times[k].append(time_steps(fn, x, args.steps))
    step_s = {k: statistics.median(v) for k, v in times.items()}
    matmul_rate = mm_gflop / statistics.median([t for v in mm_times.values() for t in v])
    ref_s = step_s["reference"]

    def share(key, loss):
        """Median over rounds of (the step's GFLOP/s) / (the matmul's GFLOP/s just before it)."""
        return statistics.median(gflop[loss] / t / (mm_gflop / m) for t, m in zip(times[key], mm_times[key]))

    result = {
        "benchmark": "train_step",
        "protocol": {"network": "dcgan 28x28x1 width 64", "latent_dim": LATENT, "batch_size": args.batch_size,
                     "precision": "float32", "n_critic": 1, "steps": args.steps, "rounds": args.rounds,
                     "statistic": "median of rounds", "flops": "op statistics of the step graph (native networks)",
                     "matmul": "2048x2048 float32, 3 timed just before each model's steps in every round",
                     "share_of_matmul": "median over rounds of step GFLOP/s over the adjacent matmul's GFLOP/s",
                     "machine": f"{platform.machine()} {os.cpu_count()} cpus", **facts,
                     "tensorflow": tf.__version__,
                     "keras": keras.__version__, "default_transpose_impl": default_impl},
        "matmul_gflop_per_s": round(matmul_rate, 1),
        "gflop_per_step": {k: round(v, 2) for k, v in gflop.items()},
        "reference": {"ms_per_step": round(1000 * ref_s, 1), "images_per_s": round(args.batch_size / ref_s, 1),
                      "share_of_matmul": round(share("reference", "reference"), 3)},
        "ms_per_step": {impl: {loss: round(1000 * step_s[f"{impl}/{loss}"], 1) for loss in losses} for impl in impls},
        "share_of_matmul": {impl: {loss: round(share(f"{impl}/{loss}", loss), 3) for loss in losses}
                            for impl in impls},
        # the same algorithm as the reference (BCE, non-saturating G loss), default compile
        "speedup_vs_reference": {impl: {loss: round(ref_s / step_s[f"{impl}/{loss}"], 3) for loss in losses}
                                 for impl in impls},
        "xla_nsgan": {"transpose_impl": default_impl, "ms_per_step": round(1000 * step_s["xla/nsgan"], 1)},
    }
    if "native" in impls and "subpixel" in impls:
        result["subpixel_speedup"] = {loss: round(step_s[f"native/{loss}"] / step_s[f"subpixel/{loss}"], 3)
                                      for loss in losses}
    if args.profile and "nsgan" in losses:
        result["profile"] = {}
        for impl in impls:
            g, d = nets.build("dcgan", SHAPE, LATENT, transpose_impl=impl)
            rows = profile_layers(g, d, args.batch_size)
            total = sum(r["step_ms"] for r in rows)
            result["profile"][impl] = {"layers_ms": round(total, 1),
                                       "measured_step_ms": round(1000 * step_s[f"{impl}/nsgan"], 1),
                                       "layers": rows}
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
