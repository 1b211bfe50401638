import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgan_zoo import monitoring

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "train.py")


def run(*args, timeout=600, env_extra=None):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(env_extra or {}))
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def test_help_documents_every_flag():
    r = run("--help")
    assert r.returncode == 0
    for flag in ["--loss", "--arch", "--dataset", "--epochs", "--steps-per-epoch", "--batch-size",
                 "--latent-dim", "--lr-d", "--lr-g", "--n-critic", "--precision", "--seed", "--out",
                 "--image-size", "--channels", "--data-dir", "--skip-corrupt", "--strategy", "--resume",
                 "--checkpoint-every", "--keep-checkpoints", "--deterministic", "--transpose-impl", "--prior",
                 "--augment", "--ema-start", "--lr-decay", "--keep-best", "--recipe", "--cascade", "--gran-k",
                 "--gran-epsilon", "--upsample", "--resnet-variant", "--width", "--d-width", "--conditional-norm",
                 "--self-modulation"]:
        assert flag in r.stdout
    assert "wgan-gp" in r.stdout and "mixed_float16" in r.stdout


@pytest.mark.parametrize("args,needle", [
    (["--loss", "dcgan"], "--loss: invalid choice: 'dcgan' (choose from gan, nsgan, lsgan, wgan, wgan-gp, hinge, "
     "fgan-kl, fgan-reverse-kl, fgan-pearson, fgan-hellinger, fgan-js, fgan-gan, rsgan, ragan, ralsgan, mmd, "
     "mmd-gp)"),
    (["--arch", "vit"], "choose from mlp, dcgan, sndcgan, sndcgan-small, infogan, resnet"),
    (["--arch", "resnet", "--upsample", "nearest-conv"], "the resnet generator has its own (resnet: nearest + conv)"),
    (["--arch", "resnet", "--image-size", "48"], "--arch resnet is built for 32, 64 and 128 pixels"),
    (["--conditional-norm", "cbn"], "--conditional-norm cbn puts the labels into the generator's batch norms; add"),
    (["--self-modulation", "--conditional", "acgan"], "--self-modulation is for unconditional generators"),
    (["--arch", "mlp", "--self-modulation"], "the mlp has none. Use --arch dcgan, sndcgan, sndcgan-small, infogan or resnet"),
    (["--d-width", "32"], "--d-width applies to --arch resnet"),
    (["--pairs", "mnist-thick"], "--pairs applies to --model pix2pix/cyclegan; drop it or add --model"),
    (["--arch", "sndcgan", "--d-norm", "batch"], "d_norm applies to the dcgan and infogan discriminators only"),
    (["--prior", "laplace"], "--prior: invalid choice: 'laplace' (choose from normal, uniform)"),
    (["--augment", "color,zoom"], "--augment: Unknown augmentation 'zoom' in 'color,zoom'"),
    (["--lr-decay", "cosine"], "--lr-decay: invalid choice: 'cosine' (choose from none, linear)"),
    (["--ema-start", "100"], "ema_start is the warm-up of the generator's EMA; set --ema DECAY too"),
    (["--gran-k", "2"], "--gran-k/--gran-epsilon set GraN's K and epsilon; add --constraint gran"),
    (["--cascade", "0"], "--cascade: 0 is invalid: must be an integer >= 1"),
    (["--loss", "mmd", "--cascade", "2"], "no score to cascade. Drop --cascade"),
    (["--keep-best", "fid"], "--keep-best fid chooses among the --fid-every evaluations; add --fid-every N"),
    (["--keep-best", "kid"], "--keep-best: invalid choice: 'kid' (choose from fid)"),
    (["--precision", "float16"], "choose from float32, mixed_float16, mixed_bfloat16"),
    (["--d-norm", "group"], "--d-norm: invalid choice: 'group' (choose from none, batch, layer)"),
    (["--arch", "infogan", "--d-norm", "layer"], "The InfoGAN discriminator takes --d-norm batch or none"),
    (["--arch", "infogan", "--width", "32"], "--width does not apply to --arch infogan"),
    (["--arch", "mlp", "--d-norm", "batch"], "d_norm applies to the dcgan and infogan discriminators only"),
    (["--epochs", "0"], "--epochs: 0 is invalid: must be an integer >= 1"),
    (["--batch-size", "x"], "--batch-size: 'x' is not an integer"),
    (["--lr-d", "-1"], "--lr-d: -1 is invalid: must be a finite number > 0"),
    (["--strategy", "tpu"], "--strategy: invalid choice: 'tpu' (choose from default, mirrored, multiworker)"),
    (["--transpose-impl", "fast"], "--transpose-impl: invalid choice: 'fast' (choose from auto, native, subpixel)"),
    (["--arch", "mlp", "--transpose-impl", "subpixel"], "transpose_impl applies to the dcgan, sndcgan and infogan networks only"),
])
def test_invalid_values_exit_2_with_one_line(args, needle):
    r = run(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert needle in lines[0]
    assert "Traceback" not in r.stderr


def test_cli_choices_match_the_library():
    from tfgan_zoo import choices, data, models, nets, precision

    assert tuple(models.MODELS) == choices.LOSSES
    assert tuple(nets.ARCHITECTURES) == choices.ARCHITECTURES
    assert tuple(data.SOURCES) == choices.DATASETS == ("mnist", "fashion_mnist")
    assert tuple(precision.PRECISIONS) == choices.PRECISIONS
    assert tuple(precision.PRECISION_MODES) == (*choices.PRECISIONS, "auto")
    assert tuple(nets.TRANSPOSE_IMPLS) == choices.TRANSPOSE_IMPLS
    g, d = nets.build("dcgan", (16, 16, 1), 4, width=4, norm="batch")
    assert any(type(layer).__name__ == "BatchNormalization" for layer in d.layers)


def test_train_writes_every_output(tmp_path):
    out = tmp_path / "run"
    r = run("--loss", "lsgan", "--arch", "mlp", "--epochs", "2", "--steps-per-epoch", "3", "--batch-size", "16",
            "--latent-dim", "8", "--seed", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    cfg = json.loads((out / "config.json").read_text())
    assert (cfg["loss"], cfg["arch"], cfg["latent_dim"], cfg["steps_per_epoch"]) == ("lsgan", "mlp", 8, 3)
    assert sorted(os.listdir(out / "samples")) == ["epoch_0001.png", "epoch_0002.png", "progress.gif"]
    assert Image.open(out / "samples" / "progress.gif").n_frames == 2
    assert sorted(monitoring.read_scalars(out / "tensorboard")) == ["d_fake", "d_loss", "d_real", "g_loss", "lr/d",
                                                                   "lr/g"]
    assert Image.open(out / "samples" / "epoch_0002.png").size == (2 * (8 * 30 + 2),) * 2
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert len(rows) == 2 and all(np.isfinite(float(r["d_loss"])) for r in rows)
    assert Image.open(out / "curves.png").format == "PNG"
    assert "epoch_0002.keras" in os.listdir(out / "checkpoints")
    gen = tf.saved_model.load(str(out / "generator"))
    imgs = gen.serve(tf.random.normal((3, 8)))
    assert imgs.shape == (3, 28, 28, 1)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["generator_steps"] == 6 and summary["equilibrium_d_loss"] == 0.25
    assert summary["precision"] == "float32"


def test_auto_precision_keeps_auto_in_the_config_and_the_policy_used_in_the_summary(tmp_path):
    from tfgan_zoo import precision

    out = tmp_path / "run"
    r = run("--loss", "nsgan", "--arch", "mlp", "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "8",
            "--latent-dim", "4", "--precision", "auto", "--no-tensorboard", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads((out / "config.json").read_text())["precision"] == "auto"  # resumable on another machine
    # this machine's answer (mixed_bfloat16 on a CPU with AVX512_BF16 or AMX, float32 elsewhere) is what ran
    assert json.loads((out / "summary.json").read_text())["precision"] == precision.resolve_precision("auto")


@pytest.fixture(scope="module")
def rgb_folder(tmp_path_factory):
    """24 RGB JPEGs of 18x18 (MNIST digits tinted by class), in class folders; 18 is no DCGAN size."""
    from tfgan_zoo import data

    x, y = data.load_arrays("mnist", "test")
    x = data.convert_arrays(x[:24], image_size=18, channels=3).astype(np.float32)
    x[..., 1] *= (y[:24, None, None] % 3) / 2.0  # a colour per class
    root = tmp_path_factory.mktemp("rgb")
    data.write_image_folder(x.astype(np.uint8), str(root), labels=y[:24], fmt="jpg")
    return root


@pytest.mark.slow  # ~50 s of subprocess runs: python3 tasks.py test --all (CI) runs it
def test_train_on_an_image_folder_at_a_chosen_size(rgb_folder, tmp_path):
    out = tmp_path / "run"
    common = ["--dataset", str(rgb_folder), "--image-size", "16", "--steps-per-epoch", "1", "--batch-size", "8",
              "--latent-dim", "8", "--n-samples", "4", "--deterministic"]
    r = run(*common, "--epochs", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    grid = Image.open(out / "samples" / "epoch_0001.png")
    assert grid.mode == "RGB" and grid.size == (2 * (2 * 18 + 2),) * 2  # 2x2 grid of 16px + 2px padding, x2
    assert tf.saved_model.load(str(out / "generator")).serve(tf.zeros((1, 8))).shape == (1, 16, 16, 3)
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["image_size"] == 16
    # the resolved implementation is recorded (auto: subpixel without a GPU), and a resume keeps it
    assert cfg["transpose_impl"] == ("native" if tf.config.list_logical_devices("GPU") else "subpixel")
    r = run("--resume", "--out", str(out), "--epochs", "2", "--transpose-impl",
            "native" if cfg["transpose_impl"] == "subpixel" else "subpixel")
    last = r.stderr.strip().splitlines()[-1]
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert f"was trained with --transpose-impl {cfg['transpose_impl']}" in last and "resume without" in last
    # resumed with its own (sub-pixel: width 64 gives 128 and 64 channels) layers, it continues bitwise
    # like a run never stopped (op determinism; the step-1 state is restored exactly)
    assert run("--resume", "--out", str(out), "--epochs", "2").returncode == 0
    whole = tmp_path / "whole"
    assert run(*common, "--epochs", "2", "--out", str(whole)).returncode == 0
    from tfgan_zoo import checkpointing

    resumed = checkpointing.read_arrays(str(out / "checkpoints" / "epoch_0002.keras"))
    never_stopped = checkpointing.read_arrays(str(whole / "checkpoints" / "epoch_0002.keras"))
    assert resumed.keys() == never_stopped.keys() and any("subpixel" in k for k in resumed)
    for k in resumed:
        np.testing.assert_array_equal(resumed[k], never_stopped[k], err_msg=k)
    epoch1 = checkpointing.read_arrays(str(out / "checkpoints" / "epoch_0001.keras"))
    assert any(not np.array_equal(epoch1[k], resumed[k]) for k in epoch1 if k in resumed)  # control: it trained


def test_data_errors_are_one_line(rgb_folder, tmp_path):
    r = run("--dataset", str(rgb_folder), "--batch-size", "8", "--out", str(tmp_path / "a"))
    last = r.stderr.strip().splitlines()[-1]  # TensorFlow may log before it
    assert r.returncode == 2 and last.startswith("train.py: error: The DCGAN networks cannot produce 18x18 images")
    assert "--image-size" in last and "Traceback" not in r.stderr
    r = run("--dataset", str(rgb_folder), "--image-size", "50")
    assert r.returncode == 2 and "cannot produce 50x50" in r.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.png").write_bytes(b"not an image")
    r = run("--dataset", str(bad), "--image-size", "16", "--out", str(tmp_path / "b"))
    assert r.returncode == 2 and "x.png" in r.stderr and "--skip-corrupt" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "b").exists()  # nothing written for a run that never started
    r = run("--dataset", str(tmp_path / "missing"), "--image-size", "16")
    assert r.returncode == 2 and "no such folder or file" in r.stderr


@pytest.mark.slow  # ~50 s of subprocess runs: python3 tasks.py test --all (CI) runs it
def test_conditional_and_infogan_runs(rgb_folder, tmp_path):
    out = tmp_path / "cond"
    r = run("--dataset", str(rgb_folder), "--image-size", "16", "--conditional", "acgan", "--loss", "hinge",
            "--constraint", "sn", "--steps-per-epoch", "1", "--batch-size", "8", "--latent-dim", "8",
            "--n-samples", "20", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    classes = len(os.listdir(rgb_folder))
    grid = Image.open(out / "samples" / "epoch_0001.png")
    assert grid.size[1] == 2 * (classes * 18 + 2)  # one row per class
    served = tf.saved_model.load(str(out / "generator"))
    assert served.serve(tf.zeros((2, 8)), tf.constant([0, 1])).shape == (2, 16, 16, 3)
    out = tmp_path / "info"
    r = run("--dataset", str(rgb_folder), "--image-size", "16", "--info-categorical", "3", "--info-continuous", "1",
            "--steps-per-epoch", "1", "--batch-size", "8", "--latent-dim", "8", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(os.listdir(out / "traversals")) == ["epoch_0001_categorical.png", "epoch_0001_continuous_0.png"]
    r = run("--conditional", "concat", "--info-categorical", "10")
    assert r.returncode == 2 and "cannot be combined" in r.stderr
    r = run("--loss", "wgan", "--constraint", "gn", "--penalty", "r1")
    assert r.returncode == 2 and "gradient normalization already bounds" in r.stderr


def test_config_file(tmp_path):
    from tfgan_zoo.cli import apply_config_file, build_parser

    good = tmp_path / "c.json"
    good.write_text(json.dumps({"loss": "hinge", "batch-size": 16, "latent_dim": 8, "constraint": "sn"}))
    p = build_parser()
    apply_config_file(p, str(good))
    a = p.parse_args(["--batch-size", "4"])  # the command line wins over the file
    assert (a.loss, a.batch_size, a.latent_dim, a.constraint) == ("hinge", 4, 8, "sn")
    # a run's own config.json is a valid --config (every field is a flag)
    from tfgan_zoo.config import TrainConfig
    import dataclasses

    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(dataclasses.asdict(TrainConfig(loss="lsgan", ema=0.999))))
    p = build_parser()
    apply_config_file(p, str(saved))
    assert (p.parse_args([]).loss, p.parse_args([]).ema) == ("lsgan", 0.999)
    for body, needle in [({"los": "hinge"}, "unknown key 'los'; valid keys: ac_fake_weight, ac_weight, arch, augment, batch_size"),
                         ({"batch_size": 0}, "batch_size: 0 is invalid: must be an integer >= 1"),
                         ({"loss": "hing"}, "loss: invalid choice: 'hing'"),
                         ([1], "expected a JSON object")]:
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(body))
        r = run("--config", str(bad))
        assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run("--config", str(tmp_path / "missing.json"))
    assert r.returncode == 2 and "cannot read it as JSON" in r.stderr


@pytest.mark.slow
def test_fid_every_adds_a_column_and_keep_best_exports_the_best(tmp_path):
    out = tmp_path / "fid"
    r = run("--arch", "mlp", "--epochs", "3", "--steps-per-epoch", "2", "--batch-size", "16", "--latent-dim", "8",
            "--fid-every", "1", "--fid-samples", "200", "--fid-network", "mnist-classifier", "--keep-best", "fid",
            "--prior", "uniform", "--out", str(out), env_extra={"TFGAN_ZOO_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr[-3000:]
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert len(rows) == 3 and all(float(row["fid"]) > 0 for row in rows)
    walls = [float(row["wall_s"]) for row in rows]
    assert walls == sorted(walls) and walls[0] > 0
    fids = [float(row["fid"]) for row in rows]
    best = min(range(3), key=lambda i: fids[i])
    from tfgan_zoo.export import read_generator_info

    info = read_generator_info(out / "generator")
    assert info["selected"] == {"metric": "fid", "value": fids[best], "epoch": best + 1, "step": 2 * (best + 1)}
    assert info["prior"] == "uniform" and read_generator_info(out / "generator_last")["prior"] == "uniform"
    assert json.load(open(out / "summary.json"))["best"] == info["selected"]
    from tfgan_zoo.metrics.classifier import weights_digest

    # The cached statistics are named after the classifier's weights file (a retrained classifier never reuses them).
    assert os.listdir(tmp_path / "cache" / "stats") == [
        f"mnist__train__mnist-classifier__native__w{weights_digest('mnist')}__n200of60000s0.npz"]  # 200 of 60,000, seed 0
    r = run("--dataset", str(tmp_path), "--fid-every", "1")
    assert r.returncode == 2 and "--fid-every needs a built-in --dataset" in r.stderr
