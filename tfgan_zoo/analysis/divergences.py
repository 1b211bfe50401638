"""Why Wasserstein: the Jensen-Shannon divergence and the Wasserstein-1 distance as two
distributions move apart, exactly and as estimated by a trained critic.

The pair: ``P = N(0, sigma^2)`` and ``Q_theta = N(theta, sigma^2)`` in 1-D (a translated copy).

* Wasserstein-1 of a translation is the shift: :math:`W_1(P, Q_\\theta) = |\\theta|`; its
  gradient in theta is ``sign(theta)`` however far apart the two are.
* Jensen-Shannon, with :math:`M = (P + Q)/2`:

  .. math:: \\mathrm{JS}(P, Q) = \\tfrac12 \\mathrm{KL}(P \\| M) + \\tfrac12 \\mathrm{KL}(Q \\| M)
            = \\log 2 - \\tfrac12 \\int \\big(p \\log\\tfrac{p + q}{p} + q \\log\\tfrac{p + q}{q}\\big) dx

  (nats), computed by quadrature (:func:`js_gaussian_shift`). It grows like
  :math:`\\theta^2 / (8 \\sigma^2)` near 0 (half the Fisher information over 4) and saturates at
  ``log 2`` once the supports stop overlapping, where its gradient vanishes: a generator trained
  on it gets no signal. In the limit ``sigma -> 0`` (WGAN's Example 1) it is ``log 2`` for every
  ``theta != 0``.

What a critic estimates from samples (:func:`critic_estimates`):

* a discriminator ``D`` trained with the GAN's cross-entropy reaches
  :math:`V(D) = E_P \\log D + E_Q \\log(1 - D) \\le 2\\,\\mathrm{JS}(P, Q) - \\log 4`
  (Goodfellow et al. 2014, Theorem 1), so :math:`\\widehat{\\mathrm{JS}} = (V + \\log 4)/2`;
* a critic ``f`` trained with the Wasserstein loss gives :math:`\\widehat W = E_P f - E_Q f`, which
  is at most ``W_1`` for a 1-Lipschitz ``f`` (Kantorovich-Rubinstein duality). The gradient penalty
  only pulls the slope towards 1, so a WGAN-GP critic overshoots: for this pair the best critic
  is linear, ``f(x) = -s x``, whose objective ``s theta - lambda (s - 1)^2`` peaks at
  ``s = 1 + theta / (2 lambda)``, giving :math:`\\widehat W = |\\theta| (1 + |\\theta| / (2\\lambda))`
  (:func:`gp_critic_optimum`; 2.2 for theta = 2, lambda = 10), which tends to ``W_1`` as lambda grows.

The JS estimate is a lower bound up to sampling noise and approaches the exact value as the
discriminator improves; the W estimate approaches :func:`gp_critic_optimum`.
"""

from __future__ import annotations

import math
import os
from typing import Any, Sequence

import numpy as np

from ..images import pyplot, save_figure

LOG2 = math.log(2.0)


def wasserstein_gaussian_shift(theta: float | np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """``W_1(N(0, s^2), N(theta, s^2)) = |theta|`` (a translation moves every unit of mass by ``theta``).

    Parameters
    ----------
    theta : float or array_like
        Shift(s) of Q.
    sigma : float
        Common standard deviation ``s`` of P and Q (does not change the distance).

    Returns
    -------
    numpy.ndarray
        float64 ``|theta|``, of the shape of ``theta``.

    Examples
    --------
    >>> from tfgan_zoo.analysis.divergences import wasserstein_gaussian_shift
    >>> wasserstein_gaussian_shift([-3.0, 0.5, 40.0]).tolist()
    [3.0, 0.5, 40.0]
    """
    return np.abs(np.asarray(theta, np.float64))


def gp_critic_optimum(theta: float | np.ndarray, gp_weight: float = 10.0) -> np.ndarray:
    """``E_P f - E_Q f`` of the best WGAN-GP critic for a shift by ``theta``: ``|theta| (1 + |theta| / 2 lambda)``.

    For a linear critic of slope ``s`` the penalised objective is ``s |theta| - lambda (s - 1)^2``
    (the gradient norm is ``s`` at every interpolate), maximal at ``s = 1 + |theta| / (2 lambda)``.

    Parameters
    ----------
    theta : float or array_like
        Shift(s) of Q.
    gp_weight : float
        Weight ``lambda`` of the gradient penalty.

    Returns
    -------
    numpy.ndarray
        float64 ``|theta| (1 + |theta| / (2 lambda))``, of the shape of ``theta``.

    Examples
    --------
    ``2 (1 + 2 / 20) = 2.2`` for theta = 2, lambda = 10; a large lambda gives back ``W_1 = 2``:

    >>> from tfgan_zoo.analysis.divergences import gp_critic_optimum
    >>> round(float(gp_critic_optimum(2.0)), 6)
    2.2
    >>> round(float(gp_critic_optimum(-2.0, gp_weight=1e6)), 4)
    2.0
    """
    t = np.abs(np.asarray(theta, np.float64))
    return t * (1.0 + t / (2.0 * float(gp_weight)))


def kl_gaussian_shift(theta: float | np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """``KL(N(0, s^2) || N(theta, s^2)) = theta^2 / (2 s^2)`` (grows without bound, unlike JS).

    Parameters
    ----------
    theta : float or array_like
        Shift(s) of Q.
    sigma : float
        Common standard deviation ``s`` of P and Q.

    Returns
    -------
    numpy.ndarray
        float64 KL divergence in nats, of the shape of ``theta``.

    Examples
    --------
    >>> from tfgan_zoo.analysis.divergences import kl_gaussian_shift
    >>> kl_gaussian_shift([2.0, 20.0]).tolist()
    [2.0, 200.0]
    >>> float(kl_gaussian_shift(2.0, sigma=2.0))
    0.5
    """
    return np.asarray(theta, np.float64) ** 2 / (2.0 * sigma ** 2)


def js_gaussian_shift(theta: float | np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """``JS(N(0, s^2), N(theta, s^2))`` in nats by adaptive quadrature (module docstring); in ``[0, log 2]``.

    By symmetry both KL terms are equal: ``JS = KL(P || M)`` with ``log(p / m)`` evaluated as
    ``log 2 - log(1 + exp(log q - log p))`` (stable in the tails).

    Parameters
    ----------
    theta : float or array_like
        Shift(s) of Q.
    sigma : float
        Common standard deviation ``s`` of P and Q (> 0).

    Returns
    -------
    numpy.ndarray
        float64 JS divergence in nats, in ``[0, log 2]``, of the shape of ``theta``.

    Examples
    --------
    Near 0 it grows like ``theta^2 / (8 sigma^2)``; far apart it saturates at ``log 2``; it
    depends on ``theta / sigma`` only:

    >>> import math
    >>> import numpy as np
    >>> from tfgan_zoo.analysis.divergences import js_gaussian_shift
    >>> js = js_gaussian_shift([0.1, 20.0])
    >>> bool(np.isclose(js[0], 0.1 ** 2 / 8, rtol=0.01))
    True
    >>> round(float(js[1]), 6), round(math.log(2), 6)
    (0.693147, 0.693147)
    >>> bool(np.isclose(js_gaussian_shift(2.0, sigma=2.0), js_gaussian_shift(1.0)))
    True
    """
    from scipy.integrate import quad

    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma}.")

    def one(t: float) -> float:
        t = abs(float(t))
        if t == 0:
            return 0.0

        def integrand(x):
            logp = -0.5 * (x / sigma) ** 2
            logq = -0.5 * ((x - t) / sigma) ** 2
            p = math.exp(logp) / (sigma * math.sqrt(2 * math.pi))
            return p * (LOG2 - np.logaddexp(0.0, logq - logp))

        lo, hi = -12 * sigma, t + 12 * sigma  # P's mass outside is below 1e-32
        val, _ = quad(integrand, lo, hi, points=[0.0, t / 2, t], limit=200, epsabs=1e-12, epsrel=1e-10)
        return min(max(val, 0.0), LOG2)

    return np.vectorize(one, otypes=[np.float64])(np.asarray(theta, np.float64))


def numerical_gradient(fn, theta: np.ndarray, h: float = 1e-3, **kwargs) -> np.ndarray:
    """Central difference ``(fn(theta + h) - fn(theta - h)) / 2h`` (error ``O(h^2)``).

    Parameters
    ----------
    fn : callable
        Function of ``theta`` (elementwise on arrays), called as ``fn(theta, **kwargs)``.
    theta : float or array_like
        Point(s) at which to differentiate.
    h : float
        Step of the central difference.
    **kwargs
        Passed on to ``fn``.

    Returns
    -------
    numpy.ndarray
        The estimated derivative at each ``theta``.

    Examples
    --------
    The KL divergence's slope is ``theta / sigma^2``; the JS divergence's vanishes once the two
    distributions stop overlapping (keyword arguments go to ``fn``):

    >>> import numpy as np
    >>> from tfgan_zoo.analysis.divergences import js_gaussian_shift, kl_gaussian_shift, numerical_gradient
    >>> np.round(numerical_gradient(kl_gaussian_shift, [1.0, 2.0], sigma=2.0), 6).tolist()
    [0.25, 0.5]
    >>> round(float(numerical_gradient(js_gaussian_shift, 20.0)), 6)
    0.0
    """
    theta = np.asarray(theta, np.float64)
    return (fn(theta + h, **kwargs) - fn(theta - h, **kwargs)) / (2 * h)


def curves(thetas: Sequence[float] | np.ndarray, sigma: float = 1.0) -> dict[str, np.ndarray]:
    """The exact curves of the module docstring at ``thetas``: JS, W1, KL and the gradients of JS and W1.

    Parameters
    ----------
    thetas : sequence of float or numpy.ndarray
        Shifts of Q.
    sigma : float
        Common standard deviation of P and Q.

    Returns
    -------
    dict of str to numpy.ndarray
        ``theta``, ``js``, ``w1``, ``kl``, ``d_js`` (numerical) and ``d_w1`` (``sign(theta)``), one value per
        ``theta``.

    Examples
    --------
    >>> import numpy as np
    >>> from tfgan_zoo.analysis.divergences import curves
    >>> c = curves([0.0, 1.0, 10.0])
    >>> sorted(c)
    ['d_js', 'd_w1', 'js', 'kl', 'theta', 'w1']
    >>> {k: np.round(v, 3).tolist() for k, v in c.items() if k != "theta"}  # doctest: +NORMALIZE_WHITESPACE
    {'js': [0.0, 0.111, 0.693], 'w1': [0.0, 1.0, 10.0], 'kl': [0.0, 0.5, 50.0],
     'd_js': [0.0, 0.199, 0.0], 'd_w1': [0.0, 1.0, 1.0]}
    """
    t = np.asarray(thetas, np.float64)
    return {"theta": t, "js": js_gaussian_shift(t, sigma), "w1": wasserstein_gaussian_shift(t, sigma),
            "kl": kl_gaussian_shift(t, sigma), "d_js": numerical_gradient(js_gaussian_shift, t, sigma=sigma),
            "d_w1": np.sign(t)}


def _mlp(width: int, name: str):
    import keras

    return keras.Sequential([keras.Input((1,)), keras.layers.Dense(width, activation="relu"),
                             keras.layers.Dense(width, activation="relu"), keras.layers.Dense(1)], name=name)


def critic_estimates(thetas: Sequence[float], sigma: float = 1.0, n: int = 2048, steps: int = 500,
                     width: int = 64, gp_weight: float = 10.0, seed: int = 0) -> dict[str, np.ndarray]:
    """Train a JS discriminator and a WGAN-GP critic from scratch at each ``theta``; their estimates.

    Each of ``steps`` Adam(1e-3) updates sees a fresh batch of ``n`` samples of P and of Q; the
    estimates are computed on another ``4n`` samples of each. The discriminator minimises the
    GAN cross-entropy (:func:`tfgan_zoo.losses.minimax_discriminator_loss`), the critic the
    Wasserstein loss plus ``gp_weight`` times the gradient penalty
    (:func:`tfgan_zoo.penalties.gradient_penalty`). Returns ``theta``, ``js_hat``, ``w_hat`` and ``gp_weight``.

    Parameters
    ----------
    thetas : sequence of float
        Shifts of Q; a new discriminator and critic are trained for each.
    sigma : float
        Common standard deviation of P and Q.
    n : int
        Samples of P and of Q per training batch (the estimates use ``4n`` each).
    steps : int
        Adam updates of each network per ``theta``.
    width : int
        Units in each of the two hidden ReLU layers of both networks.
    gp_weight : float
        Weight ``lambda`` of the critic's gradient penalty.
    seed : int
        Seed of the samples, the initial weights and the penalty's interpolates.

    Returns
    -------
    dict
        ``theta`` (the shifts), ``js_hat`` and ``w_hat`` (float64 arrays, one estimate per shift) and
        ``gp_weight`` (float).
    """
    import keras
    import tensorflow as tf

    from .. import losses as L
    from ..penalties import gradient_penalty

    rng = np.random.default_rng(seed)
    js_hat, w_hat = [], []
    for i, theta in enumerate(thetas):
        keras.utils.set_random_seed(seed + i)
        d, f = _mlp(width, "js_discriminator"), _mlp(width, "w_critic")
        d_opt, f_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9)
        gp_seed = keras.random.SeedGenerator(seed + i)

        @tf.function
        def step(p, q):
            with tf.GradientTape() as tape:
                loss_d = L.minimax_discriminator_loss(d(p), d(q))
            d_opt.apply_gradients(zip(tape.gradient(loss_d, d.trainable_variables), d.trainable_variables))
            with tf.GradientTape() as tape:
                loss_f = L.wasserstein_discriminator_loss(f(p), f(q)) + gradient_penalty(f, p, q, seed=gp_seed,
                                                                                          weight=gp_weight)
            f_opt.apply_gradients(zip(tape.gradient(loss_f, f.trainable_variables), f.trainable_variables))

        for _ in range(int(steps)):
            p = rng.normal(0.0, sigma, (n, 1)).astype(np.float32)
            q = rng.normal(theta, sigma, (n, 1)).astype(np.float32)
            step(tf.constant(p), tf.constant(q))
        p = rng.normal(0.0, sigma, (4 * n, 1)).astype(np.float32)
        q = rng.normal(theta, sigma, (4 * n, 1)).astype(np.float32)
        lp, lq = np.asarray(d(p), np.float64), np.asarray(d(q), np.float64)
        # log D = -softplus(-l), log(1 - D) = -softplus(l)
        v = -np.logaddexp(0.0, -lp).mean() - np.logaddexp(0.0, lq).mean()
        js_hat.append((v + math.log(4.0)) / 2.0)
        w_hat.append(float(np.asarray(f(p)).mean() - np.asarray(f(q)).mean()))
    return {"theta": np.asarray(thetas, np.float64), "js_hat": np.asarray(js_hat), "w_hat": np.asarray(w_hat),
            "gp_weight": float(gp_weight)}


def plot(exact: dict[str, np.ndarray], path: str | os.PathLike, estimates: dict[str, np.ndarray] | None = None,
         sigma: float = 1.0) -> str:
    """Three panels against theta: JS (with a trained D's estimates), W1 on its own scale (with a WGAN-GP
    critic's estimates and that critic's optimum), then both gradients.

    Parameters
    ----------
    exact : dict of str to numpy.ndarray
        The exact curves, as :func:`curves` returns them.
    path : str or os.PathLike
        Where to save the PNG.
    estimates : dict, optional
        A trained discriminator's and critic's estimates, as :func:`critic_estimates` returns them; None draws
        the exact curves only.
    sigma : float
        Standard deviation of P and Q, for the title.

    Returns
    -------
    str
        The path of the saved PNG.
    """
    plt = pyplot()

    fig, (a, w, b) = plt.subplots(1, 3, figsize=(14, 3.9))
    t = exact["theta"]
    a.plot(t, exact["js"], color="tab:blue", label="JS (exact)")
    a.axhline(LOG2, color="tab:blue", ls=":", lw=1, label="log 2")
    w.plot(t, exact["w1"], color="tab:red", label="W1 = |theta|")
    w.plot(t, exact["js"], color="tab:blue", lw=1, alpha=0.6, label="JS (exact), same scale")
    if estimates is not None:
        a.plot(estimates["theta"], estimates["js_hat"], "o", color="tab:blue", ms=4, label="JS from a trained D")
        w.plot(estimates["theta"], estimates["w_hat"], "s", color="tab:red", ms=4, label="W1 from a WGAN-GP critic")
        lam = estimates.get("gp_weight", 10.0)
        w.plot(t, gp_critic_optimum(t, lam), color="tab:red", ls="--", lw=0.8,
               label=f"best GP critic: |theta|(1 + |theta|/{2 * lam:g})")
    a.set_ylim(-0.02, LOG2 * 1.15)
    a.set_ylabel("JS divergence (nats)")
    a.set_title(f"JS: P = N(0, {sigma:g}^2), Q = N(theta, {sigma:g}^2)", fontsize=9)
    w.set_ylabel("distance")
    w.set_title("Wasserstein-1 keeps growing", fontsize=9)
    for ax in (a, w):
        ax.set_xlabel("theta (shift of Q)")
        ax.legend(fontsize=7, loc="lower right" if ax is a else "upper left")
    b.plot(t, exact["d_js"], color="tab:blue", label="dJS/dtheta")
    b.plot(t, exact["d_w1"], color="tab:red", label="dW1/dtheta")
    b.set_yscale("symlog", linthresh=1e-4)
    b.set_xlabel("theta")
    b.set_title("the gradient a generator gets", fontsize=9)
    b.legend(fontsize=7)
    for ax in (a, w, b):
        ax.grid(alpha=0.3)
    return save_figure(fig, path)


def mode_collapse(losses: Sequence[str] = ("nsgan", "lsgan", "wgan-gp", "hinge"), mixture: str = "ring",
                  steps: int = 5000, snapshot_steps: Sequence[int] | None = None, seed: int = 0,
                  path: str | os.PathLike | None = None, **train_kwargs: Any) -> dict[str, Any]:
    """Train one toy GAN per loss on a 2-D mixture (:func:`tfgan_zoo.analysis.toy.train`); modes covered.

    Returns ``{"runs": [ToyRun], "table": {loss: final metrics}}`` and saves the samples at
    ``snapshot_steps`` (default: 4 evenly spaced, and the end) as one PNG per mixture at ``path``.

    Parameters
    ----------
    losses : sequence of str
        GAN losses to compare, one run each (names :func:`tfgan_zoo.models.build_gan` accepts).
    mixture : str
        The 2-D mixture, ``"ring"`` or ``"grid"``.
    steps : int
        Generator steps per run.
    snapshot_steps : sequence of int, optional
        Steps at which samples are kept besides the end; None: a quarter, half and three quarters of ``steps``.
    seed : int
        Seed of every run.
    path : str or os.PathLike, optional
        Where to save the PNG of the snapshots (a row per loss); None saves nothing.
    **train_kwargs
        Passed on to :func:`tfgan_zoo.analysis.toy.train`.

    Returns
    -------
    dict
        ``"runs"``: the :class:`~tfgan_zoo.analysis.toy.ToyRun` of each loss; ``"table"``: loss name to its final
        :func:`~tfgan_zoo.analysis.toy.mode_metrics`.
    """
    from . import toy

    if snapshot_steps is None:
        snapshot_steps = [int(steps * k / 4) for k in (1, 2, 3)]
    runs = [toy.train(loss, mixture, steps, snapshot_steps, seed=seed, **train_kwargs) for loss in losses]
    if path is not None:
        toy.plot_runs(runs, path, title=f"{mixture}: samples during training (HQ: within 3 sigma of a mode)")
    return {"runs": runs, "table": {r.loss: r.final for r in runs}}
