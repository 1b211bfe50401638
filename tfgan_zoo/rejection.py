"""Discriminator rejection sampling (DRS; Azadi et al., ICLR 2019): keep a generated sample with a probability
that grows with a classifier's estimate of the density ratio ``p_data(x) / p_g(x)``.

If ``l(x) = log D(x) / (1 - D(x))`` is the logit of a classifier of real against generated samples trained to
optimality under the binary cross-entropy, ``l(x) = log p_data(x) / p_g(x)``; with ``M >= sup_x l(x)``,
accepting ``x ~ p_g`` with probability ``exp(l(x) - M)`` is exact rejection sampling: the kept samples follow
``p_data``. DRS writes the acceptance as a sigmoid so that a shift ``gamma`` can trade exactness for a higher
acceptance rate::

    F(x) = l(x) - M - log(1 - exp(l(x) - M - eps)) - gamma,      p_accept(x) = sigmoid(F(x)).

With ``gamma = 0`` and ``eps -> 0``, ``sigmoid(F) = exp(l - M)`` exactly (``sigmoid(log(a / (1 - a))) = a``).
``gamma > 0`` rejects more (sharper), ``gamma < 0`` keeps more. ``M`` is the largest logit seen, first on a
burn-in batch, then raised whenever a proposal exceeds it (as in the paper's Algorithm 1).

The classifier: :func:`fit_density_ratio` trains any Keras model that maps samples to one logit (for example
the GAN's own discriminator, to fine-tune it on the final generator as the paper does, or a fresh one) with the
binary cross-entropy on real against generated batches. The functions here work on NumPy arrays and callables,
so they serve the 2-D mixtures (``benchmarks/modes.py --drs``) and images alike.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any, Callable, Iterator

import numpy as np
from scipy import special

# the chance that ``rejection_sample(stop_early=True)`` gives up on a run that would have kept n samples
STOP_EARLY_RISK = 1e-6


class RejectionShortfall(RuntimeError):
    """Rejection sampling kept fewer than ``n`` samples within ``max_proposals`` (``kept``, ``proposals``)."""

    def __init__(self, message: str, kept: int, proposals: int, gamma: float):
        super().__init__(message)
        self.kept, self.proposals, self.gamma = kept, proposals, gamma


__all__ = ["RejectionShortfall", "drs_logits", "accept_probability", "rejection_sample", "fit_density_ratio"]


def drs_logits(logits: Any, max_logit: float, gamma: float = 0.0, eps: float = 1e-6) -> np.ndarray:
    """DRS's ``F(x) = l - M - log(1 - exp(l - M - eps)) - gamma`` for logits ``l`` (float64 NumPy).

    Parameters
    ----------
    logits : array_like
        The classifier's logits ``l(x) = log p_data(x) / p_g(x)`` (estimated).
    max_logit : float
        ``M``, the largest logit (``l <= M`` is required; larger logits are an error, raise ``M`` first).
    gamma : float
        The shift: 0 for exact rejection sampling under an optimal classifier.
    eps : float
        Keeps ``log(1 - exp(.))`` finite at ``l = M`` (> 0).
    """
    l = np.asarray(logits, dtype=np.float64)
    if not (eps > 0 and math.isfinite(eps)):
        raise ValueError(f"eps must be a positive finite number, got {eps}.")
    if not math.isfinite(gamma) or not math.isfinite(max_logit):
        raise ValueError(f"gamma and max_logit must be finite, got {gamma} and {max_logit}.")
    if not np.all(np.isfinite(l)):
        raise ValueError(f"{int(np.sum(~np.isfinite(l)))} logits are not finite (NaN/inf): the classifier or the "
                         "generator has diverged; retrain the classifier or use an earlier checkpoint.")
    if l.size and float(l.max()) > max_logit:
        raise ValueError(f"a logit ({float(l.max()):.6g}) exceeds max_logit ({max_logit:.6g}); pass max_logit >= "
                         "every logit (rejection_sample raises it as it goes).")
    d = l - max_logit
    return d - np.log1p(-np.exp(d - eps)) - gamma


def accept_probability(logits: Any, max_logit: float, gamma: float = 0.0, eps: float = 1e-6) -> np.ndarray:
    """``sigmoid(F(x))`` (:func:`drs_logits`): the probability of keeping each sample."""
    f = drs_logits(logits, max_logit, gamma, eps)
    return 0.5 * (1.0 + np.tanh(0.5 * f))  # a sigmoid that neither overflows nor underflows to NaN


def rejection_sample(propose: Callable[[int, np.random.Generator], np.ndarray],
                     log_ratio: Callable[[np.ndarray], np.ndarray], n: int, *, gamma: float = 0.0,
                     gamma_percentile: float | None = None, eps: float = 1e-6, batch_size: int = 1000,
                     burn_in: int = 10_000, max_proposals: int | None = None, seed: int = 0,
                     log_every: int = 0, stop_early: bool = True) -> tuple[np.ndarray, dict[str, Any]]:
    """Draw ``n`` samples by DRS: propose with ``propose(k, rng)``, keep each with ``sigmoid(F(x))``.

    Parameters
    ----------
    propose : callable
        ``propose(k, rng) -> (k, ...)`` NumPy samples of the generator.
    log_ratio : callable
        ``log_ratio(x) -> (k,)`` the classifier's logits ``l(x)``, an estimate of ``log p_data(x) / p_g(x)``.
    n : int
        Samples to return (>= 1).
    gamma : float
        DRS's shift (0: exact rejection sampling under an optimal classifier). Ignored when ``gamma_percentile``
        is given.
    gamma_percentile : float, optional
        Set ``gamma`` to this percentile (0-100) of ``F(x)`` with ``gamma = 0`` on the burn-in batch, as the
        paper does (so that about ``1 - percentile/100`` of the burn-in proposals get an acceptance above 1/2).
    eps : float
        As in :func:`drs_logits`.
    batch_size, burn_in : int
        Proposals per round, and proposals used only to estimate ``M`` (and ``gamma``).
    max_proposals : int, optional
        Give up after this many proposals, raising :class:`RejectionShortfall` (a ``RuntimeError`` whose
        message gives the acceptance reached and whose ``kept``, ``proposals`` and ``gamma`` say where it
        stopped); default ``1000 n``.
    seed : int
        Seeds the proposal and acceptance draws.
    log_every : int
        If > 0, print a line to stderr each time the proposals pass a multiple of it (kept so far, proposals,
        acceptance, elapsed): at acceptances near 1e-4 a run proposes tens of millions. 0: silent.
    stop_early : bool
        Raise :class:`RejectionShortfall` as soon as ``max_proposals`` cannot be enough: after each batch, with
        ``k`` kept of ``N`` proposals, when ``k + r_up (max_proposals - N) < n``, where ``r_up`` is the exact
        (Garwood) one-sided Poisson upper confidence bound on the acceptance at level ``1 - a``,
        ``r_up = P^{-1}(k + 1, 1 - a) / N`` (``P^{-1}``: the inverse regularized lower incomplete gamma function),
        and ``a = STOP_EARLY_RISK / ceil(max_proposals / batch_size)``, so that by the union bound over the
        checks a run that would have reached ``n`` is stopped with probability below ``STOP_EARLY_RISK`` (1e-6).
        ``M`` only grows, so later proposals are kept at most as often as earlier ones and the bound stays
        conservative. False: propose until ``max_proposals``.

    Returns
    -------
    samples : np.ndarray
        ``(n, ...)`` kept samples, in the order they were kept.
    stats : dict
        ``proposals`` (after the burn-in), ``acceptance`` (kept / proposals), ``max_logit`` (the final ``M``),
        ``gamma`` (the shift used).
    """
    n, batch_size, burn_in = int(n), int(batch_size), int(burn_in)
    if n < 1 or batch_size < 1 or burn_in < 1:
        raise ValueError(f"n, batch_size and burn_in must be >= 1, got {n}, {batch_size} and {burn_in}.")
    if gamma_percentile is not None and not 0 <= gamma_percentile <= 100:
        raise ValueError(f"gamma_percentile must lie in [0, 100], got {gamma_percentile}.")
    limit = 1000 * n if max_proposals is None else int(max_proposals)
    if int(log_every) < 0:
        raise ValueError(f"log_every must be >= 0 (0: silent), got {log_every}.")
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()

    def logits_of(x: np.ndarray) -> np.ndarray:
        l = np.asarray(log_ratio(x), dtype=np.float64).reshape(-1)
        if l.shape[0] != len(x):
            raise ValueError(f"log_ratio returned {l.shape[0]} logits for {len(x)} samples; it must return one "
                             "logit per sample (a packed discriminator judges several: fit an unpacked one).")
        if not np.all(np.isfinite(l)):
            raise ValueError(f"{int(np.sum(~np.isfinite(l)))} of {len(l)} logits are not finite (NaN/inf): the "
                             "classifier or the generator has diverged; retrain the classifier or use an earlier "
                             "checkpoint.")
        return l

    warm = propose(burn_in, rng)
    warm_l = logits_of(warm)
    max_logit = float(warm_l.max())
    if gamma_percentile is not None:
        gamma = float(np.percentile(drs_logits(warm_l, max_logit, 0.0, eps), gamma_percentile))
    kept: list[np.ndarray] = []
    count = proposals = 0
    # stop_early's confidence level: the risk split over every check the cap allows (the union bound)
    level = 1.0 - STOP_EARLY_RISK / math.ceil(limit / batch_size)
    while count < n:
        if proposals >= limit:
            raise RejectionShortfall(f"rejection sampling kept {count} of {proposals} proposals (acceptance "
                                     f"{count / max(proposals, 1):.2e}), short of n={n} within max_proposals="
                                     f"{limit}; raise max_proposals, or lower gamma (gamma_percentile) to keep more.",
                                     count, proposals, float(gamma))
        x = propose(batch_size, rng)
        l = logits_of(x)
        max_logit = max(max_logit, float(l.max()))
        keep = rng.random(len(x)) < accept_probability(l, max_logit, gamma, eps)
        proposals += len(x)
        if keep.any():
            kept.append(x[keep])
            count += int(keep.sum())
        if log_every > 0 and proposals // log_every > (proposals - len(x)) // log_every:
            print(f"rejection sampling: kept {min(count, n)}/{n} of {proposals:,} proposals (acceptance "
                  f"{count / proposals:.2e}, gamma {float(gamma):.4g}), elapsed {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr, flush=True)
        if stop_early and count < n and proposals < limit:
            rate_up = float(special.gammaincinv(count + 1, level)) / proposals
            if count + rate_up * (limit - proposals) < n:
                raise RejectionShortfall(
                    f"rejection sampling stopped early: it kept {count} of {proposals} proposals (acceptance "
                    f"{count / proposals:.2e}); even at the acceptance's upper confidence bound ({rate_up:.2e}), "
                    f"the {limit - proposals} proposals left of max_proposals={limit} would not reach n={n}; "
                    "raise max_proposals, or lower gamma (gamma_percentile) to keep more.",
                    count, proposals, float(gamma))
    samples = np.concatenate(kept)[:n]
    return samples, {"proposals": proposals, "acceptance": count / proposals, "max_logit": max_logit,
                     "gamma": float(gamma)}


def fit_density_ratio(classifier: Any, real: Iterator[np.ndarray], generate: Callable[[int], np.ndarray],
                      steps: int, batch_size: int, learning_rate: float = 1e-3, log_every: int = 0,
                      ) -> dict[str, float]:
    """Train ``classifier`` (samples -> one logit) by the binary cross-entropy, real = 1, generated = 0.

    ``E_real[softplus(-l)] + E_gen[softplus(l)]`` is minimised at ``l(x) = log p_data(x) / p_g(x)``, the
    log density ratio that :func:`rejection_sample` needs. ``real`` yields batches of ``batch_size`` real
    samples, ``generate(k)`` returns ``k`` generated ones (the generator is not trained). Adam at
    ``learning_rate``; returns the mean loss of the first and last 10% of the steps. ``log_every > 0`` prints a
    line with the step and the mean loss of the last ``log_every`` steps to stderr that often (long fits).
    """
    import keras
    import tensorflow as tf

    steps, batch_size = int(steps), int(batch_size)
    if steps < 1 or batch_size < 1:
        raise ValueError(f"steps and batch_size must be >= 1, got {steps} and {batch_size}.")
    opt = keras.optimizers.Adam(learning_rate)

    @tf.function
    def step(x_real, x_fake):
        with tf.GradientTape() as tape:
            lr = tf.cast(tf.reshape(classifier(x_real, training=True), [-1]), tf.float32)
            lf = tf.cast(tf.reshape(classifier(x_fake, training=True), [-1]), tf.float32)
            loss = tf.reduce_mean(tf.nn.softplus(-lr)) + tf.reduce_mean(tf.nn.softplus(lf))
        grads = tape.gradient(loss, classifier.trainable_variables)
        opt.apply_gradients(zip(grads, classifier.trainable_variables))
        return loss

    losses = []
    for i in range(steps):
        x_real = np.asarray(next(real), dtype=np.float32)
        losses.append(float(step(x_real, np.asarray(generate(batch_size), dtype=np.float32))))
        if log_every > 0 and (i + 1) % log_every == 0:
            print(f"density-ratio classifier: step {i + 1}/{steps}, loss {np.mean(losses[-log_every:]):.4f} "
                  f"(ln 4 = 1.3863: chance)", file=sys.stderr, flush=True)
    k = max(1, steps // 10)
    return {"loss_first": float(np.mean(losses[:k])), "loss_last": float(np.mean(losses[-k:]))}
