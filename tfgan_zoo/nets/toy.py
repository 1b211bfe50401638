"""The networks of the 2-D mode-collapse benchmark (PacGAN, Lin et al. 2018; after VEEGAN's).

* Generator: ``z`` (latent 2) -> 4 x [Dense(400) -> BatchNorm -> ReLU] -> Dense(2), linear output
  (the mixtures' modes lie outside [-1, 1]).
* Discriminator: 3 x Maxout(200 units, 5 pieces) -> Dense(1) logit. ``pack = m`` makes it PacGAN's
  packed discriminator: it takes ``m`` samples concatenated (input ``2 m``); the models'
  ``pack`` option feeds it (issue 13, not yet).
"""

from __future__ import annotations

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class Maxout(layers.Layer):
    """``max_k (x W_k + b_k)`` over ``pieces`` affine maps to ``units`` outputs (Goodfellow et al., 2013).

    ``(batch, d) -> (batch, units)``; the affine maps are one ``Dense(units * pieces)`` layer.

    Parameters
    ----------
    units : int
        Number of outputs (>= 1).
    pieces : int
        Number of affine maps each output is the maximum of (>= 1, default 5).
    ``**kwargs``
        Arguments of ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Examples
    --------
    Each of the 3 outputs is the largest of its 2 pieces of the inner ``Dense(6)``:

    >>> import numpy as np
    >>> from tfgan_zoo import nets
    >>> layer = nets.Maxout(3, pieces=2)
    >>> x = np.linspace(-1, 1, 10, dtype="float32").reshape(2, 5)
    >>> out = np.asarray(layer(x))
    >>> out.shape
    (2, 3)
    >>> h = np.asarray(layer.dense(x))
    >>> h.shape
    (2, 6)
    >>> np.allclose(out, h.reshape(2, 3, 2).max(axis=-1))
    True
    """

    def __init__(self, units: int, pieces: int = 5, **kwargs):
        super().__init__(**kwargs)
        if int(units) < 1 or int(pieces) < 1:
            raise ValueError(f"Maxout needs units >= 1 and pieces >= 1, got {units} and {pieces}.")
        self.units, self.pieces = int(units), int(pieces)
        self.dense = layers.Dense(self.units * self.pieces, name="affine", dtype=self.dtype_policy)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, x):
        h = self.dense(x)
        return keras.ops.max(keras.ops.reshape(h, (-1, self.units, self.pieces)), axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "pieces": self.pieces}


def toy_generator(latent_dim: int = 2, data_dim: int = 2, width: int = 400, depth: int = 4) -> keras.Model:
    """``z -> depth x [Dense(width) -> BatchNorm -> ReLU] -> Dense(data_dim)`` (float32, linear).

    Parameters
    ----------
    latent_dim : int
        Size of the noise vector ``z`` (default 2, PacGAN's).
    data_dim : int
        Dimension of the generated samples (default 2: points of the plane).
    width : int
        Units of each hidden dense layer (default 400).
    depth : int
        Number of hidden ``Dense -> BatchNorm -> ReLU`` layers (default 4).

    Returns
    -------
    keras.Model
        The generator ``toy_generator``, ``z (batch, latent_dim) -> samples (batch, data_dim)``, unbounded.

    Examples
    --------
    >>> import numpy as np
    >>> from tfgan_zoo import nets
    >>> g = nets.toy_generator(latent_dim=3, data_dim=2, width=8, depth=2)
    >>> g.input_shape, g.output_shape
    ((None, 3), (None, 2))
    >>> g.count_params()  # Dense 3*8+8, BatchNorm 4*8, Dense 8*8+8, BatchNorm 4*8, Dense 8*2+2
    186
    >>> np.asarray(g(np.zeros((5, 3), "float32"))).shape
    (5, 2)
    """
    z = keras.Input((int(latent_dim),), name="z")
    h = z
    for i in range(int(depth)):
        h = layers.Dense(int(width), name=f"dense_{i}")(h)
        h = layers.BatchNormalization(name=f"bn_{i}")(h)
        h = layers.ReLU(name=f"relu_{i}")(h)
    return keras.Model(z, layers.Dense(int(data_dim), dtype="float32", name="sample")(h), name="toy_generator")


def toy_discriminator(data_dim: int = 2, width: int = 200, depth: int = 3, pieces: int = 5,
                      pack: int = 1, cascade: int = 1) -> keras.Model:
    """``x -> depth x Maxout(width, pieces) -> Dense(1)`` (a float32 logit); input ``data_dim * pack``.
    ``cascade = N > 1``: ``N`` cascading-rejection scores instead of the one logit (:mod:`.cascade`).

    Parameters
    ----------
    data_dim : int
        Dimension of one sample (default 2).
    width : int
        Units of each :class:`Maxout` layer (default 200).
    depth : int
        Number of :class:`Maxout` layers (default 3).
    pieces : int
        Affine pieces of each :class:`Maxout` unit (default 5).
    pack : int
        PacGAN's packing degree ``m`` >= 1: the discriminator reads ``m`` samples concatenated, an input of
        ``data_dim * pack`` values (default 1: unpacked).
    cascade : int
        Number ``N`` of cascading-rejection scores (default 1: a plain ``Dense(1)`` logit).

    Returns
    -------
    keras.Model
        The discriminator ``toy_discriminator``, ``samples (batch, data_dim * pack) -> logit (batch, 1)``
        (``(batch, N)`` under ``cascade=N``), float32.

    Raises
    ------
    ValueError
        If ``pack < 1``.

    Examples
    --------
    A packed discriminator reads ``pack`` samples side by side:

    >>> from tfgan_zoo import nets
    >>> d = nets.toy_discriminator(width=8, depth=2, pack=3)
    >>> d.input_shape, d.output_shape
    ((None, 6), (None, 1))
    >>> nets.toy_discriminator(width=8, depth=1, cascade=4).output_shape
    (None, 4)
    """
    if int(pack) < 1:
        raise ValueError(f"pack must be >= 1, got {pack}.")
    x = keras.Input((int(data_dim) * int(pack),), name="samples")
    h = x
    for i in range(int(depth)):
        h = Maxout(int(width), int(pieces), name=f"maxout_{i}")(h)
    if int(cascade) > 1:
        from .cascade import CascadingRejection

        return keras.Model(x, CascadingRejection(int(cascade), name="logit")(h), name="toy_discriminator")
    return keras.Model(x, layers.Dense(1, dtype="float32", name="logit")(h), name="toy_discriminator")


def toy_pair(latent_dim: int = 2, data_dim: int = 2, pack: int = 1, cascade: int = 1,
             ) -> tuple[keras.Model, keras.Model]:
    """PacGAN's 2-D ``(generator, discriminator)``.

    :func:`toy_generator` and :func:`toy_discriminator` with their default widths and depths.

    Parameters
    ----------
    latent_dim : int
        Size of the noise vector ``z`` (default 2).
    data_dim : int
        Dimension of the samples (default 2).
    pack : int
        PacGAN's packing degree ``m`` >= 1 of the discriminator (default 1: unpacked).
    cascade : int
        Number of cascading-rejection scores of the discriminator (default 1: one logit).

    Returns
    -------
    tuple (keras.Model, keras.Model)
        ``(generator, discriminator)``; see :func:`toy_generator` and :func:`toy_discriminator`.

    Examples
    --------
    >>> from tfgan_zoo import nets
    >>> g, d = nets.toy_pair(pack=4, cascade=2)
    >>> g.output_shape, d.input_shape, d.output_shape
    ((None, 2), (None, 8), (None, 2))
    >>> [layer.units for layer in d.layers if isinstance(layer, nets.Maxout)]  # PacGAN's widths
    [200, 200, 200]
    """
    return toy_generator(latent_dim, data_dim), toy_discriminator(data_dim, pack=pack, cascade=cascade)
