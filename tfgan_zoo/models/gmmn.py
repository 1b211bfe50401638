"""Generative moment matching networks: a generator trained by a kernel two-sample statistic on the data
themselves, with no discriminator (Li, Swersky & Zemel, 2015; Dziugaite, Roy & Ghahramani, 2015).

The generator minimises the unbiased squared maximum mean discrepancy between a real batch ``x`` and a
generated one ``G(z)``, in data space (pixels, or points of the 2-D mixtures):

    ``L_G = MMD²_u(x, G(z))``,  ``k(a, b) = Σ_s exp(-‖a - b‖² / (2 s²))``

with the estimator of :func:`tfgan_zoo.losses.mmd2` (the one KID and the MMD GANs use). It is the MMD GAN of
:class:`~tfgan_zoo.models.MMDGAN` with the feature map fixed to the identity, which is what makes it a
teaching tool: the same loss with and without a learned critic.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import tensorflow as tf

from .. import losses as L
from ..priors import check_prior, sample as sample_prior
from .gan import PACKAGE

MEDIAN_MULTIPLIERS = (0.25, 0.5, 1.0, 2.0, 4.0)


def median_bandwidths(x, multipliers: Sequence[float] = MEDIAN_MULTIPLIERS) -> list[tf.Tensor]:
    """``m · median_{i≠j} ‖x_i - x_j‖`` for each multiplier ``m``: bandwidths on the data's own scale (the median
    heuristic), from the rows of ``x`` (flattened), as scalar tensors with no gradient.

    Parameters
    ----------
    x : tf.Tensor or array-like
        A batch of ``n >= 2`` samples ``(n, ...)`` (images or points); each row is flattened and cast to
        float32.
    multipliers : sequence of float
        The multipliers ``m`` (default :data:`MEDIAN_MULTIPLIERS`, ``(0.25, 0.5, 1.0, 2.0, 4.0)``).

    Returns
    -------
    list of tf.Tensor
        One float32 scalar per multiplier, ``m`` times the median of the off-diagonal pairwise Euclidean
        distances (the upper median of the ``n (n - 1)`` ordered pairs, at least 1e-6), gradients stopped.
    """
    flat = tf.reshape(tf.cast(x, tf.float32), (tf.shape(x)[0], -1))
    sq = tf.reduce_sum(tf.square(flat), axis=1)
    d2 = tf.maximum(sq[:, None] + sq[None, :] - 2.0 * tf.matmul(flat, flat, transpose_b=True), 0.0)
    n = tf.shape(d2)[0]
    off = tf.sort(tf.boolean_mask(d2, tf.logical_not(tf.eye(n, dtype=tf.bool))))
    median = tf.sqrt(off[tf.size(off) // 2])
    median = tf.stop_gradient(tf.maximum(median, 1e-6))
    return [float(m) * median for m in multipliers]


@keras.saving.register_keras_serializable(package=PACKAGE)
class GMMN(keras.Model):
    """A generator trained by ``MMD²_u`` against the data directly (module docstring).

    Train with ``model.compile()`` (Adam 1e-3, β₁ 0.5 by default) and ``model.fit(dataset)``; batches are
    images or ``(images, labels)`` (labels ignored). Larger batches estimate MMD² better (Li et al. used 1000).

    Parameters
    ----------
    generator : keras.Model
        ``z -> sample`` (images in [-1, 1], or points).
    latent_dim : int, optional
        Size of ``z`` (default: read from the generator's input).
    prior : {"normal", "uniform"}
        Distribution of ``z``.
    sigmas : sequence of float or "median"
        RBF bandwidths in data units, or ``"median"`` (default): :data:`MEDIAN_MULTIPLIERS` times the median
        pairwise distance of each real batch. Li et al. used fixed bandwidths 2 to 80 on [0, 1] pixels.
    seed : int, optional
        Seed of the ``keras.random.SeedGenerator`` that draws ``z``.
    """

    def __init__(self, generator: keras.Model, latent_dim: int | None = None, prior: str = "normal",
                 sigmas: Sequence[float] | str = "median", seed: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("name", "gmmn")
        super().__init__(**kwargs)
        self.generator = generator
        self.latent_dim = int(latent_dim if latent_dim is not None else generator.input_shape[-1])
        self.prior = check_prior(prior)
        if isinstance(sigmas, str):
            if sigmas != "median":
                raise ValueError(f"sigmas must be bandwidths (numbers > 0) or 'median', got {sigmas!r}.")
            self.sigmas: tuple[float, ...] | str = "median"
        else:
            self.sigmas = tuple(float(s) for s in sigmas)
            if not self.sigmas or min(self.sigmas) <= 0:
                raise ValueError(f"sigmas must be bandwidths > 0 (or 'median'), got {sigmas!r}.")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="mmd2")

    def compile(self, optimizer: keras.optimizers.Optimizer | None = None, **kwargs: Any) -> None:
        super().compile(optimizer=optimizer or keras.optimizers.Adam(1e-3, beta_1=0.5), **kwargs)

    @property
    def metrics(self):
        return [self.loss_tracker]

    @property
    def sampling_generator(self) -> keras.Model:
        return self.generator

    def build(self, input_shape=None) -> None:
        self.built = True

    def call(self, z, training: bool = False):
        return self.generator(z, training=training)

    def sample_noise(self, n) -> tf.Tensor:
        return sample_prior(self.prior, (n, self.latent_dim), self.seed_generator)

    def generate(self, n_or_z, training: bool = False) -> tf.Tensor:
        """Samples (float32) from ``n`` fresh noise vectors or from given ``z``."""
        z = self.sample_noise(n_or_z) if isinstance(n_or_z, int) else tf.convert_to_tensor(n_or_z, tf.float32)
        return tf.cast(self.generator(z, training=training), tf.float32)

    def bandwidths(self, real) -> list:
        """The bandwidths used for the batch ``real``."""
        return median_bandwidths(real) if self.sigmas == "median" else list(self.sigmas)

    def loss_on(self, real, fake) -> tf.Tensor:
        """``MMD²_u(real, fake)`` with the RBF mixture kernel of :meth:`bandwidths`."""
        return L.mmd2(real, fake, "rbf", sigmas=self.bandwidths(real))

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        real = tf.cast(real, tf.float32)
        z = self.sample_noise(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            loss = self.loss_on(real, tf.cast(self.generator(z, training=True), tf.float32))
            scaled = self.optimizer.scale_loss(loss) if hasattr(self.optimizer, "scale_loss") else loss
        variables = self.generator.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        self.loss_tracker.update_state(loss)
        return {"mmd2": self.loss_tracker.result()}

    def get_config(self) -> dict:
        return {"generator": keras.saving.serialize_keras_object(self.generator), "latent_dim": self.latent_dim,
                "prior": self.prior, "sigmas": self.sigmas if isinstance(self.sigmas, str) else list(self.sigmas),
                "seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        return cls(**config)
