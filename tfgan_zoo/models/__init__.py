"""GAN models: one ``train_step`` (in :class:`GAN`) and variants that override hooks."""

from __future__ import annotations

from typing import Any

import keras

from ..choices import loss_rule
from .gan import GAN
from .gmmn import GMMN
from .translation import CycleGAN, ImagePool, Pix2Pix
from .variants import FGAN, LSGAN, WGAN, WGANGP, HingeGAN, MMDGAN, RelativisticGAN

# CLI/loss name -> (class, fixed constructor arguments); the same names as choices.LOSS_TABLE, which holds each
# loss's defaults and rules (tests/test_loss_table.py holds the two equal)
MODELS: dict[str, tuple[type[GAN], dict]] = {
    "gan": (GAN, {"generator_loss": "minimax"}),
    "nsgan": (GAN, {"generator_loss": "nonsaturating"}),
    "lsgan": (LSGAN, {}),
    "wgan": (WGAN, {}),
    "wgan-gp": (WGANGP, {}),
    "hinge": (HingeGAN, {}),
    # f-GAN (Nowozin et al. 2016): fgan-gan is the BCE GAN written as an f-GAN
    **{f"fgan-{d}": (FGAN, {"divergence": d}) for d in ("kl", "reverse-kl", "pearson", "hellinger", "js", "gan")},
    # relativistic (Jolicoeur-Martineau 2019)
    **{k: (RelativisticGAN, {"kind": k}) for k in ("rsgan", "ragan", "ralsgan")},
    # MMD GANs (Li et al. 2017; Bińkowski et al. 2018)
    "mmd": (MMDGAN, {"variant": "mmd"}),
    "mmd-gp": (MMDGAN, {"variant": "mmd-gp"}),
}


def n_critic_of(loss: str, n_critic: int | None = None) -> int:
    """The discriminator updates per generator step of a ``loss`` model: ``n_critic``, or the loss's default
    (5 for ``wgan``, ``wgan-gp``, ``mmd`` and ``mmd-gp``, else 1) when None.

    Parameters
    ----------
    loss : str
        A loss name, a key of ``MODELS`` (e.g. ``nsgan``, ``wgan-gp``, ``fgan-kl``, ``ragan``, ``mmd``).
    n_critic : int, optional
        The number asked for; None (default) takes the default of the loss's model class.

    Returns
    -------
    int
        Discriminator updates per generator update.

    Raises
    ------
    ValueError
        For an unknown loss name; the message lists the valid names.

    Examples
    --------
    >>> from tfgan_zoo import models
    >>> [models.n_critic_of(name) for name in ("wgan-gp", "wgan", "mmd", "nsgan", "hinge", "ragan")]
    [5, 5, 5, 1, 1, 1]
    >>> models.n_critic_of("wgan", n_critic=3)
    3
    >>> models.n_critic_of("wgangp")
    Traceback (most recent call last):
    ...
    ValueError: Unknown loss 'wgangp'. Valid losses: gan, nsgan, lsgan, wgan, wgan-gp, ...
    """
    return loss_rule(loss).n_critic if n_critic is None else int(n_critic)


def build_gan(loss: str, generator: keras.Model, discriminator: keras.Model, **kwargs: Any) -> GAN:
    """Build the GAN model for a loss name (``gan``, ``nsgan``, ``lsgan``, ``wgan``, ``wgan-gp``, ``hinge``).

    The f-GAN (``fgan-<divergence>``), relativistic (``rsgan``, ``ragan``, ``ralsgan``) and MMD (``mmd``,
    ``mmd-gp``) names of ``MODELS`` work too: each name maps to a model class and its fixed arguments.

    Parameters
    ----------
    loss : str
        A loss name, a key of ``MODELS``.
    generator : keras.Model
        The generator, noise ``z`` (plus any labels or codes) to images (see :class:`GAN`).
    discriminator : keras.Model
        The discriminator, images (plus any labels) to one logit per example (see :class:`GAN`).
    **kwargs
        Further constructor arguments of the model class (:class:`GAN` and its variants), e.g. ``latent_dim``,
        ``n_critic``, ``penalty`` or ``ema``; they must not repeat the fixed arguments ``MODELS`` gives the
        loss (such as ``generator_loss``, ``divergence``, ``kind`` or ``variant``).

    Returns
    -------
    GAN
        The model (an instance of :class:`GAN` or of the variant the loss names), not yet compiled.

    Raises
    ------
    ValueError
        For an unknown loss name; the message lists the valid names.

    Examples
    --------
    Tiny networks (noise of 4 numbers to 2-d points, points to one logit) give the class the loss names, with its
    fixed arguments and defaults:

    >>> import keras
    >>> from tfgan_zoo import models
    >>> generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> gan = models.build_gan("wgan-gp", generator, discriminator)
    >>> type(gan).__name__, isinstance(gan, models.GAN), gan.n_critic, gan.latent_dim
    ('WGANGP', True, 5, 4)
    >>> gan = models.build_gan("fgan-js", generator, discriminator, n_critic=2)
    >>> type(gan).__name__, gan.n_critic
    ('FGAN', 2)
    """
    loss_rule(loss)  # raises naming the valid losses
    cls, fixed = MODELS[loss]
    return cls(generator, discriminator, **fixed, **kwargs)


__all__ = ["GAN", "GMMN", "Pix2Pix", "CycleGAN", "ImagePool", "LSGAN", "WGAN", "WGANGP", "HingeGAN", "FGAN", "RelativisticGAN", "MMDGAN", "MODELS", "build_gan", "n_critic_of"]
