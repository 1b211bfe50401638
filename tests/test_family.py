"""benchmarks/family.py: every member's command passes train.py's configuration checks (parsing and
``TrainConfig.validate``; building the networks is left to the benchmark's own runs)."""

import importlib
import os
import sys

import pytest

from conftest import train_config


def _import_family():
    """The benchmark script as a module; the search path is restored afterwards (the script adds to it)."""
    saved = list(sys.path)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
    try:
        return importlib.import_module("family")
    finally:
        sys.path[:] = saved


family = _import_family()


_config = train_config


@pytest.mark.parametrize("name", sorted(family.MEMBERS))
def test_every_member_is_a_valid_configuration(name):
    cfg = _config(family.command(name, 0, "runs/x", 1))
    cfg.validate()  # raises on an inconsistent combination
    assert cfg.dataset == "mnist" and cfg.arch == "dcgan" and cfg.batch_size == 64 and cfg.epochs == 1


def test_the_quality_options_reach_the_configuration():
    """Each issue-13 member changes exactly what its name says against the reference."""
    ref = _config(family.command("nsgan", 0, "runs/x", 1))
    changed = {}
    for name in ("nsgan+ema-warmup", "nsgan+lr-decay", "nsgan+uniform-prior", "nsgan+diffaugment",
                 "nsgan+progressive-augment", "nsgan+minibatch-discrimination+ema-warmup"):
        cfg = _config(family.command(name, 0, "runs/x", 1))
        changed[name] = {k for k, v in vars(cfg).items() if getattr(ref, k) != v}
    assert changed == {"nsgan+ema-warmup": {"ema", "ema_start"}, "nsgan+lr-decay": {"lr_decay"},
                       "nsgan+uniform-prior": {"prior"}, "nsgan+diffaugment": {"augment"},
                       "nsgan+progressive-augment": {"progressive_augment", "pa_start"},
                       "nsgan+minibatch-discrimination+ema-warmup": {"minibatch_discrimination", "ema", "ema_start"}}


def test_an_invalid_member_would_be_caught():
    """Control: a combination train.py refuses fails the same validation, with train.py's own message."""
    argv = [*family.command("nsgan", 0, "runs/x", 1), "--loss", "lsgan", "--progressive-augment", "1", "--pa-start", "1"]
    with pytest.raises(ValueError, match="symmetric losses"):
        _config(argv).validate()
