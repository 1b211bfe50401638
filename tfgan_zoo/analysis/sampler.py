"""The analysis tools' view of a generator: :mod:`tfgan_zoo.sampling`, re-exported here."""

from ..sampling import Sampler, as_sampler, from_export

__all__ = ["Sampler", "as_sampler", "from_export"]
