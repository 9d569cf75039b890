"""Multi-scale GANs: a Laplacian pyramid of GANs (LAPGAN) and networks that grow while they train (Progressive GAN)."""
