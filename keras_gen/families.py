"""The family registry: every model family keras_gen offers, in one place.

A family is a named recipe: the model class, what its networks default to, how
long the `keras-gen` command trains it by default, its keras-tuner HyperModel (if
it has one) and which sample grids its snapshots show. The CLI (`train`, `sample`,
`evaluate`, `tune`, `models`), the tuning layer and the docs read this registry;
none of them names a family in code.

Classes are named by import path (`"keras_gen.models.autoencoders.vae:VAE"`) and imported only
when used, so reading the registry (`keras-gen models`, `--help`) does not
import TensorFlow.

Adding a family is one `Family(...)` entry in `FAMILIES` below, or
`register_family(Family(...))` from user code.

Example:
>>> import keras_gen.families as families
>>> families.get("dcgan").description
'Deep convolutional GAN with the practical recipe (Radford et al., 2015)'
>>> model = families.get("autoencoder").build((28, 28, 1), seed=0)  # compiled
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from typing import Any

__all__ = [
    "BATCH_KINDS",
    "DATA_KINDS",
    "EXAMPLE_SHAPES",
    "FAMILIES",
    "GRID_KINDS",
    "DataKind",
    "Family",
    "data_kind",
    "families",
    "family_of",
    "get",
    "import_object",
    "names",
    "register_family",
]

# What one element of a family's training data holds (`GenerativeModel.batch_kind`), as
# error messages describe it.
BATCH_KINDS = {
    "images": "images alone",
    "images_labels": "(images, labels)",
    "images_conditions": "(images, conditions): an array of the model's Condition, or a dict of them",
    "pairs": "(input images, target images)",
    "unpaired": "(images of domain A, images of domain B)",
}



@dataclasses.dataclass(frozen=True)
class DataKind:
    """What one example of a data set or model is: images, video clips or voxel grids.

    Args:
        name: "images", "videos" or "voxels" (`GenerativeModel.data_kind`, `DatasetInfo.kind`).
        axes: the names of the axes of one example, e.g. `("frames", "height", "width", "channels")`.
        noun: what a batch of them is called in messages ("clips").
        builder: the classmethod that builds a model for them (`Family.builder`).

    Example:
    >>> DATA_KINDS["videos"].describe((8, 32, 32, 1))
    '(frames, height, width, channels) = (8, 32, 32, 1)'
    """

    name: str
    axes: tuple[str, ...]
    noun: str
    builder: str

    def describe(self, shape) -> str:
        """`shape` with the names of its axes, for messages."""
        return f"({', '.join(self.axes)}) = {tuple(int(side) for side in shape)}"

    def check_shape(self, shape, argument: str = "example_shape") -> tuple[int, ...]:
        """`shape` as a tuple of positive ints with one side per axis; a ValueError naming the axes otherwise."""
        try:
            checked = tuple(int(side) for side in shape)
        except (TypeError, ValueError):
            checked = ()
        if len(checked) != len(self.axes) or min(checked) < 1:
            raise ValueError(
                f"{argument} must be ({', '.join(self.axes)}) with positive sizes, "
                f"e.g. {EXAMPLE_SHAPES[self.name]}; got {shape!r}."
            )
        return checked


DATA_KINDS = {
    kind.name: kind
    for kind in (
        DataKind("images", ("height", "width", "channels"), "images", "for_images"),
        DataKind("videos", ("frames", "height", "width", "channels"), "clips", "for_videos"),
        DataKind("voxels", ("depth", "height", "width", "channels"), "voxel grids", "for_voxels"),
    )
}
EXAMPLE_SHAPES = {"images": (28, 28, 1), "videos": (8, 32, 32, 1), "voxels": (16, 16, 16, 1)}


def data_kind(name: str) -> DataKind:
    """The `DataKind` called `name`; a ValueError listing the kinds otherwise."""
    if name not in DATA_KINDS:
        raise ValueError(f"Unknown kind of data {name!r}; choose from {tuple(DATA_KINDS)}.")
    return DATA_KINDS[name]


# The sample grids a snapshot can show; each needs a capability of the model.
GRID_KINDS = ("samples", "reconstructions", "translations", "completions", "predictions")


def import_object(path: str):
    """Imports `"package.module:Name"` and returns `Name`."""
    module, _, name = path.partition(":")
    if not module or not name:
        raise ValueError(f"Expected an import path 'package.module:Name', got {path!r}.")
    return getattr(importlib.import_module(module), name)


@dataclasses.dataclass(frozen=True)
class Family:
    """One model family: its class, defaults and how the tools should treat it.

    Args:
        name: the registry key users type (`keras-gen train NAME`).
        model: import path of the `keras_gen.models.GenerativeModel` subclass,
            `"package.module:Class"`; it must have the classmethod `builder`.
        description: one line for `keras-gen models`.
        builder_defaults: keyword arguments of `builder` the CLI uses unless a
            flag overrides them (e.g. `{"latent_dim": 128, "width": 32}`).
        epochs: default number of epochs of `keras-gen train`.
        batch_size: default batch size of `keras-gen train`.
        hypermodel: import path of its `keras_gen.tuning.GenerativeHyperModel`,
            or None when the family has no search space yet.
        grids: the snapshot grids `keras-gen train` writes, from `GRID_KINDS`.
        docs: the docs page that explains it.
        data_options: how `keras-gen train` makes the family's batches from a
            data set: for "pairs", the `keras_gen.data.load_pairs` task and its
            options (`{"task": "edges"}`); for "unpaired", the two domains'
            classes (`{"domain_a": [5], "domain_b": [7]}`).
        data: the data set `keras-gen train` uses when `--data` is not given
            (None: fashion_mnist).
        conditions: for `"images_conditions"` families, the name (or list of
            names) of the data set's conditions the model is conditioned on,
            e.g. `"attributes"`; `recipes.build_model` takes the model's
            `condition` from the data set.
        builder: the classmethod `keras-gen train` builds the model with, which
            says what the family trains on: `"for_images"` (images),
            `"for_videos"` (clips) or `"for_voxels"` (voxel grids); it gets the
            data set's `example_shape`.

    Example:
    >>> Family("my_ae", "my_package.models:MyAE", "my autoencoder", grids=("reconstructions",))
    """

    name: str
    model: str
    description: str
    builder_defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    epochs: int = 5
    batch_size: int = 64
    hypermodel: str | None = None
    grids: tuple[str, ...] = ("samples",)
    docs: str | None = None
    data_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    data: str | None = None
    conditions: str | tuple[str, ...] | None = None
    builder: str = "for_images"

    def __post_init__(self):
        if not self.name.isidentifier():
            raise ValueError(
                f"A family name must be a Python identifier such as 'dcgan' or "
                f"'denoising_autoencoder', got {self.name!r}."
            )
        unknown = [grid for grid in self.grids if grid not in GRID_KINDS]
        if unknown:
            raise ValueError(f"Unknown snapshot grids {unknown} for '{self.name}'; choose from {GRID_KINDS}.")
        builders = {kind.builder: kind.name for kind in DATA_KINDS.values()}
        if self.builder not in builders:
            raise ValueError(f"Unknown builder {self.builder!r} for '{self.name}'; choose from {tuple(builders)}.")
        object.__setattr__(self, "builder_defaults", dict(self.builder_defaults))
        object.__setattr__(self, "data_options", dict(self.data_options))
        if isinstance(self.conditions, list):
            object.__setattr__(self, "conditions", tuple(self.conditions))

    def model_class(self) -> type:
        """The model class (imports it, and with it TensorFlow)."""
        return import_object(self.model)

    def hypermodel_class(self) -> type:
        """The HyperModel class; a ValueError when the family has none."""
        if self.hypermodel is None:
            searchable = ", ".join(f.name for f in families() if f.hypermodel)
            raise ValueError(
                f"The '{self.name}' family has no keras-tuner HyperModel yet; families "
                f"with one: {searchable}."
            )
        return import_object(self.hypermodel)

    @property
    def data_kind(self) -> str:
        """What the family trains on, as its `builder` says: "images", "videos" or "voxels"."""
        return next(kind.name for kind in DATA_KINDS.values() if kind.builder == self.builder)

    def builder_method(self):
        """The model class's classmethod `builder` (imports the class, and with it TensorFlow)."""
        return getattr(self.model_class(), self.builder)

    @property
    def batch_kind(self) -> str:
        """What a training batch holds (a key of `BATCH_KINDS`): "images_conditions" for a family that names
        the data set's `conditions`, otherwise as the model class says."""
        return "images_conditions" if self.conditions is not None else self.model_class().batch_kind

    def input_shape(self, image_shape, builder: Mapping[str, Any] | None = None) -> tuple[int, int, int]:
        """The shape `for_images` gets for a data set of `image_shape` images: the images the model is given.

        The data set's own shape, except for super-resolution, whose inputs are
        the images downscaled by the builder's `factor`.
        """
        image_shape = tuple(int(side) for side in image_shape)
        if self.data_options.get("task") != "superres":
            return image_shape
        factor = int({**self.builder_defaults, **(builder or {})}.get("factor", 4))
        if image_shape[0] % factor or image_shape[1] % factor:
            raise ValueError(
                f"factor={factor} does not divide the data set's {image_shape[0]}x{image_shape[1]} images; "
                "pick a factor that divides both sides."
            )
        return image_shape[0] // factor, image_shape[1] // factor, image_shape[2]

    def build(self, shape, seed: int | None = None, compile: bool = True, **overrides):
        """A new model for a data set of examples of `shape`: `builder` with the defaults, then `compile()`.

        Args:
            shape: the data set's `example_shape`: `(height, width, channels)`
                of its images (see `input_shape` for what the builder gets),
                `(frames, height, width, channels)` of its clips or
                `(depth, height, width, channels)` of its voxel grids.
            seed: the model's seed.
            compile: call `model.compile()` with the family's default optimizers.
            **overrides: `builder` arguments that replace the defaults.
        """
        kind = DATA_KINDS[self.data_kind]
        shape = kind.check_shape(shape, f"'{self.name}' trains on {kind.noun}: the data set's example_shape")
        kwargs = {**self.builder_defaults, **overrides}
        if kind.name == "images":
            shape = self.input_shape(shape, kwargs)
        model = self.builder_method()(shape, seed=seed, **kwargs)
        if compile:
            model.compile()
        return model


FAMILIES: tuple[Family, ...] = (
    Family(
        "autoencoder",
        "keras_gen.models.autoencoders.autoencoder:Autoencoder",
        "Undercomplete convolutional autoencoder: encode, decode, reconstruct",
        builder_defaults={"latent_dim": 32, "width": 32},
        batch_size=128,
        grids=("reconstructions",),
        docs="docs/autoencoder.md",
    ),
    Family(
        "denoising_autoencoder",
        "keras_gen.models.autoencoders.autoencoder:DenoisingAutoencoder",
        "Denoising autoencoder trained on corrupted inputs (Vincent et al., 2008)",
        builder_defaults={"latent_dim": 32, "width": 32},
        batch_size=128,
        grids=("reconstructions",),
        docs="docs/autoencoder.md",
    ),
    Family(
        "attribute2image",
        "keras_gen.models.autoencoders.attribute2image:Attribute2Image",
        "Conditional VAE on attribute vectors with a layered foreground/background decoder (Yan et al., 2016)",
        builder_defaults={"latent_dim": 16, "width": 32},
        batch_size=128,
        grids=("samples",),
        docs="docs/attribute2image.md",
        data="fashion_captions",
        conditions="attributes",
    ),
    Family(
        "vae",
        "keras_gen.models.autoencoders.vae:VAE",
        "Variational autoencoder with a VampPrior and a Bernoulli decoder (Kingma & Welling, 2013)",
        builder_defaults={"latent_dim": 32, "width": 32},
        batch_size=128,
        hypermodel="keras_gen.tuning.vae:VAEHyperModel",
        grids=("samples", "reconstructions"),
        docs="docs/vae.md",
    ),
    Family(
        "cvae",
        "keras_gen.models.autoencoders.cvae:ConditionalVAE",
        "Conditional VAE: q(z|x,y), p(x|z,y), generate by class (Sohn et al., 2015)",
        builder_defaults={"latent_dim": 16, "width": 32},
        batch_size=64,
        hypermodel="keras_gen.tuning.vae:ConditionalVAEHyperModel",
        grids=("samples",),
        docs="docs/latent.md",
    ),
    Family(
        "gan",
        "keras_gen.models.adversarial.gan:GAN",
        "GAN with fully connected networks (Goodfellow et al., 2014)",
        builder_defaults={"latent_dim": 64, "units": 256},
        batch_size=64,
        docs="docs/dcgan.md",
    ),
    Family(
        "dcgan",
        "keras_gen.models.adversarial.gan:DCGAN",
        "Deep convolutional GAN with the practical recipe (Radford et al., 2015)",
        builder_defaults={"latent_dim": 128, "width": 32},
        batch_size=64,
        hypermodel="keras_gen.tuning.gan:DCGANHyperModel",
        docs="docs/dcgan.md",
    ),
    Family(
        "cgan",
        "keras_gen.models.conditional.conditional_gan:ConditionalGAN",
        "Conditional GAN: both players see the label (Mirza & Osindero, 2014)",
        builder_defaults={"latent_dim": 128, "width": 32},
        batch_size=64,
        docs="docs/conditional_gans.md",
    ),
    Family(
        "al_cgan",
        "keras_gen.models.conditional.conditional_gan:ConditionalGAN",
        "AL-CGAN: a conditional GAN on attributes and a scene layout (Karacan et al., 2016)",
        builder_defaults={"latent_dim": 128, "width": 32},
        batch_size=64,
        docs="docs/conditional_gans.md",
        data="fashion_captions",
        conditions=("attributes", "layout"),
    ),
    Family(
        "acgan",
        "keras_gen.models.conditional.conditional_gan:ACGAN",
        "AC-GAN: a discriminator that also classifies (Odena et al., 2017)",
        builder_defaults={"latent_dim": 128, "width": 32},
        batch_size=64,
        docs="docs/conditional_gans.md",
    ),
    Family(
        "gan_cls",
        "keras_gen.models.conditional.gan_cls:GANCLS",
        "GAN-CLS/GAN-INT: images from captions, a matching-aware discriminator (Reed et al., 2016)",
        builder_defaults={"latent_dim": 100, "width": 32, "embedding_dim": 128},
        batch_size=64,
        docs="docs/gan_cls.md",
        data="fashion_captions",
        conditions="captions",
    ),
    Family(
        "stackgan",
        "keras_gen.models.conditional.stackgan:StackGAN",
        "StackGAN: captions drawn small, then refined, with conditioning augmentation (Zhang et al., 2017)",
        builder_defaults={"latent_dim": 100, "condition_dim": 64, "stage1_size": 14, "width": 32,
                          "embedding_dim": 128, "num_blocks": 2},
        batch_size=64,
        docs="docs/stackgan.md",
        data="fashion_captions",
        conditions="captions",
    ),
    Family(
        "infogan",
        "keras_gen.models.conditional.infogan:InfoGAN",
        "InfoGAN: latent codes that learn meaning without labels (Chen et al., 2016)",
        builder_defaults={"latent_dim": 16, "width": 32},
        batch_size=64,
        docs="docs/conditional_gans.md",
    ),
    Family(
        "bigan",
        "keras_gen.models.adversarial.bigan:BiGAN",
        "BiGAN / ALI: a GAN with an encoder, judged on (image, code) pairs (Donahue et al., 2017)",
        builder_defaults={"latent_dim": 64, "width": 32},
        batch_size=64,
        grids=("samples", "reconstructions"),
        docs="docs/conditional_gans.md",
    ),
    Family(
        "ssgan",
        "keras_gen.models.conditional.ssgan:SemiSupervisedGAN",
        "Semi-supervised GAN: a K-class discriminator, feature matching (Salimans et al., 2016)",
        builder_defaults={"latent_dim": 100, "width": 32},
        batch_size=64,
        docs="docs/conditional_gans.md",
    ),
    Family(
        "wgan",
        "keras_gen.models.adversarial.wgan:WGAN",
        "Wasserstein GAN with a weight-clipped critic (Arjovsky et al., 2017)",
        builder_defaults={"latent_dim": 128, "width": 32},
        batch_size=320,  # 5 critic updates of 64 real images each per step
        docs="docs/objectives.md",
    ),
    Family(
        "wgan_gp",
        "keras_gen.models.adversarial.wgan:WGANGP",
        "Wasserstein GAN with a gradient penalty (Gulrajani et al., 2017)",
        builder_defaults={"latent_dim": 128, "width": 32},
        batch_size=64,  # one critic update of 64 real images per step (WGANGP's default)
        docs="docs/objectives.md",
    ),
    Family(
        "began",
        "keras_gen.models.adversarial.began:BEGAN",
        "Boundary equilibrium GAN with an autoencoder discriminator (Berthelot et al., 2017)",
        builder_defaults={"latent_dim": 64, "width": 32},
        batch_size=64,
        docs="docs/objectives.md",
    ),
    Family(
        "lapgan",
        "keras_gen.models.multiscale.lapgan:LAPGAN",
        "LAPGAN: a Laplacian pyramid of GANs, coarse to fine (Denton et al., 2015)",
        # `levels` stays out: the registry-wide tests shrink integer defaults (3 levels: 2 -> 4 -> 8 there).
        builder_defaults={"latent_dim": 64},
        batch_size=64,
        docs="docs/multiscale.md",
    ),
    Family(
        "progan",
        "keras_gen.models.multiscale.progressive:ProgressiveGAN",
        "Progressive GAN: networks that grow while they train (Karras et al., 2018)",
        # `images_per_phase` stays out for the same reason (the tests grow 4 -> 8 only if asked).
        builder_defaults={"latent_dim": 128},
        batch_size=64,
        docs="docs/multiscale.md",
    ),
    Family(
        "pixelcnn",
        "keras_gen.models.autoregressive.pixelcnn:PixelCNN",
        "PixelCNN: masked convolutions, exact likelihood, pixel-by-pixel sampling (van den Oord et al., 2016)",
        builder_defaults={"filters": 32, "num_layers": 5},
        epochs=3,
        batch_size=64,
        grids=("samples", "completions"),
        docs="docs/autoregressive.md",
    ),
    Family(
        "gated_pixelcnn",
        "keras_gen.models.autoregressive.pixelcnn:GatedPixelCNN",
        "Gated PixelCNN: gated vertical and horizontal stacks, no blind spot (van den Oord et al., 2016)",
        # The discretized logistic mixture learns faster than the 256-way softmax at a CPU budget
        # (docs/benchmarks.md: 3.13 vs 3.24 bits/dim after 15 minutes).
        builder_defaults={"filters": 32, "num_layers": 5, "output": "logistic_mixture", "num_mixtures": 5},
        epochs=3,
        batch_size=64,
        grids=("samples", "completions"),
        docs="docs/autoregressive.md",
    ),
    Family(
        "video_pixelcnn",
        "keras_gen.models.autoregressive.video_pixelcnn:VideoPixelCNN",
        "Video Pixel Network: a ConvLSTM context of the earlier frames biases a Gated PixelCNN per frame "
        "(Kalchbrenner et al., 2016)",
        builder_defaults={"filters": 32, "num_layers": 5, "context_layers": 3, "output": "logistic_mixture",
                          "num_mixtures": 5},
        epochs=3,
        batch_size=32,
        docs="docs/video.md",
        data="moving_fashion_mnist",
        builder="for_videos",
    ),
    Family(
        "pixelrnn",
        "keras_gen.models.autoregressive.pixelrnn:PixelRNN",
        "PixelRNN with Row LSTM layers (van den Oord, Kalchbrenner & Kavukcuoglu, 2016)",
        builder_defaults={"filters": 32, "num_layers": 2},
        epochs=3,
        batch_size=64,
        grids=("samples", "completions"),
        docs="docs/autoregressive.md",
    ),
    Family(
        "nade",
        "keras_gen.models.autoregressive.nade:NADE",
        "NADE: binary pixels, one hidden layer shared by all conditionals (Larochelle & Murray, 2011)",
        builder_defaults={"hidden_units": 500},
        epochs=5,
        batch_size=64,
        docs="docs/likelihood.md",
    ),
    Family(
        "made",
        "keras_gen.models.autoregressive.made:MADE",
        "MADE: a masked autoencoder of binary pixels, several orderings (Germain et al., 2015)",
        builder_defaults={"hidden_units": (500,)},
        epochs=5,
        batch_size=64,
        docs="docs/likelihood.md",
    ),
    Family(
        "draw",
        "keras_gen.models.autoencoders.draw:DRAW",
        "DRAW: a recurrent VAE that draws with attention, step by step (Gregor et al., 2015)",
        builder_defaults={"steps": 16, "units": 256, "latent_dim": 16},
        epochs=5,
        batch_size=64,
        docs="docs/likelihood.md",
    ),
    Family(
        "pix2pix",
        "keras_gen.models.image_to_image.pix2pix:Pix2Pix",
        "pix2pix: U-Net and PatchGAN on (input, output) pairs, L1 x 100 (Isola et al., 2017)",
        builder_defaults={"width": 32},
        epochs=5,
        batch_size=64,
        grids=("translations",),
        docs="docs/image_to_image.md",
        data_options={"task": "edges"},
    ),
    Family(
        "srresnet",
        "keras_gen.models.image_to_image.srgan:SRResNet",
        "SRResNet: residual super-resolution network trained with MSE (Ledig et al., 2017)",
        builder_defaults={"factor": 4, "width": 32, "num_blocks": 4},
        epochs=5,
        batch_size=64,
        grids=("translations",),
        docs="docs/image_to_image.md",
        data_options={"task": "superres"},
    ),
    Family(
        "srgan",
        "keras_gen.models.image_to_image.srgan:SRGAN",
        "SRGAN: SRResNet + content loss in a feature network + 1e-3 adversarial loss (Ledig et al., 2017)",
        builder_defaults={"factor": 4, "width": 32, "num_blocks": 4},
        epochs=5,
        batch_size=64,
        grids=("translations",),
        docs="docs/image_to_image.md",
        data_options={"task": "superres"},
    ),
    Family(
        "context_encoder",
        "keras_gen.models.image_to_image.context_encoder:ContextEncoder",
        "Context encoder: fills a hole, masked L2 x 0.999 + adversarial x 0.001 (Pathak et al., 2016)",
        builder_defaults={"width": 32, "code_dim": 256},
        epochs=5,
        batch_size=64,
        grids=("translations",),
        docs="docs/image_to_image.md",
        data_options={"task": "inpaint"},
    ),
    Family(
        "cyclegan",
        "keras_gen.models.image_to_image.cyclegan:CycleGAN",
        "CycleGAN: two generators, cycle and identity losses, unpaired domains (Zhu et al., 2017)",
        builder_defaults={"width": 16, "num_blocks": 4},
        epochs=5,
        batch_size=16,
        grids=("translations",),
        docs="docs/image_to_image.md",
        # Classes 5 and 7: sandal and sneaker in Fashion-MNIST (the digits 5 and 7 elsewhere).
        data_options={"domain_a": [5], "domain_b": [7]},
    ),
    Family(
        "video_gan",
        "keras_gen.models.video.video_gan:VideoGAN",
        "Two-stream video GAN: a moving foreground over a static background (Vondrick et al., 2016)",
        builder_defaults={"latent_dim": 100, "width": 32},
        batch_size=32,
        docs="docs/video.md",
        data="moving_fashion_mnist",
        builder="for_videos",
    ),
    Family(
        "cross_conv_cvae",
        "keras_gen.models.video.cross_conv:CrossConvCVAE",
        "Cross convolutional network: many possible next frames from one frame (Xue et al., 2016)",
        builder_defaults={"latent_dim": 32, "kernel_size": 5, "num_kernels": 32, "width": 32},
        epochs=5,
        batch_size=32,
        grids=("predictions",),
        docs="docs/video.md",
        data="moving_fashion_mnist",
        builder="for_videos",
    ),
    Family(
        "voxel_gan",
        "keras_gen.models.voxels.voxel_gan:VoxelGAN",
        "3-D GAN of voxel grids with the adaptive discriminator rule (Wu et al., 2016)",
        builder_defaults={"latent_dim": 200, "width": 32},
        batch_size=64,
        docs="docs/voxels.md",
        data="voxel_shapes",
        builder="for_voxels",
    ),
)

_REGISTRY: dict[str, Family] = {}


def register_family(family: Family, *, overwrite: bool = False) -> Family:
    """Adds `family` to the registry, so `keras-gen train NAME` and the tools know it.

    Example:
    >>> register_family(Family("my_ae", "my_package.models:MyAE", "my autoencoder"))
    """
    if not isinstance(family, Family):
        raise TypeError(f"register_family takes a keras_gen.families.Family, got {family!r}.")
    if family.name in _REGISTRY and not overwrite:
        raise ValueError(
            f"A family named '{family.name}' is already registered; pick another name or "
            "pass overwrite=True."
        )
    _REGISTRY[family.name] = family
    return family


def get(name: str) -> Family:
    """The family registered as `name`; a ValueError listing the names otherwise."""
    if name not in _REGISTRY:
        raise ValueError(f"Unknown model family {name!r}; choose one of {names()} (see 'keras-gen models').")
    return _REGISTRY[name]


def names() -> list[str]:
    """The registered family names, sorted."""
    return sorted(_REGISTRY)


def families() -> list[Family]:
    """Every registered family, sorted by name."""
    return [_REGISTRY[name] for name in names()]


def family_of(model) -> Family | None:
    """The family whose class is `model`'s class (or its nearest registered base); of several families of one
    class (cgan and al_cgan), the one whose batch kind is the model's."""
    by_path = {}
    for family in _REGISTRY.values():
        by_path.setdefault(family.model, []).append(family)
    for cls in type(model).__mro__:
        found = by_path.get(f"{cls.__module__}:{cls.__qualname__}")
        if found:
            return next((family for family in found if family.batch_kind == model.batch_kind), found[0])
    return None


for _family in FAMILIES:
    register_family(_family)
