"""Batch normalizations that put labels or noise into every layer of a generator.

* :class:`ConditionalBatchNorm` (de Vries et al., 2017; the cGAN-with-projection setup of Miyato & Koyama,
  2018): ``y = γ_c · BN(x) + β_c`` with per-class ``γ_c`` (initialised to 1) and ``β_c`` (initialised to 0)
  looked up from the label ``c``; ``BN`` has no affine part of its own.
* :class:`SelfModulatedBatchNorm` (Chen et al., 2019, "On self modulation for GANs"):
  ``y = (1 + γ(z)) · BN(x) + β(z)`` with ``γ, β`` a one-hidden-layer MLP of the noise ``z``
  (32 ReLU units, shared hidden layer per normalization), their output layers initialised to zero so
  that training starts from plain batch norm.

:func:`norm_factory` gives the generator builders one function ``norm(x, name) -> x`` for every batch
normalization, whichever kind is asked.
"""

from __future__ import annotations

from typing import Any, Callable

import keras
import numpy as np
from keras import layers, ops

from ..choices import GENERATOR_NORMS

PACKAGE = "tfgan_zoo"


def batchnorm_affine(bn: layers.BatchNormalization) -> tuple[np.ndarray, np.ndarray]:
    """The inference-mode batch norm ``(x - mean) / sqrt(var + eps) * gamma + beta`` as ``x * scale + shift``:
    ``scale = gamma / sqrt(var + eps)``, ``shift = beta - mean * scale`` (float64 arrays of the layer's size;
    ``gamma`` is 1 and ``beta`` 0 for a layer built without them).

    Parameters
    ----------
    bn : keras.layers.BatchNormalization
        A built batch normalization; its moving statistics are read, not changed.

    Returns
    -------
    tuple of numpy.ndarray
        ``(scale, shift)``, float64, each of the layer's size.

    Examples
    --------
    >>> import numpy as np, keras
    >>> from tfgan_zoo.nets.norms import batchnorm_affine
    >>> bn = keras.layers.BatchNormalization(epsilon=0.0)
    >>> bn.build((None, 2))
    >>> bn.set_weights([np.array([2.0, 1.0]), np.array([0.5, 0.0]), np.array([1.0, -1.0]), np.array([4.0, 1.0])])
    >>> scale, shift = batchnorm_affine(bn)
    >>> scale.tolist(), shift.tolist()
    ([1.0, 1.0], [-0.5, 1.0])
    """
    gamma = np.asarray(bn.gamma, np.float64) if bn.scale else 1.0
    beta = np.asarray(bn.beta, np.float64) if bn.center else 0.0
    scale = gamma / np.sqrt(np.asarray(bn.moving_variance, np.float64) + bn.epsilon)
    return scale, beta - np.asarray(bn.moving_mean, np.float64) * scale


def _per_example(v, x):
    """``(batch, C)`` -> broadcastable against ``x`` of rank 2 or 4."""
    v = ops.cast(v, x.dtype)
    for _ in range(len(x.shape) - 2):
        v = ops.expand_dims(v, 1)
    return v


@keras.saving.register_keras_serializable(package=PACKAGE)
class ConditionalBatchNorm(layers.Layer):
    """``[x, label] -> γ[label] · BN(x) + β[label]`` (module docstring); ``x`` of rank 2 or 4 (channels last).

    Called on ``[x, label]`` with integer labels of shape ``(batch,)`` (or ``(batch, 1)``) in
    ``[0, num_classes)``; returns a tensor of ``x``'s shape.

    Parameters
    ----------
    num_classes : int
        Number of labels (>= 2): the rows of the per-class ``γ`` (initialised to 1) and ``β`` (to 0).
    momentum : float
        Momentum of the batch norm's moving mean and variance (default 0.99, Keras').
    epsilon : float
        Added to the variance in the batch norm (default 1e-3, Keras').
    ``**kwargs``
        Arguments of ``keras.layers.Layer`` (``name``, ``dtype``, ...).
    """

    def __init__(self, num_classes: int, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if int(num_classes) < 2:
            raise ValueError(f"conditional batch norm needs num_classes >= 2, got {num_classes}.")
        self.num_classes, self.momentum, self.epsilon = int(num_classes), float(momentum), float(epsilon)
        self.bn = layers.BatchNormalization(center=False, scale=False, momentum=momentum, epsilon=epsilon,
                                            name="bn", dtype=self.dtype_policy)

    def build(self, input_shape) -> None:
        x_shape = input_shape[0]
        channels = int(x_shape[-1])
        self.bn.build(x_shape)
        self.gamma = self.add_weight(name="gamma", shape=(self.num_classes, channels), initializer="ones")
        self.beta = self.add_weight(name="beta", shape=(self.num_classes, channels), initializer="zeros")

    def call(self, inputs, training: bool = False):
        x, label = inputs
        label = ops.cast(ops.reshape(label, (-1,)), "int32")
        h = self.bn(x, training=training)
        return h * _per_example(ops.take(self.gamma, label, axis=0), h) + _per_example(
            ops.take(self.beta, label, axis=0), h)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes, "momentum": self.momentum,
                "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package=PACKAGE)
class SelfModulatedBatchNorm(layers.Layer):
    """``[x, z] -> (1 + γ(z)) · BN(x) + β(z)`` (module docstring); ``x`` of rank 2 or 4 (channels last).

    Called on ``[x, z]`` with the noise ``z`` of shape ``(batch, latent_dim)``; returns a tensor of ``x``'s
    shape.

    Parameters
    ----------
    hidden : int
        Units of the hidden ReLU layer of the MLP from ``z`` to ``γ`` and ``β`` (default 32).
    momentum : float
        Momentum of the batch norm's moving mean and variance (default 0.99, Keras').
    epsilon : float
        Added to the variance in the batch norm (default 1e-3, Keras').
    ``**kwargs``
        Arguments of ``keras.layers.Layer`` (``name``, ``dtype``, ...).
    """

    def __init__(self, hidden: int = 32, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hidden, self.momentum, self.epsilon = int(hidden), float(momentum), float(epsilon)
        self.bn = layers.BatchNormalization(center=False, scale=False, momentum=momentum, epsilon=epsilon,
                                            name="bn", dtype=self.dtype_policy)
        self.mlp = layers.Dense(self.hidden, activation="relu", name="hidden", dtype=self.dtype_policy)

    def build(self, input_shape) -> None:
        x_shape, z_shape = input_shape
        channels = int(x_shape[-1])
        self.bn.build(x_shape)
        self.mlp.build(z_shape)
        self.to_gamma = layers.Dense(channels, kernel_initializer="zeros", name="gamma", dtype=self.dtype_policy)
        self.to_beta = layers.Dense(channels, kernel_initializer="zeros", name="beta", dtype=self.dtype_policy)
        self.to_gamma.build((None, self.hidden))
        self.to_beta.build((None, self.hidden))

    def call(self, inputs, training: bool = False):
        x, z = inputs
        h = self.bn(x, training=training)
        e = self.mlp(z)
        return h * (1.0 + _per_example(self.to_gamma(e), h)) + _per_example(self.to_beta(e), h)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "hidden": self.hidden, "momentum": self.momentum, "epsilon": self.epsilon}


def norm_factory(kind: str = "batch", label=None, z=None, num_classes: int | None = None) -> Callable:
    """``norm(x, name) -> x`` for the generator builders: plain ``BatchNormalization`` (``"batch"``),
    :class:`ConditionalBatchNorm` on ``label`` (``"cbn"``) or :class:`SelfModulatedBatchNorm` on ``z``
    (``"self-modulation"``).

    Parameters
    ----------
    kind : str
        One of ``GENERATOR_NORMS``: "batch" (default), "cbn" or "self-modulation".
    label : keras.KerasTensor or None
        The generator's int32 label input ``(batch,)``, which "cbn" needs; default None.
    z : keras.KerasTensor or None
        The generator's noise input ``(batch, latent_dim)``, which "self-modulation" needs; default None.
    num_classes : int or None
        Number of labels (>= 2), which "cbn" needs; default None.

    Returns
    -------
    callable
        ``norm(x, name) -> x``: each call makes a new layer named ``name`` and applies it to ``x`` (rank 2 or 4,
        channels last), returning a tensor of ``x``'s shape.

    Raises
    ------
    ValueError
        For an unknown ``kind``, or "cbn" without ``label`` and ``num_classes``, or "self-modulation"
        without ``z``.
    """
    if kind == "batch":
        return lambda x, name: layers.BatchNormalization(name=name)(x)
    if kind == "cbn":
        if label is None or num_classes is None:
            raise ValueError("conditional batch norm needs labels: a conditional generator (concat, projection "
                             "or acgan) with num_classes.")
        return lambda x, name: ConditionalBatchNorm(num_classes, name=name)([x, label])
    if kind == "self-modulation":
        if z is None:
            raise ValueError("self-modulation needs the noise z.")
        return lambda x, name: SelfModulatedBatchNorm(name=name)([x, z])
    raise ValueError(f"Unknown generator norm {kind!r}. Valid: {', '.join(GENERATOR_NORMS)}.")
