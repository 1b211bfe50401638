"""``tfgan-zoo train`` (and ``scripts/train.py``): argparse only; the work is in :mod:`tfgan_zoo.training`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

from .argtypes import int_at_least as _int_at_least
from .argtypes import non_negative_float as _non_negative_float
from .argtypes import positive_float as _positive_float


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # noqa: D401
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _choice(options: Sequence[str]):
    def parse(text: str) -> str:
        if text not in options:
            raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(options)})")
        return text
    return parse


def _augment_policy(text: str) -> str | None:
    from ..choices import parse_augment_policy as parse_policy

    try:
        parts = parse_policy(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return ",".join(parts) or None


def _one_of(options: Sequence[str]) -> dict:
    return {"type": _choice(options), "metavar": "{" + ",".join(options) + "}"}


def build_parser(prog: str = "train.py") -> argparse.ArgumentParser:
    from ..choices import (ARCHITECTURES, AUGMENTS, CONDITIONAL, CONSTRAINTS, CRITIC_BATCHES, D_NORMS, DATASETS,
                          FID_NETWORKS, JIT_MODES, KEEP_BEST_METRICS, LOSSES, LR_DECAYS, PENALTIES, PRECISION_MODES,
                          PRIORS, STRATEGIES, RESNET_VARIANTS, TRANSPOSE_IMPLS, UPSAMPLES)

    p = _Parser(
        prog=prog,
        description="Train a GAN and write samples, loss curves, history, checkpoints and an exported generator.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--loss", default="nsgan", **_one_of(LOSSES),
                   help="gan = minimax (saturating) BCE; nsgan = non-saturating BCE; lsgan = least squares; "
                        "wgan = Wasserstein with weight clipping; wgan-gp = Wasserstein with gradient penalty; "
                        "hinge = hinge loss")
    p.add_argument("--arch", default="dcgan", **_one_of(ARCHITECTURES),
                   help="network pair: fully connected (mlp), convolutional (dcgan, Radford et al.) or the "
                        "standard CNN of Miyato et al.'s spectral normalization paper (sndcgan; use it with "
                        "--constraint sn), or ResNets (resnet: 32, 64, 128 pixels; 28 is padded inside)")
    p.add_argument("--upsample", default="transpose", **_one_of(UPSAMPLES),
                   help="the dcgan/sndcgan generator's 2x upsampling: 4x4 stride-2 transposed convolutions, or a "
                        "nearest/bilinear resize + 3x3 convolution (no checkerboard, Odena et al. 2016)")
    p.add_argument("--resnet-variant", default="sngan", **_one_of(RESNET_VARIANTS),
                   help="--arch resnet: sngan (sum pooling; at 32 px G width 256, D 128) or wgan-gp (mean pooling; "
                        "width 128)")
    p.add_argument("--width", type=_int_at_least(1), default=None, metavar="CH",
                   help="channel width of the convolutional networks (dcgan/sndcgan default 64; resnet: the "
                        "generator's, default by --resnet-variant)")
    p.add_argument("--d-width", type=_int_at_least(1), default=None, metavar="CH",
                   help="--arch resnet: the discriminator's channel width")
    p.add_argument("--conditional-norm", default="none", choices=("none", "cbn"),
                   help="cbn: the labels enter the generator through conditional batch norms (per-class gamma, "
                        "beta; gamma starts at 1, beta at 0) instead of being concatenated to z")
    p.add_argument("--self-modulation", action="store_true",
                   help="unconditional generators: every batch norm scaled and shifted by a small MLP of z "
                        "(Chen et al. 2019)")
    p.add_argument("--model", default="gan", choices=("gan", "pix2pix", "cyclegan"),
                   help="gan (default): a GAN from noise; pix2pix / cyclegan: image-to-image translation of --pairs "
                        "(paired / unpaired; their flags: --pairs, --l1-weight, --cycle-weight, --identity-weight, "
                        "--pool-size, --patch-layers, --n-blocks, --width, and --loss (default nsgan / lsgan), "
                        "--constraint none|clip|sn, --penalty, --epochs, --steps-per-epoch, --batch-size, --seed, "
                        "--precision, --lr-decay, --image-size, --data-dir, --out, --resume)")
    p.add_argument("--pairs", default="mnist-edges", metavar="SOURCE",
                   help="--model pix2pix/cyclegan: mnist-edges (edges -> digit), mnist-thick (thin -> thick strokes), "
                        "fashion-edges, or a folder with A/ and B/ (paired by file name for pix2pix)")
    p.add_argument("--l1-weight", type=_non_negative_float, default=100.0, help="pix2pix: lambda of the L1 term")
    p.add_argument("--cycle-weight", type=_non_negative_float, default=10.0, help="cyclegan: lambda of the cycle loss")
    p.add_argument("--identity-weight", type=_non_negative_float, default=0.5,
                   help="cyclegan: identity loss weight relative to --cycle-weight (0: off)")
    p.add_argument("--pool-size", type=_int_at_least(0), default=50, help="cyclegan: generated images kept per domain")
    p.add_argument("--patch-layers", type=_int_at_least(1), default=None,
                   help="PatchGAN depth: 1, 2, 3 give 16, 34, 70-pixel patches (default 2 up to 64 px, else 3)")
    p.add_argument("--n-blocks", type=_int_at_least(1), default=6, help="cyclegan: residual blocks per generator")
    p.add_argument("--dataset", default="mnist", metavar="SOURCE",
                   help=f"training data: a built-in dataset ({', '.join(DATASETS)}), a folder of PNG/JPEG/BMP/GIF "
                        "images (searched recursively), an .npz/.npy file, or a TFDS dataset prepared in --data-dir")
    p.add_argument("--image-size", type=_int_at_least(1), default=None, metavar="N",
                   help="resize (shorter side) and centre-crop images to N x N; the DCGAN is built for that size "
                        "(None: the data's own size)")
    p.add_argument("--channels", type=int, choices=(1, 3), default=None,
                   help="convert images to grayscale (1) or RGB (3) (None: the data's own)")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="folder with Fashion-MNIST's IDX files or prepared TFDS datasets")
    p.add_argument("--skip-corrupt", action="store_true",
                   help="leave out unreadable image files (reporting how many) instead of stopping")
    p.add_argument("--epochs", type=_int_at_least(1), default=1, help="passes over the data")
    p.add_argument("--steps-per-epoch", type=_int_at_least(1), default=None,
                   help="generator steps per epoch (default: one pass over the data)")
    p.add_argument("--batch-size", type=_int_at_least(1), default=32,
                   help="real images per step (32: on a CPU, more updates per epoch at the same wall time); "
                        "with --strategy the global batch, split evenly between the replicas")
    p.add_argument("--latent-dim", type=_int_at_least(1), default=100, help="size of the noise vector z")
    p.add_argument("--lr-d", type=_positive_float, default=None,
                   help="discriminator learning rate (default: the loss's paper default)")
    p.add_argument("--lr-g", type=_positive_float, default=None,
                   help="generator learning rate (default: the loss's paper default)")
    p.add_argument("--n-critic", type=_int_at_least(1), default=None,
                   help="discriminator updates per generator update (default: 5 for wgan/wgan-gp, else 1)")
    p.add_argument("--critic-batches", default="shared", **_one_of(CRITIC_BATCHES),
                   help="the real images of the --n-critic updates: shared = the same batch for each (keras-io); "
                        "fresh = each its own batch (Gulrajani et al.'s Algorithm 1, compare_gan): a step reads "
                        "n-critic x batch-size images, so an epoch has n-critic times fewer generator steps")
    p.add_argument("--precision", default="float32", **_one_of(PRECISION_MODES),
                   help="dtype policy; mixed_float16 scales both optimizers' losses; auto = mixed_bfloat16 where the "
                        "CPU has native bfloat16 (AVX512_BF16 or AMX) and oneDNN is on, else float32 (the policy "
                        "used is in summary.json)")
    p.add_argument("--seed", type=int, default=0, help="seed of data order, weights and noise")
    p.add_argument("--out", default=None, help="output folder (default: runs/<loss>)")
    p.add_argument("--jit", dest="jit_compile", default="auto", **_one_of(JIT_MODES),
                   help="compile the step with XLA: auto = on GPUs/TPUs only (on a CPU it pays on some kinds, not on "
                        "others: benchmarks/README.md)")
    p.add_argument("--no-jit", dest="jit_compile", action="store_const", const="off", help="same as --jit off")
    p.add_argument("--transpose-impl", default="auto", **_one_of(TRANSPOSE_IMPLS),
                   help="how the DCGAN computes its transposed convolutions (the same function either way): "
                        "subpixel = as forward convolutions + depth_to_space (about 1.3x faster steps on CPUs), "
                        "native = Keras' Conv2DTranspose, auto = subpixel on CPUs, native on GPUs/TPUs; "
                        "a resumed run keeps its own")
    p.add_argument("--strategy", default="default", **_one_of(STRATEGIES),
                   help="data parallelism: default = one device; mirrored = every local GPU (else every logical "
                        "CPU device); multiworker = the machines of the TF_CONFIG environment variable")
    p.add_argument("--d-norm", default="none", **_one_of(D_NORMS),
                   help="normalisation in the dcgan discriminator after every conv but the first "
                        "(none keeps gradient penalties exact)")
    p.add_argument("--constraint", default=None, **_one_of(CONSTRAINTS),
                   help="Lipschitz constraint on the discriminator: weight clipping, spectral normalization, "
                        "gradient normalization, piecewise gradient normalization GraN (None: the loss's default, "
                        "clip for wgan)")
    p.add_argument("--clip-value", type=_positive_float, default=0.01, help="bound of --constraint clip")
    p.add_argument("--gran-k", type=_positive_float, default=1.0, metavar="K",
                   help="--constraint gran: the Lipschitz bound K of each linear piece")
    p.add_argument("--gran-epsilon", type=_positive_float, default=1e-4, metavar="EPS",
                   help="--constraint gran: epsilon of K f ||grad f|| / (||grad f||^2 + epsilon)")
    p.add_argument("--penalty", default=None, **_one_of(PENALTIES),
                   help="gradient penalty on the discriminator (None: the loss's default, gp for wgan-gp)")
    p.add_argument("--penalty-weight", type=_positive_float, default=None,
                   help="lambda of gp/gp-one-sided/dragan, gamma of r1 (None: 10)")
    p.add_argument("--ema", type=float, default=None, metavar="DECAY",
                   help="keep an exponential moving average of the generator (e.g. 0.999) and use it for "
                        "samples and the export")
    p.add_argument("--ema-start", type=_int_at_least(0), default=0, metavar="STEPS",
                   help="EMA warm-up: the average copies the generator for its first STEPS updates, then averages")
    p.add_argument("--prior", default="normal", **_one_of(PRIORS),
                   help="distribution of z: normal N(0, I) or uniform U(-1, 1); the export records it")
    p.add_argument("--augment", type=_augment_policy, default=None, metavar="POLICY",
                   help="DiffAugment: a comma-separated subset of " + ",".join(AUGMENTS) + " applied to real and "
                        "generated images before the discriminator, in both updates (none: off)")
    p.add_argument("--progressive-augment", type=_int_at_least(0), default=0, metavar="BITS",
                   help="PA-GAN: D gets BITS extra input channels; each active bit (±1) flips the real/fake label, "
                        "and a bit is added when the --fid-every metric (--pa-monitor) stops improving (0: off)")
    p.add_argument("--pa-monitor", default="kid", **_one_of(("kid", "fid")),
                   help="the --fid-every metric that drives --progressive-augment (kid: computed beside the FID)")
    p.add_argument("--pa-patience", type=_int_at_least(1), default=1, metavar="N",
                   help="evaluations without progress before --progressive-augment adds a bit")
    p.add_argument("--pa-start", type=_int_at_least(0), default=0, metavar="BITS",
                   help="--progressive-augment bits on from the first step (faded in); the schedule adds the rest")
    p.add_argument("--pa-fade-steps", type=_int_at_least(0), default=500, metavar="STEPS",
                   help="generator steps over which a new bit fades in (0: at once)")
    p.add_argument("--lr-decay", default="none", **_one_of(LR_DECAYS),
                   help="learning-rate schedule: linear = both rates decay linearly to 0 at the run's last step")
    p.add_argument("--conditional", default="none", **_one_of(CONDITIONAL),
                   help="class-conditional GAN: the label's embedding is concatenated to z; the discriminator "
                        "gets it as an extra image channel (concat), through a projection, or predicts it (acgan). "
                        "Sample grids then show one row per class")
    p.add_argument("--ac-weight", type=_non_negative_float, default=1.0, metavar="W",
                   help="AC-GAN: weight of the class losses (cross-entropy of the class head for D on real and "
                        "generated images, for G on generated ones)")
    p.add_argument("--ac-fake-weight", type=_non_negative_float, default=1.0, metavar="W",
                   help="AC-GAN: weight of the generated images' term in D's class loss (1: Odena et al.; 0: D's "
                        "class head learns from real images only)")
    p.add_argument("--info-categorical", type=_int_at_least(0), default=0, metavar="K",
                   help="InfoGAN: a categorical code with K >= 2 categories (0: none)")
    p.add_argument("--info-continuous", type=_int_at_least(0), default=0, metavar="M",
                   help="InfoGAN: M continuous codes in U(-1, 1) (0: none)")
    p.add_argument("--minibatch-discrimination", nargs="?", const="100,5", default=None, metavar="B,C",
                   help="Salimans et al.'s minibatch discrimination layer in D (B kernels of dimension C; "
                        "the flag alone: 100,5)")
    p.add_argument("--minibatch-stddev", nargs="?", type=int, const=4, default=0, metavar="G",
                   help="ProGAN's minibatch standard deviation feature in D over groups of G (the flag alone: 4)")
    p.add_argument("--cascade", type=_int_at_least(1), default=1, metavar="N",
                   help="cascading rejection (Park & Shin 2019): D gives N scores, each from the part of its feature "
                        "vector orthogonal to the previous score's weights; their losses are averaged (1: off)")
    p.add_argument("--feature-matching", default=None, choices=("only", "add"),
                   help="Salimans et al.'s feature matching: the generator's loss is ||E f(x) - E f(G(z))||^2 on D's "
                        "features ('only') or that plus its loss ('add')")
    p.add_argument("--feature-layer", default=None, metavar="NAME",
                   help="the D layer whose output --feature-matching matches (default: the input of D's logit)")
    p.add_argument("--label-smoothing", type=_non_negative_float, default=0.0, metavar="S",
                   help="one-sided label smoothing for gan/nsgan: real images' target 1 - S (Salimans et al. 2016; "
                        "0.1 is usual)")
    p.add_argument("--info-weight", type=_positive_float, default=1.0, help="InfoGAN's mutual-information weight")
    p.add_argument("--fid-every", type=_int_at_least(1), default=None, metavar="N",
                   help="compute FID every N epochs (adds a fid column to history.csv)")
    p.add_argument("--fid-samples", type=_int_at_least(2), default=2000, help="generated and real images for FID")
    p.add_argument("--fid-network", default="fid-inception",
                   **_one_of(FID_NETWORKS),
                   help="feature network of --fid-every (mnist-classifier / fashion-classifier: fast, each for "
                        "its own dataset only)")
    p.add_argument("--keep-best", default=None, **_one_of(KEEP_BEST_METRICS),
                   help="export the generator of the best --fid-every evaluation as OUT/generator (its step in "
                        "OUT/generator/tfgan_zoo_generator.json and summary.json); the last one is exported as "
                        "OUT/generator_last and stays in OUT/checkpoints")
    p.add_argument("--recipe", default=None, metavar="NAME",
                   help="start from a shipped recipe's settings (flags given here and --config win); "
                        "--recipe list shows them with the results they reached")
    p.add_argument("--config", default=None, metavar="FILE.json",
                   help="read flag values from a JSON object whose keys are the flag names (--batch-size or "
                        "batch_size); flags given on the command line win; unknown keys are an error")
    p.add_argument("--n-samples", type=_int_at_least(1), default=64, help="images in each sample grid")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its newest good checkpoint (flags default to the run's "
                        "config.json; starts at step 0 when there is no checkpoint yet)")
    p.add_argument("--checkpoint-every", type=_int_at_least(0), default=500, metavar="N",
                   help="also checkpoint every N steps within an epoch (0: at epoch ends only)")
    p.add_argument("--keep-checkpoints", type=_int_at_least(1), default=3, metavar="K",
                   help="keep the newest K checkpoints")
    p.add_argument("--deterministic", action="store_true",
                   help="enable TensorFlow op determinism: a run and its resumed continuation are bitwise "
                        "reproducible (may be slower, mainly on GPUs)")
    p.add_argument("--no-tensorboard", dest="tensorboard", action="store_false",
                   help="do not write TensorBoard event files (default: OUT/tensorboard; tensorboard --logdir OUT)")
    p.add_argument("--tensorboard-every", type=_int_at_least(1), default=50, metavar="N",
                   help="steps between TensorBoard scalar points, each the mean over its N steps (plus each "
                        "epoch's last steps)")
    p.add_argument("--log-every", type=_int_at_least(0), default=100, metavar="N",
                   help="when stdout is not a terminal (a job's log file): one line every N steps, and at least "
                        "every 30 s, with the step, epoch, images/s, losses and ETA (0: none; a terminal gets the "
                        "Keras progress bar)")
    return p


def apply_config_file(parser: argparse.ArgumentParser, path: str) -> None:
    """Use the values of a JSON file as the parser's defaults, checked by each flag's own type.

    Exits with status 2 (one line) on an unreadable file, a non-object, an unknown key or a bad value.
    """
    try:
        with open(path, encoding="utf-8") as f:
            values = json.load(f)
    except (OSError, ValueError) as e:
        parser.error(f"--config {path}: cannot read it as JSON ({e})")
    if not isinstance(values, dict):
        parser.error(f"--config {path}: expected a JSON object of flag values, got {type(values).__name__}")
    apply_defaults(parser, values, f"--config {path}")


def apply_defaults(parser: argparse.ArgumentParser, values: dict, where: str) -> None:
    """Set flag values (keys: flag names as ``batch-size`` or ``batch_size``) as the parser's defaults, each
    checked by its flag's own type; ``where`` names the source in errors (exit status 2, one line)."""
    actions = {a.dest: a for a in parser._actions if a.dest not in ("help", "config")}
    by_flag = {opt.lstrip("-"): a.dest for a in actions.values() for opt in a.option_strings}
    defaults = {}
    for key, value in values.items():
        dest = by_flag.get(key, key if key in actions else None)
        if dest is None:
            parser.error(f"{where}: unknown key {key!r}; valid keys: {', '.join(sorted(actions))}")
        action = actions[dest]
        if value is None:  # "use the default", as a run's config.json writes it
            pass
        elif action.type is not None:
            try:
                value = action.type(str(value))
            except (argparse.ArgumentTypeError, ValueError) as e:
                parser.error(f"{where}: {key}: {e}")
        elif action.choices is not None and value not in action.choices:
            parser.error(f"{where}: {key}: invalid choice {value!r}")
        elif isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)) and \
                not isinstance(value, bool):
            parser.error(f"{where}: {key} must be true or false, got {value!r}")
        defaults[dest] = value
    parser.set_defaults(**defaults)


def apply_recipe(parser: argparse.ArgumentParser, name: str) -> None:
    """Use a shipped recipe's flags as the parser's defaults (its output folder: ``runs/NAME``)."""
    from .. import recipes

    try:
        recipe = recipes.load(name)
    except (recipes.RecipeError, OSError, ValueError) as e:
        parser.error(f"--recipe: {e}")
    apply_defaults(parser, {"out": f"runs/{name}", **recipe["flags"], "recipe": name}, f"recipe {name}")


def _error(message: object, status: int = 2) -> int:
    print(f"train.py: error: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None, prog: str = "train.py") -> int:
    """Run ``train`` with the command-line arguments ``argv``; returns the exit status."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.recipe == "list":
        from .. import recipes

        print(recipes.listing())
        return 0
    if args.recipe:  # the recipe's flags first: --config and the command line override them
        apply_recipe(parser, args.recipe)
        args = parser.parse_args(argv)
    saved = os.path.join(args.out or f"runs/{args.loss}", "config.json")
    if args.resume and not args.config and os.path.isfile(saved):
        args.config = saved  # resume with the run's own settings; flags given here still win (and are checked)
    if args.config:
        apply_config_file(parser, args.config)
        args = parser.parse_args(argv)  # command-line flags override the file
    resume = args.resume
    config_has_loss = False
    if args.config:
        with open(args.config, encoding="utf-8") as f:
            config_has_loss = json.load(f).get("loss") is not None
    del args.config, args.resume
    if args.model != "gan":
        given = "--loss" in (argv if argv is not None else sys.argv[1:]) or config_has_loss
        return _translate(args, resume, loss_given=given)
    for name, default in TRANSLATION_ONLY.items():
        if getattr(args, name) != default:
            return _error(f"--{name.replace('_', '-')} applies to --model pix2pix/cyclegan; drop it or add --model.")
        delattr(args, name)
    del args.model
    from ..config import TrainConfig

    cfg = TrainConfig(**{k: v for k, v in vars(args).items() if k != "out"},
                      out=args.out or f"runs/{args.loss}")
    return _claim_and_train(cfg, resume)


# flags of --model pix2pix/cyclegan only, with their defaults
TRANSLATION_ONLY = {"pairs": "mnist-edges", "l1_weight": 100.0, "cycle_weight": 10.0, "identity_weight": 0.5,
                    "pool_size": 50, "patch_layers": None, "n_blocks": 6}


def _translate(args, resume: bool, loss_given: bool) -> int:
    """``--model pix2pix|cyclegan``: a :class:`~tfgan_zoo.config.TranslationConfig` of the flags that apply."""
    from ..config import TranslationConfig

    cfg = TranslationConfig(
        model=args.model, pairs=args.pairs, loss=args.loss if loss_given else None, epochs=args.epochs,
        steps_per_epoch=args.steps_per_epoch, batch_size=args.batch_size, seed=args.seed,
        out=args.out or f"runs/{args.model}", width=args.width, patch_layers=args.patch_layers,
        n_blocks=args.n_blocks, l1_weight=args.l1_weight, cycle_weight=args.cycle_weight,
        identity_weight=args.identity_weight, pool_size=args.pool_size, constraint=args.constraint,
        penalty=args.penalty, penalty_weight=args.penalty_weight, lr_decay=args.lr_decay,
        precision=args.precision, image_size=args.image_size, data_dir=args.data_dir,
        keep_checkpoints=args.keep_checkpoints, checkpoint_every=args.checkpoint_every,
        deterministic=args.deterministic, tensorboard=args.tensorboard, tensorboard_every=args.tensorboard_every,
        log_every=args.log_every)
    if args.lr_d or args.lr_g:
        if args.lr_d and args.lr_g and args.lr_d != args.lr_g:
            return _error("--model pix2pix/cyclegan use one learning rate for both sides; give --lr-d and --lr-g "
                          "the same value (or one of them).")
        cfg.lr = args.lr_d or args.lr_g
    return _claim_and_train(cfg, resume)


def _claim_and_train(cfg, resume: bool) -> int:
    """Validate ``cfg`` and lock its folder, once (:func:`tfgan_zoo.runfolder.claim`, before TensorFlow loads, so
    a bad setting or a busy folder is answered at once), then train with the folder held."""
    from .. import runlock
    from ..runfolder import claim as claim_folder

    try:
        claim = claim_folder(cfg, prog="train.py")
    except (ValueError, runlock.RunFolderInUseError) as e:
        return _error(e)
    except OSError as e:
        return _error(f"cannot create the run folder {cfg.out}: {e.strerror or e}")
    with claim:
        return _train(claim, resume)


def _train(claim, resume: bool) -> int:
    """The part of :func:`main` that runs with the run folder claimed: one :func:`tfgan_zoo.training.run`, its
    errors as one line each with the exit status of their kind."""
    import contextlib
    import warnings

    from .. import checkpointing

    cfg = claim.cfg
    point = None
    if resume:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", checkpointing.CorruptCheckpointWarning)
            try:
                point = checkpointing.latest_good(os.path.join(cfg.out, "checkpoints"))
            except checkpointing.CheckpointError as e:
                return _error(e)
        for w in caught:
            print(f"train.py: warning: {w.message}", file=sys.stderr)
        if point is None:
            print(f"train.py: note: no checkpoint in {cfg.out}/checkpoints yet; starting at step 0.", file=sys.stderr)
    from ..config import TranslationConfig
    from ..data import CorruptDatasetError, DatasetUnavailableError
    from ..divergence import TrainingDiverged
    from ..preemption import TrainingInterrupted
    from ..training import DiskFullError, run

    # translation runs keep stdout for the summary alone (Keras' epoch lines go to stderr)
    quiet = contextlib.redirect_stdout(sys.stderr) if isinstance(cfg, TranslationConfig) else contextlib.nullcontext()
    try:
        with quiet:
            summary = run(claim, resume=point or False)
    except checkpointing.CheckpointError as e:
        return _error(e)
    except TrainingDiverged as e:
        return _error(f"{e} Continue from it with --resume --out {cfg.out} (e.g. with lower --lr-d/--lr-g), "
                      "or start over with other settings.", status=3)
    except TrainingInterrupted as e:
        print(f"train.py: {e} Continue with --resume --out {cfg.out}.", file=sys.stderr, flush=True)
        return e.exit_status
    except DiskFullError as e:
        return _error(e, status=4)
    except (ValueError, OSError, DatasetUnavailableError, CorruptDatasetError) as e:  # bad data: the user's to fix
        return _error(e)
    print(json.dumps(summary, indent=2))
    return 0
