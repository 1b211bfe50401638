"""Durable, atomic file output: write under a temporary name in the same folder, flush and
``fsync`` it, rename it over the target, then ``fsync`` the folder.

A crash or power loss at any point leaves either the previous file or the complete new
one: ``os.replace`` is atomic on POSIX and Windows when source and target are on the same
filesystem, the file's ``fsync`` puts its bytes on the disk before the rename can, and the
folder's ``fsync`` makes the rename itself survive a power loss (without it, a journaling
filesystem may come back with the old name, or on some with an empty new file).

A write that fails (``ENOSPC``: the disk is full; ``EDQUOT``; an I/O error) removes its
temporary file and leaves the target as it was; :func:`is_disk_full` tells a full disk from
other errors.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import tempfile
from typing import Iterator

#: errno values that mean "no room to write": the disk or the user's quota is full
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT} if hasattr(errno, "EDQUOT") else {errno.ENOSPC})


def causes(error: BaseException | None) -> Iterator[BaseException]:
    """``error``, then the error it was raised from or during, and so on (each once)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error`` (or an error it was raised from) is a full disk or quota (``ENOSPC``/``EDQUOT``).

    Some writers (h5py, zipfile, PIL) wrap the ``OSError`` or lose its errno but keep the
    system's message, so the chain of causes and the text "No space left on device" count too.
    """
    return any((isinstance(e, OSError) and e.errno in DISK_FULL_ERRNOS)
               or "No space left on device" in str(e) or "Disk quota exceeded" in str(e) for e in causes(error))


def fsync_dir(folder: str | os.PathLike) -> None:
    """``fsync`` a folder, so renames and new entries in it survive a power loss (a no-op where
    folders cannot be opened, as on Windows)."""
    try:
        fd = os.open(os.fspath(folder), os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as e:  # some filesystems refuse fsync on folders; EINVAL/EBADF mean "not supported"
        if e.errno not in (errno.EINVAL, errno.EBADF, errno.EACCES):
            raise
    finally:
        os.close(fd)


def fsync_tree(path: str | os.PathLike) -> None:
    """``fsync`` a file, or every file and folder of a tree (a SavedModel), bottom up."""
    path = os.fspath(path)
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path, topdown=False):
            for name in files:
                fsync_tree(os.path.join(root, name))
            fsync_dir(root)
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[str]:
    """Yield a temporary path next to ``path``; make it durable and rename it to ``path`` on success.

    The caller writes a file or a folder at the yielded path. On success it is
    ``fsync``ed, renamed over ``path`` and the containing folder is ``fsync``ed. On an
    exception the temporary file or folder is removed and ``path`` is left as it was.
    ``suffix`` keeps an extension some writers insist on (Keras needs ``.keras``).
    A folder replaces a folder in two renames (the old one is moved aside first, then
    deleted); a crash between them leaves the old one under ``.NAME.*.tmp.old``.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp" + suffix, dir=folder)
    os.close(fd)
    os.remove(tmp)
    try:
        yield tmp
        fsync_tree(tmp)
        if os.path.isdir(tmp) and os.path.isdir(path):
            old = tmp + ".old"
            os.replace(path, old)
            os.replace(tmp, path)
            fsync_dir(folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
            fsync_dir(folder)
    except BaseException as e:
        if isinstance(e, OSError) and e.errno is not None and e.filename is None:  # zipfile does not say which file
            e.filename = path
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """Atomically and durably write ``text`` to ``path`` (UTF-8).

    Parameters
    ----------
    path : str or os.PathLike
        The file (its folder is created when missing; an existing file is replaced).
    text : str
        The whole content, written as UTF-8.
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file's bytes (``hashlib`` algorithm name), read in 1 MiB blocks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
