"""Layers that let the discriminator look at the whole minibatch, against mode collapse.

Both take the trunk's flat features ``f`` of shape ``(n, A)`` and append features computed across the
batch, so a discriminator can tell a batch of near-copies (a collapsed generator) from a varied one. The
discriminator sees real and generated batches in separate calls, so the statistics are never mixed.

* :class:`MinibatchDiscrimination` (Salimans et al., 2016): ``M = f T`` with ``T`` of shape ``(A, B, C)``,
  ``c_b(i, j) = exp(-||M_ib - M_jb||_1)``, ``o(i)_b = sum_j c_b(i, j)`` (over the whole batch, ``j = i``
  included, as in the paper's formula); output ``[f, o]`` of width ``A + B``.
* :class:`MinibatchStdDev` (Karras et al., 2018, ProGAN): the batch is split into groups of ``group_size``
  (sample ``i`` in group ``i mod (n / G)``, as ProGAN's reshape does), each feature's standard deviation
  over its group is averaged into one number per group, appended to every sample of the group; output width
  ``A + 1``. A batch that ``group_size`` does not divide is one group.
"""

from __future__ import annotations

import keras
import tensorflow as tf

PACKAGE = "tfgan_zoo"


@keras.saving.register_keras_serializable(package=PACKAGE)
class MinibatchDiscrimination(keras.layers.Layer):
    """Salimans et al. (2016)'s minibatch discrimination (module docstring); ``kernels`` = B, ``kernel_dim`` = C.

    Maps features ``(n, A)`` to ``(n, A + B)``; its weight ``T`` (stored as ``(A, B C)``) starts from
    N(0, 0.02).

    Parameters
    ----------
    kernels : int
        ``B``, the number of kernels, i.e. of appended features (>= 1, default 100).
    kernel_dim : int
        ``C``, the dimension of each kernel's projection ``M_ib`` (>= 1, default 5).
    ``**kwargs``
        Arguments of ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Examples
    --------
    Three kernels append three features; in a batch of 4 identical samples every ``c_b(i, j)`` is
    ``exp(0) = 1``, so each appended feature is the batch size:

    >>> import numpy as np
    >>> from tfgan_zoo import nets
    >>> layer = nets.MinibatchDiscrimination(kernels=3, kernel_dim=2)
    >>> out = np.asarray(layer(np.ones((4, 5), "float32")))
    >>> out.shape
    (4, 8)
    >>> np.allclose(out[:, :5], 1.0), np.allclose(out[:, 5:], 4.0)
    (True, True)
    """

    def __init__(self, kernels: int = 100, kernel_dim: int = 5, **kwargs) -> None:
        super().__init__(**kwargs)
        if int(kernels) < 1 or int(kernel_dim) < 1:
            raise ValueError(f"minibatch discrimination needs B, C >= 1, got B={kernels}, C={kernel_dim}.")
        self.kernels, self.kernel_dim = int(kernels), int(kernel_dim)

    def build(self, input_shape) -> None:
        self.t = self.add_weight(name="T", shape=(int(input_shape[-1]), self.kernels * self.kernel_dim),
                                 initializer=keras.initializers.RandomNormal(stddev=0.02))

    def call(self, f):
        m = tf.reshape(tf.matmul(f, tf.cast(self.t, f.dtype)), (-1, self.kernels, self.kernel_dim))  # (n, B, C)
        l1 = tf.reduce_sum(tf.abs(m[:, None] - m[None]), axis=-1)  # (n, n, B)
        o = tf.reduce_sum(tf.exp(-l1), axis=1)  # (n, B)
        return tf.concat([f, o], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], int(input_shape[-1]) + self.kernels)

    def get_config(self) -> dict:
        return {**super().get_config(), "kernels": self.kernels, "kernel_dim": self.kernel_dim}


@keras.saving.register_keras_serializable(package=PACKAGE)
class MinibatchStdDev(keras.layers.Layer):
    """ProGAN's minibatch standard deviation feature (module docstring).

    Maps features ``(n, A)`` to ``(n, A + 1)``; no weights.

    Parameters
    ----------
    group_size : int
        ``G``, the samples per group (>= 2, default 4, ProGAN's). A batch smaller than ``G`` is one group; a
        batch that ``G`` does not divide is one group too.
    epsilon : float
        Added to each variance before its square root (default 1e-8).
    ``**kwargs``
        Arguments of ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Examples
    --------
    Groups of 2 in a batch of 4: samples 0 and 2 form one group (standard deviations 1 and 2, mean 1.5),
    samples 1 and 3 the other (identical, so ``sqrt(epsilon) = 1e-4``):

    >>> import numpy as np
    >>> from tfgan_zoo import nets
    >>> f = np.array([[0, 0], [1, 1], [2, 4], [1, 1]], "float32")
    >>> out = np.asarray(nets.MinibatchStdDev(group_size=2)(f))
    >>> out.shape  # one channel more
    (4, 3)
    >>> np.round(out[:, -1].astype("float64"), 4).tolist()
    [1.5, 0.0001, 1.5, 0.0001]
    """

    def __init__(self, group_size: int = 4, epsilon: float = 1e-8, **kwargs) -> None:
        super().__init__(**kwargs)
        if int(group_size) < 2:
            raise ValueError(f"group_size must be >= 2 (a standard deviation needs 2 samples), got {group_size}.")
        self.group_size, self.epsilon = int(group_size), float(epsilon)

    def call(self, f):
        n = tf.shape(f)[0]
        g = tf.minimum(self.group_size, n)
        g = tf.where(tf.equal(n % g, 0), g, n)
        y = tf.reshape(tf.cast(f, tf.float32), (g, -1, tf.shape(f)[-1]))  # (G, n/G, A)
        sd = tf.sqrt(tf.reduce_mean(tf.square(y - tf.reduce_mean(y, axis=0)), axis=0) + self.epsilon)  # (n/G, A)
        s = tf.tile(tf.reduce_mean(sd, axis=-1, keepdims=True), (g, 1))  # (n, 1), sample i gets group i mod n/G
        return tf.concat([f, tf.cast(s, f.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], int(input_shape[-1]) + 1)

    def get_config(self) -> dict:
        return {**super().get_config(), "group_size": self.group_size, "epsilon": self.epsilon}


def minibatch_features(features, discrimination: tuple[int, int] | None = None, stddev: int = 0):
    """Apply the chosen minibatch layers to flat ``features`` (discrimination first, then the stddev).

    Parameters
    ----------
    features : keras.KerasTensor
        The discriminator trunk's flat features ``(n, A)``.
    discrimination : tuple (int, int) or None
        ``(B, C)``: ``kernels`` and ``kernel_dim`` of a :class:`MinibatchDiscrimination` layer (named
        ``"minibatch_discrimination"``); None or empty (default): no such layer.
    stddev : int
        ``G``: ``group_size`` of a :class:`MinibatchStdDev` layer (named ``"minibatch_stddev"``, ``G >= 2``);
        0 (default): no such layer.

    Returns
    -------
    keras.KerasTensor
        ``(n, A + B + 1)`` with both layers, ``(n, A + B)`` or ``(n, A + 1)`` with one; ``features`` itself
        with neither.

    Examples
    --------
    >>> import keras
    >>> from tfgan_zoo.nets.minibatch import minibatch_features
    >>> features = keras.Input((16,))
    >>> tuple(minibatch_features(features, discrimination=(5, 3), stddev=4).shape)  # 16 + 5 + 1
    (None, 22)
    >>> minibatch_features(features) is features
    True
    """
    if discrimination:
        features = MinibatchDiscrimination(*discrimination, name="minibatch_discrimination")(features)
    if stddev:
        features = MinibatchStdDev(stddev, name="minibatch_stddev")(features)
    return features
