"""GAN variants as small subclasses of :class:`~tfgan_zoo.models.gan.GAN`.

Each overrides only the hooks that differ: its losses, its regulariser or
constraint, its reported discriminator output and its default optimizers.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import tensorflow as tf

from .. import losses as L
from .. import penalties as P
from ..choices import LOSS_TABLE
from .gan import GAN, PACKAGE


class _RawOutput:
    """Mixin: report the raw discriminator output (no sigmoid)."""

    def discriminator_output(self, logits):
        return tf.cast(logits, tf.float32)


@keras.saving.register_keras_serializable(package=PACKAGE)
class LSGAN(_RawOutput, GAN):
    """Least-squares GAN (Mao et al., 2017).

    ``L_D = 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]``,
    ``L_G = 1/2 E[(D(G(z)) - c)^2]``; defaults ``a=0, b=1, c=1``.
    Other arguments are those of :class:`~tfgan_zoo.models.gan.GAN`.

    Parameters
    ----------
    real_label : float
        ``b``, the discriminator's regression target on real images (default 1).
    fake_label : float
        ``a``, its target on generated images (default 0); must differ from ``real_label``. Progressive
        augmentation needs ``fake_label = -real_label`` (e.g. the paper's ``a=-1, b=1``).
    target_label : float
        ``c``, the value the generator wants the discriminator to output on its images (default 1).
    """

    loss_name = "lsgan"

    def __init__(self, *args: Any, real_label: float = 1.0, fake_label: float = 0.0,
                 target_label: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if real_label == fake_label:
            raise ValueError("LSGAN needs real_label != fake_label (they are the regression targets).")
        self.real_label = float(real_label)
        self.fake_label = float(fake_label)
        self.target_label = float(target_label)
        if self.progressive_bits:  # now that the labels are known
            self._check_progressive()

    @property
    def label_flip_symmetric(self) -> bool:
        """Only the coding ``a = -b`` makes the fake label's loss the real label's on the negated output."""
        return getattr(self, "real_label", 1.0) == -getattr(self, "fake_label", -1.0)

    @property
    def equilibrium_d_loss(self) -> float:
        return (self.real_label - self.fake_label) ** 2 / 4.0

    def discriminator_loss(self, real_logits, fake_logits):
        return L.least_squares_discriminator_loss(real_logits, fake_logits, self.real_label, self.fake_label)

    def generator_loss(self, fake_logits):
        return L.least_squares_generator_loss(fake_logits, self.target_label)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(real_label=self.real_label, fake_label=self.fake_label, target_label=self.target_label)
        return config


class _Wasserstein(_RawOutput, GAN):
    """Shared Wasserstein losses (critic ``E[f] - E[r]``, generator ``-E[f]``)."""

    default_n_critic = LOSS_TABLE["wgan"].n_critic

    @property
    def equilibrium_d_loss(self) -> None:
        return None

    def discriminator_loss(self, real_logits, fake_logits):
        return L.wasserstein_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits):
        return L.wasserstein_generator_loss(fake_logits)


@keras.saving.register_keras_serializable(package=PACKAGE)
class WGAN(_Wasserstein):
    """Wasserstein GAN with weight clipping (Arjovsky et al., 2017).

    After every critic update each critic weight is clipped to
    ``[-clip_value, clip_value]``. Paper defaults: ``clip_value=0.01``,
    RMSprop(5e-5) and ``n_critic=5``. ``constraint="sn"|"gn"|"gran"`` (or a penalty
    with ``constraint="none"``) replaces the clipping.
    """

    loss_name = "wgan"
    default_constraint = LOSS_TABLE["wgan"].constraint

    def default_optimizers(self):
        return (
            keras.optimizers.RMSprop(5e-5, name="d_rmsprop"),
            keras.optimizers.RMSprop(5e-5, name="g_rmsprop"),
        )


@keras.saving.register_keras_serializable(package=PACKAGE)
class WGANGP(_Wasserstein):
    """WGAN with gradient penalty (Gulrajani et al., 2017).

    ``L_D = E[f] - E[r] + lambda E[(||grad D(x_hat)||_2 - 1)^2]`` with
    ``x_hat = x + alpha (G(z) - x)``, ``alpha ~ U(0,1)`` per example.
    Paper defaults: ``lambda=10``, ``n_critic=5``, Adam(1e-4, 0, 0.9).
    ``gp_weight`` is ``penalty_weight``; ``penalty=`` picks another penalty.
    Other arguments are those of :class:`~tfgan_zoo.models.gan.GAN`.

    Parameters
    ----------
    gp_weight : float, optional
        lambda, the penalty's weight: another name for ``penalty_weight``, which it overrides when given.
        None (default): ``penalty_weight``, or the penalty's default (10).
    """

    loss_name = "wgan-gp"
    default_penalty = LOSS_TABLE["wgan-gp"].penalty

    def __init__(self, *args: Any, gp_weight: float | None = None, **kwargs: Any) -> None:
        if gp_weight is not None:
            kwargs["penalty_weight"] = gp_weight
        super().__init__(*args, **kwargs)

    @property
    def gp_weight(self) -> float:
        return self.penalty_weight

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9, name="d_adam"),
            keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9, name="g_adam"),
        )


@keras.saving.register_keras_serializable(package=PACKAGE)
class HingeGAN(_RawOutput, GAN):
    """Hinge-loss GAN (Lim & Ye, 2017; Miyato et al., 2018).

    ``L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]``, ``L_G = -E[D(G(z))]``.
    """

    loss_name = "hinge"

    @property
    def equilibrium_d_loss(self) -> float:
        return 2.0

    def discriminator_loss(self, real_logits, fake_logits):
        return L.hinge_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits):
        return L.hinge_generator_loss(fake_logits)


@keras.saving.register_keras_serializable(package=PACKAGE)
class FGAN(GAN):
    """f-GAN (Nowozin et al., 2016): any f-divergence as a GAN, through its variational bound.

    ``L_D = -E[g_f(D(x))] + E[f*(g_f(D(G(z))))]``; ``L_G = -E[g_f(D(G(z)))]``, or with ``saddle=True``
    ``L_G = -E[f*(g_f(D(G(z))))]`` (:func:`tfgan_zoo.losses.fgan_discriminator_loss` has the table of
    ``g_f`` and ``f*``). ``d_real``/``d_fake`` report the critic's ``T = g_f(v)``; ``-d_loss`` estimates the
    divergence between the data and the generator's distribution when the critic is optimal.

    Parameters
    ----------
    divergence : {"kl", "reverse-kl", "pearson", "hellinger", "js", "gan"}
        The f-divergence (``gan`` is the BCE GAN written as an f-GAN).
    saddle : bool
        The generator loss in its saddle-point form instead of ``-E[g_f]``.
    """

    label_flip_symmetric = False  # the conjugate's two sides differ: a label flip is not the logit's sign

    def __init__(self, *args: Any, divergence: str = "kl", saddle: bool = False, **kwargs: Any) -> None:
        L._check_divergence(divergence)
        self.divergence, self.saddle = divergence, bool(saddle)
        super().__init__(*args, **kwargs)

    @property
    def loss_name(self) -> str:
        return f"fgan-{self.divergence}"

    @property
    def equilibrium_d_loss(self) -> float:
        return 2 * math.log(2) if self.divergence == "gan" else 0.0  # f(1): 0 for the others

    def discriminator_output(self, logits):
        return L.fgan_activation(logits, self.divergence)

    def discriminator_loss(self, real_logits, fake_logits):
        return L.fgan_discriminator_loss(real_logits, fake_logits, self.divergence)

    def generator_loss(self, fake_logits):
        return L.fgan_generator_loss(fake_logits, self.divergence, saddle=self.saddle)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(divergence=self.divergence, saddle=self.saddle)
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class RelativisticGAN(_RawOutput, GAN):
    """Relativistic GANs (Jolicoeur-Martineau, 2019): the discriminator judges whether real images are more
    realistic than generated ones, and the generator's loss uses D on the real batch too.

    ``kind="rsgan"``: ``L_D = E[softplus(f_i - r_i)]``, ``L_G = E[softplus(r_i - f_i)]``;
    ``"ragan"``: ``L_D = E[softplus(mean f - r)] + E[softplus(f - mean r)]``, ``L_G`` with ``r`` and ``f`` swapped;
    ``"ralsgan"``: ``L_D = E[(r - mean f - 1)^2] + E[(f - mean r + 1)^2]``, ``L_G`` swapped
    (:mod:`tfgan_zoo.losses`). ``d_real``/``d_fake`` report the raw outputs.
    Other arguments are those of :class:`~tfgan_zoo.models.gan.GAN`.

    Parameters
    ----------
    kind : {"rsgan", "ragan", "ralsgan"}
        The relativistic loss (default ``ragan``), a key of :data:`tfgan_zoo.losses.RELATIVISTIC`.
    """

    generator_uses_real_logits = True

    label_flip_symmetric = False  # the losses compare real with fake logits: no per-sample label to flip

    def __init__(self, *args: Any, kind: str = "ragan", **kwargs: Any) -> None:
        if kind not in L.RELATIVISTIC:
            raise ValueError(f"Unknown relativistic loss {kind!r}. Valid: {', '.join(L.RELATIVISTIC)}.")
        self.kind = kind
        super().__init__(*args, **kwargs)

    @property
    def loss_name(self) -> str:
        return self.kind

    @property
    def equilibrium_d_loss(self) -> float:
        return L.RELATIVISTIC[self.kind][2]

    def discriminator_loss(self, real_logits, fake_logits):
        return L.RELATIVISTIC[self.kind][0](real_logits, fake_logits)

    def generator_loss(self, fake_logits, real_logits=None):
        if real_logits is None:
            raise ValueError("A relativistic generator loss needs the discriminator's logits on real images.")
        return L.RELATIVISTIC[self.kind][1](fake_logits, real_logits)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(kind=self.kind)
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class MMDGAN(GAN):
    """MMD GANs: the discriminator is a feature map ``phi`` and the loss a kernel distance between feature sets.

    ``variant="mmd"`` (Li et al., 2017): ``L_D = -MMD^2_u(phi(x), phi(G(z)))``, ``L_G = MMD^2_u(...)`` with the
    RBF mixture kernel (bandwidths ``sigmas``, default 1, 2, 4, 8, 16), no penalty by default.
    ``variant="mmd-gp"`` (Bińkowski et al., 2018): the rational-quadratic mixture plus linear kernel and a gradient
    penalty (weight 1) on the witness function
    ``w(x) = mean_i k(phi(x), phi(x_i)) - mean_j k(phi(x), phi(G(z_j)))`` at random interpolates.
    ``phi`` is the input of the discriminator's ``logit`` layer (``feature_layer`` picks another layer's output);
    ``MMD^2_u`` is :func:`tfgan_zoo.losses.mmd2` (the estimator KID uses). Unconditional only.
    Other arguments are those of :class:`~tfgan_zoo.models.gan.GAN`. The default ``n_critic`` is 5.

    Parameters
    ----------
    variant : {"mmd", "mmd-gp"}
        ``"mmd"`` (default): RBF mixture kernel, no penalty by default. ``"mmd-gp"``: rational-quadratic plus
        linear kernel and by default the ``gp`` penalty on the witness function, with weight 1 unless
        ``penalty_weight`` is given.
    sigmas : sequence of float
        Bandwidths of the RBF mixture kernel (``variant="mmd"``; unused by ``mmd-gp``), in the units of the
        features ``phi``; default 1, 2, 4, 8 and 16.
    """

    generator_uses_real_logits = True
    default_n_critic = LOSS_TABLE["mmd"].n_critic

    label_flip_symmetric = False  # a kernel distance between feature sets has no labels

    def __init__(self, *args: Any, variant: str = "mmd", sigmas=(1.0, 2.0, 4.0, 8.0, 16.0), **kwargs: Any) -> None:
        if variant not in ("mmd", "mmd-gp"):
            raise ValueError(f"Unknown MMD variant {variant!r}. Valid: mmd, mmd-gp.")
        self.variant, self.sigmas = variant, tuple(float(s) for s in sigmas)
        self.kernel = "rbf" if variant == "mmd" else "rq-linear"
        self.default_penalty = LOSS_TABLE[variant].penalty
        if variant == "mmd-gp":
            if kwargs.get("penalty_weight") is None and kwargs.get("penalty") in (None, "gp"):
                kwargs["penalty_weight"] = 1.0
        super().__init__(*args, **kwargs)
        if self.conditioning.mode is not None:
            raise ValueError("The MMD GANs here are unconditional; drop the conditioning.")
        self.phi = self._feature_extractor()
        if self.feature_layer is None:  # phi ends before the logit layer, which then gets no gradient: freeze it
            net = getattr(self.discriminator, "inner", self.discriminator)
            for layer in net.layers:
                if "logit" in (layer.name, getattr(getattr(layer, "layer", None), "name", None)):
                    layer.trainable = False

    @property
    def loss_name(self) -> str:
        return self.variant

    @property
    def equilibrium_d_loss(self) -> float:
        return 0.0  # E[MMD^2_u] = 0 when p_g = p_data

    def _kernel_args(self) -> dict:
        return {"sigmas": self.sigmas} if self.kernel == "rbf" else {}

    def _discriminate(self, x, cond, training: bool = True):
        return self.phi(self._d_inputs(x, None, training)[0], training=training), None

    def discriminator_output(self, features):
        return tf.reduce_mean(tf.cast(features, tf.float32), axis=-1)

    def discriminator_loss(self, real_features, fake_features):
        return L.mmd_discriminator_loss(real_features, fake_features, self.kernel, **self._kernel_args())

    def generator_loss(self, fake_features, real_logits=None):
        if real_logits is None:
            raise ValueError("The MMD generator loss needs the real images' features.")
        return L.mmd_generator_loss(fake_features, real_logits, self.kernel, **self._kernel_args())

    def discriminator_regularizer(self, real, fake, real_cond=None):
        """The penalty on the witness function (``variant="mmd-gp"``), or 0."""
        if self.penalty == "none":
            return tf.constant(0.0, tf.float32)
        k = L.MMD_KERNELS[self.kernel]
        f_real, f_fake = self._discriminate(real, None)[0], self._discriminate(fake, None)[0]

        def witness(x, training=True):
            fx = self._discriminate(x, None, training)[0]
            kw = self._kernel_args()
            return tf.reduce_mean(k(fx, f_real, **kw), axis=1) - tf.reduce_mean(k(fx, f_fake, **kw), axis=1)

        return P.PENALTIES[self.penalty][0](witness, real, fake, seed=self.seed_generator, weight=self.penalty_weight)

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9, name="d_adam"),
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9, name="g_adam"),
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(variant=self.variant, sigmas=list(self.sigmas))
        return config
