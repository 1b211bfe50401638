"""Where a GAN step's time goes: FLOPs of a step from TensorFlow's profiler, and timed sub-graphs per layer.

Shared by ``train_step.py``. Two measurements:

* :func:`step_gflop` counts the floating-point operations of one ``train_step`` from its graph
  (TensorFlow's op statistics: convolutions, their two gradients, matmuls, element-wise ops).
  It counts the function, not the implementation: it is taken on the native networks, and the
  same count is used for every implementation of the same step.
* :func:`profile_layers` times each layer of the generator and the discriminator alone as
  ``tf.function`` s on tensors of its input shape: ``forward`` (training mode), ``dx`` (the input
  gradient, timed as forward + dx minus forward) and ``dw`` (the weight gradient, the same way);
  each the fastest of 9 calls.
  The non-saturating step with the generated batch reused runs each generator layer forward,
  dx and dw once, and each discriminator layer forward 3 times (real, generated, generated again
  after the update), dw twice and dx 3 times; the input gradients of the first layers are not
  computed (z and the real images need none; D's first layer has one, for the generator update).
  ``step_ms`` is those counts times the times; its sum over layers against the measured step
  shows how much of the step the layers account for.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf


def step_gflop(step, batch_size: int, image_shape) -> float:
    """GFLOP of one call of ``step`` (e.g. ``gan.train_step``) on ``batch_size`` images, from its graph's op
    statistics."""
    from tensorflow.python.framework import ops as tf_ops

    fn = step if hasattr(step, "get_concrete_function") else tf.function(step)
    graph = fn.get_concrete_function(tf.TensorSpec((batch_size, *image_shape), tf.float32)).graph
    total = 0
    for op in graph.get_operations():
        try:
            total += tf_ops.get_stats_for_node_def(graph, op.node_def, "flops").value or 0
        except (ValueError, KeyError, TypeError):  # ops without a registered count (no arithmetic)
            pass
    return total / 1e9


def _best_ms(fn, x, repeats: int) -> float:
    """The fastest of ``repeats`` calls (noise only adds time; differences of medians wandered by 50%)."""
    fn(x)  # trace
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for v in tf.nest.flatten(fn(x)):
            np.asarray(v)
        times.append(time.perf_counter() - t0)
    return 1000 * min(times)


def _layer_times(layer, shape, batch_size: int, repeats: int) -> tuple[float, float, float]:
    x = tf.random.stateless_normal((batch_size, *shape), seed=(0, 1))
    y = layer(x, training=True)
    dy = tf.random.stateless_normal(tuple(y.shape), seed=(0, 2), dtype=y.dtype)
    weights = layer.trainable_variables

    @tf.function(autograph=False)
    def forward_fn(x):
        return layer(x, training=True)

    def grads(x, with_weights):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
        return y, tape.gradient(y, [x, *weights] if with_weights else [x], output_gradients=dy)

    dx_fn = tf.function(lambda x: grads(x, False), autograph=False)
    dw_fn = tf.function(lambda x: grads(x, True), autograph=False)
    forward = _best_ms(forward_fn, x, repeats)
    with_dx = _best_ms(dx_fn, x, repeats)
    with_dw = _best_ms(dw_fn, x, repeats) if weights else with_dx
    return forward, max(with_dx - forward, 0.0), max(with_dw - with_dx, 0.0)


def profile_layers(generator: keras.Model, discriminator: keras.Model, batch_size: int,
                   repeats: int = 9) -> list[dict]:
    """One row per layer: kind, input shape, forward/dx/dw ms, how often the nsgan step runs each
    (``"forward/dx/dw"``) and the ms that makes in the step (module docstring)."""
    rows = []
    for net, counts in ((generator, (1, 1, 1)), (discriminator, (3, 3, 2))):
        first = True
        for layer in net.layers:
            if isinstance(layer, keras.layers.InputLayer):
                continue
            shape = tuple(layer.input.shape[1:])
            f, dx, dw = _layer_times(layer, shape, batch_size, repeats)
            n_f, n_dx, n_dw = counts
            if first:  # no input gradient for z; D's first layer: for the generator update only
                n_dx = 0 if net is generator else 1
                first = False
            rows.append({"network": "G" if net is generator else "D", "layer": layer.name,
                         "kind": type(layer).__name__, "input": "x".join(str(int(v)) for v in shape),
                         "forward_ms": round(f, 1), "dx_ms": round(dx, 1), "dw_ms": round(dw, 1),
                         "per_step": f"{n_f}/{n_dx}/{n_dw}", "step_ms": round(n_f * f + n_dx * dx + n_dw * dw, 1)})
    return rows
