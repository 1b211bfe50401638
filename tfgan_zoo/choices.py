"""Names accepted by the command line and the builders (no TensorFlow import here,
so ``--help`` and argument errors answer at once)."""

LOSSES = ("gan", "nsgan", "lsgan", "wgan", "wgan-gp", "hinge")
ARCHITECTURES = ("mlp", "dcgan")
DATASETS = ("mnist", "fashion_mnist")  # built in; --dataset also takes folders, files, TFDS names
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
D_NORMS = ("none", "batch", "layer")
JIT_MODES = ("auto", "on", "off")  # XLA: auto = on GPU/TPU only (Keras convention)
TRANSPOSE_IMPLS = ("auto", "native", "subpixel")  # how the DCGAN's transposed convolutions run (nets.subpixel)
CONSTRAINTS = ("none", "clip", "sn", "gn")  # Lipschitz constraints on the discriminator
PENALTIES = ("none", "gp", "gp-one-sided", "r1", "dragan")  # gradient penalties on the discriminator
CONDITIONING = ("concat", "projection", "acgan", "infogan")  # how labels or codes enter the networks
CONDITIONAL = ("none", "concat", "projection", "acgan")  # --conditional
STRATEGIES = ("default", "mirrored", "multiworker")  # --strategy: tf.distribute strategies (tfgan_zoo.distribute)
