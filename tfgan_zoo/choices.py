"""Names accepted by the command line and the builders (no TensorFlow import here,
so ``--help`` and argument errors answer at once)."""

from __future__ import annotations

from typing import Sequence

# losses whose fake-label loss is the real-label loss of the negated logit: progressive augmentation's label XOR
# is the logit's sign for them (tfgan_zoo.progressive; the LSGAN only with a = -b, which the command line lacks)
PROGRESSIVE_LOSSES = ("gan", "nsgan", "hinge", "wgan", "wgan-gp")
LOSSES = ("gan", "nsgan", "lsgan", "wgan", "wgan-gp", "hinge", "fgan-kl", "fgan-reverse-kl", "fgan-pearson",
          "fgan-hellinger", "fgan-js", "fgan-gan", "rsgan", "ragan", "ralsgan", "mmd",
          "mmd-gp")
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
