"""VideoPixelCNN: a small Video Pixel Network, an exact likelihood of clips, frame by frame and pixel by pixel.

Kalchbrenner, van den Oord, Simonyan, Danihelka, Vinyals, Graves &
Kavukcuoglu, "Video Pixel Networks" (2016): p(x) = prod_t prod_i
p(x_t,i | x_<t, x_t,<i). A context network (dilated convolutions per frame,
a ConvLSTM over time) reads the frames before t; a Gated PixelCNN draws
frame t given that context (`keras_gen.networks.video_pixelcnn_networks`).
"""

import math

import keras
import numpy as np
from keras import ops

from keras_gen.models.autoregressive.exact_likelihood import ExactLikelihoodTraining
from keras_gen.models.autoregressive.pixel_distribution import (
    PixelDistribution,
    parameters_per_sub_pixel,
)
from keras_gen.models.base import GenerativeModel
from keras_gen.models.capabilities import Generates, HasLikelihood, check_num_images
from keras_gen.models.pixel_decoder import check_on_pixel_grid, pixel_levels
from keras_gen.networks.video_autoregressive import check_clip_shape, video_pixelcnn_networks
from keras_gen.training import compiled, global_batch_mean


def fold_frames(x):
    """`(batch, T, ...)` -> `(batch * T, ...)`: every frame an example of its own."""
    return ops.reshape(x, (-1, *tuple(x.shape)[2:]))


def frame_log_likelihoods(log_likelihood, levels, parameters):
    """log p(x_t | x_<t) per clip and frame, `(batch, T)`, from a per-image `log_likelihood(levels, parameters)`.

    The likelihood of a clip is the sum of its frames' (Kalchbrenner et al.,
    2016, eq. 1); each frame's is summed over its sub-pixels.
    """
    frames = levels.shape[1]
    per_frame = log_likelihood(fold_frames(levels), fold_frames(parameters))
    return ops.reshape(per_frame, (-1, frames))


@keras.saving.register_keras_serializable(package="keras_gen")
class VideoPixelCNN(ExactLikelihoodTraining, PixelDistribution, Generates, HasLikelihood, GenerativeModel):
    """VideoPixelCNN: an exact-likelihood model of 8-bit clips that trains with `fit`.

    Kalchbrenner et al., "Video Pixel Networks" (2016), made small: the
    context of frame t (dilated convolutions per frame and a ConvLSTM over
    the frames before t; zeros for frame 1) enters every gated layer of a
    Gated PixelCNN of frame t as per-pixel bias maps (van den Oord et al.,
    2016). Each sub-pixel's distribution is a discretized mixture of
    logistics (`output="logistic_mixture"`, Salimans et al., 2017) or a
    softmax over its 256 values (`"categorical"`). The loss is -log p(clip)
    in nats; the metric `bits_per_dim` the same per sub-pixel in bits.
    `compile()` without arguments uses Adam(1e-3), as PixelCNN.

    Clips `(n, frames, height, width, channels)` are given in `data_scale`
    (default (0, 1)) and must lie on its grid of 256 values. Calling the model
    on clips returns the parameters `(n, T, H, W, C, 256 or 3 * num_mixtures)`.

    Args:
        context_network: clips in [-1, 1] `(n, T, H, W, C)` -> context maps
            `(n, T, H, W, F)`, frame t's from frames < t only.
        frame_network: `[frames in [-1, 1] (n, rows, W, C), context (n, rows, W, F)]`
            -> `(n, rows, W, C * P)`, respecting the raster order.
        output: `"logistic_mixture"` or `"categorical"`.
        num_mixtures: logistic components per sub-pixel.
        sampling_rows: rows above a pixel that the frame network sees; sampling
            then runs it on a band of `sampling_rows + 1` rows. None: the whole frame.
        data_scale: pixel range of the clips.
        seed: seed of the model's `keras.random.SeedGenerator`.

    Example:
    >>> model = VideoPixelCNN.for_videos((3, 8, 8, 1), filters=8, num_layers=2, context_layers=1, seed=0)
    >>> model.compile()
    >>> clips = np.random.default_rng(0).integers(0, 256, (4, 3, 8, 8, 1)) / 255.0
    >>> history = model.fit(clips.astype("float32"), batch_size=2, verbose=0)
    >>> model.log_prob(clips[:2], per_frame=True).shape
    (2, 3)
    >>> model.complete(clips[:1], known_frames=2).shape
    (1, 3, 8, 8, 1)
    """

    network_names = ("context_network", "frame_network")
    data_kind = "videos"
    # Pixel-by-pixel sampling of whole clips is slow: `evaluate` reports the likelihood by default.
    sample_metrics_by_default = False

    def __init__(
        self,
        context_network,
        frame_network,
        output="logistic_mixture",
        num_mixtures=5,
        sampling_rows=None,
        data_scale=(0.0, 1.0),
        seed=None,
        **kwargs,
    ):
        parameters = parameters_per_sub_pixel(output, num_mixtures)
        clip_shape = check_clip_shape(tuple(context_network.input_shape)[1:])
        context_shape = tuple(context_network.output_shape)[1:]
        if context_shape[:-1] != clip_shape[:-1]:
            raise ValueError(
                f"The context network must give one map per frame, (batch, {', '.join(map(str, clip_shape[:-1]))}, "
                f"features), for clips {clip_shape}; it gives {tuple(context_network.output_shape)}."
            )
        frame_inputs = [tuple(shape)[1:] for shape in frame_network.input_shape]
        frame_shape = clip_shape[1:]
        expected_inputs = [(None, *frame_shape[1:]), (None, frame_shape[1], context_shape[-1])]
        if frame_inputs != expected_inputs:
            raise ValueError(
                f"The frame network must take [frames (batch, rows, {frame_shape[1]}, {frame_shape[2]}), context "
                f"(batch, rows, {frame_shape[1]}, {context_shape[-1]})] with any number of rows; it takes "
                f"{frame_network.input_shape}. Build both with keras_gen.networks.video_pixelcnn_networks."
            )
        expected = (None, frame_shape[1], frame_shape[2] * parameters)
        if tuple(frame_network.output_shape)[1:] != expected:
            raise ValueError(
                f"The frame network must output (batch, rows, {expected[1]}, {expected[2]}) for {frame_shape[2]} "
                f"channel(s) x {parameters} parameters ({output}); it outputs {tuple(frame_network.output_shape)}."
            )
        if sampling_rows is not None and (int(sampling_rows) != sampling_rows or sampling_rows < 0):
            raise ValueError(f"sampling_rows must be None or an integer >= 0, got {sampling_rows}.")
        super().__init__(clip_shape, data_scale=data_scale, seed=seed, **kwargs)
        self.context_network = context_network
        self.frame_network = frame_network
        self.output_kind = output
        self.num_mixtures = int(num_mixtures)
        self.sub_pixel_parameters = parameters
        self.sampling_rows = None if sampling_rows is None else int(sampling_rows)
        self._build_trackers()
        self.built = True

    @classmethod
    def for_videos(
        cls,
        clip_shape=(8, 32, 32, 1),
        filters=32,
        num_layers=5,
        context_layers=3,
        kernel_size=3,
        output="logistic_mixture",
        num_mixtures=5,
        **kwargs,
    ):
        """Builds the model with the family's networks (`keras_gen.networks.video_pixelcnn_networks`).

        Args:
            clip_shape: `(frames, height, width, channels)`; default `(8, 32, 32, 1)`, moving_fashion_mnist's clips.
            filters: channels of the gated stacks and of the context.
            num_layers: gated blocks of the frame network.
            context_layers: dilated convolutions per frame before the ConvLSTM.
            kernel_size: odd width of the vertical stack's kernel.
            output, num_mixtures: as for the constructor.
            **kwargs: the constructor's other arguments (`data_scale`, `seed`).
        """
        context_network, frame_network = video_pixelcnn_networks(
            clip_shape,
            parameters=parameters_per_sub_pixel(output, num_mixtures),
            filters=filters,
            num_layers=num_layers,
            context_layers=context_layers,
            kernel_size=kernel_size,
        )
        return cls(
            context_network,
            frame_network,
            output=output,
            num_mixtures=num_mixtures,
            sampling_rows=1 + int(num_layers) * (int(kernel_size) // 2),  # the Gated PixelCNN's rows
            **kwargs,
        )

    # --- parameters -----------------------------------------------------------------
    def _frame_parameters(self, frames, context, training=False):
        """Parameters `(n, rows, W, C, P)` of frames (or bands of rows) given their context maps."""
        context = ops.convert_to_tensor(context, self.compute_dtype)
        outputs = self.frame_network([self._unit_range(frames), context], training=training)
        shape = ops.shape(outputs)
        return ops.reshape(outputs, (shape[0], shape[1], *self.data_shape[2:], self.sub_pixel_parameters))

    def _parameters(self, clips, training=False):
        """Parameters `(n, T, H, W, C, P)` of every sub-pixel of `clips` given the pixels before it."""
        context = self.context_network(self._unit_range(clips), training=training)
        parameters = self._frame_parameters(fold_frames(clips), fold_frames(context), training=training)
        return ops.reshape(parameters, (-1, *self.data_shape, self.sub_pixel_parameters))

    def call(self, inputs, training=None):
        return self._parameters(inputs, training=training)

    def _frame_log_prob(self, clips, training=False, what="training clips"):
        levels = pixel_levels(clips, self.data_scale, what)
        return frame_log_likelihoods(self._log_likelihood, levels, self._parameters(clips, training=training))

    # --- training -------------------------------------------------------------------
    def _negative_log_likelihood(self, data, training):
        clips = self.unpack_batch(data)["images"]
        nll = -ops.sum(self._frame_log_prob(clips, training=training), axis=1)
        return global_batch_mean(nll), nll

    # --- checks ---------------------------------------------------------------------
    def _check_image_array(self, data, role, expected_shape=None):
        super()._check_image_array(data, role, expected_shape)
        check_on_pixel_grid(data, self.data_scale, role, type(self).__name__)

    def check_clips(self, clips, role="input"):
        """Clips from users as float32 after `fit`'s checks (shape, NaN, range, the 8-bit grid)."""
        return self.check_images(clips, role)

    # --- likelihood -----------------------------------------------------------------
    def log_prob(self, clips, labels=None, batch_size=64, per_frame=False):
        """log p(clip) in nats, exact: `(n,)`, or log p(x_t | x_<t) per frame `(n, T)` with `per_frame`.

        The frames' values sum to the clip's. `labels` is `HasLikelihood`'s
        argument of class-conditional families; this model takes none.
        """
        if labels is not None:
            raise ValueError("VideoPixelCNN is not class-conditional: call log_prob(clips) without labels.")
        clips = self.check_clips(clips)
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        parts = [
            ops.convert_to_numpy(self._frame_log_prob(ops.convert_to_tensor(clips[start : start + batch_size]),
                                                      what="clips"))
            for start in range(0, len(clips), int(batch_size))
        ]
        per_frame_values = np.concatenate(parts, axis=0).astype("float64")
        return per_frame_values if per_frame else per_frame_values.sum(axis=1)

    def bits_per_dim(self, clips, labels=None, batch_size=64, per_frame=False):
        """-log2 p(clip) per sub-pixel: `(n,)`, or per frame `(n, T)` (each frame's bits per its sub-pixels)."""
        log_prob = self.log_prob(clips, labels, batch_size=batch_size, per_frame=per_frame)
        dims = math.prod(self.data_shape[1:]) if per_frame else self.num_dims
        return -log_prob / (math.log(2.0) * dims)

    # --- sampling -------------------------------------------------------------------
    def _column_masks(self, position, band):
        """One 0/1 mask `(band, W, C)` per column of the row at `position`: the channels are drawn together."""
        width, channels = self.data_shape[2:]
        masks = []
        for col in range(width):
            mask = np.zeros((band, width, channels), "float32")
            mask[position, col] = 1.0
            masks.append(ops.convert_to_tensor(mask))
        return masks

    def _clip_sampler(self, temperature, generator):
        """A function that samples the frames of a batch of clips from `start_frame` on, in place."""
        frames, height = self.data_shape[:2]
        band = height if self.sampling_rows is None else min(height, self.sampling_rows + 1)
        masks = {}

        @compiled
        def context_of(clips):
            return self.context_network(self._unit_range(clips))

        @compiled
        def step(window, context, mask):
            levels = self._sample_levels(self._frame_parameters(window, context), temperature, generator)
            return window * (1.0 - mask) + self._from_levels(levels) * mask

        def sample_clips(clips, start_frame, progress):
            for t in range(start_frame, frames):
                context = ops.convert_to_numpy(context_of(ops.convert_to_tensor(clips)))[:, t]
                frame = clips[:, t]
                for row in range(height):
                    top = max(0, row - band + 1)
                    position = row - top
                    if position not in masks:
                        masks[position] = self._column_masks(position, band)
                    window = ops.convert_to_tensor(frame[:, top : top + band])
                    context_window = ops.convert_to_tensor(context[:, top : top + band])
                    for mask in masks[position]:
                        window = step(window, context_window, mask)
                    frame[:, top : top + band] = ops.convert_to_numpy(window)
                clips[:, t] = frame
                if progress is not None:
                    progress.add(len(clips))
            return clips

        return sample_clips

    def _sample_from(self, clips, start_frame, temperature, seed, batch_size, verbose):
        """Samples every frame from `start_frame` on, pixel by pixel; earlier frames stay as given."""
        if not float(temperature) > 0:
            raise ValueError(f"temperature must be positive, got {temperature}.")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        generator = self.seed_generator if seed is None else keras.random.SeedGenerator(seed)
        sample_clips = self._clip_sampler(float(temperature), generator)
        frames = self.data_shape[0]
        progress = keras.utils.Progbar(len(clips) * (frames - start_frame), unit_name="frame") if verbose else None
        results = []
        for start in range(0, len(clips), int(batch_size)):
            batch = np.array(clips[start : start + int(batch_size)], "float32")
            results.append(sample_clips(batch, start_frame, progress))
        return np.concatenate(results, axis=0)

    def generate(self, num_images=None, *, labels=None, conditions=None, temperature=1.0, seed=None, batch_size=64,
                 verbose=0):
        """Samples new clips frame by frame and pixel by pixel, in `data_scale`, as a numpy array.

        Frame 1 is drawn with an empty context (zeros); each later frame given
        the frames drawn before it.

        Args:
            num_images: how many clips to draw.
            labels, conditions: must be None (the model is not conditional).
            temperature: divides the logits (scales the logistics' spread).
            seed: None draws from the model's seed generator; an integer gives
                the same clips every call.
            batch_size: clips sampled at once.
            verbose: 1 shows a progress bar (one step per frame).

        Returns:
            A float32 array `(num_images, T, H, W, C)` on the 8-bit grid.
        """
        self.check_labels(labels if conditions is None else conditions, 0)
        num_images = check_num_images(num_images)
        start = np.full((num_images, *self.data_shape), self.data_scale[0], "float32")
        return self._sample_from(start, 0, temperature, seed, batch_size, verbose)

    def sample(self, num_images=None, **options):
        """Same as `generate`."""
        return self.generate(num_images, **options)

    def grid_samples(self, n=16, seed=0, columns=None, temperature=1.0):
        """`(clips, columns)`: `n` clips drawn from `seed` (for snapshot grids), `temperature` as `generate`'s."""
        return self.generate(n, seed=seed, temperature=temperature), columns

    def complete(self, clips, known_frames=1, num_samples=1, temperature=1.0, seed=None, batch_size=64, verbose=0):
        """Keeps the first `known_frames` frames of each clip and samples the rest (continuations).

        Args:
            clips: `(n, T, H, W, C)` in `data_scale`, on the 8-bit grid.
            known_frames: frames kept as given, in [0, T] (0: new clips; T: the clips as they are).
            num_samples: continuations per clip.
            temperature, seed, batch_size, verbose: as for `generate`.

        Returns:
            `(n, T, H, W, C)` for one continuation per clip, `(n, num_samples, T, H, W, C)`
            for several (as image `complete`). The known frames are the input's, bit for bit.
        """
        clips = self.check_clips(clips)
        frames = self.data_shape[0]
        if isinstance(known_frames, bool) or int(known_frames) != known_frames or not 0 <= known_frames <= frames:
            raise ValueError(f"known_frames must be an integer in [0, {frames}] (the clips' frames), got "
                             f"{known_frames}.")
        if int(num_samples) != num_samples or num_samples < 1:
            raise ValueError(f"num_samples must be an integer >= 1, got {num_samples}.")
        known_frames, num_samples = int(known_frames), int(num_samples)
        tiled = np.repeat(clips, num_samples, axis=0)
        tiled[:, known_frames:] = self.data_scale[0]
        completed = self._sample_from(tiled, known_frames, temperature, seed, batch_size, verbose)
        completed[:, :known_frames] = tiled[:, :known_frames]  # the given values themselves, not a round trip
        if num_samples == 1:
            return completed
        return completed.reshape(len(clips), num_samples, *self.data_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "output": self.output_kind,
            "num_mixtures": self.num_mixtures,
            "sampling_rows": self.sampling_rows,
        }
