"""The ``tfgan-zoo`` command: dispatch, help, ``sample``, ``recipes``, and train's log lines without a terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

from tfgan_zoo import export, nets
from tfgan_zoo.cli import app
from tfgan_zoo.data.arrays import read_array_file
from tfgan_zoo.sampling import from_export

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)


def test_help_lists_every_command_and_each_command_has_its_own(capsys):
    assert app.main(["--help"]) == 0
    text = capsys.readouterr().out
    for name in app.COMMANDS:
        assert re.search(rf"^  {re.escape(name)} ", text, re.M), name
    for name in app.COMMANDS:
        with pytest.raises(SystemExit) as e:
            app.main([name, "--help"])
        assert e.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: tfgan-zoo {name}"), name
    assert app.main([]) == 2 and "usage: tfgan-zoo COMMAND" in capsys.readouterr().out
    assert app.main(["trian"]) == 2
    assert "unknown command 'trian'; commands: train, evaluate, sample" in capsys.readouterr().err
    assert app.main(["--version"]) == 0 and re.match(r"tfgan-zoo \d+\.\d+\.\d+", capsys.readouterr().out)


def test_recipes_command_lists_and_prints_one(capsys):
    assert app.main(["recipes"]) == 0
    assert "\nquickstart\n" in "\n" + capsys.readouterr().out
    assert app.main(["recipes", "quickstart"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "quickstart"
    assert app.main(["recipes", "nope"]) == 2 and "Unknown recipe 'nope'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gens")
    keras.utils.set_random_seed(0)
    g, _ = nets.build("mlp", (8, 8, 1), 6)
    z, y = keras.Input((6,)), keras.Input((), dtype="int32")
    h = keras.layers.Concatenate()([z, keras.layers.Flatten()(keras.layers.Embedding(3, 2)(y))])
    cond = keras.Model([z, y], keras.layers.Reshape((8, 8, 1))(keras.layers.Dense(64, activation="tanh")(h)))
    return (export.export_generator(g, str(tmp / "plain"), prior="uniform"),
            export.export_generator(cond, str(tmp / "cond")))


def test_sample_writes_pngs_grid_npz_and_gif(exports, tmp_path, capsys):
    plain, cond = exports
    assert app.main(["sample", plain, "--n", "5", "--out", str(tmp_path / "png"), "--seed", "3"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_files"] == 5 and summary["prior"] == "uniform"
    files = sorted(os.listdir(tmp_path / "png"))
    assert files == [f"sample_{i:05d}.png" for i in range(5)]
    # the PNGs are the generator's images for the seed's noise (uint8 rounding: within half a level)
    s = from_export(plain)
    want = s.generate(s.noise(5, np.random.default_rng(3)))
    got = np.stack([np.asarray(Image.open(tmp_path / "png" / f)) for f in files])[..., None] / 127.5 - 1
    np.testing.assert_allclose(got, want, atol=0.5 / 127.5 + 1e-6)
    assert app.main(["sample", plain, "--n", "7", "--grid", "--npz", "--out", str(tmp_path / "b"),
                     "--seed", "3"]) == 0
    assert sorted(os.listdir(tmp_path / "b")) == ["grid.png", "samples.npz"]
    x, labels = read_array_file(str(tmp_path / "b" / "samples.npz"))
    assert x.shape == (7, 8, 8, 1) and x.dtype == np.uint8 and labels is None
    np.testing.assert_array_equal(x[:5], np.asarray(np.stack([np.asarray(Image.open(tmp_path / "png" / f))
                                                               for f in files]))[..., None])  # same noise
    assert Image.open(tmp_path / "b" / "grid.png").size == (2 * (3 * 10 + 2),) * 2  # 3x3 cells of 8+2 px, x2
    # a conditional generator: --label K for every image, else the classes in turn
    assert app.main(["sample", cond, "--n", "6", "--npz", "--label", "2", "--out", str(tmp_path / "c")]) == 0
    assert read_array_file(str(tmp_path / "c" / "samples.npz"))[1].tolist() == [2] * 6
    assert app.main(["sample", cond, "--n", "6", "--npz", "--out", str(tmp_path / "d")]) == 0
    assert read_array_file(str(tmp_path / "d" / "samples.npz"))[1].tolist() == [0, 1, 2, 0, 1, 2]
    assert app.main(["sample", plain, "--n", "4", "--interpolate", "--steps", "5", "--out", str(tmp_path / "e")]) == 0
    with Image.open(tmp_path / "e" / "interpolation.gif") as gif:
        assert gif.n_frames == 5 + 3  # there and back: 5 steps, then 3 on the way back
    capsys.readouterr()


def test_sample_refuses_what_it_cannot_do_in_one_line(exports, tmp_path, capsys):
    plain, cond = exports
    assert app.main(["sample", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "is not an exported generator (no saved_model.pb)" in capsys.readouterr().err
    assert app.main(["sample", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert app.main(["sample", plain, "--label", "1", "--out", str(tmp_path / "o")]) == 2
    assert "this generator is not conditional; drop --label" in capsys.readouterr().err
    assert app.main(["sample", cond, "--label", "3", "--out", str(tmp_path / "o")]) == 2
    assert "--label must be in [0, 3)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        app.main(["sample", plain, "--n", "0", "--out", str(tmp_path / "o")])
    assert "--n: 0 is invalid: must be an integer >= 1" in capsys.readouterr().err


def test_train_without_a_terminal_prints_plain_lines_and_python_m_works(tmp_path):
    """stdout to a file (a cluster job): one line every --log-every steps with rate, losses and ETA, a line per
    epoch, no Keras progress bar; the same command through ``python -m tfgan_zoo`` and scripts/train.py."""
    images = tmp_path / "x.npz"
    np.savez(images, x=np.random.default_rng(0).integers(0, 256, (32, 8, 8, 1), dtype=np.uint8))
    args = ["train", "--dataset", str(images), "--arch", "mlp", "--batch-size", "8", "--latent-dim", "4",
            "--epochs", "2", "--steps-per-epoch", "4", "--log-every", "3", "--n-samples", "4",
            "--out", str(tmp_path / "run")]
    r = subprocess.run([sys.executable, "-m", "tfgan_zoo", *args], env=ENV, capture_output=True, text=True,
                       timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.splitlines()
    steps = [int(m.group(1)) for m in (re.match(r"step (\d+)/8 \(", x) for x in lines) if m]
    assert {3, 6} <= set(steps) and steps == sorted(set(steps))  # and any 30-s line a slow CPU adds
    assert any(re.search(r"\| [\d.]+ img/s \| d_loss [-\d.]+ g_loss [-\d.]+ .*\| ETA \d+:\d\d:\d\d$", x)
               for x in lines)
    assert sum(" done at step " in x for x in lines) == 2
    assert "━" not in r.stdout and "ETA: " not in r.stdout  # no Keras progress bar, no per-epoch Keras line
    assert json.loads(r.stdout[r.stdout.index("\n{") + 1:])["generator_steps"] == 8  # the summary JSON still ends stdout
    assert os.listdir(tmp_path / "run" / "tensorboard")

def test_log_every_0_and_no_tensorboard(tmp_path, capsys):
    """In-process (stdout captured: not a terminal): --log-every 0 prints no step lines, --no-tensorboard writes
    no event files; the Keras per-epoch line (verbose 2) stays."""
    images = tmp_path / "x.npz"
    np.savez(images, x=np.random.default_rng(0).integers(0, 256, (32, 8, 8, 1), dtype=np.uint8))
    assert app.main(["train", "--dataset", str(images), "--arch", "mlp", "--batch-size", "8", "--latent-dim", "4",
                     "--epochs", "1", "--steps-per-epoch", "2", "--n-samples", "4", "--log-every", "0",
                     "--no-tensorboard", "--out", str(tmp_path / "quiet")]) == 0
    out = capsys.readouterr().out
    assert not any(x.startswith("step ") for x in out.splitlines()) and "2/2 - " in out
    assert not os.path.exists(tmp_path / "quiet" / "tensorboard")
    assert os.path.isfile(tmp_path / "quiet" / "samples" / "progress.gif")


def test_train_refuses_label_smoothing_outside_the_bce_losses(capsys, tmp_path):
    assert app.main(["train", "--loss", "lsgan", "--label-smoothing", "0.1", "--out", str(tmp_path / "x")]) == 2
    assert "--label-smoothing is for the BCE losses (gan, nsgan), not lsgan" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "x")  # refused before anything is written


def test_train_with_minibatch_layers_and_refusals(tmp_path, capsys):
    assert app.main(["train", "--minibatch-discrimination", "100", "--out", str(tmp_path / "x")]) == 2
    assert "minibatch_discrimination must be 'B,C' with integers >= 1" in capsys.readouterr().err
    assert app.main(["train", "--minibatch-stddev", "1", "--out", str(tmp_path / "x")]) == 2
    assert "minibatch_stddev is a group size >= 2" in capsys.readouterr().err
    from tfgan_zoo import training
    from tfgan_zoo.config import TrainConfig

    cfg = TrainConfig(arch="mlp", latent_dim=4, minibatch_discrimination="6,2", minibatch_stddev=4, out=str(tmp_path))
    gan = training.build_model(cfg, image_shape=(8, 8, 1))
    widths = {layer.name: layer.output.shape[-1] for layer in gan.discriminator.layers}
    # the MLP trunk ends in 256 features: B = 6 more, then 1 more
    assert (widths["lrelu_1"], widths["minibatch_discrimination"], widths["minibatch_stddev"]) == (256, 262, 263)
