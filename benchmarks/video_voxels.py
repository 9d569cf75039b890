"""Clips and voxel grids at a fixed budget each: the "Measured" protocol of issue 34.

Each family trains alone for `--budget-minutes` (15) on `moving_fashion_mnist`
(8 frames of 32x32) or `voxel_shapes` (16^3), batch 32 clips or 64 shapes,
seed 0 (`--seed 1`, `--seed 2` for replicates), `compile()` defaults, and is judged with the data set's accurate
classifier (`ClassifierRecipe.accurate()`: of single frames, or of voxel grids
with 3-D convolutions); FIDs use the default feature network. Rows (`--rows`):

- `dcgan_frames`: an image DCGAN trained on single frames for the same
  budget: its per-frame FID (the reference of VideoGAN's), and two clip
  references made of its frames: 8 independent frames (class consistency ~ 0)
  and one frame repeated 8 times (100 % still clips);
- `video_gan`, `video_gan_one_stream` (`two_stream=False`): frame FID against
  16,000 test frames, class consistency, still clips and the 1-D Wasserstein
  distance of per-clip speeds to the real clips' (2,000 sampled clips);
- `cross_conv`, `cross_conv_deterministic` (`stochastic=False`): from 1,000
  test first frames with 10 samples each: the share of next frames that move
  the sprite 1-3 px, direction entropy, class agreement against the real next
  frames', best-of-10 MSE;
- `pixelcnn_frames`, `video_pixelcnn`: bits/dim of frames 2-8 given frame 1
  (a Gated PixelCNN of single frames sees no context), and VideoPixelCNN's
  still continuations; `video_pixelcnn` is skipped when the family is not
  importable;
- `voxel_gan` (`num_classes=3`), `voxel_gan_paper_rates` (the same with the
  paper's Adam rates, G 2.5e-3 and D 1e-5, instead of `compile()`'s, DCGAN's;
  the rows of 2026-12-05 before the default changed are `voxel_gan` for the
  paper's and `voxel_gan_dcgan_rates` for DCGAN's), `voxel_gan_unconditional` (no classes: the
  class entropy of its samples, `label_entropy`, instead of judge agreement), `voxel_marginals` (an independent-voxel
  sampler with each class's marginal occupancies), `test_shapes` (the test
  shapes themselves): judge agreement, connected share, voxel FID, median
  nearest-train IoU and near-copies (IoU >= 0.98) over 3,000 shapes.

Compare only rows of the same run. Run it alone on the machine:

    python benchmarks/video_voxels.py --budget-minutes 15 --json benchmarks/results/video_voxels.json \\
        --figures docs/images

`--smoke` runs every row on tiny stand-in data (digits moving on 16x16
canvases, 8^3 shapes), tiny models and classifiers, a few steps each: it
checks the script, not the figures.
"""

import argparse
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import feature_networks
import keras
import numpy as np
import provenance
import tensorflow as tf

import keras_gen
from keras_gen.callbacks import save_predictions, save_video_grid, save_volumes
from keras_gen.evaluation import (
    ClassifierRecipe,
    bits_per_dim,
    clip_sample_metrics,
    domain_classifier,
    motion_statistics,
    prediction_metrics,
    voxel_sample_metrics,
)
from keras_gen.models import DCGAN, CrossConvCVAE, GatedPixelCNN, VideoGAN, VoxelGAN

try:  # added in parallel with this benchmark; its row is skipped where it is missing
    from keras_gen.models import VideoPixelCNN
except ImportError:
    VideoPixelCNN = None

VIDEO_ROWS = ("dcgan_frames", "video_gan", "video_gan_one_stream", "cross_conv", "cross_conv_deterministic",
              "pixelcnn_frames", "video_pixelcnn")
VOXEL_ROWS = ("voxel_gan", "voxel_gan_paper_rates", "voxel_gan_unconditional", "voxel_marginals", "test_shapes")
ROWS = VIDEO_ROWS + VOXEL_ROWS
CLIP_BATCH, SHAPE_BATCH, FRAME_BATCH = 32, 64, 64
class Setting:
    """The data, sample counts, model sizes and classifier recipes of a run (the protocol, or the smoke test's)."""

    def __init__(self, smoke, seed=0):
        self.smoke, self.seed = smoke, seed
        if smoke:
            self.clips, self.voxels = "smoke_clips", "smoke_voxels"
            self.num_clips, self.num_first_frames, self.num_shapes, self.continuations = 16, 8, 16, 2
            self.video_sizes = {"latent_dim": 4, "width": 4}
            self.cross_conv_sizes = {"latent_dim": 2, "num_kernels": 2, "width": 4, "hidden_units": 8, "num_scales": 2}
            self.pixelcnn_sizes = {"filters": 4, "num_layers": 1}
            self.voxel_sizes = {"latent_dim": 4, "width": 4}
            self.feature_recipe = ClassifierRecipe(epochs=1, filters=(4, 8), feature_dim=8, batch_size=16)
            self.judge_recipe = ClassifierRecipe(epochs=1, filters=(4, 8), feature_dim=8, batch_size=16, seed=1)
            register_smoke_data()
        else:
            self.clips, self.voxels = "moving_fashion_mnist", "voxel_shapes"
            self.num_clips, self.num_first_frames, self.num_shapes, self.continuations = 2000, 1000, 3000, 100
            self.video_sizes = self.cross_conv_sizes = self.pixelcnn_sizes = self.voxel_sizes = {}
            self.feature_recipe, self.judge_recipe = ClassifierRecipe(), ClassifierRecipe.accurate()

    def networks(self, dataset):
        """`(feature network, judge)` of `dataset`: trained once and cached."""
        return (domain_classifier(dataset, recipe=self.feature_recipe),
                domain_classifier(dataset, recipe=self.judge_recipe))


def register_smoke_data():
    """'smoke_clips' (digits moving on 4 frames of 16x16) and 'smoke_voxels' (64 shapes of 8^3 per split)."""

    def clips(split, data_dir=None):
        images, labels = keras_gen.data.load_numpy("digits", split, scale=(0, 255), limit=64)
        made, _ = keras_gen.data.moving_sprites(np.round(images).astype("uint8"), frames=4, canvas=16,
                                                sprite_size=8, scale=(0, 255), seed=0 if split == "train" else 1)
        return np.round(made).astype("uint8"), labels

    def voxels(split, data_dir=None):
        return keras_gen.data.voxel_shapes(64, size=8, seed=0 if split == "train" else 1)

    keras_gen.data.register("smoke_clips", clips, None, 10, example_shape=(4, 16, 16, 1), kind="videos",
                            overwrite=True)
    keras_gen.data.register("smoke_voxels", voxels, None, 3, class_names=("chair", "table", "sofa"),
                            example_shape=(8, 8, 8, 1), kind="voxels", value_range=(0, 1), overwrite=True)


def train(model, data, args, batch_size, labels=None):
    """Fits `model` until the budget (or `--images`) is spent; returns the training row."""
    stop = budget.callback(args, batch_size)
    if isinstance(data, tf.data.Dataset):
        model.fit(data, epochs=100000, verbose=0, callbacks=[stop])
    else:
        model.fit(data, labels, batch_size=batch_size, epochs=100000, verbose=0, callbacks=[stop])
    return budget.training_row(stop, batch_size, train_images=60000 if isinstance(data, tf.data.Dataset) else len(data))


def clip_data(setting, scale, frames=False):
    """The training clips as tf.data (frames, shuffled, when `frames`), in `scale`."""
    data = keras_gen.data.load(setting.clips, batch_size=CLIP_BATCH, scale=scale, seed=setting.seed, repeat=True)
    if not frames:
        return data
    frame_shape = keras_gen.data.info(setting.clips).example_shape[1:]
    return (data.map(lambda clips: tf.reshape(clips, (-1, *frame_shape))).unbatch()
            .shuffle(4096, seed=setting.seed).batch(FRAME_BATCH))


def video_rows(names, setting, args, figures):
    """The rows of clips."""
    feature_network, judge = setting.networks(setting.clips)
    test, test_labels = keras_gen.data.load_numpy(setting.clips, "test", scale=(-1, 1), limit=setting.num_clips)
    shape = test.shape[1:]
    rows = {}

    def clip_row(clips):
        return clip_sample_metrics(clips, test, feature_network=feature_network, judge=judge)

    if "dcgan_frames" in names:
        keras.utils.set_random_seed(setting.seed)
        dcgan = DCGAN.for_images(shape[1:], seed=setting.seed, **setting.video_sizes)
        dcgan.compile()
        row = {"training": train(dcgan, clip_data(setting, (-1, 1), frames=True), args, FRAME_BATCH)}
        frames = np.asarray(dcgan.generate(len(test) * shape[0]), "float32")
        independent = frames.reshape(len(test), *shape)  # 8 independent frames per "clip"
        repeated = np.repeat(frames[: len(test), None], shape[0], axis=1)  # one frame, 8 times
        row["independent_frames"] = clip_row(independent)
        row["frame_fid"] = row["independent_frames"]["frame_fid"]  # every frame is a DCGAN frame
        row["repeated_frame"] = clip_sample_metrics(repeated, test, ("motion",))
        rows["dcgan_frames"] = row
    rows["real_clips"] = clip_sample_metrics(test, test, ("class_consistency", "motion"), judge=judge)
    for name, two_stream in (("video_gan", True), ("video_gan_one_stream", False)):
        if name not in names:
            continue
        keras.utils.set_random_seed(setting.seed)
        model = VideoGAN.for_videos(shape, two_stream=two_stream, seed=setting.seed, **setting.video_sizes)
        model.compile()
        row = {"training": train(model, clip_data(setting, model.data_scale), args, CLIP_BATCH)}
        row.update(clip_row(np.asarray(model.generate(len(test)), "float32")))
        rows[name] = row
        if figures and two_stream:
            z = np.random.default_rng(setting.seed).standard_normal((16, model.latent_dim)).astype("float32")
            parts = model.generate_layers(latent_points=z)
            save_video_grid(parts["video"], os.path.join(figures, "video_gan_samples.gif"))
            save_video_grid(parts["foreground"], os.path.join(figures, "video_gan_foreground.gif"))
            save_video_grid(parts["mask"], os.path.join(figures, "video_gan_mask.gif"), (0, 1))
            still = np.repeat(parts["background"][:, None], shape[0], axis=1)
            save_video_grid(still, os.path.join(figures, "video_gan_background.gif"))
    for name, stochastic in (("cross_conv", True), ("cross_conv_deterministic", False)):
        if name not in names:
            continue
        keras.utils.set_random_seed(setting.seed)
        model = CrossConvCVAE.for_videos(shape, stochastic=stochastic, seed=setting.seed, **setting.cross_conv_sizes)
        model.compile()
        row = {"training": train(model, clip_data(setting, model.data_scale), args, CLIP_BATCH)}
        first = test[: setting.num_first_frames]
        predictions = model.predict_next(first[:, 0], num_samples=10)
        row.update(prediction_metrics(first[:, 0], first[:, 1], predictions, test_labels[: len(first)],
                                      judge=judge))
        rows[name] = row
        if figures and stochastic:
            save_predictions(model, test[:4], os.path.join(figures, "cross_conv_predictions.gif"))
    # Both likelihood models take [0, 1] on the 8-bit grid.
    unit_test, _ = keras_gen.data.load_numpy(setting.clips, "test", scale=(0, 1), limit=setting.num_clips)
    if "pixelcnn_frames" in names:
        keras.utils.set_random_seed(setting.seed)
        model = GatedPixelCNN.for_images(shape[1:], output="logistic_mixture", seed=setting.seed, **setting.pixelcnn_sizes)
        model.compile()
        row = {"training": train(model, clip_data(setting, model.data_scale, frames=True), args, FRAME_BATCH)}
        later = unit_test[: setting.num_first_frames, 1:].reshape(-1, *shape[1:])
        nll = -float(np.mean(model.log_prob(later)))
        row["bits_per_dim_frames_2_on"] = float(bits_per_dim(nll, int(np.prod(shape[1:]))))
        rows["pixelcnn_frames"] = row
    if "video_pixelcnn" in names:
        rows["video_pixelcnn"] = video_pixelcnn_row(setting, args, unit_test, figures)
    return rows, feature_network, judge


def video_pixelcnn_row(setting, args, unit_test, figures):
    if VideoPixelCNN is None:
        print("video_pixelcnn: keras_gen.models.VideoPixelCNN is not importable; row skipped", flush=True)
        return {"skipped": "keras_gen.models.VideoPixelCNN is not importable"}
    shape = unit_test.shape[1:]
    keras.utils.set_random_seed(setting.seed)
    sizes = {"filters": 4, "num_layers": 1, "context_layers": 1} if setting.smoke else {}
    model = VideoPixelCNN.for_videos(shape, seed=setting.seed, **sizes)
    model.compile()
    row = {"training": train(model, clip_data(setting, model.data_scale), args, CLIP_BATCH)}
    clips = unit_test[: setting.num_first_frames]
    per_frame = np.asarray(model.log_prob(clips, per_frame=True))
    row["bits_per_dim_frames_2_on"] = float(bits_per_dim(-per_frame[:, 1:].sum(1).mean(),
                                                         (shape[0] - 1) * int(np.prod(shape[1:]))))
    continued = np.asarray(model.complete(clips[: setting.continuations], known_frames=1, seed=setting.seed), "float32")
    continued = continued.reshape(-1, *shape)
    row["continuation_still_share"] = motion_statistics(continued, model.data_scale)["still_share"]
    if figures:
        save_video_grid(continued, os.path.join(figures, "video_pixelcnn_continuations.gif"), model.data_scale)
    return row


def voxel_rows(names, setting, args, figures):
    """The rows of voxel grids."""
    feature_network, judge = setting.networks(setting.voxels)
    train_shapes, train_labels = keras_gen.data.load_numpy(setting.voxels, "train", scale=(0, 1))
    test, test_labels = keras_gen.data.load_numpy(setting.voxels, "test", scale=(0, 1), limit=setting.num_shapes)
    classes = keras_gen.data.info(setting.voxels).num_classes
    asked = np.arange(len(test)) % classes
    rows = {}

    def voxel_row(samples, labels):
        return voxel_sample_metrics(samples, test, train_shapes, asked_labels=labels, test_labels=test_labels,
                                    feature_network=feature_network, judge=judge)

    for name in ("voxel_gan", "voxel_gan_paper_rates"):
        if name not in names:
            continue
        keras.utils.set_random_seed(setting.seed)
        model = VoxelGAN.for_voxels(test.shape[1:], num_classes=classes, seed=setting.seed, **setting.voxel_sizes)
        if name == "voxel_gan":
            model.compile()
        else:  # the paper's Adam rates instead of compile()'s (DCGAN's)
            model.compile(d_optimizer=keras.optimizers.Adam(VoxelGAN.paper_discriminator_learning_rate, beta_1=0.5),
                          g_optimizer=keras.optimizers.Adam(VoxelGAN.paper_generator_learning_rate, beta_1=0.5))
        row = {"training": train(model, train_shapes, args, SHAPE_BATCH, labels=train_labels),
               "learning_rates": {"generator": float(model.g_optimizer.learning_rate),
                                  "discriminator": float(model.d_optimizer.learning_rate)}}
        row.update(voxel_row(np.asarray(model.generate(len(test), labels=asked), "float32"), asked))
        rows[name] = row
        if figures:
            shown = np.arange(2 * classes) % classes
            save_volumes(model, model.generate(len(shown), labels=shown), os.path.join(figures, f"{name}_samples.png"))
    if "voxel_gan_unconditional" in names:
        keras.utils.set_random_seed(setting.seed)
        model = VoxelGAN.for_voxels(test.shape[1:], seed=setting.seed, **setting.voxel_sizes)
        model.compile()
        row = {"training": train(model, train_shapes, args, SHAPE_BATCH)}
        # No labels asked: "voxel_classes" gives the entropy of the judge's labels of the samples.
        row.update(voxel_row(np.asarray(model.generate(len(test)), "float32"), None))
        rows["voxel_gan_unconditional"] = row
    if "voxel_marginals" in names:
        marginals = np.stack([train_shapes[train_labels == label].mean(axis=0) for label in range(classes)])
        rng = np.random.default_rng(setting.seed)
        samples = (rng.random(test.shape) < marginals[asked]).astype("float32")
        rows["voxel_marginals"] = voxel_row(samples, asked)
    if "test_shapes" in names:
        rows["test_shapes"] = voxel_row(test, test_labels)
    return rows, feature_network, judge


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=15.0)
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated rows, from {', '.join(ROWS)}")
    parser.add_argument("--json", help="write the results with their provenance to this file")
    parser.add_argument("--figures", help="write the GIFs and PNGs of docs/video.md and docs/voxels.md here")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, the data's order and the sampling (0; 1 and 2 for replicates)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny stand-in data, models and classifiers, 2 steps per row: checks the script")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    names = [name for name in args.rows.split(",") if name]
    unknown = sorted(set(names) - set(ROWS))
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {', '.join(ROWS)}")
    if args.smoke and args.images is None:
        args.images = 2 * CLIP_BATCH
    run = provenance.start(argv)
    print(f"{budget.describe(args)} per model; TF {tf.__version__}, Keras {keras.__version__}, "
          f"{run['processor']['model_name']}, {run['cores']} cores, load average {os.getloadavg()}", flush=True)
    if args.smoke and "KERAS_GEN_FEATURE_CACHE" not in os.environ:  # tiny classifiers stay out of the user's cache
        os.environ["KERAS_GEN_FEATURE_CACHE"] = tempfile.mkdtemp(prefix="video_voxels_smoke_")
    setting = Setting(args.smoke, args.seed)
    if args.figures:
        os.makedirs(args.figures, exist_ok=True)
    results = {**budget.record(args), "seed": args.seed, "smoke": args.smoke, "batch": {"clips": CLIP_BATCH,
               "shapes": SHAPE_BATCH, "frames": FRAME_BATCH}, "rows": {}, "classifiers": {}}
    start = time.perf_counter()
    if set(names) & set(VIDEO_ROWS):
        rows, features, judge = video_rows(names, setting, args, args.figures)
        results["rows"].update(rows)
        results["classifiers"][setting.clips] = feature_networks.describe({"features": features, "judge": judge}, fields=False)
    if set(names) & set(VOXEL_ROWS):
        rows, features, judge = voxel_rows(names, setting, args, args.figures)
        results["rows"].update(rows)
        results["classifiers"][setting.voxels] = feature_networks.describe({"features": features, "judge": judge}, fields=False)
    results["seconds"] = time.perf_counter() - start
    print(json.dumps(results["rows"], indent=1, default=float), flush=True)
    if args.json:
        provenance.write_json(args.json, results, run)


if __name__ == "__main__":
    main()
