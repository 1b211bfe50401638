"""GAN losses as pure functions of discriminator logits.

Every function takes the raw (pre-activation) discriminator outputs, casts
them to float32 (so mixed-precision training keeps its losses in full
precision) and returns a scalar: the mean over the batch.

Notation: ``r = D(x)`` are the logits on real images, ``f = D(G(z))`` the
logits on generated images, ``sigma`` the logistic sigmoid and
``softplus(t) = log(1 + exp(t))``, so that ``-log(sigma(t)) = softplus(-t)``
and ``-log(1 - sigma(t)) = softplus(t)`` (numerically stable forms).
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import keras
from keras import ops

__all__ = [
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "nonsaturating_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "LossPair",
    "LOSSES",
    "get_loss_pair",
]


def _f32(x):
    return ops.cast(x, "float32")


def minimax_discriminator_loss(real_logits, fake_logits):
    """Binary cross-entropy discriminator loss (Goodfellow et al., 2014).

    ::

        L_D = -E[log sigma(r)] - E[log(1 - sigma(f))]
            = E[softplus(-r)] + E[softplus(f)]

    At the equilibrium ``D = 1/2`` everywhere this equals ``2 ln 2 ~ 1.386``.

    Examples
    --------
    Logits 0 everywhere are ``D = 1/2``, the equilibrium:

    >>> import numpy as np
    >>> round(float(minimax_discriminator_loss(np.zeros(4), np.zeros(4))), 4), round(2 * float(np.log(2)), 4)
    (1.3863, 1.3863)
    """
    r, f = _f32(real_logits), _f32(fake_logits)
    return ops.mean(ops.softplus(-r)) + ops.mean(ops.softplus(f))


def minimax_generator_loss(fake_logits):
    """Saturating (original minimax) generator loss.

    ``L_G = E[log(1 - sigma(f))] = -E[softplus(f)]``

    Its gradient vanishes when the discriminator confidently rejects the
    samples (``sigma(f) -> 0``), which is why it "saturates".
    At ``D = 1/2`` it equals ``-ln 2``.
    """
    return -ops.mean(ops.softplus(_f32(fake_logits)))


def nonsaturating_generator_loss(fake_logits):
    """Non-saturating generator loss (Goodfellow et al., 2014, section 3).

    ``L_G = -E[log sigma(f)] = E[softplus(-f)]``

    At ``D = 1/2`` it equals ``ln 2``.
    """
    return ops.mean(ops.softplus(-_f32(fake_logits)))


def least_squares_discriminator_loss(real_logits, fake_logits, real_label=1.0, fake_label=0.0):
    """Least-squares discriminator loss (LSGAN, Mao et al., 2017).

    ``L_D = 1/2 E[(r - b)^2] + 1/2 E[(f - a)^2]`` with ``b = real_label`` and
    ``a = fake_label`` (the "0-1 coding" ``a=0, b=1`` by default; the paper's
    Pearson-chi^2 setting is ``a=-1, b=1`` with generator target ``c=0``).

    With ``p_g = p_data`` the optimal output is ``(a + b) / 2`` and the loss
    equals ``(b - a)^2 / 4``.
    """
    r, f = _f32(real_logits), _f32(fake_logits)
    return 0.5 * ops.mean(ops.square(r - real_label)) + 0.5 * ops.mean(ops.square(f - fake_label))


def least_squares_generator_loss(fake_logits, target_label=1.0):
    """Least-squares generator loss (LSGAN): ``L_G = 1/2 E[(f - c)^2]``, ``c = target_label``."""
    return 0.5 * ops.mean(ops.square(_f32(fake_logits) - target_label))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Wasserstein critic loss (Arjovsky et al., 2017).

    ``L_D = E[f] - E[r]``: minimising it maximises ``E[r] - E[f]``, an estimate
    of the Wasserstein-1 distance when the critic is 1-Lipschitz.
    """
    return ops.mean(_f32(fake_logits)) - ops.mean(_f32(real_logits))


def wasserstein_generator_loss(fake_logits):
    """Wasserstein generator loss: ``L_G = -E[f]``."""
    return -ops.mean(_f32(fake_logits))


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss (Lim & Ye 2017; Miyato et al. 2018).

    ``L_D = E[max(0, 1 - r)] + E[max(0, 1 + f)]``

    With ``p_g = p_data`` every output in [-1, 1] is optimal and the loss is 2.
    """
    r, f = _f32(real_logits), _f32(fake_logits)
    return ops.mean(ops.relu(1.0 - r)) + ops.mean(ops.relu(1.0 + f))


def hinge_generator_loss(fake_logits):
    """Hinge-GAN generator loss: ``L_G = -E[f]``."""
    return -ops.mean(_f32(fake_logits))


class LossPair(NamedTuple):
    """A discriminator loss, a generator loss and the discriminator loss value
    at the theoretical equilibrium ``p_g = p_data`` (``None`` if there is none)."""

    discriminator: Callable
    generator: Callable
    equilibrium: float | None


LOSSES: dict[str, LossPair] = {
    "gan": LossPair(minimax_discriminator_loss, minimax_generator_loss, 2 * math.log(2)),
    "nsgan": LossPair(minimax_discriminator_loss, nonsaturating_generator_loss, 2 * math.log(2)),
    "lsgan": LossPair(least_squares_discriminator_loss, least_squares_generator_loss, 0.25),
    "wgan": LossPair(wasserstein_discriminator_loss, wasserstein_generator_loss, None),
    "wgan-gp": LossPair(wasserstein_discriminator_loss, wasserstein_generator_loss, None),
    "hinge": LossPair(hinge_discriminator_loss, hinge_generator_loss, 2.0),
}


def get_loss_pair(name: str) -> LossPair:
    """Return the :class:`LossPair` registered under ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not one of ``LOSSES``; the message lists the valid names.
    """
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(
            f"Unknown loss {name!r}. Valid losses: {', '.join(sorted(LOSSES))}."
        ) from None


del keras
