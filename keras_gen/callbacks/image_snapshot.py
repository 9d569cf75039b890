"""`ImageSnapshot`: grids of samples, reconstructions or translations during training.

Which grids a model gets depends on its capabilities
(`keras_gen.models.capabilities`), never on its class. The grids are tiled and
written by `keras_gen.visualization` (`image_grid`, `row_grid`, `save_grid`,
re-exported here). Models of clips get animated GIF grids and models of voxel
grids slice montages and 3-D plots (`keras_gen.callbacks.video_voxel_grids`).
"""

import importlib.util
import os

import keras
import numpy as np

from keras_gen.callbacks.video_voxel_grids import save_video_grid, save_voxel_plot, voxel_montage
from keras_gen.models.capabilities import (
    Completes,
    Encodes,
    Generates,
    PredictsFrames,
    Translates,
    fixed_latent_points,
)
from keras_gen.run_files import SAMPLES_CAPTIONS_FILE, save_atomically
from keras_gen.visualization import image_grid, row_grid, save_grid

# How many clips or voxel grids a snapshot shows at most: a clip costs T images,
# a voxel grid a row of D slices.
VOLUME_SAMPLES = 16
VIDEO_FORMATS = (".gif", ".mp4")
# Samples per caption in a caption family's grid.
CAPTION_SAMPLES = 8


def sample_grid(model, n=64, seed=0, columns=None, temperature=1.0):
    """A uint8 grid of `n` samples of `model` from `fixed_latent_points(seed)`.

    What the grid shows is the model's `grid_samples`: class-conditional
    models get one row per class (`n` rounded up to fill whole rows), InfoGAN
    a row per categorical code and a swept continuous code. `temperature` is
    `generate`'s (below 1: more typical, less varied samples).
    """
    if not isinstance(model, Generates):
        raise TypeError(
            f"{type(model).__name__} has no prior to sample from (it does not generate "
            "new images); show its reconstructions or translations instead."
        )
    images, columns = model.grid_samples(n, seed, columns, temperature=temperature)
    return image_grid(images, model.data_scale, columns)


def save_samples(model, path, n=64, seed=0, columns=None, temperature=1.0):
    """Writes a PNG grid of `n` samples of `model` from `fixed_latent_points(seed)`.

    Models of clips write an animated grid (`path` ending in `.gif`, or `.mp4`
    with imageio-ffmpeg installed); models of voxel grids a slice montage at
    `path` and a 3-D plot of the first 4 beside it (`samples.png` and
    `samples_3d.png`): see `save_volumes`.

    Example:
    >>> save_samples(gan, "samples.png", n=64)
    'samples.png'
    >>> save_samples(cvae, "typical.png", n=64, temperature=0.6)
    'typical.png'
    >>> save_samples(video_gan, "clips.gif", n=16)
    'clips.gif'
    """
    if model.data_kind != "images":
        if not isinstance(model, Generates):
            sample_grid(model)  # the error that says what to show instead
        volumes, columns = model.grid_samples(n, seed, columns, temperature=temperature)
        return save_volumes(model, volumes, path, columns)[0]
    return save_grid(sample_grid(model, n, seed, columns, temperature=temperature), path)


def save_predictions(model, clips, path, seed=0, num_samples=3):
    """Writes an animated grid of real clips, each beside `num_samples` continuations of its first frame
    (models that predict frames: `PredictsFrames.prediction_clips`); `path` ends in `.gif` or `.mp4`.

    Example:
    >>> save_predictions(cross_conv, test_clips[:4], "predictions.gif")
    'predictions.gif'
    """
    if not isinstance(model, PredictsFrames):
        raise TypeError(f"{type(model).__name__} does not continue clips from their first frames.")
    grid_clips, columns = model.prediction_clips(clips, num_samples=num_samples, seed=seed)
    return save_volumes(model, grid_clips, path, columns)[0]


def caption_grid(model, captions, columns=CAPTION_SAMPLES, seed=0):
    """A uint8 grid with one row per caption, `columns` samples each; column j of every row shares the latent
    point `fixed_latent_points(columns, seed)[j]`, so rows differ by their caption alone."""
    points = fixed_latent_points(columns, model.latent_dim, seed)
    conditions = [text for text in captions for _ in range(columns)]
    images = model.generate(latent_points=np.tile(points, (len(captions), 1)), conditions=conditions)
    return image_grid(images, model.data_scale, columns)


def write_captions(captions, path):
    """Writes the captions of a caption grid's rows to `path`, one line per row, top to bottom."""
    save_atomically(lambda temporary: _write_lines(captions, temporary), path, f"{path}.tmp")
    return path


def _write_lines(lines, path):
    with open(path, "w") as file:
        file.write("".join(f"{line}\n" for line in lines))


def save_caption_samples(model, path, captions, seed=0, columns=CAPTION_SAMPLES):
    """Writes a caption grid (`caption_grid`) to `path` and its rows to `SAMPLES_CAPTIONS_FILE` beside it;
    the paths written.

    Example:
    >>> save_caption_samples(gan_cls, "run/samples.png", ["a large dark ankle boot", "a small light sandal"])
    ['run/samples.png', 'run/samples_captions.txt']
    """
    grid = save_grid(caption_grid(model, captions, columns, seed), path)
    return [grid, write_captions(captions, os.path.join(os.path.dirname(path), SAMPLES_CAPTIONS_FILE))]


def volumes_path_3d(path):
    """Where `save_volumes` writes a voxel montage's 3-D plot: `samples.png` -> `samples_3d.png`."""
    stem, extension = os.path.splitext(path)
    return f"{stem}_3d{extension}"


def save_volumes(model, volumes, path, columns=None, path_3d=None):
    """Writes clips or voxel grids of `model`'s kind; the paths written.

    Clips (`data_kind == "videos"`) become one animated grid at `path` (`.gif`,
    or `.mp4` with imageio-ffmpeg); voxel grids a slice montage at `path` (one
    row per grid, its depth slices) and a 3-D plot of the first 4 at `path_3d`
    (default `volumes_path_3d(path)`).

    Example:
    >>> save_volumes(voxel_gan, voxel_gan.generate(8), "samples.png")
    ['samples.png', 'samples_3d.png']
    """
    if model.data_kind == "videos":
        if os.path.splitext(path)[1].lower() not in VIDEO_FORMATS:
            raise ValueError(f"{type(model).__name__} makes clips: write them to a .gif (or .mp4) file, not {path!r}.")
        return [save_video_grid(volumes, path, model.data_scale, columns=columns)]
    if os.path.splitext(path)[1].lower() != ".png":
        raise ValueError(f"{type(model).__name__} makes voxel grids: write their montage to a .png file, not {path!r}.")
    montage = save_grid(voxel_montage(volumes, model.data_scale), path)
    low, high = model.data_scale
    occupancy = (np.asarray(volumes, "float32") - low) / (high - low)
    return [montage, save_voxel_plot(occupancy, path_3d or volumes_path_3d(path))]


def save_completions(model, images, path, seed=0, columns=None, labels=None):
    """Writes a grid of known top half | completion | original for `images` (models that complete)."""
    rows = model.completion_rows(images, seed=seed, labels=labels)
    return save_grid(row_grid(rows, model.data_scale, columns), path)


def save_translations(model, inputs, targets, path, columns=None, **options):
    """Writes a grid of input | output | target rows (CycleGAN: A | A to B | A to B to A, and B's rows).

    `inputs` of a context encoder is `(images with hole, masks)`; `options` go
    to `translate` (`stochastic=True`, `direction="b_to_a"`).
    """
    if not isinstance(model, Translates):
        raise TypeError(f"{type(model).__name__} does not translate images.")
    return save_grid(row_grid(model.translation_rows(inputs, targets, **options), model.data_scale, columns), path)


def save_reconstructions(model, images, path, seed=0, columns=None):
    """Writes a PNG grid of `images` beside the model's reconstructions of them.

    A denoising autoencoder shows noisy input | denoised output | clean image.
    """
    if not isinstance(model, Encodes):
        raise TypeError(f"{type(model).__name__} does not encode images, so it has no reconstructions.")
    return save_grid(row_grid(model.reconstruction_rows(images, seed=seed), model.data_scale, columns), path)


class ImageSnapshot(keras.callbacks.Callback):
    """Writes grids of the model's images every N epochs.

    What the grids show follows the model's capabilities:

    - models that generate: `n` samples from fixed latent points (or a fixed seed),
      drawn once from `seed`, so grids of different epochs (and runs) compare;
      conditional models get one row per class;
    - models that encode, given `reconstruction_images`: each image beside its
      reconstruction (noisy | denoised | clean for a denoising autoencoder);
    - models that translate, given `translation_images=(inputs, targets)`:
      input | output | target;
    - models that complete images (autoregressive ones), given
      `completion_images`: known top half | completion | original.

    Args:
        directory: folder for the PNG files (`samples_epoch_0001.png`, ...).
        n: number of samples in the grid.
        every: write every `every` epochs (the last epoch is always written).
        seed: seed of the fixed latent points (and of any noise in the grids).
        reconstruction_images: optional `(m, h, w, c)` images to reconstruct.
        translation_images: optional `(inputs, targets)` arrays to translate.
        completion_images: optional `(m, h, w, c)` images to complete from their top half.
        completion_labels: their classes, for a class-conditional model.
        prediction_clips: optional `(m, T, H, W, C)` clips whose first frames a
            model that predicts frames continues (`predictions_epoch_0001.gif`:
            each clip beside 3 continuations).
        caption_conditions: captions (strings) for a model conditioned on
            captions: its sample grid then has one row per caption,
            `CAPTION_SAMPLES` samples each, and `samples_captions.txt` in
            `directory` lists the rows (`keras-gen train` gives 8 test and 2
            held-out captions, `keras_gen.recipes.snapshot_captions`).
        tensorboard_dir: also log the grids as TensorBoard images there (tags
            "samples", "reconstructions", ...), the same grids the PNG files
            hold, at step `epoch` counted from 0 as `keras.callbacks.TensorBoard`
            logs its scalars (the PNG files count from 1). Give it a folder of
            its own, not one another writer writes into: TensorBoard reads one
            writer's events per folder.
        columns: images per row.
        format: the file format of clips (models of clips), `"gif"` or `"mp4"`
            (needs the imageio-ffmpeg package: `pip install imageio-ffmpeg`).

    Example:
    >>> gan.fit(ds, epochs=5, callbacks=[ImageSnapshot("snapshots/", n=64)])
    """

    def __init__(
        self,
        directory,
        n=64,
        every=1,
        seed=0,
        reconstruction_images=None,
        tensorboard_dir=None,
        columns=None,
        translation_images=None,
        completion_images=None,
        completion_labels=None,
        prediction_clips=None,
        caption_conditions=None,
        format="gif",
    ):
        super().__init__()
        if int(n) < 1 or int(every) < 1:
            raise ValueError(f"n and every must be >= 1, got n={n}, every={every}.")
        if format not in ("gif", "mp4"):
            raise ValueError(f"format is the file format of clips, 'gif' or 'mp4'; got {format!r}.")
        if format == "mp4" and importlib.util.find_spec("imageio_ffmpeg") is None:
            raise ValueError("format='mp4' writes clips with imageio's ffmpeg plugin, which needs the imageio-ffmpeg "
                             "package: pip install imageio-ffmpeg (or use format='gif').")
        self.format = format
        self.directory = directory
        self.n = int(n)
        self.every = int(every)
        self.seed = seed
        self.reconstruction_images = reconstruction_images
        self.translation_images = translation_images
        self.completion_images = completion_images
        self.completion_labels = completion_labels
        self.prediction_clips = prediction_clips
        self.caption_conditions = None if caption_conditions is None else list(caption_conditions)
        self.tensorboard_dir = tensorboard_dir
        self.columns = columns
        self.written = []
        self._writer = None

    def latent_points(self, latent_dim):
        """The fixed latent points, drawn from N(0, I) with `seed`."""
        return fixed_latent_points(self.n, latent_dim, self.seed)

    def _should_write(self, epoch):
        last = self.params.get("epochs") if self.params else None
        return (epoch + 1) % self.every == 0 or (last is not None and epoch + 1 == last)

    def grids(self, model):
        """`{kind: uint8 grid}` for the model's capabilities and the images given."""
        grids = {}
        if isinstance(model, Generates) and self.caption_conditions:
            grids["samples"] = caption_grid(model, self.caption_conditions, seed=self.seed)
        elif isinstance(model, Generates):
            grids["samples"] = sample_grid(model, self.n, self.seed, self.columns)
        if self.reconstruction_images is not None and isinstance(model, Encodes):
            rows = model.reconstruction_rows(self.reconstruction_images, seed=self.seed)
            grids["reconstructions"] = row_grid(rows, model.data_scale, self.columns)
        if self.translation_images is not None and isinstance(model, Translates):
            inputs, targets = self.translation_images
            rows = model.translation_rows(inputs, targets)
            grids["translations"] = row_grid(rows, model.data_scale, self.columns)
        if self.completion_images is not None and isinstance(model, Completes):
            rows = model.completion_rows(self.completion_images, seed=self.seed, labels=self.completion_labels)
            grids["completions"] = row_grid(rows, model.data_scale, self.columns)
        if not grids:
            raise ValueError(
                f"ImageSnapshot has nothing to show for {type(model).__name__}: it does not sample "
                "from a prior; pass reconstruction_images= (models that encode) or "
                "translation_images= (models that translate)."
            )
        return grids

    def on_epoch_end(self, epoch, logs=None):
        if not self._should_write(epoch):
            return
        if self.model.data_kind != "images":
            self.written += self.write_volumes(self.model, epoch)
            return
        captions_file = os.path.join(self.directory, SAMPLES_CAPTIONS_FILE)
        if self.caption_conditions and not os.path.exists(captions_file):
            os.makedirs(self.directory, exist_ok=True)
            self.written.append(write_captions(self.caption_conditions, captions_file))
        for kind, grid in self.grids(self.model).items():
            path = os.path.join(self.directory, f"{kind}_epoch_{epoch + 1:04d}.png")
            self.written.append(save_grid(grid, path))
            self._log_tensorboard(kind, grid, epoch)

    def write_volumes(self, model, epoch):
        """Samples of a model of clips (`samples_epoch_0001.gif`) or voxel grids (`samples_epoch_0001.png`, a
        slice montage, and `samples_3d_epoch_0001.png`); at most `VOLUME_SAMPLES`. The paths written."""
        tag = f"epoch_{epoch + 1:04d}"
        written = []
        if self.prediction_clips is not None and isinstance(model, PredictsFrames):
            written.append(save_predictions(model, self.prediction_clips, os.path.join(
                self.directory, f"predictions_{tag}.{self.format}"), seed=self.seed))
        if not isinstance(model, Generates):
            if not written:
                raise ValueError(f"ImageSnapshot has nothing to show for {type(model).__name__}: it does not sample "
                                 "from a prior; pass prediction_clips= (models that continue clips).")
            return written
        volumes, columns = model.grid_samples(min(self.n, VOLUME_SAMPLES), self.seed, self.columns)
        if model.data_kind == "videos":
            return written + save_volumes(model, volumes, os.path.join(self.directory, f"samples_{tag}.{self.format}"),
                                          columns)
        return written + save_volumes(model, volumes, os.path.join(self.directory, f"samples_{tag}.png"), columns,
                                      path_3d=os.path.join(self.directory, f"samples_3d_{tag}.png"))

    def _log_tensorboard(self, kind, grid, epoch):
        if self.tensorboard_dir is None:
            return
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.tensorboard_dir)
        with self._writer.as_default():
            tf.summary.image(kind, grid[None], step=epoch)
        self._writer.flush()
