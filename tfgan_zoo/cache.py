"""Where tfgan_zoo keeps files it derives once and reuses (converted datasets, weights, statistics)."""

from __future__ import annotations

import os


def cache_dir(*parts: str) -> str:
    """Return ``$TFGAN_ZOO_CACHE`` (default ``~/.cache/tfgan_zoo``) joined with ``parts``.

    The folder itself is not created; writers create it when they write.
    """
    root = os.environ.get("TFGAN_ZOO_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "tfgan_zoo")
    return os.path.join(root, *parts)
