"""Installs keras_gen and its `keras-gen` command.

From a clone: `pip install .` (or `pip wheel . --no-deps -w dist` for a wheel to install
elsewhere); `pip install -e ".[test]"` to work on keras_gen itself. The summary is the
README's first sentence and the version is `keras_gen.__version__`, so neither is written twice.
"""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
README = (HERE / "README.md").read_text(encoding="utf-8")


def readme_summary(readme: str) -> str:
    """The first sentence of the README's first paragraph, as plain text (the package's one-line summary)."""
    paragraph = readme.split("\n\n")[1]  # the paragraph under the "# keras_gen" title
    sentence = re.split(r"(?<=\.)\s", " ".join(paragraph.split()), maxsplit=1)[0]
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", sentence).replace("`", "")


def package_version() -> str:
    """`__version__` of keras_gen/__init__.py, read without importing the package."""
    init = (HERE / "keras_gen" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', init, re.MULTILINE).group(1)


setup(
    name="keras_gen",
    version=package_version(),
    description=readme_summary(README),
    long_description=README,
    long_description_content_type="text/markdown",
    # No url=/project_urls= yet: the repository has no public address to name.
    license="Apache-2.0",
    license_files=["LICENSE"],
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
        # The documentation site (mkdocs.yml, `bash scripts/docs.sh`) and its browser test (selenium
        # drives Debian's chromium and chromedriver, which scripts/setup.sh installs with apt-get).
        "docs": [
            "mkdocs>=1.6,<2",
            "mkdocs-material>=9.5,<10",
            "mkdocstrings[python]>=0.26,<2",
            "pymdown-extensions>=10.7",
            "selenium>=4.11",
        ],
    },
    entry_points={"console_scripts": ["keras-gen=keras_gen.cli:main"]},
    keywords=["keras", "generative models", "gan", "vae", "pixelcnn", "image-to-image"],
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Intended Audience :: Developers",
        "Intended Audience :: Education",
        "Intended Audience :: Science/Research",
        "License :: OSI Approved :: Apache Software License",
        "Operating System :: POSIX :: Linux",  # the only system the tests run on
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.11",  # the version the tests run on
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
        "Topic :: Scientific/Engineering :: Image Processing",
    ],
)
