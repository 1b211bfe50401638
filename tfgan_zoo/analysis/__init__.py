"""Experiments on trained or training GANs: :mod:`.toy` (2-D mixtures and the mode-collapse metrics)."""
