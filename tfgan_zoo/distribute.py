"""Training on several devices (``MirroredStrategy``) or machines (``MultiWorkerMirroredStrategy``).

Data parallelism keeps one copy of the model per device ("replica"); every replica
trains on its share of the *global* batch and the optimizers sum the replicas'
gradients (Keras 3: ``_all_reduce_sum_gradients``) before one synchronous update.
The contract of this module is that such a step equals a single-device step on the
global batch:

* **Losses**: every loss of the GAN step is a mean over the replica's examples, so each
  replica's loss is divided by the number of replicas (:func:`replica_share`) before
  differentiation: the summed gradient is then the gradient of the global-batch mean.
  This covers the discriminator and generator losses, penalties and auxiliary
  (AC-GAN, InfoGAN) losses, which are all added before the division. Reported metrics
  use the undivided per-replica means; Keras averages them over replicas, which is the
  global-batch mean since every replica gets the same number of examples.
* **Noise**: a ``keras.random.SeedGenerator`` is mirrored, so all replicas would draw
  the *same* noise. :func:`replica_rows` draws the noise for the global batch from the
  shared seed and keeps this replica's rows: replicas get different noise, and
  together exactly the noise a single device would draw.
* **Batch normalization** statistics are per replica unless the layers are
  synchronized (:func:`synchronize_batch_norm`, applied by :func:`tfgan_zoo.training.build_model`).
* **Data**: Keras splits every global batch of a ``tf.data`` pipeline between the
  replicas; across workers the pipeline is auto-sharded (every worker builds the same
  seeded pipeline, so the shards are disjoint).
* **Files**: only the chief writes a run's outputs; other workers run the same
  callbacks (saving can need collective ops) into a temporary folder
  (:func:`worker_output_dir`).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import types
import warnings
from typing import Callable, Sequence

import keras
import tensorflow as tf

from .choices import STRATEGIES

__all__ = ["make_strategy", "num_replicas", "check_global_batch", "replica_share", "replica_rows",
           "step_logs", "global_moments", "synchronize_batch_norm", "is_chief", "worker_output_dir",
           "remove_worker_output_dir",
           "STRATEGIES"]


def make_strategy(name: str = "default", devices: Sequence[str] | None = None) -> tf.distribute.Strategy:
    """The ``tf.distribute`` strategy called ``name`` (one of ``STRATEGIES``).

    Parameters
    ----------
    name : {"default", "mirrored", "multiworker"}
        ``default``: no distribution (TensorFlow's default strategy, one device).
        ``mirrored``: one replica per local GPU, or per logical CPU device when there is
        no GPU (a CPU is one device unless split with
        ``tf.config.set_logical_device_configuration``).
        ``multiworker``: ``MultiWorkerMirroredStrategy`` over the cluster in the
        ``TF_CONFIG`` environment variable. Create it before any other TensorFlow
        call of the process (it configures the collective ops of the runtime).
    devices : sequence of str, optional
        The devices of ``mirrored`` (default: as above).

    Returns
    -------
    tf.distribute.Strategy
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        if devices is None:
            devices = [d.name for d in tf.config.list_logical_devices("GPU")] or \
                      [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=list(devices))
    if name == "multiworker":
        if devices is not None:
            raise ValueError("devices applies to the mirrored strategy only; a multiworker strategy uses "
                             "each worker's GPUs (or its CPU).")
        if "TF_CONFIG" not in os.environ:
            warnings.warn("TF_CONFIG is not set: the multiworker strategy runs as a single worker.",
                          stacklevel=2)
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"Unknown strategy {name!r}. Valid strategies: {', '.join(STRATEGIES)}.")


def num_replicas(strategy: tf.distribute.Strategy | None = None) -> int:
    """Replicas in sync of ``strategy`` (default: the strategy in scope; 1 outside any scope)."""
    return int((strategy or tf.distribute.get_strategy()).num_replicas_in_sync)


def check_global_batch(batch_size: int, strategy: tf.distribute.Strategy | None = None) -> int:
    """The per-replica batch of a global ``batch_size``.

    Raises
    ------
    ValueError
        If ``batch_size`` is not a multiple of the number of replicas (the replicas
        must get equal shares for the losses to be global-batch means).
    """
    n = num_replicas(strategy)
    if batch_size % n:
        lower, upper = (batch_size // n) * n, (batch_size // n + 1) * n
        options = f"{lower} or {upper}" if lower else f"{upper}"
        raise ValueError(
            f"The global batch size {batch_size} (--batch-size) must be divisible by the {n} replicas "
            f"(each replica trains on an equal share); use {options}."
        )
    return batch_size // n


def _replica_context() -> tuple[int, tf.Tensor | int]:
    """``(replicas in sync, this replica's id)`` in a replica context; ``(1, 0)`` elsewhere."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None:  # cross-replica context: code here sees the whole batch
        return 1, 0
    n = int(ctx.num_replicas_in_sync)
    return n, (ctx.replica_id_in_sync_group if n > 1 else 0)


def replica_share(loss: tf.Tensor) -> tf.Tensor:
    """This replica's share of a global-batch mean: ``loss / replicas in sync``.

    ``loss`` must be the mean over the replica's examples. The optimizers sum the
    replicas' gradients, so the update is then the gradient of the mean over the global
    batch. Without a strategy (one replica) ``loss`` is returned as it is.
    """
    n, _ = _replica_context()
    if n == 1:
        return loss
    return loss * tf.cast(1.0 / n, loss.dtype)


def replica_rows(draw: Callable[[tf.Tensor | int], tf.Tensor], rows: tf.Tensor | int) -> tf.Tensor:
    """This replica's ``rows`` rows of a random draw made for the whole global batch.

    ``draw(n)`` must return ``n`` rows (e.g. ``lambda n: keras.random.normal((n, 8), seed=sg)``).
    In a replica context with ``k`` replicas it is called with ``k * rows`` and replica ``i``
    keeps rows ``[i * rows, (i + 1) * rows)``: a mirrored seed generator gives every
    replica the same draw, so slicing it gives the replicas different rows and, together,
    exactly what one device would draw for the global batch. Without a strategy it
    returns ``draw(rows)``.
    """
    n, replica = _replica_context()
    if n == 1:
        return draw(rows)
    full = draw(rows * n)
    return full[replica * rows:(replica + 1) * rows]


def num_workers(strategy: tf.distribute.Strategy) -> int:
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return 1
    spec = resolver.cluster_spec().as_dict()
    return max(1, len(spec.get("chief", [])) + len(spec.get("worker", [])))


def step_logs(logs: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """The scalar metrics a ``train_step`` returns, shaped so that ``fit`` can reduce them.

    With several workers, Keras 3 (up to at least 3.15) reduces the replicas' step outputs
    with ``strategy.reduce("MEAN", v, axis=0)``, which fails on scalars ("Invalid
    reduction dimension 0 for input with 0 dimensions", tensorflow/tensorflow#72388).
    There each value is returned with shape ``(1,)``, which that reduction turns back into
    the scalar mean over replicas. Elsewhere ``logs`` is returned unchanged.
    """
    strategy = tf.distribute.get_strategy()
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or num_workers(strategy) < 2:
        return logs
    return {k: tf.reshape(v, [1]) for k, v in logs.items()}


def global_moments(x: tf.Tensor, axes: Sequence[int]) -> tuple[tf.Tensor, tf.Tensor]:
    """Mean and variance of ``x`` over ``axes`` and over all replicas, computed as one device computes them.

    Two passes, each an all-reduce of partial sums: the mean ``m = sum(x) / n``, then the variance
    ``sum((x - m)^2) / n`` (with ``m`` held constant for the gradient, as ``tf.nn.moments`` does).
    Keras' own ``synchronized=True`` path takes one pass, ``E[x^2] - E[x]^2``: equal in exact
    arithmetic, but in float32 it cancels catastrophically when ``|mean|`` is large against the
    spread (its error is about ``2^-24 E[x^2]``), and a 2-replica DCGAN run drifted 7.3e-4 away from
    the one-device run within 4 SGD steps on a CPU without AVX-512 (see ``tests/test_distribute.py``).
    With this, a replicated step differs from a one-device step by summation order only.
    Outside a replica context, or with one replica, it is exactly ``tf.nn.moments``.
    """
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return tf.nn.moments(x, axes)
    count = tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), list(axes))), x.dtype)
    count = ctx.all_reduce(tf.distribute.ReduceOp.SUM, count)
    mean = ctx.all_reduce(tf.distribute.ReduceOp.SUM, tf.reduce_sum(x, axes, keepdims=True)) / count
    deviations = tf.reduce_sum(tf.math.squared_difference(x, tf.stop_gradient(mean)), axes, keepdims=True)
    variance = ctx.all_reduce(tf.distribute.ReduceOp.SUM, deviations) / count
    return tf.squeeze(mean, axes), tf.squeeze(variance, axes)


def _global_batch_moments(layer: keras.layers.BatchNormalization, inputs, mask):
    if mask is not None:  # masked inputs (sequences): Keras' own computation
        return type(layer)._moments(layer, inputs, mask)
    return global_moments(inputs, layer._reduction_axes)


def synchronize_batch_norm(*models: keras.Model) -> int:
    """Make every ``BatchNormalization`` layer of ``models`` compute its batch statistics over
    all replicas, so that they are those of the global batch, computed as one device would
    (:func:`global_moments`; the layers also get ``synchronized=True`` in their config).

    Call it before the models are first called in training. Outside a replica context and
    with one replica the layers compute exactly what ordinary ones do. The computation is set
    on the layer objects, not saved with them: a model loaded from a file is switched again by
    :func:`tfgan_zoo.training.build_model` (as resuming does).

    Returns
    -------
    int
        How many layers were switched.
    """
    switched = 0
    for model in models:
        for layer in model._flatten_layers(include_self=False, recursive=True):
            if isinstance(layer, keras.layers.BatchNormalization) and not layer.synchronized:
                layer.synchronized = True
                layer._moments = types.MethodType(_global_batch_moments, layer)
                switched += 1
    return switched


def _task(strategy: tf.distribute.Strategy) -> tuple[str | None, int]:
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return None, 0
    return resolver.task_type, int(resolver.task_id or 0)


def is_chief(strategy: tf.distribute.Strategy | None = None) -> bool:
    """Whether this process writes the run's outputs: always, except for the workers of a
    multi-worker cluster other than the chief (task ``chief``, else ``worker`` 0)."""
    strategy = strategy or tf.distribute.get_strategy()
    task_type, task_id = _task(strategy)
    if task_type is None or task_type == "chief":
        return True
    has_chief = "chief" in strategy.cluster_resolver.cluster_spec().as_dict()
    return task_type == "worker" and task_id == 0 and not has_chief


def worker_output_dir(out: str, strategy: tf.distribute.Strategy | None = None) -> str:
    """``out`` for the chief; for any other worker a new temporary folder, removed when the
    process exits (or earlier with :func:`remove_worker_output_dir`), so that two workers
    never write the same file even on a shared filesystem."""
    strategy = strategy or tf.distribute.get_strategy()
    if is_chief(strategy):
        return out
    task_type, task_id = _task(strategy)
    path = tempfile.mkdtemp(prefix=f"tfgan_zoo_{task_type}{task_id}_")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def remove_worker_output_dir(path: str, out: str) -> None:
    """Remove ``path`` if it is a worker's temporary folder (not the run's folder ``out``)."""
    if os.path.abspath(path) != os.path.abspath(out):
        shutil.rmtree(path, ignore_errors=True)
