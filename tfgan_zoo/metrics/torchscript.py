"""Read the weights of a TorchScript archive without torch (and without a general ``pickle.load``).

A TorchScript file (``torch.jit.save``) is a zip archive holding::

    <root>/data.pkl        pickle of the module tree; tensors refer to storages by key
    <root>/data/<key>      raw little-endian storage bytes, one entry per storage
    <root>/code/...        TorchScript source of every module's forward
    <root>/constants.pkl   constants used by the code (often empty)

:func:`load_torchscript` unpickles ``data.pkl`` with :class:`TorchScriptUnpickler`,
which admits only the globals needed to rebuild tensors
(``torch._utils._rebuild_tensor_v2``, storage types, ``collections.OrderedDict``,
``torch.jit._pickle.build_intlist``, ...). Each is mapped to a small local
stand-in that produces numpy arrays. TorchScript module classes
(``__torch__.<...>``) become inert :class:`ScriptObject` records of their
attributes: no code from the archive runs. Any other global raises
:class:`UnsafePickleError`.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import re
import zipfile
from typing import Any, Iterator

import numpy as np

# Storage class name -> numpy dtype of its raw little-endian bytes.
_STORAGE_DTYPES = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}

_QUALIFIED_NAME = re.compile(r"^__torch__(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class UnsafePickleError(pickle.UnpicklingError):
    """Raised when a TorchScript pickle asks for anything but tensors, containers and module records."""


class TorchScriptFormatError(ValueError):
    """Raised when a file is not a TorchScript archive of the expected layout."""


class ScriptObject:
    """Inert stand-in for a pickled TorchScript module: its attributes and nothing else.

    ``qualified_name`` is the TorchScript class name (for example
    ``__torch__.inceptionv3.Conv2dLayer``); the attributes (tensors as numpy
    arrays, ints, lists, child modules) are in ``__dict__``.
    """

    qualified_name = "__torch__"

    def __setstate__(self, state: dict) -> None:
        if not isinstance(state, dict):
            raise UnsafePickleError(f"Unexpected state of type {type(state).__name__} for {self.qualified_name}.")
        self.__dict__.update(state)

    @property
    def type_name(self) -> str:
        """The class name without module path and ``___torch_mangle_N`` prefixes (``Conv2dLayer``)."""
        return self.qualified_name.rsplit(".", 1)[-1]

    def children(self) -> Iterator[tuple[str, "ScriptObject"]]:
        """``(name, module)`` of the direct submodules, in definition (= pickle) order."""
        for key, value in self.__dict__.items():
            if isinstance(value, ScriptObject):
                yield key, value

    def tensors(self) -> Iterator[tuple[str, np.ndarray]]:
        """``(name, array)`` of this module's own tensors, in definition order."""
        for key, value in self.__dict__.items():
            if isinstance(value, np.ndarray):
                yield key, value

    def __repr__(self) -> str:
        return f"<ScriptObject {self.qualified_name}>"


_SCRIPT_CLASSES: dict[str, type] = {}


def _script_class(qualified_name: str) -> type:
    """A :class:`ScriptObject` subclass per TorchScript class name (cached)."""
    cls = _SCRIPT_CLASSES.get(qualified_name)
    if cls is None:
        cls = type(qualified_name.rsplit(".", 1)[-1], (ScriptObject,), {"qualified_name": qualified_name})
        _SCRIPT_CLASSES[qualified_name] = cls
    return cls


class _StorageType:
    """Stand-in for ``torch.FloatStorage`` and friends: only remembers the dtype."""

    def __init__(self, name: str):
        self.name = name
        self.dtype = _STORAGE_DTYPES[name]


def _rebuild_tensor(storage: np.ndarray, offset: int, size: tuple, stride: tuple, *unused: Any) -> np.ndarray:
    """Stand-in for ``torch._utils._rebuild_tensor_v2``: a strided view of ``storage``, copied."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride) or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise TorchScriptFormatError(f"Bad tensor geometry: size {size}, stride {stride}.")
    if any(s == 0 for s in size):
        return np.zeros(size, storage.dtype)
    last = int(offset) + sum((n - 1) * s for n, s in zip(size, stride))
    if offset < 0 or last >= storage.size:
        raise TorchScriptFormatError(
            f"Tensor of size {size} (offset {offset}, stride {stride}) reads past its storage of {storage.size} elements."
        )
    item = storage.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[int(offset):], shape=size, strides=tuple(s * item for s in stride), writeable=False
    )
    return np.array(view, dtype=storage.dtype.newbyteorder("="))


def _build_intlist(values: list) -> list:
    """Stand-in for ``torch.jit._pickle.build_intlist`` (a typed ``List[int]``)."""
    return [int(v) for v in values]


def _build_doublelist(values: list) -> list:
    return [float(v) for v in values]


def _build_boollist(values: list) -> list:
    return [bool(v) for v in values]


_ALLOWED: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch.jit._pickle", "build_intlist"): _build_intlist,
    ("torch.jit._pickle", "build_doublelist"): _build_doublelist,
    ("torch.jit._pickle", "build_boollist"): _build_boollist,
}
_ALLOWED.update({("torch", name): _StorageType(name) for name in _STORAGE_DTYPES})


class TorchScriptUnpickler(pickle.Unpickler):
    """Unpickler for a TorchScript ``data.pkl``/``constants.pkl`` that never imports or runs foreign code.

    Parameters
    ----------
    file : io.BufferedIOBase
        Binary file object of the pickle.
    archive : zipfile.ZipFile
        The open zip archive the storages are read from.
    root : str
        The archive's top folder (``"out_jit_module"`` for ``<root>/data.pkl``).
    """

    def __init__(self, file: io.BufferedIOBase, archive: zipfile.ZipFile, root: str):
        super().__init__(file)
        self._archive = archive
        self._root = root
        self._storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            pass
        if _QUALIFIED_NAME.match(module) and _IDENTIFIER.match(name):
            return _script_class(f"{module}.{name}")
        raise UnsafePickleError(
            f"Refusing to load {module}.{name} from a TorchScript pickle: only tensors, containers and "
            "TorchScript module records are allowed. The file is not a plain TorchScript weights archive "
            "(it may be corrupt or malicious)."
        )

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise UnsafePickleError(f"Unsupported persistent id {pid!r} in TorchScript pickle.")
        _, storage_type, key, _location, numel = pid
        if not isinstance(storage_type, _StorageType):
            raise UnsafePickleError(f"Unsupported storage type {storage_type!r} in TorchScript pickle.")
        key = str(key)
        if key not in self._storages:
            if not _IDENTIFIER.match("k" + key):
                raise TorchScriptFormatError(f"Bad storage key {key!r}.")
            entry = f"{self._root}/data/{key}"
            try:
                raw = self._archive.read(entry)
            except KeyError:
                raise TorchScriptFormatError(f"Storage {entry} is missing from the archive.") from None
            expected = int(numel) * storage_type.dtype.itemsize
            if len(raw) != expected:
                raise TorchScriptFormatError(
                    f"Storage {entry} has {len(raw)} bytes, expected {expected} ({numel} x {storage_type.name})."
                )
            self._storages[key] = np.frombuffer(raw, dtype=storage_type.dtype)
        return self._storages[key]


def _archive_root(archive: zipfile.ZipFile, path: str) -> str:
    roots = [n[: -len("/data.pkl")] for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(roots) != 1:
        raise TorchScriptFormatError(
            f"{path} is not a TorchScript archive: expected exactly one '<folder>/data.pkl' entry, found {len(roots)}."
        )
    return roots[0]


def load_torchscript(path: str | os.PathLike) -> ScriptObject:
    """Return the module tree of a TorchScript file, tensors as numpy arrays.

    Parameters
    ----------
    path : str or PathLike
        A file written by ``torch.jit.save``.

    Returns
    -------
    ScriptObject
        The root module; walk it with :meth:`ScriptObject.children` or
        :func:`named_tensors`.

    Raises
    ------
    UnsafePickleError
        If the pickle refers to anything but tensor-rebuild helpers,
        containers and TorchScript module classes.
    TorchScriptFormatError
        If the file is not a TorchScript zip or a storage is missing or short.
    """
    path = os.fspath(path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise TorchScriptFormatError(f"{path} is not a TorchScript archive (not a zip file).") from None
    with archive:
        root = _archive_root(archive, path)
        with archive.open(f"{root}/data.pkl") as f:
            obj = TorchScriptUnpickler(f, archive, root).load()
    if not isinstance(obj, ScriptObject):
        raise TorchScriptFormatError(f"{path}: data.pkl holds a {type(obj).__name__}, not a TorchScript module.")
    return obj


def read_code(path: str | os.PathLike) -> dict[str, str]:
    """Return the TorchScript sources in the archive, ``{relative path: text}`` (for inspection only).

    Parameters
    ----------
    path : str or PathLike
        A file written by ``torch.jit.save``.

    Returns
    -------
    dict of str to str
        The ``.py`` files under ``<root>/code/``, keyed by their path relative to it; nothing is run.
    """
    with zipfile.ZipFile(os.fspath(path)) as archive:
        root = _archive_root(archive, os.fspath(path))
        prefix = f"{root}/code/"
        return {
            n[len(prefix):]: archive.read(n).decode("utf-8")
            for n in archive.namelist()
            if n.startswith(prefix) and n.endswith(".py")
        }


def named_modules(module: ScriptObject, prefix: str = "") -> Iterator[tuple[str, ScriptObject]]:
    """``(dotted name, module)`` of ``module`` and all its descendants, depth first in definition order.

    Parameters
    ----------
    module : ScriptObject
        The root of the tree (for example from :func:`load_torchscript`).
    prefix : str
        Name of ``module`` itself (default ``""``); its descendants' names start with ``prefix + "."``.

    Yields
    ------
    (name, ScriptObject)
        ``module`` first (under ``prefix``), then each submodule under its dotted path.
    """
    yield prefix, module
    for name, child in module.children():
        yield from named_modules(child, f"{prefix}.{name}" if prefix else name)


def named_tensors(module: ScriptObject) -> dict[str, np.ndarray]:
    """All tensors of a module tree keyed by dotted path (``net.layers.conv.weight``), in definition order.

    Parameters
    ----------
    module : ScriptObject
        The root of the tree (for example from :func:`load_torchscript`).

    Returns
    -------
    dict of str to np.ndarray
        ``{"<module path>.<tensor name>": array}`` over :func:`named_modules`.
    """
    return {
        f"{name}.{key}" if name else key: value
        for name, mod in named_modules(module)
        for key, value in mod.tensors()
    }
