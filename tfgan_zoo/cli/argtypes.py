"""Argument types shared by the command-line tools: a bad value is a one-line argparse error naming it."""

from __future__ import annotations

import argparse
import math
from typing import Callable

__all__ = ["int_at_least", "positive_float", "non_negative_float"]


def int_at_least(low: int) -> Callable[[str], int]:
    """An argparse ``type`` accepting integers ``>= low``."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"{v} is invalid: must be an integer >= {low}")
        return v
    return parse


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def positive_float(text: str) -> float:
    """An argparse ``type`` accepting finite numbers ``> 0``."""
    v = _float(text)
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"{text} is invalid: must be a finite number > 0")
    return v


def non_negative_float(text: str) -> float:
    """An argparse ``type`` accepting finite numbers ``>= 0``."""
    v = _float(text)
    if not (v >= 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"{text} is invalid: must be a finite number >= 0")
    return v
