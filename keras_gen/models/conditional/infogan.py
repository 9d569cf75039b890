"""InfoGAN: latent codes whose meaning the GAN discovers without labels."""

import keras
import numpy as np
from keras import ops

from keras_gen import losses, networks
from keras_gen.models.adversarial.gan import GAN
from keras_gen.models.capabilities import (
    _batched,
    check_num_images,
    check_temperature,
    fixed_latent_points,
    labels_or_conditions,
)
from keras_gen.training import replica_seed


def _check_code_spec(categorical_codes, continuous_codes):
    categorical = [int(size) for size in (categorical_codes or [])]
    if any(size < 2 for size in categorical):
        raise ValueError(f"categorical_codes lists category counts >= 2, e.g. [10], got {categorical_codes}.")
    if isinstance(continuous_codes, bool) or int(continuous_codes) < 0:
        raise ValueError(f"continuous_codes is a count >= 0, got {continuous_codes}.")
    if not categorical and not int(continuous_codes):
        raise ValueError("An InfoGAN needs at least one code: categorical_codes=[10] and/or continuous_codes=2.")
    return categorical, int(continuous_codes)


@keras.saving.register_keras_serializable(package="keras_gen")
class InfoGAN(GAN):
    """InfoGAN: a GAN whose latent codes c are made to carry information about the image.

    Chen et al., "InfoGAN: Interpretable Representation Learning by Information
    Maximizing Generative Adversarial Nets" (2016). The generator takes noise z
    and codes c (categorical codes one-hot, continuous codes uniform in
    [-1, 1]); an auxiliary head Q on the discriminator's body predicts c from
    G(z, c). Both players also minimize lambda times the negative variational
    lower bound L_I of the mutual information I(c; G(z, c)) (eq. 5): the
    cross-entropy of each categorical code plus `continuous_weight` times the
    Gaussian negative log-likelihood of the continuous ones. Without labels,
    a 10-way categorical code on Fashion-MNIST tends to pick up the classes and
    continuous codes width or shade. Logged: `d_info_loss`, `g_info_loss`.

    The codes are a vector: one one-hot block per categorical code, then the
    continuous codes (`code_dim` in all); `codes_for(categorical=...,
    continuous=...)` builds it from category indices. `generate(n)` samples
    both z and c; `generate(latent_points=z, codes=c)` is deterministic.
    `infer_codes(images)` reads the codes back with Q. Snapshot grids: a row
    per value of the first categorical code, the first continuous code swept
    from -1 to 1 across the columns, z fixed.

    Args:
        generator: a model from `[latent_points, codes]` to images.
        discriminator: a model from images to `[logit, q_categorical, q_continuous]`
            (the heads present for the codes there are).
        categorical_codes: the category count of each categorical code, e.g. `[10]`.
        continuous_codes: how many continuous codes.
        info_weight: lambda.
        continuous_weight: weight of the continuous codes' term within L_I.
        **kwargs: the `GAN` arguments.

    Example:
    >>> images, _ = keras_gen.data.load_numpy("fashion_mnist", "test", limit=64)
    >>> gan = InfoGAN.for_images((28, 28, 1), categorical_codes=[10], continuous_codes=2, width=8, seed=0)
    >>> gan.compile()
    >>> history = gan.fit(images, batch_size=32, epochs=1, verbose=0)
    >>> codes = gan.codes_for(categorical=[3, 3], continuous=[[-1.0, 0.0], [1.0, 0.0]])  # category 3 twice
    >>> gan.generate(latent_points=np.zeros((2, gan.latent_dim)), codes=codes).shape
    (2, 28, 28, 1)
    """

    discriminator_sees_conditions = False

    def __init__(
        self,
        generator,
        discriminator,
        categorical_codes=(10,),
        continuous_codes=2,
        info_weight=1.0,
        continuous_weight=0.5,
        **kwargs,
    ):
        categorical, continuous = _check_code_spec(categorical_codes, continuous_codes)
        code_dim = sum(categorical) + continuous
        generator_inputs = generator.input_shape
        if not isinstance(generator_inputs, list) or len(generator_inputs) != 2 or generator_inputs[1][-1] != code_dim:
            raise ValueError(
                f"An InfoGAN generator takes [latent_points, codes] with {code_dim} code values "
                f"(categorical {categorical}, continuous {continuous}); its input shape is {generator_inputs}. "
                "Build it with keras_gen.networks.dcgan_generator(..., code_dim=...)."
            )
        expected_heads = 1 + bool(categorical) + bool(continuous)
        outputs = discriminator.output_shape
        if not isinstance(outputs, list) or len(outputs) != expected_heads:
            raise ValueError(
                f"An InfoGAN discriminator returns [logit{', q_categorical' if categorical else ''}"
                f"{', q_continuous' if continuous else ''}]; its output shape is {outputs}."
            )
        if info_weight < 0 or continuous_weight < 0:
            raise ValueError(f"info_weight and continuous_weight must be >= 0, got {info_weight}, {continuous_weight}.")
        super().__init__(generator, discriminator, **kwargs)
        self.categorical_codes = categorical
        self.continuous_codes = continuous
        self.code_dim = code_dim
        self.info_weight = float(info_weight)
        self.continuous_weight = float(continuous_weight)

    @classmethod
    def for_images(
        cls,
        image_shape,
        latent_dim=16,
        categorical_codes=(10,),
        continuous_codes=2,
        width=32,
        batch_norm=True,
        dropout=0.3,
        layers_per_stage=1,
        spectral_norm=False,
        q_hidden=0,
        **kwargs,
    ):
        """Builds an InfoGAN with DCGAN-recipe networks; Q shares the discriminator's body.

        Args:
            image_shape: `(height, width, channels)`.
            latent_dim: size of the noise z. The paper used 62 for MNIST; with 16
                the categorical code carries more of the image, and on
                Fashion-MNIST it matched classes better (63 % against 61 %,
                two seeds each; docs/benchmarks.md), with less variety.
            categorical_codes: category counts, e.g. `[10]`.
            continuous_codes: how many continuous codes.
            width, batch_norm, dropout, layers_per_stage, spectral_norm: as for `DCGAN.for_images`.
            q_hidden: units of a hidden layer of the Q head (the paper's FC 128);
                0 (the default): Q is linear on the discriminator's features.
            **kwargs: the `InfoGAN` and `GAN` arguments.
        """
        categorical, continuous = _check_code_spec(categorical_codes, continuous_codes)
        heads = {}
        if categorical:
            heads["q_categorical"] = sum(categorical)
        if continuous:
            heads["q_continuous"] = continuous
        generator, discriminator = networks.dcgan_networks(
            image_shape, latent_dim, width, batch_norm, dropout, layers_per_stage, spectral_norm,
            generator_options={"code_dim": sum(categorical) + continuous},
            discriminator_options={"heads": heads, "head_hidden": q_hidden},
        )
        return cls(generator, discriminator, categorical_codes=categorical, continuous_codes=continuous, **kwargs)

    # --- codes ----------------------------------------------------------------------
    def sample_codes(self, count):
        """Codes from their prior, with the model's seed generator: `(count, code_dim)`."""
        parts, seed = [], replica_seed(self.seed_generator)
        for size in self.categorical_codes:
            values = keras.random.randint((count,), 0, size, seed=seed)
            parts.append(ops.one_hot(values, size))
        if self.continuous_codes:
            parts.append(keras.random.uniform((count, self.continuous_codes), -1.0, 1.0, seed=seed))
        return ops.concatenate(parts, axis=-1) if len(parts) > 1 else parts[0]

    def codes_for(self, categorical=None, continuous=None):
        """Builds code vectors from category indices and continuous values: `(n, code_dim)`.

        Args:
            categorical: `(n, len(categorical_codes))` integer indices (or `(n,)`
                with one categorical code).
            continuous: `(n, continuous_codes)` values, usually in [-1, 1]
                (default zeros).
        """
        n = None
        parts = []
        if self.categorical_codes:
            if categorical is None:
                raise ValueError(f"Pass categorical= indices for the categorical codes {self.categorical_codes}.")
            values = np.asarray(categorical)
            values = values[:, None] if values.ndim == 1 else values
            if values.ndim != 2 or values.shape[1] != len(self.categorical_codes) or values.dtype.kind not in "iu":
                raise ValueError(
                    f"categorical= must be integer indices of shape (n, {len(self.categorical_codes)}), got "
                    f"shape {values.shape} and dtype {values.dtype}."
                )
            n = len(values)
            for column, size in enumerate(self.categorical_codes):
                if values[:, column].min() < 0 or values[:, column].max() >= size:
                    raise ValueError(f"Categorical code {column} takes values in [0, {size}), got {values[:, column]}.")
                parts.append(np.eye(size, dtype="float32")[values[:, column]])
        if self.continuous_codes:
            if continuous is None:
                if n is None:
                    raise ValueError("Pass continuous= values (n, continuous_codes).")
                continuous = np.zeros((n, self.continuous_codes), "float32")
            continuous = np.asarray(continuous, "float32")
            if continuous.ndim != 2 or continuous.shape[1] != self.continuous_codes or (n and len(continuous) != n):
                raise ValueError(
                    f"continuous= must have shape (n, {self.continuous_codes}) with the same n as categorical=, "
                    f"got {continuous.shape}."
                )
            parts.append(continuous)
        return np.concatenate(parts, axis=1).astype("float32")

    def check_codes(self, codes, count):
        """`codes` as float32 `(count, code_dim)`, or a ValueError naming the expected shape."""
        codes = np.asarray(codes, "float32")
        if codes.shape != (count, self.code_dim):
            raise ValueError(
                f"Codes must have shape ({count}, {self.code_dim}) (one-hot blocks {self.categorical_codes}, then "
                f"{self.continuous_codes} continuous values); got {codes.shape}. Build them with codes_for()."
            )
        if not np.all(np.isfinite(codes)):
            raise ValueError("The codes contain NaN or infinite values.")
        return codes

    def generate(self, num_images=None, *, latent_points=None, codes=None, labels=None, conditions=None, temperature=1.0,
                 batch_size=256):
        """Generates images from z and codes c, in `data_scale`, as a numpy array.

        Args:
            num_images: how many images; z (and c unless given) come from the
                model's seed generator.
            latent_points: the noise z, `(n, latent_dim)`.
            codes: the codes c, `(n, code_dim)` (see `codes_for`); sampled from
                their prior when omitted. Given both, the output is deterministic.
            labels: an InfoGAN takes no labels (its categories are codes).
            conditions: the same as `labels` (`model.condition` says what it holds).
            temperature: scales the drawn noise z (not the codes); see
                `SamplesFromPrior.generate`.
            batch_size: how many images to compute at once.
        """
        labels = labels_or_conditions(labels, conditions)
        self.check_labels(labels, 0)
        if (num_images is None) == (latent_points is None):
            raise ValueError("Pass either num_images or latent_points to generate(), not both.")
        temperature = check_temperature(temperature, latent_points)
        if latent_points is None:
            latent_points = self.sample_latent(check_num_images(num_images), temperature=temperature)
        latent_points = ops.convert_to_numpy(self.check_latent_points(latent_points))
        count = len(latent_points)
        codes = ops.convert_to_numpy(self.sample_codes(count)) if codes is None else self.check_codes(codes, count)
        return _batched(self._generate_batch, [latent_points, codes], batch_size).astype("float32")

    def infer_codes(self, images, batch_size=256):
        """Q's reading of the codes of images: `{"categorical": (n, k) ints, "continuous": (n, m) means}`."""
        images = self.check_images(images)
        heads = [
            [ops.convert_to_numpy(h) for h in self.discriminate(images[i : i + batch_size], None, False)[1]]
            for i in range(0, len(images), batch_size)
        ]
        heads = [np.concatenate(parts) for parts in zip(*heads)]
        result = {}
        index = 0
        if self.categorical_codes:
            logits, start, columns = heads[index], 0, []
            for size in self.categorical_codes:
                columns.append(logits[:, start : start + size].argmax(axis=1))
                start += size
            result["categorical"] = np.stack(columns, axis=1).astype("int32")
            index += 1
        if self.continuous_codes:
            result["continuous"] = heads[index].astype("float32")
        return result

    def grid_samples(self, n=64, seed=0, columns=None, temperature=1.0):
        """Rows: values of the first categorical code; columns: the first continuous code from -1 to 1.

        `temperature` scales the noise z (not the codes), as in `generate`.
        """
        temperature = check_temperature(temperature)
        rows = self.categorical_codes[0] if self.categorical_codes else 1
        columns = columns or max(2, -(-n // rows))
        z = np.repeat(fixed_latent_points(1, self.latent_dim, seed) * np.float32(temperature), rows * columns, axis=0)
        categorical = None
        if self.categorical_codes:
            categorical = np.zeros((rows * columns, len(self.categorical_codes)), "int32")
            categorical[:, 0] = np.repeat(np.arange(rows), columns)
        continuous = None
        if self.continuous_codes:
            continuous = np.zeros((rows * columns, self.continuous_codes), "float32")
            continuous[:, 0] = np.tile(np.linspace(-1.0, 1.0, columns), rows)
        return self.generate(latent_points=z, codes=self.codes_for(categorical, continuous)), columns

    # --- the step -------------------------------------------------------------------
    def fake_conditions(self, conditions, count):
        return self.sample_codes(count)

    def _information_loss(self, context):
        heads = list(context.fake_heads)
        categorical = heads.pop(0) if self.categorical_codes else None
        continuous = heads.pop(0) if self.continuous_codes else None
        return self.info_weight * losses.mutual_information_loss(
            context.fake_conditions, categorical, continuous, self.categorical_codes, self.continuous_weight
        )

    def penalty_names(self):
        return (*super().penalty_names(), "d_info_loss", "g_info_loss")

    def discriminator_regularization(self, context, training):
        # Q shares the discriminator's body, so it learns in the discriminator's update.
        return {**super().discriminator_regularization(context, training), "d_info_loss": self._information_loss(context)}

    def generator_regularization(self, context, training):
        return {"g_info_loss": self._information_loss(context)}

    def get_config(self):
        return {
            **super().get_config(),
            "categorical_codes": list(self.categorical_codes),
            "continuous_codes": self.continuous_codes,
            "info_weight": self.info_weight,
            "continuous_weight": self.continuous_weight,
        }
