"""Cascading rejection (Park & Shin, 2019): N scores from the discriminator's one feature vector.

A discriminator's score ``<v, w> + b`` reads only the component of its feature vector ``v`` along ``w``;
everything orthogonal to ``w`` is free to differ between real and generated images. Cascading rejection
scores that remainder too:

    ``v_1 = v``,  ``s_k = <v_k, w_k> + b_k``,  ``v_{k+1} = v_k - (<v_k, w_k> / ||w_k||²) w_k``,  ``k = 1..N``

so each score ``s_k`` sees only what the previous directions left over. :class:`CascadingRejection` replaces
the discriminator's ``Dense(1)`` logit layer (it keeps the name ``logit``) and outputs ``(batch, N)``.
Every loss of this library averages over its logits' elements, so each score gets the loss and the N losses
are averaged with equal weights ``1/N`` (the weights of the paper could not be checked offline when this was
written; equal weights are this library's choice). Gradient penalties act on the mean score's gradient.

Under ``--constraint sn`` each ``w_k`` is divided by its norm (a vector's largest singular value, exactly,
where ``SpectralNormalization``'s power iteration only estimates it).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

PACKAGE = "tfgan_zoo"


@keras.saving.register_keras_serializable(package=PACKAGE)
class CascadingRejection(keras.layers.Layer):
    """``v -> (s_1, ..., s_N)`` by the cascade of the module docstring (float32 scores).

    Reads flat features ``v`` of shape ``(batch, d)`` and outputs ``(batch, N)``; its weights are a kernel
    ``(d, N)`` (the directions ``w_k``, Glorot-uniform) and a bias ``(N,)`` (zeros).

    Parameters
    ----------
    scores : int
        Number ``N`` of scores, >= 1 (default 2; 1 is an ordinary ``Dense(1)`` logit).
    spectral_normalize : bool
        Divide each direction ``w_k`` by its Euclidean norm (its exact spectral norm), as ``--constraint sn``
        does; default False.
    ``**kwargs``
        Arguments of ``keras.layers.Layer`` (``name``, ...); ``dtype`` defaults to "float32".

    Examples
    --------
    Three scores from 4 features; the first is the plain logit ``<v, w_1> + b_1``, the second scores what
    ``w_1`` left over:

    >>> import numpy as np
    >>> from tfgan_zoo import nets
    >>> layer = nets.CascadingRejection(scores=3)
    >>> v = np.arange(8, dtype="float32").reshape(2, 4)
    >>> s = np.asarray(layer(v))
    >>> s.shape, s.dtype
    ((2, 3), dtype('float32'))
    >>> w = np.asarray(layer.kernel)
    >>> w.shape
    (4, 3)
    >>> np.allclose(s[:, 0], v @ w[:, 0], atol=1e-5)  # the bias starts at zero
    True
    >>> rest = v - np.outer(v @ w[:, 0] / (w[:, 0] @ w[:, 0]), w[:, 0])
    >>> np.allclose(s[:, 1], rest @ w[:, 1], atol=1e-5)
    True
    """

    def __init__(self, scores: int = 2, spectral_normalize: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if int(scores) < 1:
            raise ValueError(f"cascading rejection needs at least 1 score, got {scores}.")
        self.scores = int(scores)
        self.spectral_normalize = bool(spectral_normalize)

    def build(self, input_shape) -> None:
        d = int(input_shape[-1])
        self.kernel = self.add_weight(name="kernel", shape=(d, self.scores), initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.scores,), initializer="zeros")

    def call(self, v):
        v = ops.cast(v, "float32")
        out = []
        for k in range(self.scores):
            w = self.kernel[:, k]
            if self.spectral_normalize:
                w = w / (ops.sqrt(ops.sum(ops.square(w))) + 1e-12)
            along = ops.matmul(v, w)  # <v_k, w_k>, (batch,)
            out.append(along + self.bias[k])
            v = v - (along / (ops.sum(ops.square(w)) + 1e-12))[:, None] * w[None, :]
        return ops.stack(out, axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.scores)

    def get_config(self) -> dict:
        return {**super().get_config(), "scores": self.scores, "spectral_normalize": self.spectral_normalize}


def score_count(discriminator: keras.Model) -> int:
    """How many cascading-rejection scores ``discriminator`` outputs (1 without a cascade); looks inside
    gradient-normalization wrappers.

    Parameters
    ----------
    discriminator : keras.Model
        A discriminator, possibly wrapped (a wrapper exposing the network as ``inner``, such as
        :class:`tfgan_zoo.constraints.PiecewiseGradientNormalized`).

    Returns
    -------
    int
        The ``scores`` of its :class:`CascadingRejection` layer, or 1 if it has none.

    Examples
    --------
    >>> from tfgan_zoo import nets
    >>> nets.score_count(nets.toy_discriminator(width=4, depth=1, cascade=3))
    3
    >>> nets.score_count(nets.toy_discriminator(width=4, depth=1))
    1
    """
    net = getattr(discriminator, "inner", discriminator)
    return next((layer.scores for layer in getattr(net, "layers", []) if isinstance(layer, CascadingRejection)), 1)
