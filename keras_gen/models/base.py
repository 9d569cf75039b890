"""What every keras_gen model shares: seeded latent sampling, `generate`, input checks."""

import keras
import numpy as np
from keras import ops


def _describe_data(data):
    """Returns `(shape, dtype)` of the images in a numpy array or tf.data element spec."""
    if isinstance(data, np.ndarray):
        return data.shape, data.dtype
    spec = getattr(data, "element_spec", None)
    if spec is None:
        return None, None
    if isinstance(spec, (tuple, list)):
        spec = spec[0]
    if isinstance(spec, dict):
        return None, None
    return tuple(spec.shape), spec.dtype


def serialize_networks(owner, names):
    """`{name: serialized network}` for the sub-networks `names` of `owner`."""
    return {name: keras.saving.serialize_keras_object(getattr(owner, name)) for name in names}


def deserialize_networks(config, names):
    """A copy of `config` with the sub-networks `names` deserialized."""
    config = dict(config)
    for name in names:
        config[name] = keras.saving.deserialize_keras_object(config[name])
    return config


class GenerativeModel(keras.Model):
    """Base class of keras_gen's models: the same names mean the same thing everywhere.

    - `latent_dim`: size of the latent vector the generator/decoder consumes.
    - `image_shape`: `(height, width, channels)` of the images the model makes.
    - `data_scale`: the `(low, high)` pixel range of the images it is trained on.
    - `sample_latent(n)`: `n` latent points from the prior, drawn from the
      model's `seed_generator`, so runs with the same seed are identical.
    - `generate(n)` / `sample(n)`: `n` new images as a numpy array, in `data_scale`.

    Subclasses implement `_generate_batch(latent_points)` and the train steps, and
    name their sub-networks (constructor arguments) in `network_names` so that
    `get_config` / `from_config` serialize them.
    """

    network_names: tuple[str, ...] = ()

    def __init__(self, latent_dim, image_shape, data_scale=(-1.0, 1.0), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.image_shape = tuple(int(side) for side in image_shape)
        self.data_scale = tuple(float(v) for v in data_scale)
        if len(self.data_scale) != 2 or self.data_scale[0] >= self.data_scale[1]:
            raise ValueError(
                f"data_scale must be (low, high) with low < high, got {data_scale}; "
                "use (-1, 1) for tanh outputs or (0, 1) for sigmoid/Bernoulli outputs."
            )
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    # --- sampling -------------------------------------------------------------------
    def sample_latent(self, num_points):
        """Draws `num_points` latent points from N(0, I) with the model's seed generator."""
        return keras.random.normal((num_points, self.latent_dim), seed=self.seed_generator)

    def generate(self, num_images=None, *, latent_points=None, batch_size=256):
        """Generates images from the prior, in `data_scale`, as a numpy array.

        Args:
            num_images: how many images to draw (latent points come from the
                model's seed generator).
            latent_points: alternatively, the latent points to decode, shape
                `(n, latent_dim)`; the same points give the same images.
            batch_size: how many images to compute at once.

        Returns:
            A float32 array of shape `(n, height, width, channels)`.
        """
        if (num_images is None) == (latent_points is None):
            raise ValueError("Pass either num_images or latent_points to generate(), not both.")
        if latent_points is None:
            if int(num_images) < 1:
                raise ValueError(f"num_images must be at least 1, got {num_images}.")
            latent_points = self.sample_latent(int(num_images))
        latent_points = self.check_latent_points(latent_points)
        batches = [
            ops.convert_to_numpy(self._generate_batch(latent_points[start : start + batch_size]))
            for start in range(0, latent_points.shape[0], batch_size)
        ]
        return np.concatenate(batches, axis=0).astype("float32")

    def sample(self, num_images=None, *, latent_points=None, batch_size=256):
        """Same as `generate`: draws new images from the model."""
        return self.generate(num_images, latent_points=latent_points, batch_size=batch_size)

    def _generate_batch(self, latent_points):
        raise NotImplementedError

    # --- input checks ---------------------------------------------------------------
    def check_latent_points(self, latent_points):
        """Returns `latent_points` as float32 after checking their shape."""
        latent_points = ops.convert_to_tensor(latent_points, dtype="float32")
        shape = tuple(latent_points.shape)
        if len(shape) != 2 or shape[1] != self.latent_dim:
            raise ValueError(
                f"Latent points must have shape (n, {self.latent_dim}) for this model "
                f"(latent_dim={self.latent_dim}), got {shape}."
            )
        return latent_points

    def check_image_batch(self, images):
        """Checks a batch's static shape and dtype; raises a clear error otherwise.

        Runs when a train/test step is traced, so a wrong data set fails before
        any weights change.
        """
        shape = tuple(images.shape)
        dtype = keras.backend.standardize_dtype(images.dtype)
        if len(shape) != 4:
            hint = " Add a channel axis, e.g. x[..., None]." if len(shape) == 3 else ""
            raise ValueError(
                f"{type(self).__name__} expects image batches of shape (batch, "
                f"{', '.join(map(str, self.image_shape))}), got rank-{len(shape)} "
                f"input of shape {shape}.{hint}"
            )
        if "int" in dtype or dtype == "bool":
            raise ValueError(
                f"Images have integer dtype {dtype}; {type(self).__name__} needs float "
                f"images scaled to {self.data_scale}. Scale them first, e.g. "
                "keras_gen.data.scale_images(x, to_range="
                f"{self.data_scale}) or load with keras_gen.data.load(..., scale="
                f"{self.data_scale})."
            )
        if shape[-1] is not None and shape[-1] != self.image_shape[-1]:
            raise ValueError(
                f"Channel mismatch: {type(self).__name__} was built for "
                f"{self.image_shape[-1]} channel(s) (image_shape={self.image_shape}), "
                f"got images with {shape[-1]}."
            )
        if any(got is not None and got != want for got, want in zip(shape[1:3], self.image_shape[:2])):
            raise ValueError(
                f"Image size mismatch: {type(self).__name__} was built for "
                f"{self.image_shape[0]}x{self.image_shape[1]} images, got "
                f"{shape[1]}x{shape[2]}. Resize the data or build the model for this size."
            )

    def _check_fit_data(self, data, role):
        """Eager checks of `fit` data that cannot happen inside a traced step."""
        if data is None:
            return
        shape, _ = _describe_data(data)
        if isinstance(data, np.ndarray):
            if data.shape[0] == 0:
                raise ValueError(f"The {role} data is empty (0 images).")
            self.check_image_batch(data)
            bad = int(np.size(data) - np.count_nonzero(np.isfinite(data)))
            if bad:
                raise ValueError(
                    f"The {role} images contain {bad} NaN or infinite values; clean "
                    "or drop those images before training."
                )
            low, high = float(data.min()), float(data.max())
            tolerance = 1e-3 * (self.data_scale[1] - self.data_scale[0])
            if low < self.data_scale[0] - tolerance or high > self.data_scale[1] + tolerance:
                raise ValueError(
                    f"The {role} images lie in [{low:.3g}, {high:.3g}], but this model "
                    f"works in data_scale={self.data_scale}. Rescale them, e.g. with "
                    f"keras_gen.data.scale_images(x, from_range=(0, 255), "
                    f"to_range={self.data_scale})."
                )
            return
        cardinality = getattr(data, "cardinality", None)
        if cardinality is not None and int(cardinality()) == 0:
            raise ValueError(
                f"The {role} data set is empty: it yields no batches. Check the "
                "source, `limit` or `take` arguments, and that batch_size is not "
                "larger than the data set when drop_remainder=True."
            )
        if shape is not None:
            self.check_image_batch(keras.KerasTensor(shape, dtype=_describe_data(data)[1]))

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        self._check_fit_data(x, "training")
        if isinstance(validation_data, (tuple, list)):
            self._check_fit_data(validation_data[0], "validation")
        else:
            self._check_fit_data(validation_data, "validation")
        return super().fit(x, y, *args, validation_data=validation_data, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        self._check_fit_data(x, "evaluation")
        return super().evaluate(x, y, *args, **kwargs)

    # --- saving ---------------------------------------------------------------------
    def _random_states(self):
        """Seed-generator states of the model and its layers (not part of `weights`)."""
        weight_ids = {id(w) for w in self.weights}
        return [v for v in self.variables if id(v) not in weight_ids]

    def save_own_variables(self, store):
        # Keras saves weights only; saving the random states too makes a resumed
        # run continue the same random stream instead of replaying it.
        super().save_own_variables(store)
        for index, state in enumerate(self._random_states()):
            store[f"random_state_{index}"] = state

    def load_own_variables(self, store):
        keys = set(store.keys())
        for index, variable in enumerate(self._trainable_variables + self._non_trainable_variables):
            variable.assign(store[f"{index}"])
        for index, state in enumerate(self._random_states()):
            if f"random_state_{index}" in keys:
                state.assign(store[f"random_state_{index}"])

    def get_config(self):
        # latent_dim and image_shape follow from the networks, so they are not stored.
        return {
            **serialize_networks(self, self.network_names),
            "data_scale": self.data_scale,
            "seed": self.seed,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_networks(config, cls.network_names))
