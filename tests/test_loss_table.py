"""One table of losses (choices.LOSS_TABLE) read by the command line, build_gan, the defaults and the
translation models; each composition rule's message written in one function of tfgan_zoo.composition."""

from __future__ import annotations

import warnings

import pytest

from tfgan_zoo import choices, composition, config, losses, models, nets
from tfgan_zoo.cli.train import build_parser


def _pair():
    return nets.build("mlp", (8, 8, 1), 4)


def test_the_table_names_every_loss_once_and_everything_reads_it():
    names = list(choices.LOSS_TABLE)
    cli = next(a for a in build_parser()._actions if a.dest == "loss")
    assert list(models.MODELS) == names == list(choices.LOSSES)
    assert [cli.type(n) for n in names] == names  # the command line's --loss takes every name of the table
    with pytest.raises(Exception, match="wgangp"):  # and no other (control)
        cli.type("wgangp")
    logits = {k for k, rule in choices.LOSS_TABLE.items() if rule.logits}
    for name in names:  # the translation models' adversarial terms: exactly the losses with logits
        if name in logits:
            losses.adversarial_losses(name)
        else:
            with pytest.raises(ValueError, match="no real-vs-fake logit form"):
                losses.adversarial_losses(name)
    assert set(choices.PROGRESSIVE_LOSSES) == {"gan", "nsgan", "wgan", "wgan-gp", "hinge"}


@pytest.mark.parametrize("loss", list(choices.LOSS_TABLE))
def test_each_model_has_its_rows_defaults(loss):
    rule = choices.LOSS_TABLE[loss]
    g, d = _pair()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", composition.CombinationWarning)
        gan = models.build_gan(loss, g, d)
    assert (gan.n_critic, gan.constraint, gan.penalty) == (rule.n_critic, rule.constraint, rule.penalty)
    assert models.n_critic_of(loss) == rule.n_critic
    assert config.TrainConfig(loss=loss).loss == loss


def test_the_translation_defaults_come_from_the_same_rows():
    assert (config.TranslationConfig(loss="wgan").constraint, config.TranslationConfig(loss="wgan-gp").penalty) == \
        ("clip", "gp")
    assert (config.TranslationConfig(model="cyclegan").loss, config.TranslationConfig().loss) == ("lsgan", "nsgan")
    from tfgan_zoo.nets.translation import patchgan_discriminator, unet_generator

    shape = (16, 16, 1)
    p2p = models.Pix2Pix(unet_generator(shape, width=4), patchgan_discriminator(shape, width=4, conditional=True),
                         loss="wgan-gp")
    assert (p2p.constraint, p2p.penalty) == ("none", "gp")


class Sentinel(Exception):
    pass


def _raiser(name):
    def fn(*args, **kwargs):
        raise Sentinel(name)
    return fn


# every path that configures or builds a run, and the rule it must check through composition
PATHS = {
    "check_combination": [
        lambda: config.TrainConfig(loss="wgan", constraint="gn", penalty="gp").validate(),
        lambda: config.TrainConfig(loss="nsgan", cascade=2, arch="mlp").validate(),
        lambda: models.build_gan("wgan-gp", *_pair()),
        lambda: config.TranslationConfig(loss="wgan", penalty="gp").validate(),
    ],
    "check_progressive": [
        lambda: config.TrainConfig(loss="lsgan", progressive_augment=1, pa_start=1).validate(),
        lambda: models.build_gan("lsgan", *nets.build("mlp", (8, 8, 1), 4, d_extra_channels=2), progressive_bits=2),
    ],
    "check_label_smoothing": [
        lambda: config.TrainConfig(loss="lsgan", label_smoothing=0.1).validate(),
        lambda: models.build_gan("lsgan", *_pair(), label_smoothing=0.1),
    ],
    "check_values": [
        lambda: config.TrainConfig(ema=1.5).validate(),
        lambda: models.build_gan("nsgan", *_pair(), ema=1.5),
        lambda: config.TranslationConfig(penalty_weight=-1.0).validate(),
    ],
    "check_translation": [
        lambda: config.TranslationConfig(loss="mmd").validate(),
        lambda: _pix2pix("mmd"),
    ],
}


def _pix2pix(loss):
    from tfgan_zoo.nets.translation import patchgan_discriminator, unet_generator

    shape = (16, 16, 1)
    return models.Pix2Pix(unet_generator(shape, width=4), patchgan_discriminator(shape, width=4, conditional=True),
                          loss=loss)


@pytest.mark.parametrize("rule", list(PATHS))
def test_each_rules_message_comes_from_one_function(rule, monkeypatch):
    """Replacing the rule's one function changes what every path raises: no path holds its own copy of the rule
    or its message. Control: unpatched, the same paths raise the rule's real ValueError (or pass, for the
    allowed wgan-gp model, which the patched function alone refuses), so the sentinel is the patch's doing."""
    for path in PATHS[rule]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", composition.CombinationWarning)
            try:
                path()
            except ValueError:
                pass  # the real rule (control)
    monkeypatch.setattr(composition, rule, _raiser(rule))
    for path in PATHS[rule]:
        with pytest.raises(Sentinel, match=rule):
            path()
