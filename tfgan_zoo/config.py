"""The configuration of a training run, validated without importing TensorFlow
(so the command line can refuse a bad value at once)."""

from __future__ import annotations

import dataclasses

from .choices import ARCHITECTURES, D_NORMS, DATASETS, LOSSES, PRECISIONS


@dataclasses.dataclass
class TrainConfig:
    """Everything a run needs; saved as ``config.json`` in the output folder."""

    loss: str = "nsgan"
    arch: str = "dcgan"
    dataset: str = "mnist"
    epochs: int = 1
    steps_per_epoch: int | None = None
    batch_size: int = 32
    latent_dim: int = 100
    lr_d: float | None = None
    lr_g: float | None = None
    n_critic: int | None = None
    precision: str = "float32"
    seed: int = 0
    out: str = "runs/gan"
    jit_compile: bool = True
    n_samples: int = 64
    d_norm: str = "none"

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first invalid field and the valid values."""
        if self.loss not in LOSSES:
            raise ValueError(f"Unknown loss {self.loss!r}. Valid losses: {', '.join(LOSSES)}.")
        if self.arch not in ARCHITECTURES:
            raise ValueError(f"Unknown arch {self.arch!r}. Valid architectures: {', '.join(ARCHITECTURES)}.")
        if self.dataset not in DATASETS:
            raise ValueError(f"Unknown dataset {self.dataset!r}. Valid datasets: {', '.join(DATASETS)}.")
        if self.precision not in PRECISIONS:
            raise ValueError(f"Unknown precision {self.precision!r}. Valid precisions: {', '.join(PRECISIONS)}.")
        if self.d_norm not in D_NORMS:
            raise ValueError(f"Unknown d_norm {self.d_norm!r}. Valid values: {', '.join(D_NORMS)}.")
        if self.arch == "mlp" and self.d_norm != "none":
            raise ValueError("d_norm applies to the dcgan discriminator only; drop it or use --arch dcgan.")
        for name in ("epochs", "batch_size", "latent_dim", "n_samples"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}.")
        for name in ("steps_per_epoch", "n_critic"):
            v = getattr(self, name)
            if v is not None and int(v) < 1:
                raise ValueError(f"{name} must be >= 1, got {v}.")
        for name in ("lr_d", "lr_g"):
            v = getattr(self, name)
            if v is not None and not v > 0:
                raise ValueError(f"{name} must be > 0, got {v}.")
