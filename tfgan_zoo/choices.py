"""Names accepted by the command line and the builders (no TensorFlow import here,
so ``--help`` and argument errors answer at once)."""

from __future__ import annotations

import dataclasses
from typing import Sequence


@dataclasses.dataclass(frozen=True)
class LossRule:
    """What the rest of the package needs to know of a ``--loss``, in one row of :data:`LOSS_TABLE`.

    Attributes
    ----------
    constraint, penalty : str
        The Lipschitz constraint and gradient penalty the loss gets when none is asked for (``wgan``: ``clip``;
        ``wgan-gp`` and ``mmd-gp``: ``gp``).
    n_critic : int
        Discriminator updates per generator step by default (5 for the Wasserstein and MMD losses).
    logits : bool
        The discriminator's scores are logits compared real against fake; False for the MMD losses, whose critic is
        a feature map (they have no adversarial term for pix2pix/CycleGAN, and no score to cascade).
    symmetric : bool
        ``loss_fake(l) = loss_real(-l)``: negating the logit flips the label, which progressive augmentation's
        label XOR relies on (the LSGAN only with ``a = -b``, which the command line lacks).
    labels : bool
        A binary cross-entropy with real/fake labels, which one-sided label smoothing changes.
    wasserstein : bool
        The critic's loss is unbounded without a Lipschitz constraint or a penalty.
    """

    constraint: str = "none"
    penalty: str = "none"
    n_critic: int = 1
    logits: bool = True
    symmetric: bool = False
    labels: bool = False
    wasserstein: bool = False


_BCE = LossRule(symmetric=True, labels=True)
# the one table of losses: the command line's choices, build_gan's classes (models.MODELS has the same keys, a
# test holds them equal), the defaults and the composition rules are all read from it
LOSS_TABLE: dict[str, LossRule] = {
    "gan": _BCE,
    "nsgan": _BCE,
    "lsgan": LossRule(),
    "wgan": LossRule(constraint="clip", n_critic=5, symmetric=True, wasserstein=True),
    "wgan-gp": LossRule(penalty="gp", n_critic=5, symmetric=True, wasserstein=True),
    "hinge": LossRule(symmetric=True),
    **{f"fgan-{d}": LossRule() for d in ("kl", "reverse-kl", "pearson", "hellinger", "js", "gan")},
    **{k: LossRule() for k in ("rsgan", "ragan", "ralsgan")},
    "mmd": LossRule(n_critic=5, logits=False),
    "mmd-gp": LossRule(penalty="gp", n_critic=5, logits=False),
}
LOSSES = tuple(LOSS_TABLE)
PROGRESSIVE_LOSSES = tuple(k for k, rule in LOSS_TABLE.items() if rule.symmetric)
LABELLED_LOSSES = tuple(k for k, rule in LOSS_TABLE.items() if rule.labels)  # --label-smoothing applies
WASSERSTEIN_LOSSES = tuple(k for k, rule in LOSS_TABLE.items() if rule.wasserstein)
FEATURE_MAP_LOSSES = tuple(k for k, rule in LOSS_TABLE.items() if not rule.logits)  # the MMD losses


def loss_rule(loss: str) -> LossRule:
    """The row of :data:`LOSS_TABLE` for ``loss``; ``ValueError`` naming the valid losses for another name."""
    try:
        return LOSS_TABLE[loss]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown loss {loss!r}. Valid losses: {', '.join(LOSSES)}.") from None


def loss_defaults(loss: str, constraint: str | None = None, penalty: str | None = None) -> tuple[str, str]:
    """``(constraint, penalty)`` of a run: those given, else the loss's defaults (:class:`LossRule`)."""
    rule = loss_rule(loss)
    return (rule.constraint if constraint is None else constraint, rule.penalty if penalty is None else penalty)


# sndcgan: compare_gan's SN-DCGAN (PA-GAN); sndcgan-small: Miyato et al.'s standard CNN from a 7x7 start at 28x28;
# infogan: compare_gan's InfoGAN networks (Lucic et al.); resnet: nets.resnet
ARCHITECTURES = ("mlp", "dcgan", "sndcgan", "sndcgan-small", "infogan", "resnet")
CONV_ARCHITECTURES = ("dcgan", "sndcgan", "sndcgan-small", "infogan")  # sizes checked by shapes.upsampling_plan; take --transpose-impl
D_NORM_ARCHITECTURES = ("dcgan", "infogan")  # whose discriminator takes --d-norm
UPSAMPLES = ("transpose", "nearest-conv", "bilinear-conv")  # the generator's 2x upsampling (dcgan, sndcgan)
RESNET_VARIANTS = ("sngan", "wgan-gp")  # nets.resnet: widths and D's final pooling
GENERATOR_NORMS = ("batch", "cbn", "self-modulation")  # the generator's batch norms (nets.norms)
PRIORS = ("normal", "uniform")  # the distribution of z (tfgan_zoo.priors)
AUGMENTS = ("color", "translation", "cutout")  # DiffAugment policies (tfgan_zoo.augment)
CRITIC_BATCHES = ("shared", "fresh")  # the real images of the n_critic updates: the whole batch each, or a part each
LR_DECAYS = ("none", "linear")  # learning-rate schedules over the run (training.set_learning_rates)
KEEP_BEST_METRICS = ("fid",)  # --keep-best: the metric of --fid-every (its network from --fid-network)
# feature networks of the FID/KID: the standard FID Inception, Keras' ImageNet InceptionV3, and the committed
# 28x28 classifiers (tfgan_zoo.metrics.classifier), each named with the built-in dataset whose classes it knows
CLASSIFIER_NETWORKS = {"mnist-classifier": "mnist", "fashion-classifier": "fashion_mnist"}
FID_NETWORKS = ("fid-inception", "keras-imagenet", *CLASSIFIER_NETWORKS)


def matching_classifier(dataset) -> str | None:
    """The classifier network that knows ``dataset``'s classes (None for a dataset without one)."""
    return next((net for net, known in CLASSIFIER_NETWORKS.items() if dataset == known), None)


def classifier_mismatch(network: str, dataset) -> str | None:
    """Why ``network`` cannot score ``dataset``: a domain classifier on the other built-in dataset, whose
    features say nothing about it. None when the pair is fine (any other network, or a dataset that is not a
    built-in one with a classifier)."""
    known = CLASSIFIER_NETWORKS.get(network)
    if known is None or not isinstance(dataset, str) or dataset not in CLASSIFIER_NETWORKS.values() \
            or dataset == known:
        return None
    return (f"{network} knows {known}'s classes, not {dataset}'s; use --network/--fid-network "
            f"{matching_classifier(dataset)} (fast) or fid-inception (the standard FID).")
DATASETS = ("mnist", "fashion_mnist")  # built in; --dataset also takes folders, files, TFDS names
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
PRECISION_MODES = (*PRECISIONS, "auto")  # auto: mixed_bfloat16 where the CPU has it natively, else float32
D_NORMS = ("none", "batch", "layer")
JIT_MODES = ("auto", "on", "off")  # XLA: auto = on GPU/TPU only (Keras convention)
TRANSPOSE_IMPLS = ("auto", "native", "subpixel")  # how the DCGAN's transposed convolutions run (nets.subpixel)
CONSTRAINTS = ("none", "clip", "sn", "gn", "gran")  # Lipschitz constraints on the discriminator
PENALTIES = ("none", "gp", "gp-one-sided", "r1", "dragan")  # gradient penalties on the discriminator
CONDITIONING = ("concat", "projection", "acgan", "infogan")  # how labels or codes enter the networks
CONDITIONAL = ("none", "concat", "projection", "acgan")  # --conditional
STRATEGIES = ("default", "mirrored", "multiworker")  # --strategy: tf.distribute strategies (tfgan_zoo.distribute)
TRANSLATION_MODELS = ("pix2pix", "cyclegan")  # --model, besides gan (tfgan_zoo.translate)
TRANSLATION_DEFAULT_LOSS = {"pix2pix": "nsgan", "cyclegan": "lsgan"}  # the papers' adversarial losses
PAIR_SOURCES = ("mnist-edges", "mnist-thick", "fashion-edges")  # built-in --pairs (tfgan_zoo.data.translation_pairs)
TRANSLATION_CONSTRAINTS = ("none", "clip", "sn")  # the patch discriminators take these


def parse_augment_policy(policy: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"color,translation"`` -> ``("color", "translation")`` in the canonical order; ``None``/``""``/
    ``"none"`` -> ``()``. Raises ``ValueError`` naming an unknown or repeated part."""
    if policy is None or policy == "" or policy == "none":
        return ()
    parts = [p.strip() for p in policy.split(",")] if isinstance(policy, str) else [str(p) for p in policy]
    bad = [p for p in parts if p not in AUGMENTS]
    if bad:
        raise ValueError(f"Unknown augmentation {bad[0]!r} in {policy!r}; give a comma-separated subset of "
                         f"{', '.join(AUGMENTS)} (or none).")
    if len(set(parts)) != len(parts):
        raise ValueError(f"Augmentation policy {policy!r} names a part twice; name each once.")
    return tuple(p for p in AUGMENTS if p in parts)
