"""Which loss x constraint x penalty combinations are allowed, warned about or refused, and why.

::

    =====================================  =========  ==========================================================
    combination                            verdict    why
    =====================================  =========  ==========================================================
    ``gn`` or ``gran`` with any gradient   refused    GN already bounds ``‖∇f̂‖ ≤ 1`` (GraN ``≤ K`` on each
    penalty                                           piece); a penalty on top needs third derivatives through
                                                      the nested gradient and adds nothing.
    ``gn`` or ``gran`` with ``mmd`` or     refused    they normalise the discriminator's scalar output, but the
    ``mmd-gp``                                        MMD losses read its feature vector, which stays
                                                      unconstrained: the option would do nothing.
    ``--cascade N`` (N > 1) with ``gn``    refused    GN/GraN normalise one score by its own input gradient; N
    or ``gran``                                       scores would need N nested gradients.
    ``--cascade N`` (N > 1) with ``mmd``   refused    the MMD discriminator is a feature map with no score to
    or ``mmd-gp``                                     cascade.
    ``clip`` with ``gp``, ``gp-one-sided``  warned     the penalty was introduced to replace clipping
    or ``dragan``                                     (Gulrajani et al., 2017); clipping caps the critic's
                                                      capacity and fights the penalty's target norm of 1.
    Wasserstein loss, no constraint,       warned     the critic loss ``E[f] - E[r]`` is unbounded without a
    no penalty                                        Lipschitz constraint: the critic's outputs can diverge.
    progressive augmentation with the      refused    PA-GAN's label XOR is implemented as the logit's sign,
    f-GAN, relativistic or MMD losses,                which is the label flip only when ``loss_fake(l) =
    the LSGAN's 0-1 coding, label                     loss_real(-l)`` (BCE, hinge, Wasserstein, LSGAN with
    smoothing, packing or feature                     ``a = -b``); a pack or matched features would mix bits
    matching                                          (:func:`check_progressive`).
    ``--label-smoothing`` with a loss      refused    only the BCE losses (gan, nsgan) have labels to smooth.
    without labels
    pix2pix/CycleGAN with ``mmd``,         refused    their adversarial terms compare real and generated
    ``mmd-gp``, ``gn`` or ``gran``                    logits, per patch.
    everything else                        allowed    e.g. SN + R1, SN + GP, hinge + SN (SNGAN), LSGAN + GP.
    =====================================  =========  ==========================================================
"""

from __future__ import annotations

import warnings

from .choices import (CONSTRAINTS, CRITIC_BATCHES, FEATURE_MAP_LOSSES, LABELLED_LOSSES, PENALTIES,
                      PROGRESSIVE_LOSSES, TRANSLATION_CONSTRAINTS, WASSERSTEIN_LOSSES, loss_rule)

WASSERSTEIN = WASSERSTEIN_LOSSES  # read from choices.LOSS_TABLE
MMD = FEATURE_MAP_LOSSES
GRADIENT_NORMALIZATIONS = ("gn", "gran")
_METRIC = {"gp": "gp", "gp-one-sided": "gp_one_sided", "r1": "r1", "dragan": "dragan"}


class CombinationWarning(UserWarning):
    """A constraint/penalty combination that works but is probably not what you want."""


def penalty_metric_name(penalty: str) -> str:
    """The metric name under which the penalty is reported (``gp``, ``gp_one_sided``, ``r1``, ``dragan``)."""
    return _METRIC[penalty]


def check_combination(loss: str, constraint: str, penalty: str, cascade: int = 1) -> None:
    """Refuse or warn about a loss/constraint/penalty combination (see the module table).

    ``cascade`` is the number of cascading-rejection scores of the discriminator (1: none). Every path that builds
    or configures a run (``TrainConfig``, ``TranslationConfig``, ``GAN``, the translation models) calls this one
    function, so each rule and its message is written once.

    Raises
    ------
    ValueError
        For an unknown constraint or penalty, or a refused combination.
    """
    if constraint not in CONSTRAINTS:
        raise ValueError(f"Unknown constraint {constraint!r}. Valid constraints: {', '.join(CONSTRAINTS)}.")
    if penalty not in PENALTIES:
        raise ValueError(f"Unknown penalty {penalty!r}. Valid penalties: {', '.join(PENALTIES)}.")
    if constraint in GRADIENT_NORMALIZATIONS and penalty != "none":
        raise ValueError(
            f"constraint {constraint!r} with penalty {penalty!r} is refused: gradient normalization already bounds "
            "the discriminator's input gradient, and a penalty on top would need third derivatives for "
            "nothing. Use one of them (e.g. --penalty none)."
        )
    if constraint in GRADIENT_NORMALIZATIONS and loss in MMD:
        raise ValueError(
            f"constraint {constraint!r} with the {loss} loss is refused: it normalises the discriminator's scalar "
            "output, but the MMD loss reads the feature vector before it, which would stay unconstrained. Use "
            "--constraint sn or none (mmd-gp has its own gradient penalty).")
    if int(cascade) > 1 and constraint in GRADIENT_NORMALIZATIONS:
        raise ValueError(
            f"--cascade {cascade} with constraint {constraint!r} is refused: gradient normalization normalises one "
            "score by its own input gradient, and the cascade's scores would each need their own. Use --constraint "
            "sn or a penalty with the cascade.")
    if int(cascade) > 1 and loss in MMD:
        raise ValueError(f"--cascade {cascade} with the {loss} loss is refused: the MMD discriminator is a feature map "
                         "with no score to cascade. Drop --cascade.")
    if constraint == "clip" and penalty in ("gp", "gp-one-sided", "dragan"):
        warnings.warn(
            f"Weight clipping together with the {penalty!r} penalty: the penalty was introduced to replace "
            "clipping, and clipping limits the critic and fights the penalty. Consider --constraint none.",
            CombinationWarning, stacklevel=4)
    if loss in WASSERSTEIN and constraint == "none" and penalty == "none":
        warnings.warn(
            f"The {loss} critic has neither a Lipschitz constraint nor a gradient penalty: its loss is "
            "unbounded and training can diverge. Add --constraint clip|sn|gn|gran or --penalty gp.",
            CombinationWarning, stacklevel=4)


def check_label_smoothing(loss: str, label_smoothing: float, has_labels: bool | None = None) -> None:
    """Refuse label smoothing out of [0, 1), or for a loss without real/fake labels (``has_labels``: the model's
    own answer; default the loss's row of :data:`tfgan_zoo.choices.LOSS_TABLE`)."""
    if not 0.0 <= float(label_smoothing) < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1) (real images' target 1 - label_smoothing), got "
                         f"{label_smoothing}.")
    labelled = loss_rule(loss).labels if has_labels is None else has_labels
    if label_smoothing and not labelled:
        raise ValueError(f"--label-smoothing is for the BCE losses ({', '.join(LABELLED_LOSSES)}), not {loss}: it "
                         "has no labels to smooth.")


def check_progressive(loss: str, symmetric: bool | None = None, label_smoothing: float = 0.0,
                      feature_matching: str | None = None, pack: int = 1) -> None:
    """Refuse progressive augmentation where its label flip is not the logit's sign (module table).

    ``symmetric`` is the model's own answer (an LSGAN built with ``a = -b`` is symmetric); default the loss's row
    of :data:`tfgan_zoo.choices.LOSS_TABLE`.
    """
    if not (loss_rule(loss).symmetric if symmetric is None else symmetric):
        raise ValueError(f"--progressive-augment flips real/fake labels by negating D's logit, which is the label "
                         f"flip only for the symmetric losses ({', '.join(PROGRESSIVE_LOSSES)}, and lsgan with "
                         f"real_label = -fake_label); not {loss}. Drop --progressive-augment or choose one of those "
                         "losses.")
    if label_smoothing:
        raise ValueError("--progressive-augment with label_smoothing is refused: a smoothed real label (1 - eps) "
                         "flipped is eps, not the fake label 0, so the flip is no longer the logit's sign. Use one "
                         "of them.")
    if feature_matching:
        raise ValueError("--progressive-augment with feature matching is refused: the matched features would mix "
                         "inputs with different bits. Use one of them.")
    if int(pack) > 1:
        raise ValueError("--progressive-augment with packing (pack > 1) is refused: a pack would need one bit set "
                         "per pack. Use one of them.")


def check_translation(model: str, loss: str, constraint: str, penalty: str) -> None:
    """Refuse what the translation models (pix2pix, CycleGAN) cannot take, then :func:`check_combination`."""
    if not loss_rule(loss).logits:
        raise ValueError(f"--loss {loss} has a feature-map critic; the translation models need a loss that compares "
                         "real and generated logits (any other --loss).")
    if constraint not in TRANSLATION_CONSTRAINTS:
        raise ValueError(f"--constraint {constraint} is not available for --model {model} (its discriminators "
                         f"score patches); use {', '.join(TRANSLATION_CONSTRAINTS)}.")
    check_combination(loss, constraint, penalty)


def check_values(n_critic: int | None = None, critic_batches: str | None = None, clip_value: float | None = None,
                 penalty_weight: float | None = None, ema: float | None = None, ema_start: int | None = None) -> None:
    """The ranges of a GAN's numeric settings, for :class:`~tfgan_zoo.config.TrainConfig`, the translation config
    and :class:`~tfgan_zoo.models.GAN` alike (None: not given, nothing to check).

    Raises
    ------
    ValueError
        Naming the setting, its range and the value given.
    """
    if n_critic is not None and int(n_critic) < 1:
        raise ValueError(f"n_critic must be >= 1, got {n_critic}.")
    if critic_batches is not None and critic_batches not in CRITIC_BATCHES:
        raise ValueError(f"Unknown critic_batches {critic_batches!r}; use 'shared' (every critic update sees the "
                         "whole batch) or 'fresh' (each sees its own n_critic-th of it).")
    if clip_value is not None and not clip_value > 0:
        raise ValueError(f"clip_value must be > 0, got {clip_value}.")
    if penalty_weight is not None and not penalty_weight >= 0:
        raise ValueError(f"penalty_weight must be >= 0, got {penalty_weight}.")
    if ema is not None and not 0.0 < float(ema) < 1.0:
        raise ValueError(f"ema (the decay) must be in (0, 1), e.g. 0.999; got {ema}.")
    if ema_start is not None and int(ema_start) < 0:
        raise ValueError(f"ema_start must be >= 0 (generator updates before averaging starts), got {ema_start}.")
