"""The f-GAN family (Nowozin et al., 2016) measured: exact divergences, their variational estimates, and the
model each one prefers.

An f-divergence of the data ``P`` from the model ``Q`` (densities ``p``, ``q``) is

.. math:: D_f(P \\,\\|\\, Q) = \\int q(x)\\, f\\!\\left(\\frac{p(x)}{q(x)}\\right) dx,

with ``f`` convex and ``f(1) = 0``; the rows of :func:`tfgan_zoo.losses.fgan_activation` give ``f``. A critic
``T`` gives the variational lower bound (Fenchel conjugate ``f*``)

.. math:: D_f(P \\,\\|\\, Q) \\ge \\mathbb E_P[T(x)] - \\mathbb E_Q[f^*(T(x))],

tight at ``T*(x) = f'(p(x)/q(x))``: the f-GAN critic maximises it, the generator minimises it.

Closed forms for ``P = N(0, s^2)``, ``Q = N(theta, s^2)`` with ``d = theta^2 / s^2`` (the convention of each
row's ``f``; ``JS`` below is the usual Jensen-Shannon divergence, at most ``log 2``):

==========  =========================  ==========================================
divergence  f(u)                       D_f(P || Q)
==========  =========================  ==========================================
kl          u log u                    KL(P || Q) = d / 2
reverse-kl  -log u                     KL(Q || P) = d / 2
pearson     (u - 1)^2                  chi^2(P || Q) = exp(d) - 1
hellinger   (sqrt(u) - 1)^2            2 (1 - exp(-d / 8))
js          -(u+1) log((1+u)/2)        2 JS(P, Q)
            + u log u
gan         u log u - (u+1) log(u+1)   2 JS(P, Q) - log 4
==========  =========================  ==========================================

Between two Gaussians of equal width the forward and reverse KL agree; they part when the model cannot fit
the data. :func:`fit_gaussian` finds the Gaussian ``Q`` minimising each divergence from a mixture ``P`` by
quadrature: ``kl`` (``KL(P || Q)``) matches the mixture's mean and variance and covers every mode,
``reverse-kl`` (``KL(Q || P)``) sits on one mode (mode-seeking); the others fall between.
"""

from __future__ import annotations

import math
import os
from typing import Sequence

import numpy as np

from ..losses import _check_divergence

__all__ = ["gaussian_shift", "divergence_on_grid", "mixture_logpdf", "fit_gaussian", "fit_sweep", "critic_bound",
           "f_prime", "plot_fits", "plot_bounds"]

LOG4 = math.log(4.0)


def gaussian_shift(divergence: str, theta: float | np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """``D_f(N(0, s^2) || N(theta, s^2))`` for one row of the table (module docstring), in nats.

    Parameters
    ----------
    divergence : {"kl", "reverse-kl", "pearson", "hellinger", "js", "gan"}
        The f-divergence.
    theta : float or array_like
        Shift(s) of Q.
    sigma : float
        Common standard deviation (> 0).

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``theta``.

    Examples
    --------
    >>> from tfgan_zoo.analysis.fdivergences import gaussian_shift
    >>> [round(float(gaussian_shift(d, 1.0)), 4) for d in ("kl", "reverse-kl", "pearson", "hellinger")]
    [0.5, 0.5, 1.7183, 0.235]
    >>> round(float(gaussian_shift("gan", 0.0)), 4)  # -log 4 at P = Q
    -1.3863
    """
    from .divergences import js_gaussian_shift, kl_gaussian_shift

    _check_divergence(divergence)
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma}.")
    if divergence in ("kl", "reverse-kl"):  # equal widths: both directions are theta^2 / (2 s^2)
        return kl_gaussian_shift(theta, sigma)
    d = np.asarray(theta, np.float64) ** 2 / sigma ** 2
    if divergence == "pearson":
        return np.expm1(d)
    if divergence == "hellinger":
        return 2.0 * (1.0 - np.exp(-d / 8.0))
    js = js_gaussian_shift(theta, sigma)
    return 2.0 * js if divergence == "js" else 2.0 * js - LOG4


def divergence_on_grid(divergence: str, logp: np.ndarray, logq: np.ndarray, dx: float) -> float:
    """``integral q f(p / q) dx`` by the trapezoid rule from log densities on an even grid (stable in the
    tails: each row is written with ``logp`` and ``logq``, never ``p / q``).

    Parameters
    ----------
    divergence : str
        A row of the table.
    logp, logq : numpy.ndarray
        Log densities of P and Q at the grid points (same shape, 1-D).
    dx : float
        Grid spacing.

    Returns
    -------
    float
        The divergence (``inf`` where it diverges numerically, e.g. Pearson's with a narrow Q).
    """
    _check_divergence(divergence)
    lp, lq = np.asarray(logp, np.float64), np.asarray(logq, np.float64)
    p, q = np.exp(lp), np.exp(lq)
    with np.errstate(over="ignore", invalid="ignore"):
        if divergence == "kl":
            g = p * (lp - lq)
        elif divergence == "reverse-kl":
            g = q * (lq - lp)
        elif divergence == "pearson":
            g = np.exp(2.0 * lp - lq) - 2.0 * p + q
        elif divergence == "hellinger":
            g = (np.sqrt(p) - np.sqrt(q)) ** 2
        else:
            lm = np.logaddexp(lp, lq)  # log(p + q)
            g = p * (math.log(2.0) + lp - lm) + q * (math.log(2.0) + lq - lm)
    val = float(np.trapezoid(g, dx=dx)) if hasattr(np, "trapezoid") else float(np.trapz(g, dx=dx))
    if not np.isfinite(val):
        return float("inf")
    return val - LOG4 if divergence == "gan" else val


def _normal_logpdf(x, mu, s):
    return -0.5 * ((x - mu) / s) ** 2 - math.log(s) - 0.5 * math.log(2 * math.pi)


def mixture_logpdf(x: np.ndarray, means: Sequence[float], stds: Sequence[float],
                   weights: Sequence[float] | None = None) -> np.ndarray:
    """Log density of a 1-D Gaussian mixture (equal weights unless given).

    Parameters
    ----------
    x : numpy.ndarray
        Points.
    means, stds : sequence of float
        The components' means and standard deviations.
    weights : sequence of float, optional
        The components' weights (summing to 1); None: equal.

    Returns
    -------
    numpy.ndarray
        float64 log density at ``x``.
    """
    w = np.full(len(means), 1.0 / len(means)) if weights is None else np.asarray(weights, np.float64)
    parts = [math.log(wi) + _normal_logpdf(x, m, s) for wi, m, s in zip(w, means, stds)]
    return np.logaddexp.reduce(np.stack(parts), axis=0)


def fit_gaussian(divergence: str, means: Sequence[float] = (-2.0, 2.0), stds: Sequence[float] = (0.5, 0.5),
                 grid: tuple[float, float, int] = (-40.0, 40.0, 16001)) -> dict:
    """The Gaussian ``Q = N(mu, s^2)`` minimising ``D_f(P || Q)`` for a 1-D mixture ``P`` (equal weights).

    Quadrature on an even grid (:func:`divergence_on_grid`), Nelder-Mead over ``(mu, log s)`` from starts at
    each mode and at the mixture's mean (width 1), the best kept.

    Parameters
    ----------
    divergence : str
        A row of the table.
    means, stds : sequence of float
        The mixture's components.
    grid : tuple (float, float, int)
        ``(low, high, points)`` of the quadrature grid.

    Returns
    -------
    dict
        ``mu``, ``sigma``, ``value`` (the minimum divergence) and ``divergence``.

    Examples
    --------
    The forward KL's best Gaussian matches the mixture's moments: mean 0, variance 0.25 + 4:

    >>> from tfgan_zoo.analysis.fdivergences import fit_gaussian
    >>> r = fit_gaussian("kl")
    >>> round(r["mu"], 3) + 0.0, round(r["sigma"], 3)
    (0.0, 2.062)
    """
    from scipy.optimize import minimize

    _check_divergence(divergence)
    x = np.linspace(*grid[:2], int(grid[2]))
    dx = float(x[1] - x[0])
    lp = mixture_logpdf(x, means, stds)

    widest = (x[-1] - x[0]) / 10.0  # wider Qs lose mass off the grid: refused

    def objective(v):
        if not math.exp(v[1]) <= widest:
            return 1e12
        val = divergence_on_grid(divergence, lp, _normal_logpdf(x, v[0], math.exp(v[1])), dx)
        return val if np.isfinite(val) else 1e12

    starts = [(float(m), 0.0) for m in means] + [(float(np.mean(means)), 0.0)]
    best = min((minimize(objective, s, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-10,
                                                                        "maxiter": 4000}) for s in starts),
               key=lambda r: r.fun)
    return {"divergence": divergence, "mu": float(best.x[0]), "sigma": float(math.exp(best.x[1])),
            "value": float(best.fun)}


def fit_sweep(divergences: Sequence[str], separations: Sequence[float], std: float = 0.5) -> dict:
    """:func:`fit_gaussian` for two modes at ``+-m`` (width ``std``) for each ``m`` of ``separations``.

    A divergence that covers both modes fits a width near ``m`` (the mixture's standard deviation is
    ``sqrt(m^2 + std^2)``); one that seeks a mode fits ``std`` at ``mu = +-m``.

    Parameters
    ----------
    divergences : sequence of str
        Rows of the table.
    separations : sequence of float
        Half-distances ``m`` between the modes.
    std : float
        Width of each mode.

    Returns
    -------
    dict
        ``separations`` and, per divergence, ``sigma`` and ``mu`` lists (one per separation) and ``seeks``
        (whether the fit sits on one mode: ``|mu| > m / 2``).
    """
    out = {"separations": [float(m) for m in separations], "std": float(std)}
    for d in divergences:
        fits = [fit_gaussian(d, (-m, m), (std, std)) for m in separations]
        out[d] = {"mu": [f["mu"] for f in fits], "sigma": [f["sigma"] for f in fits],
                  "seeks": [bool(abs(f["mu"]) > m / 2) for f, m in zip(fits, separations)]}
    return out


def critic_bound(divergence: str, theta: float = 1.0, sigma: float = 1.0, steps: int = 600, n: int = 1024,
                 width: int = 32, lr: float = 1e-3, record_every: int = 20, seed: int = 0) -> dict:
    """Train an f-GAN critic between ``P = N(0, s^2)`` and ``Q = N(theta, s^2)``; its variational bound as it
    learns.

    The critic is a 1-D MLP (two ReLU layers of ``width``) whose output ``v`` goes through ``g_f``; each of
    ``steps`` Adam(``lr``) updates minimises :func:`tfgan_zoo.losses.fgan_discriminator_loss` on fresh batches
    of ``n`` samples of each. Every ``record_every`` steps the bound ``E_P[T] - E_Q[f*(T)]`` is evaluated on
    fixed held-out samples (``8n`` of each), so it can exceed the true value only by their sampling error.

    Parameters
    ----------
    divergence : str
        A row of the table.
    theta, sigma : float
        Shift of Q and the common standard deviation.
    steps, n, width : int
        Updates, batch size per distribution, hidden units.
    lr : float
        Adam's learning rate.
    record_every : int
        Steps between evaluations of the bound.
    seed : int
        Seed of the samples and the weights.

    Returns
    -------
    dict
        ``steps`` and ``bound`` (lists), ``final`` (the last bound), ``exact`` (:func:`gaussian_shift`),
        ``x``, ``t`` (the learned ``T`` on a grid) and ``t_star`` (the optimal ``f'(p / q)`` there).
    """
    import keras
    import tensorflow as tf

    from .. import losses as L

    _check_divergence(divergence)
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    net = keras.Sequential([keras.Input((1,)), keras.layers.Dense(width, activation="relu"),
                            keras.layers.Dense(width, activation="relu"), keras.layers.Dense(1)])
    opt = keras.optimizers.Adam(lr)

    @tf.function
    def step(xp, xq):
        with tf.GradientTape() as tape:
            loss = L.fgan_discriminator_loss(net(xp), net(xq), divergence)
        opt.apply_gradients(zip(tape.gradient(loss, net.trainable_variables), net.trainable_variables))
        return loss

    hp = rng.normal(0.0, sigma, (8 * n, 1)).astype(np.float32)
    hq = rng.normal(theta, sigma, (8 * n, 1)).astype(np.float32)

    def bound() -> float:
        return float(-L.fgan_discriminator_loss(net(hp), net(hq), divergence))

    rec_steps, rec = [0], [bound()]
    for i in range(1, steps + 1):
        step(rng.normal(0.0, sigma, (n, 1)).astype(np.float32), rng.normal(theta, sigma, (n, 1)).astype(np.float32))
        if i % record_every == 0 or i == steps:
            rec_steps.append(i)
            rec.append(bound())
    x = np.linspace(-3 * sigma + min(0.0, theta), 3 * sigma + max(0.0, theta), 121).astype(np.float32)
    t = np.asarray(L.fgan_activation(net(x[:, None]), divergence)).reshape(-1)
    u = np.exp(_normal_logpdf(x.astype(np.float64), 0.0, sigma) - _normal_logpdf(x.astype(np.float64), theta, sigma))
    return {"divergence": divergence, "theta": float(theta), "steps": rec_steps, "bound": rec, "final": rec[-1],
            "exact": float(gaussian_shift(divergence, theta, sigma)), "x": x.tolist(), "t": t.tolist(),
            "t_star": f_prime(divergence, u).tolist()}


def f_prime(divergence: str, u: np.ndarray) -> np.ndarray:
    """``f'(u)``, the optimal critic output ``T*`` at density ratio ``u = p / q``, per row of the table.

    Parameters
    ----------
    divergence : str
        A row of the table.
    u : numpy.ndarray
        Density ratios ``p / q`` (> 0).

    Returns
    -------
    numpy.ndarray
        float64 ``f'(u)``.
    """
    _check_divergence(divergence)
    u = np.asarray(u, np.float64)
    return {"kl": lambda: np.log(u) + 1.0, "reverse-kl": lambda: -1.0 / u, "pearson": lambda: 2.0 * (u - 1.0),
            "hellinger": lambda: 1.0 - 1.0 / np.sqrt(u), "js": lambda: np.log(2.0 * u / (1.0 + u)),
            "gan": lambda: np.log(u / (1.0 + u))}[divergence]()


def plot_fits(fits: Sequence[dict], means: Sequence[float], stds: Sequence[float],
              path: str | os.PathLike) -> str:
    """The mixture and each divergence's best Gaussian (:func:`fit_gaussian`) in one PNG.

    Parameters
    ----------
    fits : sequence of dict
        What :func:`fit_gaussian` returned, one per divergence.
    means, stds : sequence of float
        The mixture's components.
    path : str or os.PathLike
        The PNG to write.

    Returns
    -------
    str
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.linspace(-6, 6, 600)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.fill_between(x, np.exp(mixture_logpdf(x, means, stds)), color="0.85", label="data P (mixture)")
    for r in fits:
        ax.plot(x, np.exp(_normal_logpdf(x, r["mu"], r["sigma"])),
                label=f"{r['divergence']}: mu {r['mu']:+.2f}, s {r['sigma']:.2f}")
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return os.fspath(path)


def plot_bounds(runs: Sequence[dict], path: str | os.PathLike) -> str:
    """Per divergence: the critic's bound against training steps, under the exact value (:func:`critic_bound`),
    and the learned ``T`` beside the optimal ``T*``; one PNG.

    Parameters
    ----------
    runs : sequence of dict
        What :func:`critic_bound` returned, one per divergence.
    path : str or os.PathLike
        The PNG to write.

    Returns
    -------
    str
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(runs), figsize=(2.6 * len(runs), 4.6), squeeze=False)
    for j, r in enumerate(runs):
        ax = axes[0, j]
        ax.plot(r["steps"], r["bound"], label="bound E_P[T] - E_Q[f*(T)]")
        ax.axhline(r["exact"], color="k", ls="--", lw=1, label="exact D_f")
        ax.set_title(r["divergence"], fontsize=9)
        ax.set_xlabel("critic step", fontsize=8)
        lo = min(min(r["bound"][1:] or r["bound"]), r["exact"])
        ax.set_ylim(lo - 0.3 * abs(r["exact"]) - 0.1, r["exact"] + 0.3 * abs(r["exact"]) + 0.1)
        ax = axes[1, j]
        ax.plot(r["x"], r["t_star"], "k--", lw=1, label="T* = f'(p/q)")
        ax.plot(r["x"], r["t"], label="learned T")
        finite = np.asarray(r["t_star"])[np.isfinite(r["t_star"])]
        ax.set_ylim(max(finite.min(), -6) - 0.5, min(finite.max(), 6) + 0.5)
        ax.set_xlabel("x", fontsize=8)
    axes[0, 0].legend(fontsize=6)
    axes[1, 0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return os.fspath(path)


