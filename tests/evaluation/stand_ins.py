"""Tiny stand-ins for keras_gen models, with known answers, for the evaluation tests."""

import numpy as np
import scipy.stats


class LinearGaussianVAE:
    """x = W z + b + sigma * eps with z ~ N(0, I): a VAE whose log p(x) is known exactly.

    p(x) = N(b, W W^T + sigma^2 I). W has orthogonal columns, so the true
    posterior q*(z|x) = N(S W^T (x - b) / sigma^2, S) with S = (I + W^T W /
    sigma^2)^-1 is diagonal: `encode` returns it exactly unless `mean_scale` or
    `log_var_shift` perturb it (an imperfect amortized encoder).
    """

    def __init__(
        self,
        image_shape=(2, 2, 1),
        latent_dim=2,
        sigma=0.5,
        mean_scale=1.0,
        log_var_shift=0.0,
        seed=0,
    ):
        rng = np.random.default_rng(seed)
        self.image_shape = tuple(image_shape)
        self.latent_dim = latent_dim
        self.data_scale = (-1.0, 1.0)
        num_pixels = int(np.prod(image_shape))
        basis, _ = np.linalg.qr(rng.normal(size=(num_pixels, latent_dim)))
        self.weights = basis * np.linspace(1.0, 2.0, latent_dim)
        self.bias = rng.normal(size=num_pixels) * 0.1
        self.sigma = sigma
        self.mean_scale, self.log_var_shift = mean_scale, log_var_shift
        self.posterior_var = 1.0 / (1.0 + np.sum(self.weights**2, axis=0) / sigma**2)

    def _flat(self, x):
        return np.asarray(x, np.float64).reshape(len(x), -1)

    def encode(self, x):
        residual = self._flat(x) - self.bias
        mean = (residual @ self.weights) / self.sigma**2 * self.posterior_var
        log_var = np.log(self.posterior_var) + self.log_var_shift
        return (mean * self.mean_scale).astype("float32"), np.tile(log_var, (len(x), 1)).astype(
            "float32"
        )

    def log_px_given_z(self, x, z):
        mean = np.asarray(z, np.float64) @ self.weights.T + self.bias
        squared = np.sum((self._flat(x) - mean) ** 2, axis=1)
        num_pixels = mean.shape[1]
        return -0.5 * (squared / self.sigma**2 + num_pixels * np.log(2 * np.pi * self.sigma**2))

    def exact_log_px(self, x):
        covariance = self.weights @ self.weights.T + self.sigma**2 * np.eye(len(self.bias))
        return scipy.stats.multivariate_normal(self.bias, covariance).logpdf(self._flat(x))

    def generate(self, num_images, batch_size=256):
        rng = np.random.default_rng(99)
        z = rng.normal(size=(num_images, self.latent_dim))
        x = (
            z @ self.weights.T
            + self.bias
            + self.sigma * rng.normal(size=(num_images, len(self.bias)))
        )
        return x.reshape((num_images, *self.image_shape)).astype("float32")


class ImagePoolGenerator:
    """A 'model' that generates by drawing from a fixed pool of images (real, blurred, noise)."""

    def __init__(self, pool, data_scale=(-1.0, 1.0), seed=0):
        self.pool = np.asarray(pool, np.float32)
        self.data_scale = data_scale
        self.latent_dim = 1
        self.rng = np.random.default_rng(seed)

    def generate(self, num_images, batch_size=256):
        return self.pool[self.rng.choice(len(self.pool), num_images, replace=False)]
