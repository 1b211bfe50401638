"""The command-line argument types shared by every tool, and the step-interval test of the callbacks."""

import argparse
import math

import pytest

from tfgan_zoo.callbacks import StepCallback
from tfgan_zoo.cli import evaluate, export_images
from tfgan_zoo.cli.argtypes import int_at_least, non_negative_float, positive_float


@pytest.mark.parametrize("parse, good, bad", [
    (int_at_least(1), [("1", 1), ("250", 250)], [("0", "must be an integer >= 1"), ("-3", ">= 1"),
                                                 ("2.5", "is not an integer"), ("x", "is not an integer")]),
    (int_at_least(0), [("0", 0)], [("-1", "must be an integer >= 0")]),
    (positive_float, [("1e-4", 1e-4), ("3", 3.0)], [("0", "finite number > 0"), ("-1", "> 0"), ("nan", "> 0"),
                                                    ("inf", "> 0"), ("one", "is not a number")]),
    (non_negative_float, [("0", 0.0), ("0.5", 0.5)], [("-0.1", "finite number >= 0"), ("nan", ">= 0"),
                                                       ("inf", ">= 0")]),
])
def test_argument_types_accept_and_refuse(parse, good, bad):
    for text, value in good:
        assert parse(text) == value
    for text, message in bad:
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            parse(text)


@pytest.mark.parametrize("main, argv", [
    (evaluate.main, ["--real", "mnist", "--fake", "mnist", "--n", "0"]),
    (export_images.main, ["--dataset", "mnist", "--out", "x", "--n", "-5"]),
])
def test_image_counts_are_checked_before_any_work(main, argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--n:" in err and "must be an integer >= 1" in err


def _crossings(n: int, chunk: int, total: int) -> list[int]:
    cb = StepCallback()
    cb.on_epoch_begin(0)
    hits = []
    for batch in range(chunk - 1, total, chunk):  # Keras' batch index after each execution of `chunk` steps
        new = cb._advance(batch)
        if cb.crossed_multiple(n, new):
            hits.append(cb.global_step)
    return hits


@pytest.mark.parametrize("n, chunk", [(5, 1), (5, 3), (4, 4), (2, 7), (10, 3)])
def test_crossed_multiple_fires_once_per_multiple_whatever_the_steps_per_execution(n, chunk):
    """With ``steps_per_execution = chunk`` the callback sees the step counts chunk, 2 chunk, ...; it must fire
    at the first call at or after each multiple of n, ceil(k n / chunk) chunk for k = 1, 2, ... (once for a call
    that passed several)."""
    total = 60
    expected = sorted({math.ceil(k * n / chunk) * chunk for k in range(1, total // n + 1)
                       if math.ceil(k * n / chunk) * chunk <= total})
    assert _crossings(n, chunk, total) == expected
    if chunk > 1 and n % chunk:  # control: the naive "global_step % n == 0" misses multiples here
        naive = [s for s in range(chunk, total + 1, chunk) if s % n == 0]
        assert naive != expected
