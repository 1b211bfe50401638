"""The package others depend on: a wheel and an sdist that install into a fresh environment and work there."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytest.importorskip("build", reason="the dev extra's 'build' package builds the wheel")
pytestmark = pytest.mark.slow  # ~30-60 s: python3 tasks.py test --all (CI) runs it

SMOKE = textwrap.dedent("""
    import json, os, sys
    import numpy as np, tensorflow as tf
    import tfgan_zoo
    from tfgan_zoo import export, models, nets, recipes
    from tfgan_zoo.metrics import classifier
    here = os.path.dirname(tfgan_zoo.__file__)
    g, d = nets.build("mlp", (8, 8, 1), 4)
    gan = models.build_gan("lsgan", g, d, seed=0)
    gan.compile()
    x = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    h = gan.fit(tf.data.Dataset.from_tensor_slices(x).batch(8), epochs=1, steps_per_epoch=1, verbose=0)
    path = export.export_generator(gan.sampling_generator, os.path.join(sys.argv[1], "gen"))
    loaded = tf.saved_model.load(path)  # kept: its variables must outlive the call
    out = loaded.serve(tf.zeros((2, 4)))
    clf = classifier.load_mnist_classifier()
    print(json.dumps({"file": tfgan_zoo.__file__, "version": tfgan_zoo.__version__,
                      "typed": os.path.isfile(os.path.join(here, "py.typed")), "recipes": recipes.names(),
                      "d_loss": float(h.history["d_loss"][0]), "shape": list(out.shape),
                      "classifier_params": int(clf.count_params())}))
""")


def _source_copy(dst):
    skip = shutil.ignore_patterns(".git", ".venv", "runs", "benchmarks", "notebooks", "docs", "build", "dist",
                                  "*.egg-info", "__pycache__", ".pytest_cache", "tests")
    shutil.copytree(ROOT, dst, ignore=skip)
    return dst


def test_wheel_and_sdist_install_into_a_fresh_environment_and_work(tmp_path):
    src = _source_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    # sdist first, then the wheel built from the unpacked sdist (python -m build's default): the sdist is complete
    r = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (wheel,), (sdist,) = glob.glob(str(dist / "*.whl")), glob.glob(str(dist / "*.tar.gz"))
    import tfgan_zoo

    assert os.path.basename(wheel) == f"tfgan_zoo-{tfgan_zoo.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        entry_points = z.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    for must in ("tfgan_zoo/py.typed", "tfgan_zoo/metrics/weights/mnist_classifier.weights.h5",
                 "tfgan_zoo/metrics/weights/fashion_mnist_classifier.weights.h5",
                 "tfgan_zoo/recipes/quickstart.json", "tfgan_zoo/cli/app.py"):
        assert must in names, must
    assert "tfgan-zoo = tfgan_zoo.cli.app:main" in entry_points
    with tarfile.open(sdist) as t:
        for w in ("mnist_classifier", "fashion_mnist_classifier"):
            assert any(n.endswith(f"tfgan_zoo/metrics/weights/{w}.weights.h5") for n in t.getnames()), w
    # a fresh environment: no pip, no tfgan_zoo; the wheel goes in first, then the dependencies (TensorFlow
    # and the rest) are made visible from this environment's site-packages, after the env's own
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    py = str(env_dir / "bin" / "python")
    r = subprocess.run([sys.executable, "-m", "pip", "--python", py, "install", "--no-deps", "--no-index", wheel],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(site, "zz_dependencies.pth"), "w") as f:
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    work = tmp_path / "work"
    work.mkdir()
    r = subprocess.run([py, "-c", SMOKE, str(work)], capture_output=True, text=True, timeout=300, cwd=work, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["file"].startswith(site), out["file"]  # the installed copy, not this checkout
    assert out["version"] == tfgan_zoo.__version__ and out["typed"] and "quickstart" in out["recipes"]
    assert out["shape"] == [2, 8, 8, 1] and out["classifier_params"] > 0
    r = subprocess.run([str(env_dir / "bin" / "tfgan-zoo"), "--version"], capture_output=True, text=True,
                       timeout=120, cwd=work, env=env)
    assert r.returncode == 0 and r.stdout.strip() == f"tfgan-zoo {tfgan_zoo.__version__}", r.stderr[-2000:]
