"""Autoregressive image models: PixelCNN, Gated PixelCNN and PixelRNN (Row LSTM).

p(x) = prod_i p(x_i | x_<i) over the sub-pixels in raster order (and R -> G
-> B within a pixel for PixelCNN): an exact likelihood, trained as a
classification of every pixel value at once, sampled one pixel at a time.
"""


import keras
import numpy as np
from keras import ops

from keras_gen import networks
from keras_gen.models.autoregressive.exact_likelihood import ExactLikelihoodTraining
from keras_gen.models.autoregressive.pixel_distribution import (  # noqa: F401 (OUTPUTS: part of this module's API)
    OUTPUTS,
    PixelDistribution,
    parameters_per_sub_pixel,
)
from keras_gen.models.base import GenerativeModel
from keras_gen.models.capabilities import (
    Completes,
    Generates,
    HasLikelihood,
    check_num_images,
    labels_or_conditions,
)
from keras_gen.models.pixel_decoder import (
    check_on_pixel_grid,
    pixel_levels,
)
from keras_gen.training import compiled, global_batch_mean


@keras.saving.register_keras_serializable(package="keras_gen")
class PixelCNN(ExactLikelihoodTraining, PixelDistribution, Generates, HasLikelihood, Completes, GenerativeModel):
    """PixelCNN: an exact-likelihood image model of masked convolutions that trains with `fit`.

    van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural Networks"
    (2016). Each sub-pixel of an 8-bit image has a distribution over its 256
    values given the pixels before it: a softmax (`output="categorical"`, the
    paper's choice) or a discretized mixture of logistics
    (`output="logistic_mixture"`, Salimans et al., "PixelCNN++", 2017). The
    loss is the negative log-likelihood per image in nats; the metric
    `bits_per_dim` is the same per sub-pixel in bits. `compile()` without
    arguments uses Adam(1e-3).

    Images are given in `data_scale` (default (0, 1), i.e. 8-bit values / 255)
    and must lie on its grid of 256 values: resized or dequantized images are
    an error, not silently rounded. Calling the model on images (or
    `[images, labels]` when class-conditional) returns the distribution
    parameters `(batch, height, width, channels, 256 or 3 * num_mixtures)`.

    `generate(n)` samples pixel by pixel (one network call per sub-pixel, a
    compiled step); `complete(images, known_rows=14)` keeps the top rows and
    samples the rest; `log_prob(images)` is exact, in nats.

    Args:
        network: a model from images scaled to [-1, 1] (and labels, when
            `num_classes` is set) to `(batch, height, width, channels * P)`
            that respects the raster order, e.g.
            `keras_gen.networks.pixelcnn_network`.
        output: `"categorical"` or `"logistic_mixture"`.
        num_mixtures: logistic components per sub-pixel (for `"logistic_mixture"`).
        num_classes: None, or the number of classes of a class-conditional model.
        image_shape: `(height, width, channels)`; needed only when the network
            takes any number of rows (as the family's convolutional networks do).
        sampling_rows: how many rows above a pixel its distribution can depend
            on (the network's receptive field); sampling then runs the network
            on a band of `sampling_rows + 1` rows instead of the whole image.
            None runs it on the whole image at every step (always correct).
            `for_images` sets it from the architecture.
        data_scale: pixel range of the images.
        seed: seed of the model's `keras.random.SeedGenerator`.

    Example:
    >>> model = PixelCNN.for_images((28, 28, 1), filters=16, num_layers=2, seed=0)
    >>> model.compile()
    >>> images = np.random.default_rng(0).integers(0, 256, (8, 28, 28, 1)) / 255.0
    >>> history = model.fit(images.astype("float32"), batch_size=4, verbose=0)
    >>> model.log_prob(images[:2]).shape
    (2,)
    >>> model.complete(images[:2], known_rows=26).shape
    (2, 28, 28, 1)
    """

    network_names = ("network",)
    # Pixel-by-pixel sampling makes the 10,000 samples of FID a matter of an hour on a CPU:
    # `evaluate` reports the likelihood unless sample metrics are asked for.
    sample_metrics_by_default = False
    # Whether the network orders the sub-pixels of a colour pixel (R -> G -> B), so that
    # sampling draws them one at a time; otherwise they are drawn together.
    orders_channels = True
    build_network = staticmethod(networks.pixelcnn_network)

    def __init__(
        self,
        network,
        output="categorical",
        num_mixtures=5,
        num_classes=None,
        image_shape=None,
        sampling_rows=None,
        data_scale=(0.0, 1.0),
        seed=None,
        **kwargs,
    ):
        parameters = parameters_per_sub_pixel(output, num_mixtures)
        inputs = network.inputs
        if num_classes is None and len(inputs) != 1:
            raise ValueError(
                f"The network takes {len(inputs)} inputs (a class-conditional one takes [images, labels]); "
                "pass num_classes= for a conditional model, or a network of images alone."
            )
        if num_classes is not None and len(inputs) != 2:
            raise ValueError(
                f"num_classes={num_classes} needs a network of [images, labels]; this one takes "
                f"{len(inputs)} input(s). Build it with num_classes= as well."
            )
        network_shape = tuple(inputs[0].shape)[1:]
        if image_shape is None:
            if network_shape[0] is None:
                raise ValueError(
                    "The network takes images of any height; pass image_shape=(height, width, channels)."
                )
            image_shape = network_shape
        image_shape = tuple(int(side) for side in image_shape)
        if any(want is not None and want != got for want, got in zip(network_shape, image_shape)):
            raise ValueError(f"image_shape={image_shape} does not match the network's input shape {network_shape}.")
        expected = (*network_shape[:2], image_shape[-1] * parameters)
        if tuple(network.output_shape)[1:] != expected:
            raise ValueError(
                f"The network must output (batch, {expected[0]}, {expected[1]}, {expected[2]}) for "
                f"{image_shape[-1]} channel(s) x {parameters} parameters ({output}); it outputs "
                f"{tuple(network.output_shape)}."
            )
        if sampling_rows is not None:
            if int(sampling_rows) != sampling_rows or sampling_rows < 0:
                raise ValueError(f"sampling_rows must be None or an integer >= 0, got {sampling_rows}.")
            if network_shape[0] is not None:
                raise ValueError(
                    "sampling_rows needs a network that takes any number of rows (an input of height None); "
                    f"this one takes only {network_shape[0]}. Pass sampling_rows=None."
                )
        super().__init__(image_shape, data_scale=data_scale, seed=seed, **kwargs)
        self.sampling_rows = None if sampling_rows is None else int(sampling_rows)
        self.network = network
        self.output_kind = output
        self.num_mixtures = int(num_mixtures)
        self.sub_pixel_parameters = parameters
        self.num_classes = None if num_classes is None else int(num_classes)
        self.batch_kind = "images_labels" if self.num_classes is not None else "images"
        self._build_trackers()
        self.built = True

    @classmethod
    def for_images(
        cls,
        image_shape,
        filters=64,
        num_layers=7,
        kernel_size=3,
        output="categorical",
        num_mixtures=5,
        num_classes=None,
        **kwargs,
    ):
        """Builds the model with the family's network (`keras_gen.networks.pixelcnn_network`).

        Args:
            image_shape: `(height, width, channels)`; colour channels are ordered R -> G -> B.
            filters: channels of the hidden layers.
            num_layers: masked blocks after the first layer.
            kernel_size: odd kernel size of those blocks.
            output, num_mixtures, num_classes: as for the constructor.
            **kwargs: the constructor's other arguments (`data_scale`, `seed`).
        """
        network = cls.build_network(
            image_shape,
            parameters=parameters_per_sub_pixel(output, num_mixtures),
            filters=filters,
            num_layers=num_layers,
            kernel_size=kernel_size,
            num_classes=num_classes,
        )
        return cls(
            network,
            output=output,
            num_mixtures=num_mixtures,
            num_classes=num_classes,
            image_shape=image_shape,
            sampling_rows=cls.receptive_rows(num_layers, kernel_size),
            **kwargs,
        )

    @staticmethod
    def receptive_rows(num_layers, kernel_size):
        """Rows above a pixel that the family's network sees: 3 for the 7x7 layer, k // 2 per later layer."""
        return 3 + int(num_layers) * (int(kernel_size) // 2)

    # --- pixels and parameters ------------------------------------------------------
    def _network_inputs(self, images, labels):
        scaled = self._unit_range(images)
        return scaled if labels is None else [scaled, ops.convert_to_tensor(labels, "int32")]

    def _parameters(self, images, labels, training=False):
        """The distribution parameters `(batch, rows, width, channels, P)` of images (or a band of rows)."""
        outputs = self.network(self._network_inputs(images, labels), training=training)
        shape = ops.shape(outputs)
        return ops.reshape(outputs, (shape[0], shape[1], *self.image_shape[1:], self.sub_pixel_parameters))

    def call(self, inputs, training=None):
        images, labels = inputs if self.label_conditional else (inputs, None)
        return self._parameters(images, labels, training=training)

    # --- training -------------------------------------------------------------------
    def _negative_log_likelihood(self, data, training):
        batch = self.unpack_batch(data)
        images, labels = batch["images"], batch.get("labels")
        levels = pixel_levels(images, self.data_scale)
        nll = -self._log_likelihood(levels, self._parameters(images, labels, training=training))
        return global_batch_mean(nll), nll

    # --- likelihood -----------------------------------------------------------------
    def _check_image_array(self, data, role, expected_shape=None):
        super()._check_image_array(data, role, expected_shape)
        check_on_pixel_grid(data, self.data_scale, role, type(self).__name__)

    def log_prob(self, images, labels=None, batch_size=256):
        """log p(x) per image in nats, exact (log p(x | y) with `labels` for a conditional model)."""
        return super().log_prob(images, labels, batch_size)

    def _log_prob_batch(self, images, labels=None):
        levels = pixel_levels(images, self.data_scale, "images")
        return self._log_likelihood(levels, self._parameters(images, labels))

    # --- sampling -------------------------------------------------------------------
    def _row_masks(self, position, band):
        """The sampling steps of one row at `position` in a band of `band` rows: a 0/1 mask per step."""
        width, channels = self.image_shape[1:]
        groups = [[c] for c in range(channels)] if self.orders_channels else [list(range(channels))]
        masks = []
        for col in range(width):
            for group in groups:
                mask = np.zeros((band, width, channels), "float32")
                mask[position, col, group] = 1.0
                masks.append(ops.convert_to_tensor(mask))
        return masks

    def _sample_from(self, images, labels, start_row, temperature, seed, batch_size, verbose):
        """Samples every sub-pixel from row `start_row` on, in order; the rows above stay as given."""
        if not float(temperature) > 0:
            raise ValueError(f"temperature must be positive, got {temperature}.")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        generator = self.seed_generator if seed is None else keras.random.SeedGenerator(seed)
        temperature = float(temperature)

        def draw(parameters):
            return self._from_levels(self._sample_levels(parameters, temperature, generator))

        sample_batch = self._batch_sampler(draw)
        height = self.image_shape[0]
        progress = keras.utils.Progbar(len(images) * (height - start_row), unit_name="row") if verbose else None
        results = []
        for start in range(0, len(images), batch_size):
            batch = np.array(images[start : start + batch_size], "float32")
            batch_labels = None
            if labels is not None:
                batch_labels = ops.convert_to_tensor(labels[start : start + batch_size], "int32")
            results.append(sample_batch(batch, batch_labels, start_row, progress))
        return np.concatenate(results, axis=0)

    def _batch_sampler(self, draw):
        """A function that samples one batch in place from a start row, given `draw(parameters)` -> values.

        Each step runs the network on the band of rows that the current row's
        distribution depends on (`sampling_rows + 1` rows, or the whole image)
        and writes the drawn values where the step's mask is 1; every other
        value passes through unchanged.
        """
        height = self.image_shape[0]
        band = height if self.sampling_rows is None else min(height, self.sampling_rows + 1)
        masks = {}

        @compiled
        def step(window, labels, mask):
            return window * (1.0 - mask) + draw(self._parameters(window, labels)) * mask

        def sample_batch(batch, labels, start_row, progress):
            for row in range(start_row, height):
                top = max(0, row - band + 1)
                position = row - top
                if position not in masks:
                    masks[position] = self._row_masks(position, band)
                window = ops.convert_to_tensor(batch[:, top : top + band])
                for mask in masks[position]:
                    window = step(window, labels, mask)
                batch[:, top : top + band] = ops.convert_to_numpy(window)
                if progress is not None:
                    progress.add(len(batch))
            return batch

        return sample_batch

    def generate(self, num_images=None, *, labels=None, conditions=None, temperature=1.0, seed=None, batch_size=64, verbose=0):
        """Samples new images pixel by pixel, in `data_scale`, as a numpy array.

        Args:
            num_images: how many images to draw.
            labels: for a class-conditional model, one integer class per image
                (None: the classes in turn); others take none.
            conditions: the same as `labels` (`model.condition` says what it holds).
            temperature: divides the logits (scales the logistics' spread):
                below 1 gives more likely, less varied images.
            seed: None draws from the model's seed generator (a seeded model
                repeats its samples); an integer gives the same images every call.
            batch_size: images sampled at once.
            verbose: 1 shows a progress bar.

        Returns:
            A float32 array `(num_images, height, width, channels)` on the 8-bit grid.
        """
        labels = labels_or_conditions(labels, conditions)
        num_images = check_num_images(num_images)
        labels = self.check_labels(labels, num_images)
        start = np.full((num_images, *self.image_shape), self.data_scale[0], "float32")
        return self._sample_from(start, labels, 0, temperature, seed, int(batch_size), verbose)

    def sample(self, num_images=None, **options):
        """Same as `generate`."""
        return self.generate(num_images, **options)

    def grid_samples(self, n=64, seed=0, columns=None, temperature=1.0):
        """`(images, columns)`: about `n` samples from `seed`; a row per class for a conditional model.

        `temperature` is `generate`'s.
        """
        labels = None
        if self.label_conditional:
            columns = columns or max(1, -(-n // self.num_classes))
            labels = np.repeat(np.arange(self.num_classes, dtype="int32"), columns)
            n = len(labels)
        return self.generate(n, labels=labels, seed=seed, temperature=temperature), columns

    def complete(
        self, images, known_rows=None, num_samples=1, labels=None, temperature=1.0, seed=None, batch_size=64, verbose=0
    ):
        """Keeps the top `known_rows` rows of each image and samples the rest.

        Args:
            images: `(n, height, width, channels)` in `data_scale`, on the 8-bit grid.
            known_rows: rows kept as given (default: the top half).
            num_samples: completions per image.
            labels: one class per image for a class-conditional model (required there).
            temperature, seed, batch_size, verbose: as for `generate`.

        Returns:
            `(n, height, width, channels)` for one completion per image,
            `(n, num_samples, height, width, channels)` for several. The known
            rows are the input's, bit for bit.
        """
        images = self.check_images(images)
        height = self.image_shape[0]
        known_rows = self.default_known_rows() if known_rows is None else known_rows
        if int(known_rows) != known_rows or not 0 <= known_rows <= height:
            raise ValueError(f"known_rows must be an integer in [0, {height}], got {known_rows}.")
        if int(num_samples) < 1:
            raise ValueError(f"num_samples must be at least 1, got {num_samples}.")
        known_rows, num_samples = int(known_rows), int(num_samples)
        labels = self.check_labels(labels, len(images), required=True)
        tiled = self.occluded(np.repeat(images, num_samples, axis=0), known_rows)
        tiled_labels = None if labels is None else np.repeat(labels, num_samples)
        completed = self._sample_from(tiled, tiled_labels, known_rows, temperature, seed, int(batch_size), verbose)
        if num_samples == 1:
            return completed
        return completed.reshape(len(images), num_samples, *self.image_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "output": self.output_kind,
            "num_mixtures": self.num_mixtures,
            "num_classes": self.num_classes,
            "image_shape": self.image_shape,
            "sampling_rows": self.sampling_rows,
        }


@keras.saving.register_keras_serializable(package="keras_gen")
class GatedPixelCNN(PixelCNN):
    """Gated PixelCNN: vertical and horizontal stacks, gated units, no blind spot, class conditioning.

    van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves & Kavukcuoglu,
    "Conditional Image Generation with PixelCNN Decoders" (2016). Everything
    else (outputs, likelihood, sampling, completion) is as for `PixelCNN`. The
    sub-pixels of a colour pixel are modelled independently given the earlier
    pixels, and sampled together.

    Example:
    >>> model = GatedPixelCNN.for_images((28, 28, 1), num_classes=10, filters=16, num_layers=3, seed=0)
    >>> model.compile()
    >>> model.generate(2, labels=[3, 7]).shape
    (2, 28, 28, 1)
    """

    orders_channels = False
    build_network = staticmethod(networks.gated_pixelcnn_network)

    @staticmethod
    def receptive_rows(num_layers, kernel_size):
        """Rows above a pixel the gated stacks see: k // 2 per vertical layer, plus the shift of one row."""
        return 1 + int(num_layers) * (int(kernel_size) // 2)
