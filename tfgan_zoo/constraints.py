"""Lipschitz constraints on the discriminator: weight clipping, spectral and gradient normalization.

::

    =========  ===========================================================  ==========================
    name       what it does                                                  reference
    =========  ===========================================================  ==========================
    ``clip``   after every update, clip each weight to ``[-c, c]``            Arjovsky et al. (2017)
    ``sn``     divide every conv/dense kernel by its largest singular value   Miyato et al. (2018)
               (one power iteration per training call)
    ``gn``     ``f̂(x) = f(x) / (‖∇ₓf(x)‖ + |f(x)|)``                          Wu et al. (2021)
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
    """Clip every trainable weight of ``model`` to ``[-clip_value, clip_value]`` in place."""
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
    """
    if has_spectral_norm(discriminator):
        return discriminator
    wrapped = []

    def clone(layer):
        config = layer.get_config()
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
    """Whether any layer of ``model`` is a ``SpectralNormalization`` wrapper."""
    return any(isinstance(layer, layers.SpectralNormalization) for layer in model.layers)


def normalized_kernels(model: keras.Model) -> list[tf.Tensor]:
    """The kernels of the spectrally normalised layers of ``model``."""
    return [layer.layer.kernel for layer in model.layers if isinstance(layer, layers.SpectralNormalization)]


@keras.saving.register_keras_serializable(package=PACKAGE)
class GradientNormalized(keras.Model):
    """Gradient normalization (GN-GAN, Wu et al., 2021) of any discriminator ``f``.

    ``f̂(x) = f(x) / (‖∇ₓ f(x)‖₂ + |f(x)|)``, per example. For a piecewise-linear
    ``f`` this makes ``|f̂| ≤ 1`` and ``‖∇ₓ f̂‖ ≤ 1``. The inner gradient is taken
    with a nested tape, so it is differentiated again by the training step (and
    compiles with ``tf.function``/XLA). Computed in float32.
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
        norm = tf.sqrt(tf.reduce_sum(tf.square(grad), axis=axes) + self.epsilon)[:, None]
        f_hat = f / (norm + tf.abs(f))
        return [f_hat, *out[1:]] if multi_out else f_hat

    def get_config(self) -> dict:
        return {"discriminator": keras.saving.serialize_keras_object(self.inner), "epsilon": self.epsilon,
                "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)


def apply_constraint(discriminator: keras.Model, constraint: str | None) -> keras.Model:
    """The discriminator as the training step should call it under ``constraint``.

    ``sn`` returns a spectrally normalised copy, ``gn`` a :class:`GradientNormalized`
    wrapper; ``clip``, ``"none"`` and ``None`` return the network itself (clipping acts after updates).
    A network that already carries the constraint is returned as is (so loading a saved
    model does not wrap it twice).
    """
    if constraint not in (None,) + CONSTRAINTS:
        raise ValueError(f"Unknown constraint {constraint!r}. Valid constraints: {', '.join(CONSTRAINTS)}.")
    if constraint == "sn":
        return spectral_normalize(discriminator)
    if constraint == "gn":
        return discriminator if isinstance(discriminator, GradientNormalized) else GradientNormalized(discriminator)
    return discriminator
