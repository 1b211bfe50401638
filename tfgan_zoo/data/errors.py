"""Errors of the data layer. Each message names the problem and the fix."""

from __future__ import annotations


class DatasetUnavailableError(RuntimeError):
    """The requested dataset is not on this machine and cannot be downloaded."""


class CorruptDatasetError(ValueError):
    """A dataset file exists but its content is not what it should be."""


class CorruptImageError(CorruptDatasetError):
    """One or more image files cannot be decoded; ``paths`` lists them.

    Parameters
    ----------
    message : str
        The error message: which files fail, why, and how to fix it.
    paths : list of str
        The paths of the files that cannot be read or decoded; kept (as a new list) in the
        ``paths`` attribute.
    """

    def __init__(self, message: str, paths: list[str]):
        super().__init__(message)
        self.paths = list(paths)
