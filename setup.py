"""Installs keras_gen and its `keras-gen` command."""

from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="keras_gen",
    version="0.1.0",
    description="Generative models (VAE, GANs, autoregressive) for Keras 3 that train with model.fit().",
    long_description=Path("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["keras_gen", "keras_gen.*"]),
    python_requires=">=3.10",
    install_requires=[
        "tensorflow>=2.16",
        "keras>=3.0",
        "tensorflow-datasets>=4.9",
        "keras-tuner>=1.4",
        "tensorboard",  # keras-tuner imports it in every trial; ImageSnapshot can log to it
        "numpy>=1.23",
        "scipy>=1.9",
        "scikit-learn>=1.1",
        "pillow>=9",
        "matplotlib>=3.5",
        "imageio>=2.31",  # latent walks as GIF (MP4 with the optional imageio-ffmpeg)
        "scikit-image>=0.21",  # SSIM of super-resolution, bundled colour photographs (sample_patches)
    ],
    extras_require={
        "test": ["pytest>=7", "pytest-xdist>=3.2", "ruff>=0.4", "hypothesis>=6"],
        # The JAX backend (`keras-gen train --backend jax`, docs/backends.md): the release tested
        # here, and the newest for Python 3.11 (0.11 and later need Python 3.12). It shares
        # ml_dtypes 0.7 with TensorFlow 2.21, so both backends live in one environment. CPU
        # wheels; for GPUs or TPUs add jax's own extra (`pip install "jax[cuda12]==0.10.*"`).
        "jax": ["jax==0.10.*; python_version >= '3.11'", "jaxlib==0.10.*; python_version >= '3.11'"],
    },
    entry_points={"console_scripts": ["keras-gen=keras_gen.cli:main"]},
)
