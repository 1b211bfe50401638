"""Experiments on trained or training GANs, each one call that measures and draws:

* :mod:`.latent`: interpolation (slerp, linear), traversal of latent coordinates, attribute arithmetic;
* :mod:`.codes`: what latent directions do, measured: InfoGAN's matched accuracy and use of z, class
  retention and stroke statistics (slant, width, ink) along a sweep, principal directions of the generator;
* :mod:`.features`: discriminator activations per layer, PCA / t-SNE maps, linear-probe separability;
* :mod:`.balance`: the (lr_D, lr_G, n_critic) sweep against the equilibrium discriminator loss;
* :mod:`.divergences`: JS vs Wasserstein-1, exactly and from trained critics; mode collapse per loss;
* :mod:`.fdivergences`: the f-GAN family: closed forms between Gaussians, critics' variational bounds, the
  Gaussian each divergence fits to a mixture (mode-seeking or mode-covering);
* :mod:`.evolution`: architectures (DCGAN, SN-DCGAN, ResNet, self-modulation) at equal wall-clock budget;
* :mod:`.toy`: the 2-D ring and grid mixtures, PacGAN's mode metrics, toy training with snapshots;
* :mod:`.sampler`: one interface over GAN models, Keras generators and exported generator folders.

The course notebooks (``notebooks/``) are built on these.
"""
