"""Which loss x constraint x penalty combinations are allowed, warned about or refused, and why.

::

    =====================================  =========  ==========================================================
    combination                            verdict    why
    =====================================  =========  ==========================================================
    ``gn`` with any gradient penalty       refused    GN already bounds ``‖∇f̂‖ ≤ 1``; a penalty on top needs
                                                      third derivatives through the nested gradient and adds
                                                      nothing.
    ``clip`` with ``gp``, ``gp-one-sided``  warned     the penalty was introduced to replace clipping
    or ``dragan``                                     (Gulrajani et al., 2017); clipping caps the critic's
                                                      capacity and fights the penalty's target norm of 1.
    Wasserstein loss, no constraint,       warned     the critic loss ``E[f] - E[r]`` is unbounded without a
    no penalty                                        Lipschitz constraint: the critic's outputs can diverge.
    everything else                        allowed    e.g. SN + R1, SN + GP, hinge + SN (SNGAN), LSGAN + GP.
    =====================================  =========  ==========================================================
"""

from __future__ import annotations

import warnings

from .choices import CONSTRAINTS, PENALTIES

WASSERSTEIN = ("wgan", "wgan-gp")
_METRIC = {"gp": "gp", "gp-one-sided": "gp_one_sided", "r1": "r1", "dragan": "dragan"}


class CombinationWarning(UserWarning):
    """A constraint/penalty combination that works but is probably not what you want."""


def penalty_metric_name(penalty: str) -> str:
    """The metric name under which the penalty is reported (``gp``, ``gp_one_sided``, ``r1``, ``dragan``)."""
    return _METRIC[penalty]


def check_combination(loss: str, constraint: str, penalty: str) -> None:
    """Refuse or warn about a loss/constraint/penalty combination (see the module table).

    Raises
    ------
    ValueError
        For an unknown constraint or penalty, or a refused combination.
    """
    if constraint not in CONSTRAINTS:
        raise ValueError(f"Unknown constraint {constraint!r}. Valid constraints: {', '.join(CONSTRAINTS)}.")
    if penalty not in PENALTIES:
        raise ValueError(f"Unknown penalty {penalty!r}. Valid penalties: {', '.join(PENALTIES)}.")
    if constraint == "gn" and penalty != "none":
        raise ValueError(
            f"constraint 'gn' with penalty {penalty!r} is refused: gradient normalization already bounds the "
            "discriminator's input gradient by 1, and a penalty on top would need third derivatives for "
            "nothing. Use one of them (e.g. --penalty none)."
        )
    if constraint == "clip" and penalty in ("gp", "gp-one-sided", "dragan"):
        warnings.warn(
            f"Weight clipping together with the {penalty!r} penalty: the penalty was introduced to replace "
            "clipping, and clipping limits the critic and fights the penalty. Consider --constraint none.",
            CombinationWarning, stacklevel=4)
    if loss in WASSERSTEIN and constraint == "none" and penalty == "none":
        warnings.warn(
            f"The {loss} critic has neither a Lipschitz constraint nor a gradient penalty: its loss is "
            "unbounded and training can diverge. Add --constraint clip|sn|gn or --penalty gp.",
            CombinationWarning, stacklevel=4)
