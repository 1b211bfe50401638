"""Image-to-image translation GANs, each with its own ``train_step``: :class:`Pix2Pix` (paired data; Isola et al.,
2017) and :class:`CycleGAN` (unpaired; Zhu et al., 2017).

Both take their adversarial terms from :func:`tfgan_zoo.losses.adversarial_losses` (every loss of the family but
the MMD ones), their constraints from :mod:`tfgan_zoo.constraints` (``sn``, ``clip``; gradient normalization is
for one score per image and is refused for patch outputs), their penalties from :mod:`tfgan_zoo.penalties` (on the
mean patch score), and update through the same :func:`~tfgan_zoo.models.gan.apply_update` (loss scaling under
``mixed_float16``, strategies) as the GANs.

Pix2Pix, for an input ``a`` and its target ``b``::

    L_D = d_loss(D(a, b), D(a, G(a)))                      (+ penalty)
    L_G = g_loss(D(a, G(a))) + λ_L1 · E|G(a) - b|,          λ_L1 = 100

CycleGAN, with generators ``G: A -> B``, ``F: B -> A`` and discriminators ``D_A``, ``D_B``::

    L_G = g_loss(D_B(G(a))) + g_loss(D_A(F(b)))
          + λ (E|F(G(a)) - a| + E|G(F(b)) - b|) + λ_id λ (E|F(a) - a| + E|G(b) - b|),   λ = 10, λ_id = 0.5
    L_D = ½ d_loss(D_B(b), D_B(pool_B(G(a)))) + ½ d_loss(D_A(a), D_A(pool_A(F(b))))

LSGAN by default, each discriminator's loss halved (as in the authors' code), and the discriminators see
generated images through :class:`ImagePool` histories of 50 (Shrivastava et al., 2017).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from .. import losses as L
from .. import penalties as P
from ..choices import TRANSLATION_CONSTRAINTS, loss_defaults  # noqa: F401 - TRANSLATION_CONSTRAINTS: former home
from .. import composition
from ..constraints import apply_constraint, clip_weights
from ..nets import translation as _translation_nets
from .gan import PACKAGE, TwoOptimizers, apply_update, track

# importing the networks' module registers their custom layers, which loading a saved model needs
_CUSTOM_LAYERS = (_translation_nets.ReflectionPad2D, _translation_nets.PadImage)


@keras.saving.register_keras_serializable(package=PACKAGE)
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``lr(t) = lr0`` for ``t < hold``, then linearly to 0 at ``hold + decay`` (pix2pix/CycleGAN: 100 epochs
    constant, 100 decaying).

    Parameters
    ----------
    initial_learning_rate : float
        ``lr0``, the learning rate of the constant phase.
    hold_steps : int
        ``hold``, the optimizer steps at ``lr0``.
    decay_steps : int
        ``decay``, the optimizer steps of the linear decay to 0 (at least 1); the rate stays 0 afterwards.
    """

    def __init__(self, initial_learning_rate: float, hold_steps: int, decay_steps: int) -> None:
        self.initial_learning_rate = float(initial_learning_rate)
        self.hold_steps, self.decay_steps = int(hold_steps), max(int(decay_steps), 1)

    def __call__(self, step):
        t = tf.cast(step, tf.float32)
        frac = tf.clip_by_value((t - self.hold_steps) / self.decay_steps, 0.0, 1.0)
        return self.initial_learning_rate * (1.0 - frac)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "hold_steps": self.hold_steps,
                "decay_steps": self.decay_steps}


class ImagePool:
    """A history of up to ``size`` generated images (Shrivastava et al., 2017; CycleGAN).

    For each image of a batch, in order: while the pool is not full the image is stored and returned; once it is
    full, with probability ½ a uniformly chosen stored image is returned and replaced by the new one, otherwise
    the new image is returned. The pool lives in non-trainable variables of the model that owns it, so it is
    saved and restored with the model.

    Parameters
    ----------
    owner : keras.Model
        The model whose (non-trainable) weights hold the pool.
    name : str
        Prefix of the weights' names (``<name>_images``, ``<name>_count``), unique within ``owner``.
    size : int
        Images the pool holds (>= 0); 0: no pool, :meth:`query` returns its input.
    image_shape : tuple of int
        Shape of one image, e.g. ``(height, width, channels)``.
    """

    def __init__(self, owner: keras.Model, name: str, size: int, image_shape) -> None:
        self.size = int(size)
        self.images = owner.add_weight(name=f"{name}_images", shape=(max(self.size, 1), *image_shape),
                                       initializer="zeros", trainable=False, dtype="float32")
        self.count = owner.add_weight(name=f"{name}_count", shape=(), initializer="zeros", trainable=False,
                                      dtype="int32")

    def query(self, images, seed) -> tf.Tensor:
        """The images the discriminator sees for a batch of newly generated ``images``, updating the pool.

        Parameters
        ----------
        images : tensor
            Generated images, ``(batch, *image_shape)``; cast to float32.
        seed : keras.random.SeedGenerator
            Draws the coin flips and the pool slots.

        Returns
        -------
        tf.Tensor
            ``(batch, *image_shape)`` float32: each image, or a stored one it replaced (class docstring).
        """
        images = tf.cast(images, tf.float32)
        if self.size == 0:
            return images
        n = tf.shape(images)[0]
        coin = keras.random.uniform((n,), seed=seed)
        slot = keras.random.randint((n,), 0, self.size, seed=seed)
        def body(i, stored, count, out):
            x = images[i]

            def fill():
                return x, tf.tensor_scatter_nd_update(stored, [[count]], x[None]), count + 1

            def swap():
                return stored[slot[i]], tf.tensor_scatter_nd_update(stored, [[slot[i]]], x[None]), count

            def keep():
                return x, stored, count

            y, stored, count = tf.cond(count < self.size, fill, lambda: tf.cond(coin[i] > 0.5, swap, keep))
            return i + 1, stored, count, out.write(i, y)

        _, stored, count, out = tf.while_loop(
            lambda i, *_: i < n, body,
            (tf.constant(0), tf.convert_to_tensor(self.images.value), tf.convert_to_tensor(self.count.value),
             tf.TensorArray(tf.float32, size=n, element_shape=images.shape[1:])))
        self.images.assign(stored)
        self.count.assign(count)
        return out.stack()


def _patch_mean(d, cond=None):
    """``x -> mean patch score (batch, 1)`` of a PatchGAN (with the pair's input ``cond``), for the penalties."""
    def score(x, training=True):
        out = d([cond, x] if cond is not None else x, training=training)
        return tf.reduce_mean(tf.cast(out, tf.float32), axis=[1, 2, 3])[:, None]
    return score


class _TranslationGAN(TwoOptimizers, keras.Model):
    """What Pix2Pix and CycleGAN share: losses, constraint, penalty, optimizers and saving."""

    def __init__(self, loss: str, constraint: str | None, penalty: str | None, penalty_weight: float | None,
                 clip_value: float,
                 seed: int | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        constraint, penalty = loss_defaults(loss, constraint, penalty)
        composition.check_translation(type(self).__name__.lower(), loss, constraint, penalty)
        self.loss_name, self.constraint, self.penalty = loss, constraint, penalty
        self.penalty_weight = float(P.PENALTIES[penalty][1] if penalty_weight is None and penalty != "none"
                                    else penalty_weight or 0.0)
        self.clip_value = float(clip_value)
        self.d_loss_fn, self.g_loss_fn, self.generator_uses_real_logits = L.adversarial_losses(loss)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _regularizer(self, d, real, fake, cond=None):
        if self.penalty == "none":
            return tf.constant(0.0)
        fn = P.PENALTIES[self.penalty][0]
        return fn(_patch_mean(d, cond), real, tf.stop_gradient(fake), seed=self.seed_generator,
                  weight=self.penalty_weight)

    def _g_adv(self, fake_logits, real_logits_fn):
        return self.g_loss_fn(fake_logits, real_logits_fn() if self.generator_uses_real_logits else None)

    def default_optimizers(self) -> tuple[keras.optimizers.Optimizer, keras.optimizers.Optimizer]:
        """Adam(2e-4, beta_1=0.5) for both sides (pix2pix, CycleGAN)."""
        return (keras.optimizers.Adam(2e-4, beta_1=0.5, name="d_adam"),
                keras.optimizers.Adam(2e-4, beta_1=0.5, name="g_adam"))

    def compile(self, d_optimizer=None, g_optimizer=None, jit_compile: bool | str = "auto",
                run_eagerly: bool = False) -> None:
        """Both optimizers (default :meth:`default_optimizers`; loss-scaled under ``mixed_float16``)."""
        self._compile_two(d_optimizer, g_optimizer, self.discriminator_variables, self.generator_variables,
                          jit_compile=jit_compile, run_eagerly=run_eagerly)

    def build(self, input_shape=None) -> None:
        self.built = True

    def _after_d_update(self, *discriminators) -> None:
        if self.constraint == "clip":
            for d in discriminators:
                clip_weights(d, self.clip_value)

    def _track(self, name: str, value) -> None:
        track(self._trackers[name], value, self.d_optimizer, self.g_optimizer)

    @property
    def metrics(self):
        return list(self._trackers.values())

    def _base_config(self) -> dict:
        return {"loss": self.loss_name, "constraint": self.constraint, "penalty": self.penalty,
                "penalty_weight": self.penalty_weight, "clip_value": self.clip_value, "seed": self.seed,
                "name": self.name}

    @staticmethod
    def _nets(config: dict, keys) -> dict:
        config = dict(config)
        for k in keys:
            config[k] = keras.saving.deserialize_keras_object(config[k])
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class Pix2Pix(_TranslationGAN):
    """Paired translation ``a -> b`` (module docstring).

    Parameters
    ----------
    generator : keras.Model
        ``a -> b`` (e.g. :func:`tfgan_zoo.nets.translation.unet_generator`).
    discriminator : keras.Model
        ``[a, b] -> patch logits`` (e.g. ``patchgan_discriminator(..., conditional=True)``).
    loss : str
        Adversarial loss (default ``nsgan``, pix2pix's); any of :func:`tfgan_zoo.losses.adversarial_losses`.
    l1_weight : float
        λ of the L1 term (100).
    constraint, penalty, penalty_weight, clip_value, seed
        As for :class:`~tfgan_zoo.models.GAN` (constraints ``none``, ``clip``, ``sn``).
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, loss: str = "nsgan",
                 l1_weight: float = 100.0, constraint: str | None = None, penalty: str | None = None,
                 penalty_weight: float | None = None, clip_value: float = 0.01, seed: int | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("name", "pix2pix")
        super().__init__(loss, constraint, penalty, penalty_weight, clip_value, seed, **kwargs)
        if not float(l1_weight) >= 0:
            raise ValueError(f"l1_weight must be >= 0, got {l1_weight}.")
        self.l1_weight = float(l1_weight)
        self.generator = generator
        self.discriminator = apply_constraint(discriminator, constraint)
        self._trackers = {n: keras.metrics.Mean(name=n) for n in
                          ["d_loss", "g_loss", "g_adv", "l1"] + (["penalty"] if self.penalty != "none" else [])}
        self.built = True  # the networks are built; saving before the first step keeps their weights

    @property
    def generator_variables(self):
        return self.generator.trainable_variables

    @property
    def discriminator_variables(self):
        return self.discriminator.trainable_variables

    def call(self, a, training: bool = False):
        return self.generator(a, training=training)

    def translate(self, a) -> tf.Tensor:
        """``G(a)`` in inference mode, float32."""
        return tf.cast(self.generator(a, training=False), tf.float32)

    def train_step(self, data):
        a, b = data[0], data[1]
        a, b = tf.cast(a, tf.float32), tf.cast(b, tf.float32)
        with tf.GradientTape() as d_tape:
            fake = self.generator(a, training=True)
            real_logits = self.discriminator([a, b], training=True)
            fake_logits = self.discriminator([a, tf.stop_gradient(fake)], training=True)
            d_loss = self.d_loss_fn(real_logits, fake_logits)
            penalty = self._regularizer(self.discriminator, b, fake, cond=a)
            d_total = d_loss + penalty
        apply_update(self.d_optimizer, d_total, d_tape, self.discriminator_variables)
        self._after_d_update(self.discriminator)
        with tf.GradientTape() as g_tape:
            fake = self.generator(a, training=True)
            g_adv = self._g_adv(self.discriminator([a, fake], training=True),
                                lambda: self.discriminator([a, b], training=True))
            l1 = tf.reduce_mean(tf.abs(tf.cast(fake, tf.float32) - b))
            g_loss = g_adv + self.l1_weight * l1
        apply_update(self.g_optimizer, g_loss, g_tape, self.generator_variables)
        for name, value in (("d_loss", d_loss), ("g_loss", g_loss), ("g_adv", g_adv), ("l1", l1)):
            self._track(name, value)
        if self.penalty != "none":
            self._track("penalty", penalty)
        return {m.name: m.result() for m in self.metrics}

    def get_config(self) -> dict:
        return {**self._base_config(), "l1_weight": self.l1_weight,
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        return cls(**cls._nets(config, ("generator", "discriminator")))


@keras.saving.register_keras_serializable(package=PACKAGE)
class CycleGAN(_TranslationGAN):
    """Unpaired translation between domains A and B (module docstring).

    Parameters
    ----------
    generator_ab, generator_ba : keras.Model
        ``G: A -> B`` and ``F: B -> A`` (e.g. :func:`tfgan_zoo.nets.translation.cyclegan_generator`).
    discriminator_a, discriminator_b : keras.Model
        ``D_A`` (judges domain A) and ``D_B``: image -> patch logits.
    loss : str
        Adversarial loss (default ``lsgan``, CycleGAN's).
    cycle_weight : float
        λ of the cycle losses (10).
    identity_weight : float
        λ_id, the identity losses' weight relative to λ (0.5; 0 turns them off).
    pool_size : int
        Generated images kept per domain for the discriminators (50; 0: none).
    constraint : {"none", "clip", "sn"}
        Lipschitz constraint on both discriminators (:mod:`tfgan_zoo.constraints`; default ``none``).
    penalty : {"none", "gp", "gp-one-sided", "r1", "dragan"}
        Gradient penalty on each discriminator's mean patch score (:mod:`tfgan_zoo.penalties`); default
        ``none``, which the ``wgan-gp`` loss turns into ``gp``.
    penalty_weight : float, optional
        Its weight; None (default): the penalty's default (10).
    clip_value : float
        Weight-clipping bound for ``constraint="clip"`` (default 0.01).
    seed : int, optional
        Seed of the ``keras.random.SeedGenerator`` of the penalties and the image pools.
    """

    def __init__(self, generator_ab: keras.Model, generator_ba: keras.Model, discriminator_a: keras.Model,
                 discriminator_b: keras.Model, loss: str = "lsgan", cycle_weight: float = 10.0,
                 identity_weight: float = 0.5, pool_size: int = 50, constraint: str | None = None,
                 penalty: str | None = None,
                 penalty_weight: float | None = None, clip_value: float = 0.01, seed: int | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("name", "cyclegan")
        super().__init__(loss, constraint, penalty, penalty_weight, clip_value, seed, **kwargs)
        if not (float(cycle_weight) >= 0 and float(identity_weight) >= 0 and int(pool_size) >= 0):
            raise ValueError(f"cycle_weight, identity_weight and pool_size must be >= 0, got {cycle_weight}, "
                             f"{identity_weight}, {pool_size}.")
        self.cycle_weight, self.identity_weight, self.pool_size = float(cycle_weight), float(identity_weight), \
            int(pool_size)
        self.generator_ab, self.generator_ba = generator_ab, generator_ba
        self.discriminator_a = apply_constraint(discriminator_a, constraint)
        self.discriminator_b = apply_constraint(discriminator_b, constraint)
        self.pool_a = ImagePool(self, "pool_a", pool_size, generator_ba.output_shape[1:])
        self.pool_b = ImagePool(self, "pool_b", pool_size, generator_ab.output_shape[1:])
        self._trackers = {n: keras.metrics.Mean(name=n) for n in
                          ["d_loss", "g_loss", "g_adv", "cycle", "identity"] + (
                              ["penalty"] if self.penalty != "none" else [])}
        self.built = True

    @property
    def generator_variables(self):
        return self.generator_ab.trainable_variables + self.generator_ba.trainable_variables

    @property
    def discriminator_variables(self):
        return self.discriminator_a.trainable_variables + self.discriminator_b.trainable_variables

    def call(self, a, training: bool = False):
        return self.generator_ab(a, training=training)

    def translate(self, x, direction: str = "a_to_b") -> tf.Tensor:
        """``G(x)`` (``a_to_b``) or ``F(x)`` (``b_to_a``) in inference mode, float32."""
        if direction not in ("a_to_b", "b_to_a"):
            raise ValueError(f"direction must be 'a_to_b' or 'b_to_a', got {direction!r}.")
        g = self.generator_ab if direction == "a_to_b" else self.generator_ba
        return tf.cast(g(x, training=False), tf.float32)

    def train_step(self, data):
        a, b = tf.cast(data[0], tf.float32), tf.cast(data[1], tf.float32)
        d_a, d_b = self.discriminator_a, self.discriminator_b
        with tf.GradientTape() as g_tape:
            fake_b = tf.cast(self.generator_ab(a, training=True), tf.float32)
            fake_a = tf.cast(self.generator_ba(b, training=True), tf.float32)
            g_adv = self._g_adv(d_b(fake_b, training=True), lambda: d_b(b, training=True)) + self._g_adv(
                d_a(fake_a, training=True), lambda: d_a(a, training=True))
            cycle = (tf.reduce_mean(tf.abs(tf.cast(self.generator_ba(fake_b, training=True), tf.float32) - a))
                     + tf.reduce_mean(tf.abs(tf.cast(self.generator_ab(fake_a, training=True), tf.float32) - b)))
            if self.identity_weight > 0:
                identity = (tf.reduce_mean(tf.abs(tf.cast(self.generator_ba(a, training=True), tf.float32) - a))
                            + tf.reduce_mean(tf.abs(tf.cast(self.generator_ab(b, training=True), tf.float32) - b)))
            else:
                identity = tf.constant(0.0)
            g_loss = g_adv + self.cycle_weight * (cycle + self.identity_weight * identity)
        apply_update(self.g_optimizer, g_loss, g_tape, self.generator_variables)
        pooled_b = self.pool_b.query(tf.stop_gradient(fake_b), self.seed_generator)
        pooled_a = self.pool_a.query(tf.stop_gradient(fake_a), self.seed_generator)
        with tf.GradientTape() as d_tape:
            d_loss = 0.5 * (self.d_loss_fn(d_b(b, training=True), d_b(pooled_b, training=True))
                            + self.d_loss_fn(d_a(a, training=True), d_a(pooled_a, training=True)))
            penalty = self._regularizer(d_b, b, pooled_b) + self._regularizer(d_a, a, pooled_a)
            d_total = d_loss + penalty
        apply_update(self.d_optimizer, d_total, d_tape, self.discriminator_variables)
        self._after_d_update(d_a, d_b)
        for name, value in (("d_loss", d_loss), ("g_loss", g_loss), ("g_adv", g_adv), ("cycle", cycle),
                            ("identity", identity)):
            self._track(name, value)
        if self.penalty != "none":
            self._track("penalty", penalty)
        return {m.name: m.result() for m in self.metrics}

    def get_config(self) -> dict:
        nets = {k: keras.saving.serialize_keras_object(getattr(self, k)) for k in
                ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")}
        return {**self._base_config(), "cycle_weight": self.cycle_weight, "identity_weight": self.identity_weight,
                "pool_size": self.pool_size, **nets}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        return cls(**cls._nets(config, ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")))
