"""A restricted unpickler for numpy-array pickles (never a general ``pickle.load``)."""

from __future__ import annotations

import codecs
import io
import pickle

import numpy as np

# The only globals a pickle of plain numpy arrays needs. Anything else
# (os.system, builtins.eval, ...) is refused before it can run.
_ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,  # Python 3 pickles of bytes use it (protocol 2)
    ("numpy.core.multiarray", "_reconstruct"): np.ndarray.__new__,  # replaced below
    ("numpy._core.multiarray", "_reconstruct"): np.ndarray.__new__,
}
try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct as _np_reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct as _np_reconstruct
_ALLOWED[("numpy.core.multiarray", "_reconstruct")] = _np_reconstruct
_ALLOWED[("numpy._core.multiarray", "_reconstruct")] = _np_reconstruct


class UnsafePickleError(pickle.UnpicklingError):
    """Raised when a pickle asks for anything but numpy arrays."""


class NumpyUnpickler(pickle.Unpickler):
    """Unpickler that admits only numpy arrays, dtypes and builtin containers."""

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"Refusing to load {module}.{name} from a pickle: only numpy arrays are allowed. "
                "The file is not a plain array pickle (it may be corrupt or malicious)."
            ) from None


def load_numpy_pickle(data: bytes, encoding: str = "latin1"):
    """Unpickle ``data`` that may contain only numpy arrays, tuples, lists and scalars.

    Parameters
    ----------
    data : bytes
        The whole pickle (already decompressed).
    encoding : str
        How to decode the 8-bit strings of pickles written by Python 2 (default ``"latin1"``,
        which numpy arrays pickled by Python 2 need); passed to :class:`pickle.Unpickler`.

    Returns
    -------
    object
        The unpickled object: numpy arrays, possibly in tuples, lists or dicts.

    Raises
    ------
    UnsafePickleError
        If the pickle asks for any global other than the few numpy ones arrays need.
    """
    return NumpyUnpickler(io.BytesIO(data), encoding=encoding).load()
