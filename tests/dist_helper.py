"""Subprocess side of ``tests/test_distribute.py``.

Distributed runs need a fresh process: logical CPU devices must be configured before
TensorFlow initialises, and a multi-worker strategy configures the runtime when it is
created. Each command prints (or writes) one JSON object for the test to check.

    python tests/dist_helper.py equivalence CASE      # one device vs 2 replicas, step by step (+ a control)
    python tests/dist_helper.py noise                 # per-replica random draws
    python tests/dist_helper.py moments               # batch statistics over 2 replicas vs float64
    python tests/dist_helper.py all                   # all four above in one process (one start-up)
    python tests/dist_helper.py mixed                 # mixed_float16 under 2 replicas
    python tests/dist_helper.py cli WEIGHTS.npz [--cpus 2] [--sgd LR] -- ARGS
                                                      # train.py ARGS, then save the GAN's weights
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

DEVICES = ["/cpu:0", "/cpu:1"]
STEPS = 4

# name -> TrainConfig fields. Between them the cases exercise every term that must be scaled
# and every variable updated inside the step:
# dcgan: batch norm in both networks (synchronized), BCE losses;
# mlp: WGAN-GP (penalty with per-example alpha, n_critic 2), InfoGAN codes and loss, EMA generator
# (a variable assigned inside the step, like the seed state).
# (constraint="sn" also agrees to 1e-7 here but triples the tracing time, so it is left out.)
CASES = {
    "dcgan-nsgan": dict(arch="dcgan", loss="nsgan", d_norm="batch"),
    "mlp-wgangp-infogan": dict(arch="mlp", loss="wgan-gp", n_critic=2, info_categorical=3, info_continuous=2,
                               ema=0.9),
}


def two_cpu_devices() -> None:
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])


_STRATEGY = []


def _mirrored():
    """One MirroredStrategy over the 2 logical CPUs for the whole process: strategies made one after the
    other in one process hand out colliding collective-op instance keys (a shape mismatch at the first
    all-reduce of the second)."""
    if not _STRATEGY:
        _STRATEGY.append(tf.distribute.MirroredStrategy(DEVICES))
    return _STRATEGY[0]


def _images(n=STEPS * 16, shape=(16, 16, 1), seed=0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (n, *shape)).astype("float32")


def _weights(gan) -> dict[str, np.ndarray]:
    """Every variable of the networks (trainable, batch-norm statistics; the EMA generator if any), by path."""
    out = {}
    for net in (gan.generator, gan.discriminator, gan.ema_generator):
        if net is None:
            continue
        for v in net.weights:
            out[f"{net.name}/{v.path}"] = np.asarray(v.numpy())
    return out


def use_sgd(gan, lr: float) -> None:
    """Recompile ``gan`` with SGD. Not Adam: Adam's update hardly changes when every gradient is
    scaled by the same factor, so it would hide a wrong loss scaling; SGD's update is proportional
    to it. Call it in the strategy's scope."""
    import keras

    gan.compile(d_optimizer=keras.optimizers.SGD(lr), g_optimizer=keras.optimizers.SGD(lr))


def _build(case: str, strategy, lr: float, precision: str):
    import keras

    from tfgan_zoo import training
    from tfgan_zoo.config import TrainConfig
    from tfgan_zoo.precision import set_precision

    cfg = TrainConfig(latent_dim=8, batch_size=16, seed=0, precision=precision, **CASES[case])
    set_precision(precision)
    keras.utils.set_random_seed(0)
    with strategy.scope():
        gan = training.build_model(cfg, (16, 16, 1))
        use_sgd(gan, lr)
    return gan


def _batches():
    from tfgan_zoo import data

    return data.load(_images(), batch_size=16, seed=0)


def _state(gan) -> list:
    """Every variable a step reads or writes: weights, BN statistics, EMA, seed state, optimizer iterations."""
    return [*gan.variables, *gan.d_optimizer.variables, *gan.g_optimizer.variables]


def train(case: str, strategy, lr: float = 0.01, precision: str = "float32", return_model: bool = False):
    """Per-step metrics and final weights (and the model) of ``STEPS`` SGD steps of ``case``
    on global batches of 16, built as ``training.run`` builds it."""
    gan = _build(case, strategy, lr, precision)
    # one step per epoch, so the history holds every step's metrics (the trackers reset each epoch)
    hist = gan.fit(_batches().repeat(), epochs=STEPS, steps_per_epoch=1, verbose=0).history
    result = {k: [float(x) for x in v] for k, v in hist.items()}, _weights(gan)
    return (*result, gan) if return_model else result


def train_side_by_side(case: str, strategy, lr: float = 0.01) -> dict:
    """``STEPS`` SGD steps of ``case`` on one device, under ``strategy``, and under ``strategy`` without the
    division of the losses by the number of replicas (the control: what a plain per-replica ``reduce_mean``
    gives), every step from the same state: before each step both replicated models get the one-device
    model's variables. Each compared step is then one step from identical weights on the same batch, so
    differences cannot compound (nor can a unit that rounding put on the other side of its ReLU kink in one
    step move all later steps).

    Returns the per-step metrics of the three and the per-step largest weight difference to one device."""
    from tfgan_zoo import distribute

    models = {"single": _build(case, tf.distribute.get_strategy(), lr, "float32"),
              "mirrored": _build(case, strategy, lr, "float32"), "control": _build(case, strategy, lr, "float32")}
    out = {name: {} for name in models}
    diffs = {"mirrored": [], "control": []}
    share = distribute.replica_share
    for batch in _batches().take(STEPS):
        for name in diffs:
            for a, b in zip(_state(models[name]), _state(models["single"])):
                a.assign(b)
        for name, gan in models.items():
            if name == "control":  # the step is traced at its first fit: without the division
                distribute.replica_share = lambda loss: loss
            try:
                history = gan.fit(tf.data.Dataset.from_tensors(batch), epochs=1, verbose=0).history
            finally:
                distribute.replica_share = share
            for k, v in history.items():
                out[name].setdefault(k, []).append(float(v[-1]))
        single_w = _weights(models["single"])
        for name in diffs:
            diffs[name].append(_max_diffs(single_w, _weights(models[name]))["max_abs"])
    return {"history": out, "weights_per_step": diffs,
            "has_batch_norm": any("moving_" in k for k in single_w)}


def _max_diffs(a: dict, b: dict) -> dict:
    """Max absolute and relative (to max |a|) differences over keys of two dicts of arrays or lists."""
    abs_d = max(float(np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k])))) for k in a)
    scale = max(float(np.max(np.abs(np.asarray(a[k])))) for k in a)
    return {"max_abs": abs_d, "max_rel": abs_d / scale}


def equivalence(case: str) -> dict:
    """One device vs 2 mirrored replicas (and the control), step by step from the same state
    (:func:`train_side_by_side`)."""
    mirrored = _mirrored()
    r = train_side_by_side(case, mirrored)
    h = r["history"]
    return {
        "replicas": mirrored.num_replicas_in_sync,
        "single": h["single"], "mirrored": h["mirrored"], "control": h["control"],
        "weights_per_step": r["weights_per_step"]["mirrored"],
        "control_weights_per_step": r["weights_per_step"]["control"],
        "control_losses": _max_diffs(h["single"], h["control"]),
        "has_batch_norm": r["has_batch_norm"],
    }


def moments() -> dict:
    """Batch variances over 2 replicas (a global batch of 16 split 8 + 8) against float64 truth, for data
    whose mean is large against its spread (100 + 0.01 N(0, 1), as after a ReLU with a large bias):
    ``distribute.global_moments`` (two passes), Keras' ``synchronized=True`` path (E[x^2] - E[x]^2) and
    ``tf.nn.moments`` on one device. Largest relative error of each."""
    from keras.src.backend.tensorflow.nn import moments as keras_moments

    from tfgan_zoo import distribute

    x = (100.0 + 0.01 * np.random.default_rng(0).standard_normal((16, 64))).astype(np.float32)
    truth = x.astype(np.float64).var(0)
    strategy = _mirrored()
    batch = next(iter(strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors(x))))
    out = {}
    for name, fn in (("ours", lambda t: distribute.global_moments(t, [0])),
                     ("keras_synchronized", lambda t: keras_moments(t, [0], synchronized=True))):
        _, var = strategy.run(tf.function(fn), args=(batch,))
        for v in strategy.experimental_local_results(var):  # every replica has the global statistics
            out.setdefault(name, []).append(float(np.max(np.abs(np.asarray(v, np.float64) - truth) / truth)))
    one = np.asarray(tf.nn.moments(tf.constant(x), [0])[1], np.float64)
    out["one_device_tf_nn_moments"] = [float(np.max(np.abs(one - truth) / truth))]
    return out


def noise() -> dict:
    """Draws made inside 2 replicas, next to the same draws made on one device from the same seed."""
    import keras

    from tfgan_zoo import models, penalties
    from tfgan_zoo.models.conditioning import Conditioning

    def tiny_gan():
        g = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])
        d = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        return models.GAN(g, d, seed=7)

    labels = Conditioning("concat", num_classes=10)
    codes = Conditioning("infogan", info_categorical=3, info_continuous=2)
    zeros, ones = tf.zeros((4, 2, 2, 1)), tf.ones((4, 2, 2, 1))
    draws = {  # name -> f(gan, rows): one per kind of random draw of the training step
        "z": lambda gan, n: gan.sample_noise(n),
        "labels": lambda gan, n: labels.sample(n, gan.seed_generator),
        "info_codes": lambda gan, n: codes.codes_vector(codes.sample(n, gan.seed_generator)),
        # with real = 0 and fake = 1 the interpolation is alpha itself
        "gp_alpha": lambda gan, n: penalties._interpolate(zeros[:n], ones[:n], gan.seed_generator)[:, 0, 0, 0],
    }
    # the premise: a mirrored seed generator gives every replica the same plain keras.random draw
    draws["plain_keras_normal"] = lambda gan, n: keras.random.normal((n, 3), seed=gan.seed_generator)
    strategy = _mirrored()
    result = {}
    for name, draw in draws.items():
        gan = tiny_gan()
        single = np.asarray(draw(gan, 4))
        with strategy.scope():
            gan = tiny_gan()
        per_replica = strategy.experimental_local_results(
            tf.function(lambda: strategy.run(draw, args=(gan, 2)))())
        per_replica = [np.asarray(x).tolist() for x in per_replica]
        result[name] = {"single": single.tolist(), "replicas": per_replica}
    return result


def mixed() -> dict:
    """mixed_float16 (LossScaleOptimizer) for a few steps on one device and on 2 replicas."""
    single_hist, _ = train("dcgan-nsgan", tf.distribute.get_strategy(), precision="mixed_float16")
    mirrored_hist, mirrored_w, gan = train("dcgan-nsgan", _mirrored(),
                                           precision="mixed_float16", return_model=True)
    return {"single": single_hist, "mirrored": mirrored_hist, "losses": _max_diffs(single_hist, mirrored_hist),
            "finite_weights": bool(all(np.isfinite(w).all() for w in mirrored_w.values())),
            "optimizers": [type(gan.d_optimizer).__name__, type(gan.g_optimizer).__name__],
            "g_steps": int(gan.g_optimizer.iterations.numpy()),
            "policy": gan.generator.dtype_policy.name}


def cli(weights_path: str, argv: list[str], sgd: float | None = None) -> int:
    """``train.py argv`` in this process, then the trained GAN's weights into ``weights_path``.

    With ``sgd`` both optimizers are replaced by ``SGD(sgd)`` (see :func:`use_sgd`).
    """
    from tfgan_zoo import cli as cli_module
    from tfgan_zoo import training

    built = []
    build_model = training.build_model

    def capture(*args, **kwargs):  # training.run calls it inside the strategy's scope
        gan = build_model(*args, **kwargs)
        if sgd is not None:
            use_sgd(gan, sgd)
        built.append(gan)
        return gan

    training.build_model = capture
    status = cli_module.main(argv)
    if built:
        np.savez(weights_path, **_weights(built[-1]))
    return status


def main(argv: list[str]) -> int:
    command, args = argv[0], argv[1:]
    if command == "cli":  # cli WEIGHTS.npz [--cpus N] [--sgd LR] -- TRAIN.PY ARGS
        split = args.index("--")
        opts = dict(zip(args[1:split:2], args[2:split:2]))
        if int(opts.get("--cpus", 1)) == 2:
            two_cpu_devices()
        sgd = float(opts["--sgd"]) if "--sgd" in opts else None
        return cli(args[0], args[split + 1:], sgd=sgd)
    two_cpu_devices()
    commands = {"equivalence": lambda: equivalence(args[0]), "noise": noise, "mixed": mixed, "moments": moments}
    commands["all"] = lambda: {**{f"equivalence {case}": equivalence(case) for case in CASES},
                               **{name: commands[name]() for name in ("moments", "noise", "mixed")}}
    result = commands[command]()
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
