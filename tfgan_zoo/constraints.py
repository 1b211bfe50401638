"""Lipschitz constraints on the discriminator: weight clipping, spectral and gradient normalization.

::

    =========  ===========================================================  ==========================
    name       what it does                                                  reference
    =========  ===========================================================  ==========================
    ``clip``   after every update, clip each weight to ``[-c, c]``            Arjovsky et al. (2017)
    ``sn``     divide every conv/dense kernel by its largest singular value   Miyato et al. (2018)
               (one power iteration per training call)
    ``gn``     ``f̂(x) = f(x) / (‖∇ₓf(x)‖ + |f(x)|)``                          Wu et al. (2021)
    ``gran``   ``f̂(x) = K f(x) ‖∇ₓf(x)‖ / (‖∇ₓf(x)‖² + ε)``: piecewise       Bhaskara et al. (2022)
               K-Lipschitz
    =========  ===========================================================  ==========================
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf
from keras import layers

from .choices import CONSTRAINTS

PACKAGE = "tfgan_zoo"
_SN_TYPES = (layers.Dense, layers.Conv1D, layers.Conv2D, layers.Conv3D)


def clip_weights(model: keras.Model, clip_value: float) -> None:
    """Clip every trainable weight of ``model`` to ``[-clip_value, clip_value]`` in place.

    Examples
    --------
    >>> import keras, numpy as np
    >>> from tfgan_zoo import constraints
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    >>> critic.set_weights([np.array([[3.0], [-0.5]])])
    >>> constraints.clip_weights(critic, 1.0)
    >>> critic.get_weights()[0].ravel().tolist()
    [1.0, -0.5]
    """
    for v in model.trainable_variables:
        v.assign(tf.clip_by_value(v, -clip_value, clip_value))


def spectral_normalize(discriminator: keras.Model, power_iterations: int = 1) -> keras.Model:
    """A copy of a functional/sequential ``discriminator`` with every Dense/Conv layer wrapped
    in ``keras.layers.SpectralNormalization`` (weights copied). Already wrapped layers are kept.

    Raises
    ------
    ValueError
        If the model has no Dense/Conv layer to normalise, or is a subclassed model
        (which cannot be cloned; wrap its layers yourself).

    Examples
    --------
    A one-output linear critic ``D(x) = 3 x_0 + 4 x_1``: its kernel's only singular value is 5, which one power
    iteration finds exactly, so a training call divides the kernel by 5; the original is untouched:

    >>> import keras, numpy as np
    >>> from tfgan_zoo import constraints
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    >>> critic.set_weights([np.array([[3.0], [4.0]])])
    >>> normalized = constraints.spectral_normalize(critic)
    >>> constraints.has_spectral_norm(critic), constraints.has_spectral_norm(normalized)
    (False, True)
    >>> round(float(normalized(np.array([[1.0, 0.0]]), training=True)[0, 0]), 4)
    0.6
    >>> critic.get_weights()[0].ravel().tolist()
    [3.0, 4.0]
    """
    if has_spectral_norm(discriminator):
        return discriminator
    wrapped = []

    from .nets.cascade import CascadingRejection

    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, CascadingRejection):  # its score vectors are normalised exactly, by their norms
            wrapped.append(layer.name)
            return layer.__class__.from_config({**config, "spectral_normalize": True})
        new = layer.__class__.from_config(config)
        if isinstance(layer, _SN_TYPES) and not isinstance(layer, layers.SpectralNormalization):
            wrapped.append(layer.name)
            return layers.SpectralNormalization(new, power_iterations=power_iterations, name=f"{layer.name}_sn")
        return new

    try:
        out = keras.models.clone_model(discriminator, clone_function=clone)
    except ValueError as e:
        raise ValueError(
            f"Cannot add spectral normalization to {discriminator.name}: {e}. Build it with the functional "
            "or Sequential API, or wrap its layers in keras.layers.SpectralNormalization yourself."
        ) from e
    if not wrapped:
        raise ValueError(f"{discriminator.name} has no Dense or Conv layer for spectral normalization.")
    for old, new in zip(discriminator.layers, out.layers):
        inner = new.layer if isinstance(new, layers.SpectralNormalization) and old.name in wrapped else new
        inner.set_weights(old.get_weights())
    return out


def has_spectral_norm(model: keras.Model) -> bool:
    """Whether any layer of ``model`` is a ``SpectralNormalization`` wrapper (or a spectrally normalised
    cascading-rejection head).

    Examples
    --------
    >>> import keras
    >>> from tfgan_zoo import constraints
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> constraints.has_spectral_norm(critic)
    False
    >>> constraints.has_spectral_norm(constraints.spectral_normalize(critic))
    True
    """
    return any(isinstance(layer, layers.SpectralNormalization) or getattr(layer, "spectral_normalize", False)
               for layer in model.layers)


def normalized_kernels(model: keras.Model) -> list[tf.Tensor]:
    """The kernels of the spectrally normalised layers of ``model``.

    Examples
    --------
    One kernel, ``(2, 1)``, for the one wrapped Dense layer; none for a plain network:

    >>> import keras
    >>> from tfgan_zoo import constraints
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> [tuple(k.shape) for k in constraints.normalized_kernels(constraints.spectral_normalize(critic))]
    [(2, 1)]
    >>> constraints.normalized_kernels(critic)
    []
    """
    return [layer.layer.kernel for layer in model.layers if isinstance(layer, layers.SpectralNormalization)]


@keras.saving.register_keras_serializable(package=PACKAGE)
class GradientNormalized(keras.Model):
    """Gradient normalization (GN-GAN, Wu et al., 2021) of any discriminator ``f``.

    ``f̂(x) = f(x) / (‖∇ₓ f(x)‖₂ + |f(x)|)``, per example. For a piecewise-linear
    ``f`` this makes ``|f̂| ≤ 1`` and ``‖∇ₓ f̂‖ ≤ 1``. The inner gradient is taken
    with a nested tape, so it is differentiated again by the training step (and
    compiles with ``tf.function``/XLA). Computed in float32.

    Examples
    --------
    A linear critic ``f(x) = 3 x_0 + 4 x_1`` has ``‖∇ₓf‖ = 5``: ``f̂ = 3 / (5 + 3)`` at ``(1, 0)`` and
    ``-8 / (5 + 8)`` at ``(0, -2)``, both within [-1, 1]:

    >>> import keras, numpy as np
    >>> from tfgan_zoo import constraints
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    >>> critic.set_weights([np.array([[3.0], [4.0]])])
    >>> gn = constraints.GradientNormalized(critic)
    >>> np.round(np.asarray(gn(np.array([[1.0, 0.0], [0.0, -2.0]])), dtype=float).ravel(), 4).tolist()
    [0.375, -0.6154]
    """

    def __init__(self, discriminator: keras.Model, epsilon: float = 1e-12, **kwargs: Any) -> None:
        kwargs.setdefault("name", f"{discriminator.name}_gn")
        super().__init__(**kwargs)
        self.inner = discriminator
        self.epsilon = float(epsilon)

    def build(self, input_shape=None) -> None:
        self.built = True

    @property
    def input_shape(self):
        return self.inner.input_shape

    @property
    def output_shape(self):
        return self.inner.output_shape

    def call(self, inputs, training: bool = False):
        # a conditional discriminator takes [image, label]: the gradient is taken w.r.t. the image
        multi_in = isinstance(inputs, (list, tuple))
        x = tf.cast(inputs[0] if multi_in else inputs, tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = self.inner([x, *inputs[1:]] if multi_in else x, training=training)
            multi_out = isinstance(out, (list, tuple))  # ACGAN/InfoGAN heads pass through unchanged
            f = tf.cast(out[0] if multi_out else out, tf.float32)
        grad = tape.gradient(f, x)  # f is (batch, 1): sum over the batch gives per-example gradients
        axes = list(range(1, len(x.shape)))
        squared_norm = tf.reduce_sum(tf.square(grad), axis=axes)[:, None]
        f_hat = self.normalize(f, squared_norm)
        return [f_hat, *out[1:]] if multi_out else f_hat

    def normalize(self, f: tf.Tensor, squared_norm: tf.Tensor) -> tf.Tensor:
        """``f / (‖∇f‖ + |f|)`` from ``f`` and ``‖∇f‖²`` (both ``(batch, 1)``, float32)."""
        return f / (tf.sqrt(squared_norm + self.epsilon) + tf.abs(f))

    def get_config(self) -> dict:
        return {"discriminator": keras.saving.serialize_keras_object(self.inner), "epsilon": self.epsilon,
                "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)


@keras.saving.register_keras_serializable(package=PACKAGE)
class PiecewiseGradientNormalized(GradientNormalized):
    """Piecewise gradient normalization (GraN-GAN, Bhaskara et al., WACV 2022) of any discriminator ``f``.

    ``f̂(x) = K f(x) ‖∇ₓf(x)‖₂ / (‖∇ₓf(x)‖₂² + ε)``, per example. Where ``f`` is linear (each piece of a
    ReLU/LeakyReLU network) ``∇f`` is constant, so ``∇f̂ = K ∇f ‖∇f‖ / (‖∇f‖² + ε)`` and
    ``‖∇f̂‖ = K ‖∇f‖² / (‖∇f‖² + ε) ≤ K``: ``f̂`` is K-Lipschitz on every piece (not across the pieces'
    boundaries, where it may jump). ``ε`` keeps ``f̂`` finite, going to 0, where the gradient vanishes.

    Parameters
    ----------
    discriminator : keras.Model
        The network ``f``; its first output is normalised, any others (AC-GAN, InfoGAN heads) pass through.
    k : float
        The Lipschitz bound ``K`` of each piece (default 1.0, the bound the other constraints here use).
    epsilon : float
        ``ε`` (default 1e-4). The paper's own defaults for ``K`` and ``ε`` could not be checked offline
        when this was written: these are this library's choices (K = 1 as for ``sn``/``gn``; ε well below the
        squared input-gradient norms of the image discriminators here, which start at about 1e-2 to 1e2).

    Examples
    --------
    A linear critic ``f(x) = 3 x_0 + 4 x_1`` (``‖∇ₓf‖ = 5``) becomes ``f̂(x) = K f(x) / 5`` (up to ``ε``):
    slope ``K`` along the gradient, here at ``(1, 0)``:

    >>> import keras, numpy as np
    >>> from tfgan_zoo import constraints
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    >>> critic.set_weights([np.array([[3.0], [4.0]])])
    >>> x = np.array([[1.0, 0.0]])
    >>> round(float(constraints.PiecewiseGradientNormalized(critic)(x)[0, 0]), 4)
    0.6
    >>> round(float(constraints.PiecewiseGradientNormalized(critic, k=2.0)(x)[0, 0]), 4)
    1.2
    """

    def __init__(self, discriminator: keras.Model, k: float = 1.0, epsilon: float = 1e-4, **kwargs: Any) -> None:
        kwargs.setdefault("name", f"{discriminator.name}_gran")
        if not float(k) > 0 or not float(epsilon) > 0:
            raise ValueError(f"GraN needs K > 0 and epsilon > 0, got K={k}, epsilon={epsilon}.")
        super().__init__(discriminator, epsilon=epsilon, **kwargs)
        self.k = float(k)

    def normalize(self, f: tf.Tensor, squared_norm: tf.Tensor) -> tf.Tensor:
        """``K f ‖∇f‖ / (‖∇f‖² + ε)`` from ``f`` and ``‖∇f‖²``."""
        return self.k * f * tf.sqrt(squared_norm + 1e-12) / (squared_norm + self.epsilon)

    def get_config(self) -> dict:
        return {**super().get_config(), "k": self.k}


def apply_constraint(discriminator: keras.Model, constraint: str | None) -> keras.Model:
    """The discriminator as the training step should call it under ``constraint``.

    ``sn`` returns a spectrally normalised copy, ``gn`` a :class:`GradientNormalized` wrapper, ``gran`` a
    :class:`PiecewiseGradientNormalized` one (K = 1, ε = 1e-4: wrap the network yourself for others); ``clip``, ``"none"`` and ``None`` return the network itself (clipping acts after updates).
    A network that already carries the constraint is returned as is (so loading a saved
    model does not wrap it twice).

    Examples
    --------
    >>> import keras
    >>> from tfgan_zoo import constraints
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> type(constraints.apply_constraint(critic, "gn")).__name__
    'GradientNormalized'
    >>> type(constraints.apply_constraint(critic, "gran")).__name__
    'PiecewiseGradientNormalized'
    >>> constraints.has_spectral_norm(constraints.apply_constraint(critic, "sn"))
    True
    >>> constraints.apply_constraint(critic, "clip") is critic, constraints.apply_constraint(critic, None) is critic
    (True, True)
    >>> gn = constraints.apply_constraint(critic, "gn")
    >>> constraints.apply_constraint(gn, "gn") is gn
    True
    """
    if constraint not in (None,) + CONSTRAINTS:
        raise ValueError(f"Unknown constraint {constraint!r}. Valid constraints: {', '.join(CONSTRAINTS)}.")
    if constraint == "sn":
        return spectral_normalize(discriminator)
    if constraint == "gn":
        plain_gn = type(discriminator) is GradientNormalized
        return discriminator if plain_gn else GradientNormalized(discriminator)
    if constraint == "gran":
        if isinstance(discriminator, PiecewiseGradientNormalized):
            return discriminator
        return PiecewiseGradientNormalized(discriminator)
    return discriminator
