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
    "fgan_activation",
    "fgan_conjugate",
    "fgan_discriminator_loss",
    "fgan_generator_loss",
    "F_DIVERGENCES",
    "relativistic_discriminator_loss",
    "relativistic_generator_loss",
    "relativistic_average_discriminator_loss",
    "relativistic_average_generator_loss",
    "relativistic_average_least_squares_discriminator_loss",
    "relativistic_average_least_squares_generator_loss",
    "RELATIVISTIC",
    "rbf_mixture_kernel",
    "rational_quadratic_linear_kernel",
    "MMD_KERNELS",
    "mmd2",
    "mmd_discriminator_loss",
    "mmd_generator_loss",
    "LossPair",
    "LOSSES",
    "get_loss_pair",
]


def _f32(x):
    return ops.cast(x, "float32")


def minimax_discriminator_loss(real_logits, fake_logits, real_label: float = 1.0):
    """Binary cross-entropy discriminator loss (Goodfellow et al., 2014).

    ``real_label = t < 1`` is one-sided label smoothing (Salimans et al., 2016): the real term becomes the
    cross-entropy against ``t``, ``E[t softplus(-r) + (1 - t) softplus(r)]``; generated images keep target 0.

    ::

        L_D = -E[log sigma(r)] - E[log(1 - sigma(f))]
            = E[softplus(-r)] + E[softplus(f)]

    At the equilibrium ``D = 1/2`` everywhere this equals ``2 ln 2 ~ 1.386``.

    Parameters
    ----------
    real_logits : tensor-like
        Discriminator logits ``r`` on real images, any shape (e.g. ``(batch, 1)``); cast to float32.
    fake_logits : tensor-like
        Discriminator logits ``f`` on generated images, any shape; cast to float32.
    real_label : float
        Target ``t`` of the real images: 1 (default) is the plain loss, ``t < 1`` (e.g. 0.9) one-sided label
        smoothing. Generated images always have target 0.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    Logits 0 everywhere are ``D = 1/2``, the equilibrium:

    >>> import numpy as np
    >>> round(float(minimax_discriminator_loss(np.zeros(4), np.zeros(4))), 4), round(2 * float(np.log(2)), 4)
    (1.3863, 1.3863)

    Elsewhere it is the closed form ``mean(softplus(-r)) + mean(softplus(f))``; ``real_label=0.9`` smooths the
    real term:

    >>> from tfgan_zoo import losses
    >>> softplus = lambda t: np.log1p(np.exp(t))
    >>> r, f = np.array([1.0, 2.0]), np.array([-1.0, 0.5])
    >>> round(float(losses.minimax_discriminator_loss(r, f)), 4)
    0.8638
    >>> round(float(np.mean(softplus(-r)) + np.mean(softplus(f))), 4)
    0.8638
    >>> round(float(losses.minimax_discriminator_loss(r, f, real_label=0.9)), 4)
    1.0138
    >>> round(float(np.mean(0.9 * softplus(-r) + 0.1 * softplus(r)) + np.mean(softplus(f))), 4)
    1.0138
    """
    r, f = _f32(real_logits), _f32(fake_logits)
    if real_label == 1.0:
        return ops.mean(ops.softplus(-r)) + ops.mean(ops.softplus(f))
    return ops.mean(real_label * ops.softplus(-r) + (1.0 - real_label) * ops.softplus(r)) + ops.mean(ops.softplus(f))


def minimax_generator_loss(fake_logits):
    """Saturating (original minimax) generator loss.

    ``L_G = E[log(1 - sigma(f))] = -E[softplus(f)]``

    Its gradient vanishes when the discriminator confidently rejects the
    samples (``sigma(f) -> 0``), which is why it "saturates".
    At ``D = 1/2`` it equals ``-ln 2``.

    Parameters
    ----------
    fake_logits : tensor-like
        Discriminator logits ``f`` on generated images, any shape; cast to float32.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    At ``D = 1/2`` (logits 0) it is ``-ln 2``; elsewhere ``-mean(softplus(f))``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> round(float(losses.minimax_generator_loss(np.zeros(3))), 4), round(-float(np.log(2)), 4)
    (-0.6931, -0.6931)
    >>> f = np.array([-1.0, 0.5])
    >>> round(float(losses.minimax_generator_loss(f)), 4), round(float(-np.mean(np.log1p(np.exp(f)))), 4)
    (-0.6437, -0.6437)
    """
    return -ops.mean(ops.softplus(_f32(fake_logits)))


def nonsaturating_generator_loss(fake_logits):
    """Non-saturating generator loss (Goodfellow et al., 2014, section 3).

    ``L_G = -E[log sigma(f)] = E[softplus(-f)]``

    At ``D = 1/2`` it equals ``ln 2``.

    Parameters
    ----------
    fake_logits : tensor-like
        Discriminator logits ``f`` on generated images, any shape; cast to float32.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    At ``D = 1/2`` (logits 0) it is ``ln 2``; elsewhere ``mean(softplus(-f))``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> round(float(losses.nonsaturating_generator_loss(np.zeros(3))), 4), round(float(np.log(2)), 4)
    (0.6931, 0.6931)
    >>> f = np.array([-1.0, 0.5])
    >>> round(float(losses.nonsaturating_generator_loss(f)), 4), round(float(np.mean(np.log1p(np.exp(-f)))), 4)
    (0.8937, 0.8937)
    """
    return ops.mean(ops.softplus(-_f32(fake_logits)))


def least_squares_discriminator_loss(real_logits, fake_logits, real_label=1.0, fake_label=0.0):
    """Least-squares discriminator loss (LSGAN, Mao et al., 2017).

    ``L_D = 1/2 E[(r - b)^2] + 1/2 E[(f - a)^2]`` with ``b = real_label`` and
    ``a = fake_label`` (the "0-1 coding" ``a=0, b=1`` by default; the paper's
    Pearson-chi^2 setting is ``a=-1, b=1`` with generator target ``c=0``).

    With ``p_g = p_data`` the optimal output is ``(a + b) / 2`` and the loss
    equals ``(b - a)^2 / 4``.

    Parameters
    ----------
    real_logits : tensor-like
        Raw discriminator outputs ``r`` on real images, any shape; cast to float32.
    fake_logits : tensor-like
        Raw discriminator outputs ``f`` on generated images, any shape; cast to float32.
    real_label : float
        ``b``, the regression target of real images (default 1).
    fake_label : float
        ``a``, the regression target of generated images (default 0).

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    ``1/2 mean((r - 1)^2) + 1/2 mean(f^2) = 1/2 * 0.5 + 1/2 * 0.625`` with the default 0-1 coding:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> round(float(losses.least_squares_discriminator_loss(np.array([1.0, 2.0]), np.array([-1.0, 0.5]))), 4)
    0.5625

    With ``a = -1, b = 1`` the optimal output at ``p_g = p_data`` is 0 and the loss ``(b - a)^2 / 4 = 1``:

    >>> round(float(losses.least_squares_discriminator_loss(np.zeros(3), np.zeros(3), fake_label=-1.0)), 4)
    1.0
    """
    r, f = _f32(real_logits), _f32(fake_logits)
    return 0.5 * ops.mean(ops.square(r - real_label)) + 0.5 * ops.mean(ops.square(f - fake_label))


def least_squares_generator_loss(fake_logits, target_label=1.0):
    """Least-squares generator loss (LSGAN): ``L_G = 1/2 E[(f - c)^2]``, ``c = target_label``.

    Parameters
    ----------
    fake_logits : tensor-like
        Raw discriminator outputs ``f`` on generated images, any shape; cast to float32.
    target_label : float
        ``c``, the value the generator wants the discriminator to output on its images (default 1).

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    ``1/2 mean((f - 1)^2) = 1/2 * (4 + 0.25) / 2``, and against the target ``c = 0``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> f = np.array([-1.0, 0.5])
    >>> round(float(losses.least_squares_generator_loss(f)), 4)
    1.0625
    >>> round(float(losses.least_squares_generator_loss(f, target_label=0.0)), 4)
    0.3125
    """
    return 0.5 * ops.mean(ops.square(_f32(fake_logits) - target_label))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Wasserstein critic loss (Arjovsky et al., 2017).

    ``L_D = E[f] - E[r]``: minimising it maximises ``E[r] - E[f]``, an estimate
    of the Wasserstein-1 distance when the critic is 1-Lipschitz.

    Parameters
    ----------
    real_logits : tensor-like
        Critic outputs ``r`` on real images, any shape; cast to float32.
    fake_logits : tensor-like
        Critic outputs ``f`` on generated images, any shape; cast to float32.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    ``mean(f) - mean(r) = -0.25 - 1.5``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> round(float(losses.wasserstein_discriminator_loss(np.array([1.0, 2.0]), np.array([-1.0, 0.5]))), 4)
    -1.75
    """
    return ops.mean(_f32(fake_logits)) - ops.mean(_f32(real_logits))


def wasserstein_generator_loss(fake_logits):
    """Wasserstein generator loss: ``L_G = -E[f]``.

    Parameters
    ----------
    fake_logits : tensor-like
        Critic outputs ``f`` on generated images, any shape; cast to float32.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    ``-mean(f)``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> round(float(losses.wasserstein_generator_loss(np.array([-1.0, 0.5]))), 4)
    0.25
    """
    return -ops.mean(_f32(fake_logits))


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss (Lim & Ye 2017; Miyato et al. 2018).

    ``L_D = E[max(0, 1 - r)] + E[max(0, 1 + f)]``

    With ``p_g = p_data`` every output in [-1, 1] is optimal and the loss is 2.

    Parameters
    ----------
    real_logits : tensor-like
        Discriminator logits ``r`` on real images, any shape (e.g. ``(batch, 1)``); cast to float32.
    fake_logits : tensor-like
        Discriminator logits ``f`` on generated images, any shape; cast to float32.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    ``mean(max(0, 1 - [2, 0.5])) + mean(max(0, 1 + [-3, 0])) = 0.25 + 0.5``; equal outputs in [-1, 1]
    give 2:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> round(float(losses.hinge_discriminator_loss(np.array([2.0, 0.5]), np.array([-3.0, 0.0]))), 4)
    0.75
    >>> round(float(losses.hinge_discriminator_loss(np.full(3, 0.3), np.full(3, 0.3))), 4)
    2.0
    """
    r, f = _f32(real_logits), _f32(fake_logits)
    return ops.mean(ops.relu(1.0 - r)) + ops.mean(ops.relu(1.0 + f))


def hinge_generator_loss(fake_logits):
    """Hinge-GAN generator loss: ``L_G = -E[f]``.

    Parameters
    ----------
    fake_logits : tensor-like
        Discriminator logits ``f`` on generated images, any shape; cast to float32.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    ``-mean(f)``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> round(float(losses.hinge_generator_loss(np.array([-1.0, 0.5]))), 4)
    0.25
    """
    return -ops.mean(_f32(fake_logits))


# ------------------------------------------------------------------------------------------- f-GAN
#: exp arguments are clipped to [-EXP_LIMIT, EXP_LIMIT] in float32: exp(80) ~ 5.5e34, so a batch mean of up to
#: 6,000 such terms stays below float32's 3.4e38 (a critic that far out has diverged anyway)
EXP_LIMIT = 80.0
F_DIVERGENCES = ("kl", "reverse-kl", "pearson", "hellinger", "js", "gan")


def _check_divergence(divergence: str) -> None:
    if divergence not in F_DIVERGENCES:
        raise ValueError(f"Unknown f-divergence {divergence!r}. Valid: {', '.join(F_DIVERGENCES)}.")


def fgan_activation(v, divergence: str):
    """The output activation ``T = g_f(v)`` of the f-GAN critic (Nowozin et al. 2016, Table 6).

    ==========  =========================  ======================  ===========================
    divergence  f(u)                       g_f(v)                  f*(g_f(v)) (composed form)
    ==========  =========================  ======================  ===========================
    kl          u log u                    v                       exp(v - 1)
    reverse-kl  -log u                     -exp(-v)                v - 1
    pearson     (u - 1)^2                  v                       v^2 / 4 + v
    hellinger   (sqrt(u) - 1)^2            1 - exp(-v)             exp(v) - 1
    js          -(u+1) log((1+u)/2)        log 2 - softplus(-v)    softplus(v) - log 2
                + u log u
    gan         u log u - (u+1) log(u+1)   -softplus(-v)           softplus(v)
    ==========  =========================  ======================  ===========================

    ``v`` is cast to float32; exponentials take arguments clipped to ``[-EXP_LIMIT, EXP_LIMIT]``.

    Parameters
    ----------
    v : tensor-like
        Raw critic outputs (logits), any shape.
    divergence : {"kl", "reverse-kl", "pearson", "hellinger", "js", "gan"}
        The f-divergence, a row of the table (one of ``F_DIVERGENCES``).

    Returns
    -------
    tensor
        ``T = g_f(v)``, float32, elementwise (the shape of ``v``).

    Raises
    ------
    ValueError
        If ``divergence`` is not one of ``F_DIVERGENCES``.

    Examples
    --------
    The ``js`` row, ``log 2 - softplus(-v)``, and the ``reverse-kl`` one, ``-exp(-v)``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> v = np.array([-1.0, 0.0, 2.0])
    >>> np.round(np.asarray(losses.fgan_activation(v, "js"), dtype=float), 4).tolist()
    [-0.6201, 0.0, 0.5662]
    >>> np.round(np.log(2) - np.log1p(np.exp(-v)), 4).tolist()
    [-0.6201, 0.0, 0.5662]
    >>> np.allclose(losses.fgan_activation(v, "reverse-kl"), -np.exp(-v))
    True
    >>> losses.fgan_activation(v, "chi2")
    Traceback (most recent call last):
    ...
    ValueError: Unknown f-divergence 'chi2'. Valid: kl, reverse-kl, pearson, hellinger, js, gan.
    """
    _check_divergence(divergence)
    v = _f32(v)
    if divergence in ("kl", "pearson"):
        return v
    if divergence == "reverse-kl":
        return -ops.exp(-ops.clip(v, -EXP_LIMIT, EXP_LIMIT))
    if divergence == "hellinger":
        return 1.0 - ops.exp(-ops.clip(v, -EXP_LIMIT, EXP_LIMIT))
    if divergence == "js":
        return math.log(2.0) - ops.softplus(-v)
    return -ops.softplus(-v)  # gan


def fgan_conjugate(v, divergence: str):
    """``f*(g_f(v))``, the Fenchel conjugate at the activated output, in its composed closed form.

    Composed, never ``f*`` applied to a rounded ``g_f(v)``: for Hellinger at ``v = 20``, ``g_f(v) = 1 - 2e-9``
    rounds to 1 in float32 and ``f*(t) = t / (1 - t)`` would be infinite, while ``exp(v) - 1`` is exact.
    Table in :func:`fgan_activation`.

    Parameters
    ----------
    v : tensor-like
        Raw critic outputs (logits), any shape.
    divergence : {"kl", "reverse-kl", "pearson", "hellinger", "js", "gan"}
        The f-divergence, a row of the table (one of ``F_DIVERGENCES``).

    Returns
    -------
    tensor
        ``f*(g_f(v))``, float32, elementwise (the shape of ``v``).

    Raises
    ------
    ValueError
        If ``divergence`` is not one of ``F_DIVERGENCES``.

    Examples
    --------
    The ``kl`` row is ``exp(v - 1)``; the Hellinger one stays finite at ``v = 20``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> v = np.array([-1.0, 0.0, 2.0])
    >>> np.allclose(losses.fgan_conjugate(v, "kl"), np.exp(v - 1))
    True
    >>> np.allclose(losses.fgan_conjugate(20.0, "hellinger"), np.exp(20.0) - 1.0)
    True
    """
    _check_divergence(divergence)
    v = _f32(v)
    if divergence == "kl":
        return ops.exp(ops.clip(v, -EXP_LIMIT, EXP_LIMIT) - 1.0)
    if divergence == "reverse-kl":
        return v - 1.0
    if divergence == "pearson":
        return ops.square(v) / 4.0 + v
    if divergence == "hellinger":
        return ops.exp(ops.clip(v, -EXP_LIMIT, EXP_LIMIT)) - 1.0
    if divergence == "js":
        return ops.softplus(v) - math.log(2.0)
    return ops.softplus(v)  # gan


def fgan_discriminator_loss(real_logits, fake_logits, divergence: str = "kl"):
    """f-GAN critic loss: ``L_D = -E[g_f(r)] + E[f*(g_f(f))]``.

    Minimising it maximises the variational lower bound ``E_P[T] - E_Q[f*(T)] <= D_f(P || Q)`` of
    Nowozin et al. (2016) with ``T = g_f(v)``, ``P`` the data and ``Q`` the generator: at the optimum
    ``-L_D`` estimates the divergence. When ``p_g = p_data`` the optimal ``T`` is ``f'(1)`` and
    ``L_D = f(1)``: 0 for every row but ``gan`` (``2 ln 2``, the BCE loss).

    Parameters
    ----------
    real_logits : tensor-like
        Raw critic outputs ``r`` (before ``g_f``) on real images, any shape.
    fake_logits : tensor-like
        Raw critic outputs ``f`` (before ``g_f``) on generated images, any shape.
    divergence : {"kl", "reverse-kl", "pearson", "hellinger", "js", "gan"}
        The f-divergence (default ``kl``); table in :func:`fgan_activation`.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Raises
    ------
    ValueError
        If ``divergence`` is not one of ``F_DIVERGENCES``.

    Examples
    --------
    At ``p_g = p_data`` with the optimal critic (``g_f(v) = f'(1)``: ``v = 1`` for ``kl``, ``v = 0`` for the
    others) the loss is ``f(1)``, 0 but for ``gan`` (``2 ln 2``):

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> round(float(losses.fgan_discriminator_loss(np.ones(4), np.ones(4), "kl")), 4)
    0.0
    >>> zeros = np.zeros(4)
    >>> [round(float(losses.fgan_discriminator_loss(zeros, zeros, d)), 4)
    ...  for d in ("reverse-kl", "pearson", "hellinger", "js", "gan")]
    [0.0, 0.0, 0.0, 0.0, 1.3863]
    """
    return -ops.mean(fgan_activation(real_logits, divergence)) + ops.mean(fgan_conjugate(fake_logits, divergence))


def fgan_generator_loss(fake_logits, divergence: str = "kl", saddle: bool = False):
    """f-GAN generator loss: ``L_G = -E[g_f(f)]`` (Nowozin et al.'s practical form, the default), or with
    ``saddle=True`` the saddle-point form ``L_G = -E[f*(g_f(f))]`` (for ``gan``: the non-saturating and the
    saturating minimax losses).

    Parameters
    ----------
    fake_logits : tensor-like
        Raw critic outputs ``f`` (before ``g_f``) on generated images, any shape.
    divergence : {"kl", "reverse-kl", "pearson", "hellinger", "js", "gan"}
        The f-divergence (default ``kl``); table in :func:`fgan_activation`.
    saddle : bool
        False (default): the practical form ``-E[g_f(f)]``; True: the saddle-point form ``-E[f*(g_f(f))]``.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Raises
    ------
    ValueError
        If ``divergence`` is not one of ``F_DIVERGENCES``.

    Examples
    --------
    For ``gan`` the practical form is the non-saturating loss and the saddle-point form the minimax one:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> v = np.array([-1.0, 0.0, 2.0])
    >>> practical, saddle = losses.fgan_generator_loss(v, "gan"), losses.fgan_generator_loss(v, "gan", saddle=True)
    >>> round(float(practical), 4), round(float(losses.nonsaturating_generator_loss(v)), 4)
    (0.7111, 0.7111)
    >>> round(float(saddle), 4), round(float(losses.minimax_generator_loss(v)), 4)
    (-1.0444, -1.0444)
    """
    if saddle:
        return -ops.mean(fgan_conjugate(fake_logits, divergence))
    return -ops.mean(fgan_activation(fake_logits, divergence))


# ------------------------------------------------------------------------------------ relativistic GANs
def _batch_mean(x):
    """The mean over the batch (axis 0), one per score column, broadcastable against ``x``."""
    return ops.mean(x, axis=0, keepdims=True)


def relativistic_discriminator_loss(real_logits, fake_logits):
    """Relativistic standard GAN (RSGAN; Jolicoeur-Martineau, 2019): ``L_D = E[softplus(-(r_i - f_i))]``.

    ``sigma(r - f)`` is the probability that a real image is more realistic than a generated one, over
    pairs ``(r_i, f_i)`` of the batch. At ``p_g = p_data`` (``r = f``) it is ``ln 2``.

    Parameters
    ----------
    real_logits : tensor-like
        Discriminator logits ``r`` on real images, e.g. ``(batch, 1)``; cast to float32.
    fake_logits : tensor-like
        Discriminator logits ``f`` on generated images, the shape of ``real_logits`` (compared pairwise).

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    ``mean(softplus(f - r))`` over the pairs, and ``ln 2`` when ``r = f``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> r, f = np.array([[1.0], [2.0]]), np.array([[0.0], [-1.0]])
    >>> round(float(losses.relativistic_discriminator_loss(r, f)), 4), round(float(np.mean(np.log1p(np.exp(f - r)))), 4)
    (0.1809, 0.1809)
    >>> round(float(losses.relativistic_discriminator_loss(r, r)), 4)
    0.6931
    """
    r, f = _f32(real_logits), _f32(fake_logits)
    return ops.mean(ops.softplus(f - r))


def relativistic_generator_loss(fake_logits, real_logits):
    """RSGAN generator loss: ``L_G = E[softplus(-(f_i - r_i))]`` (the discriminator's, roles swapped).

    Parameters
    ----------
    fake_logits : tensor-like
        Discriminator logits ``f`` on generated images, e.g. ``(batch, 1)``; cast to float32.
    real_logits : tensor-like
        Discriminator logits ``r`` on real images, the shape of ``fake_logits`` (compared pairwise).

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    ``mean(softplus(r - f))``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> r, f = np.array([[1.0], [2.0]]), np.array([[0.0], [-1.0]])
    >>> round(float(losses.relativistic_generator_loss(f, r)), 4), round(float(np.mean(np.log1p(np.exp(r - f)))), 4)
    (2.1809, 2.1809)
    """
    return relativistic_discriminator_loss(fake_logits, real_logits)


def relativistic_average_discriminator_loss(real_logits, fake_logits):
    """Relativistic average GAN (RaGAN): ``L_D = E[softplus(-(r - mean f))] + E[softplus(f - mean r)]``.

    Each real logit is compared with the mean fake logit and each fake with the mean real one
    (Jolicoeur-Martineau, 2019, eq. 7-8). At ``p_g = p_data`` it is ``2 ln 2``. The means are over the batch,
    per score column (a cascading-rejection discriminator has several).

    Parameters
    ----------
    real_logits : tensor-like
        Discriminator logits ``r`` on real images, ``(batch, k)`` (``k`` score columns, usually 1).
    fake_logits : tensor-like
        Discriminator logits ``f`` on generated images, ``(batch', k)``; the batch sizes may differ.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    Against its closed form (``mean f = -0.5``, ``mean r = 1.5``), and ``2 ln 2`` for equal constant outputs:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> softplus = lambda t: np.log1p(np.exp(t))
    >>> r, f = np.array([[1.0], [2.0]]), np.array([[0.0], [-1.0]])
    >>> round(float(losses.relativistic_average_discriminator_loss(r, f)), 4)
    0.2803
    >>> round(float(np.mean(softplus(f.mean() - r)) + np.mean(softplus(f - r.mean()))), 4)
    0.2803
    >>> round(float(losses.relativistic_average_discriminator_loss(np.ones((3, 1)), np.ones((3, 1)))), 4)
    1.3863
    """
    r, f = _f32(real_logits), _f32(fake_logits)
    return ops.mean(ops.softplus(_batch_mean(f) - r)) + ops.mean(ops.softplus(f - _batch_mean(r)))


def relativistic_average_generator_loss(fake_logits, real_logits):
    """RaGAN generator loss: ``L_G = E[softplus(-(f - mean r))] + E[softplus(r - mean f)]``.

    Parameters
    ----------
    fake_logits : tensor-like
        Discriminator logits ``f`` on generated images, ``(batch, k)`` (``k`` score columns, usually 1).
    real_logits : tensor-like
        Discriminator logits ``r`` on real images, ``(batch', k)``; the batch sizes may differ.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    Against its closed form:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> softplus = lambda t: np.log1p(np.exp(t))
    >>> r, f = np.array([[1.0], [2.0]]), np.array([[0.0], [-1.0]])
    >>> round(float(losses.relativistic_average_generator_loss(f, r)), 4)
    4.2803
    >>> round(float(np.mean(softplus(r.mean() - f)) + np.mean(softplus(r - f.mean()))), 4)
    4.2803
    """
    return relativistic_average_discriminator_loss(fake_logits, real_logits)


def relativistic_average_least_squares_discriminator_loss(real_logits, fake_logits):
    """Relativistic average LSGAN (RaLSGAN): ``L_D = E[(r - mean f - 1)^2] + E[(f - mean r + 1)^2]``.

    At ``p_g = p_data`` with a constant output it is 2.

    Parameters
    ----------
    real_logits : tensor-like
        Discriminator logits ``r`` on real images, ``(batch, k)`` (``k`` score columns, usually 1).
    fake_logits : tensor-like
        Discriminator logits ``f`` on generated images, ``(batch', k)``; the batch sizes may differ.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    ``mean([0.5, 1.5]^2) + mean([-0.5, -1.5]^2) = 1.25 + 1.25`` (``mean f = -0.5``, ``mean r = 1.5``), and 2 for
    equal constant outputs:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> r, f = np.array([[1.0], [2.0]]), np.array([[0.0], [-1.0]])
    >>> round(float(losses.relativistic_average_least_squares_discriminator_loss(r, f)), 4)
    2.5
    >>> round(float(losses.relativistic_average_least_squares_discriminator_loss(np.ones((3, 1)), np.ones((3, 1)))), 4)
    2.0
    """
    r, f = _f32(real_logits), _f32(fake_logits)
    return ops.mean(ops.square(r - _batch_mean(f) - 1.0)) + ops.mean(ops.square(f - _batch_mean(r) + 1.0))


def relativistic_average_least_squares_generator_loss(fake_logits, real_logits):
    """RaLSGAN generator loss: ``L_G = E[(f - mean r - 1)^2] + E[(r - mean f + 1)^2]``.

    Parameters
    ----------
    fake_logits : tensor-like
        Discriminator logits ``f`` on generated images, ``(batch, k)`` (``k`` score columns, usually 1).
    real_logits : tensor-like
        Discriminator logits ``r`` on real images, ``(batch', k)``; the batch sizes may differ.

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    ``mean([-2.5, -3.5]^2) + mean([2.5, 3.5]^2) = 9.25 + 9.25``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> r, f = np.array([[1.0], [2.0]]), np.array([[0.0], [-1.0]])
    >>> round(float(losses.relativistic_average_least_squares_generator_loss(f, r)), 4)
    18.5
    """
    return relativistic_average_least_squares_discriminator_loss(fake_logits, real_logits)


#: relativistic loss name -> (discriminator loss, generator loss (fake, real), D loss at p_g = p_data)
RELATIVISTIC = {
    "rsgan": (relativistic_discriminator_loss, relativistic_generator_loss, math.log(2)),
    "ragan": (relativistic_average_discriminator_loss, relativistic_average_generator_loss, 2 * math.log(2)),
    "ralsgan": (relativistic_average_least_squares_discriminator_loss,
                relativistic_average_least_squares_generator_loss, 2.0),
}


# ------------------------------------------------------------------------------------------------- MMD
def _flat(x):
    x = _f32(x)
    return ops.reshape(x, (ops.shape(x)[0], -1))


def _squared_distances(x, y):
    """``||x_i - y_j||^2`` for rows of ``x`` (m, d) and ``y`` (n, d), clipped at 0 against round-off."""
    xx = ops.sum(ops.square(x), axis=1)[:, None]
    yy = ops.sum(ops.square(y), axis=1)[None, :]
    return ops.maximum(xx + yy - 2.0 * ops.matmul(x, ops.transpose(y)), 0.0)


def rbf_mixture_kernel(x, y, sigmas=(1.0, 2.0, 4.0, 8.0, 16.0)):
    """``k(x, y) = sum_s exp(-||x - y||^2 / (2 s^2))`` over the bandwidths ``sigmas`` (Li et al., 2017); each
    bandwidth a number or a scalar tensor.

    Parameters
    ----------
    x : tensor-like
        ``m`` samples, shape ``(m, ...)``, flattened to ``(m, d)`` and cast to float32.
    y : tensor-like
        ``n`` samples, shape ``(n, ...)``, flattened to ``(n, d)`` (the same ``d``).
    sigmas : sequence of float or scalar tensors
        The bandwidths ``s``, in the units of the (flattened) features; default 1, 2, 4, 8 and 16.

    Returns
    -------
    tensor
        The kernel matrix ``k(x_i, y_j)``, float32, shape ``(m, n)``.

    Examples
    --------
    Two points at distance 5 with the one bandwidth 5: ``exp(-25 / 50)`` off the diagonal:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> x = np.array([[0.0, 0.0], [3.0, 4.0]])
    >>> np.round(np.asarray(losses.rbf_mixture_kernel(x, x, sigmas=(5.0,)), dtype=float), 4).tolist()
    [[1.0, 0.6065], [0.6065, 1.0]]
    >>> round(float(np.exp(-0.5)), 4)
    0.6065

    With the five default bandwidths the diagonal is 5:

    >>> np.round(np.diagonal(np.asarray(losses.rbf_mixture_kernel(x, x), dtype=float)), 4).tolist()
    [5.0, 5.0]
    """
    d2 = _squared_distances(_flat(x), _flat(y))
    return sum(ops.exp(-d2 / (2.0 * ops.square(ops.cast(s, d2.dtype)))) for s in sigmas)


def rational_quadratic_linear_kernel(x, y, alphas=(0.2, 0.5, 1.0, 2.0, 5.0)):
    """``k(x, y) = sum_a (1 + ||x - y||^2 / (2 a))^(-a) + x . y``: the mixture of rational-quadratic kernels
    plus a linear kernel of Bińkowski et al. (2018).

    Parameters
    ----------
    x : tensor-like
        ``m`` samples, shape ``(m, ...)``, flattened to ``(m, d)`` and cast to float32.
    y : tensor-like
        ``n`` samples, shape ``(n, ...)``, flattened to ``(n, d)`` (the same ``d``).
    alphas : sequence of float
        The rational-quadratic shape parameters ``a`` (> 0); default 0.2, 0.5, 1, 2 and 5.

    Returns
    -------
    tensor
        The kernel matrix ``k(x_i, y_j)``, float32, shape ``(m, n)``.

    Examples
    --------
    With one ``a = 1``: ``1 / (1 + 25 / 2) ~ 0.0741`` between the two points, ``1 + x . x`` on the diagonal:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> x = np.array([[0.0, 0.0], [3.0, 4.0]])
    >>> np.round(np.asarray(losses.rational_quadratic_linear_kernel(x, x, alphas=(1.0,)), dtype=float), 4).tolist()
    [[1.0, 0.0741], [0.0741, 26.0]]
    """
    x, y = _flat(x), _flat(y)
    d2 = _squared_distances(x, y)
    return sum(ops.power(1.0 + d2 / (2.0 * float(a)), -float(a)) for a in alphas) + ops.matmul(x, ops.transpose(y))


MMD_KERNELS = {"rbf": rbf_mixture_kernel, "rq-linear": rational_quadratic_linear_kernel}


def mmd2(x, y, kernel: str = "rbf", **kernel_args):
    """Unbiased ``MMD^2`` between the rows of ``x`` and ``y`` (flattened) with a kernel of ``MMD_KERNELS``; the
    estimator is :func:`tfgan_zoo.mmd.mmd2_unbiased_from_kernels`, the one KID uses.

    Parameters
    ----------
    x : tensor-like
        ``m >= 2`` samples, shape ``(m, ...)``.
    y : tensor-like
        ``n >= 2`` samples, shape ``(n, ...)``, of the same size per sample as ``x``.
    kernel : {"rbf", "rq-linear"}
        The kernel, a key of ``MMD_KERNELS``: :func:`rbf_mixture_kernel` (default) or
        :func:`rational_quadratic_linear_kernel`.
    **kernel_args
        Passed to the kernel (``sigmas`` for ``rbf``, ``alphas`` for ``rq-linear``).

    Returns
    -------
    tensor
        Scalar float32 ``MMD^2_u``; unbiased, so it can be slightly negative.

    Raises
    ------
    ValueError
        If ``kernel`` is not a key of ``MMD_KERNELS``.

    Examples
    --------
    Two points at 0 against two at 1, one bandwidth 1: ``1 + 1 - 2 exp(-1/2)``; with ``rq-linear`` and one
    ``a = 1``: ``1 + 2 - 2 * 2/3``:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> x, y = np.zeros((2, 1)), np.ones((2, 1))
    >>> round(float(losses.mmd2(x, y, sigmas=(1.0,))), 4), round(2 - 2 * float(np.exp(-0.5)), 4)
    (0.7869, 0.7869)
    >>> round(float(losses.mmd2(x, y, kernel="rq-linear", alphas=(1.0,))), 4)
    1.6667
    >>> losses.mmd2(x, y, kernel="gaussian")
    Traceback (most recent call last):
    ...
    ValueError: Unknown MMD kernel 'gaussian'. Valid: rbf, rq-linear.
    """
    from .mmd import mmd2_unbiased_from_kernels

    if kernel not in MMD_KERNELS:
        raise ValueError(f"Unknown MMD kernel {kernel!r}. Valid: {', '.join(MMD_KERNELS)}.")
    k = MMD_KERNELS[kernel]
    return mmd2_unbiased_from_kernels(k(x, x, **kernel_args), k(y, y, **kernel_args), k(x, y, **kernel_args), ops)


def mmd_discriminator_loss(real_features, fake_features, kernel: str = "rbf", **kernel_args):
    """MMD GAN critic loss: ``L_D = -MMD^2(phi(x), phi(G(z)))`` (the feature map ``phi`` maximises it).

    Parameters
    ----------
    real_features : tensor-like
        Features ``phi(x)`` of ``m >= 2`` real images, shape ``(m, ...)``.
    fake_features : tensor-like
        Features ``phi(G(z))`` of ``n >= 2`` generated images, shape ``(n, ...)``.
    kernel : {"rbf", "rq-linear"}
        The kernel, a key of ``MMD_KERNELS``: :func:`rbf_mixture_kernel` (default) or
        :func:`rational_quadratic_linear_kernel`.
    **kernel_args
        Passed to the kernel (``sigmas`` for ``rbf``, ``alphas`` for ``rq-linear``).

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    Minus the ``MMD^2`` of :func:`mmd2` (two points at 0 against two at 1: ``2 - 2 exp(-1/2)``):

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> round(float(losses.mmd_discriminator_loss(np.zeros((2, 1)), np.ones((2, 1)), sigmas=(1.0,))), 4)
    -0.7869
    """
    return -mmd2(real_features, fake_features, kernel, **kernel_args)


def mmd_generator_loss(fake_features, real_features, kernel: str = "rbf", **kernel_args):
    """MMD GAN generator loss: ``L_G = MMD^2(phi(x), phi(G(z)))``.

    Parameters
    ----------
    fake_features : tensor-like
        Features ``phi(G(z))`` of ``n >= 2`` generated images, shape ``(n, ...)``.
    real_features : tensor-like
        Features ``phi(x)`` of ``m >= 2`` real images, shape ``(m, ...)``.
    kernel : {"rbf", "rq-linear"}
        The kernel, a key of ``MMD_KERNELS``: :func:`rbf_mixture_kernel` (default) or
        :func:`rational_quadratic_linear_kernel`.
    **kernel_args
        Passed to the kernel (``sigmas`` for ``rbf``, ``alphas`` for ``rq-linear``).

    Returns
    -------
    tensor
        Scalar float32 loss.

    Examples
    --------
    The ``MMD^2`` of :func:`mmd2` (two points at 0 against two at 1: ``2 - 2 exp(-1/2)``):

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> round(float(losses.mmd_generator_loss(np.ones((2, 1)), np.zeros((2, 1)), sigmas=(1.0,))), 4)
    0.7869
    """
    return mmd2(real_features, fake_features, kernel, **kernel_args)


class LossPair(NamedTuple):
    """A discriminator loss, a generator loss and the discriminator loss value
    at the theoretical equilibrium ``p_g = p_data`` (``None`` if there is none).

    Examples
    --------
    The LSGAN pair reaches its equilibrium value at the optimal output 1/2; WGAN has none:

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> pair = losses.LOSSES["lsgan"]
    >>> pair.equilibrium, round(float(pair.discriminator(np.full(3, 0.5), np.full(3, 0.5))), 4)
    (0.25, 0.25)
    >>> losses.LOSSES["wgan"].equilibrium is None
    True
    """

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

    Parameters
    ----------
    name : str
        A key of ``LOSSES``: ``gan``, ``nsgan``, ``lsgan``, ``wgan``, ``wgan-gp`` or ``hinge``.

    Returns
    -------
    LossPair
        The discriminator loss, the generator loss and the discriminator loss at equilibrium.

    Raises
    ------
    ValueError
        If ``name`` is not one of ``LOSSES``; the message lists the valid names.

    Examples
    --------
    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> pair = losses.get_loss_pair("hinge")
    >>> pair.generator is losses.hinge_generator_loss, pair.equilibrium
    (True, 2.0)
    >>> round(float(pair.discriminator(np.zeros(3), np.zeros(3))), 4)
    2.0
    >>> losses.get_loss_pair("wgangp")
    Traceback (most recent call last):
    ...
    ValueError: Unknown loss 'wgangp'. Valid losses: gan, hinge, lsgan, nsgan, wgan, wgan-gp.
    """
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(
            f"Unknown loss {name!r}. Valid losses: {', '.join(sorted(LOSSES))}."
        ) from None


del keras


def adversarial_losses(name: str) -> tuple[Callable, Callable, bool]:
    """``(d_loss(real_logits, fake_logits), g_loss(fake_logits, real_logits), generator_uses_real_logits)`` for
    every loss name of ``train.py --loss`` that compares two sets of logits (all but ``mmd``/``mmd-gp``, whose
    critic is a feature map): the classic pairs of :data:`LOSSES` (``wgan-gp`` is ``wgan`` plus a penalty, added
    by the caller), the f-GAN rows and the relativistic losses. Models with their own step (pix2pix, CycleGAN)
    take their adversarial terms from here; logits of any shape (patches too) are averaged.

    Parameters
    ----------
    name : str
        A loss name: a key of ``LOSSES``, ``fgan-<divergence>`` with a divergence of ``F_DIVERGENCES``, or a key
        of ``RELATIVISTIC``.

    Returns
    -------
    tuple of (callable, callable, bool)
        The discriminator loss ``d_loss(real_logits, fake_logits)``, the generator loss
        ``g_loss(fake_logits, real_logits)`` (``real_logits`` ignored, and optional, unless the flag is True) and
        whether the generator loss needs the real logits (True for the relativistic losses).

    Raises
    ------
    ValueError
        For an unknown name or one without a real-vs-fake logit form (``mmd``, ``mmd-gp``).

    Examples
    --------
    An f-GAN name (the generator loss ignores the real logits) and a relativistic one (it needs them):

    >>> import numpy as np
    >>> from tfgan_zoo import losses
    >>> d_loss, g_loss, needs_real = losses.adversarial_losses("fgan-kl")
    >>> needs_real, round(float(g_loss(np.ones(2))), 4), round(float(d_loss(np.ones(2), np.ones(2))), 4)
    (False, -1.0, 0.0)
    >>> d_loss, g_loss, needs_real = losses.adversarial_losses("ragan")
    >>> needs_real, round(float(g_loss(np.zeros((2, 1)), np.zeros((2, 1)))), 4)
    (True, 1.3863)
    >>> losses.adversarial_losses("mmd")
    Traceback (most recent call last):
    ...
    ValueError: Loss 'mmd' has no real-vs-fake logit form for this model; valid: ...
    """
    if name in LOSSES:
        d, g = LOSSES[name].discriminator, LOSSES[name].generator
        return d, (lambda fake, real=None: g(fake)), False
    if name.startswith("fgan-"):
        div = name[len("fgan-"):]
        _check_divergence(div)
        return ((lambda real, fake: fgan_discriminator_loss(real, fake, div)),
                (lambda fake, real=None: fgan_generator_loss(fake, div)), False)
    if name in RELATIVISTIC:
        d, g, _ = RELATIVISTIC[name]
        return d, g, True
    valid = list(LOSSES) + [f"fgan-{d}" for d in F_DIVERGENCES] + list(RELATIVISTIC)
    raise ValueError(f"Loss {name!r} has no real-vs-fake logit form for this model; valid: {', '.join(valid)}.")
