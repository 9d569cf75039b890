"""The pictures of docs/likelihood.md and docs/vae.md, from the models the likelihood benchmarks saved.

    python benchmarks/likelihood.py --budget-minutes 15 --save-dir MODELS --json ...
    python benchmarks/vae_options.py --budget-minutes 15 --save-dir VAE_MODELS --json ...
    python benchmarks/likelihood_figures.py --models MODELS --vae-models VAE_MODELS --new-default best --out docs/images

Rows trained in a later run get their own figures beside these with `--suffix NAME`
(`likelihood_samples_NAME.png`, `anomaly_histograms_NAME.png`).

Writes (each only when its models are there):
- `likelihood_samples.png`: a row of samples per likelihood family;
- `made_orderings.png`: the NLL of each of the order-agnostic MADE's orderings
  alone, against their ensemble and a MADE trained on one ordering;
- `draw_steps.png`: DRAW's canvas after each step, with the patch each step wrote;
- `vae_default_vs_new.png`: today's default VAE beside the new default;
- `memorization_grid.png`: the samples nearest a training image, with their
  nearest training images (`keras_gen.evaluation.memorization`);
- `anomaly_histograms.png`: -log p(x) of the Fashion-MNIST test images, of the
  upscaled digits and of noise, per family (the autoencoder's squared
  reconstruction error, its default anomaly score).
"""

import argparse
import inspect
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from likelihood import binarized_data

import keras_gen
from keras_gen.visualization import image_grid

SAMPLE_ROWS = ("nade", "made", "made8", "frey", "draw", "vae", "vae_new", "pixelcnn", "gated_pixelcnn",
               "gated_pixelcnn_categorical", "pixelrnn")
# The default Gated PixelCNN stalls at one bit per pixel on binary images (docs/benchmarks.md): its histogram
# would be one bar, so the softmax variant's is drawn.
HISTOGRAM_ROWS = ("nade", "made8", "frey", "draw", "vae", "vae_new", "pixelcnn", "gated_pixelcnn_categorical",
                  "pixelrnn", "autoencoder")
PER_ROW = 10


def load(directory, name):
    path = os.path.join(directory, f"{name}.keras") if directory else None
    return keras.saving.load_model(path) if path and os.path.isfile(path) else None


def samples(model, n):
    """`n` samples, seeded where `generate` takes a seed (the VAE's come from the model's seed generator)."""
    if "seed" in inspect.signature(model.generate).parameters:
        return model.generate(n, seed=0)
    return model.generate(n)


def sample_rows(models, out):
    rows = [(name, samples(model, PER_ROW)) for name, model in models.items() if name in SAMPLE_ROWS]
    if not rows:
        return
    figure, axes = plt.subplots(len(rows), 1, figsize=(PER_ROW * 0.9, len(rows) * 1.05))
    for axis, (name, images) in zip(np.atleast_1d(axes), rows):
        axis.imshow(image_grid(images, (0.0, 1.0), columns=PER_ROW)[..., 0], cmap="gray", vmin=0, vmax=255)
        axis.set_ylabel(name, rotation=0, ha="right", va="center")
        axis.set_xticks([])
        axis.set_yticks([])
    figure.tight_layout()
    figure.savefig(out("likelihood_samples.png"), dpi=100)
    plt.close(figure)


def made_orderings(models, test_images, out):
    made8, made = models.get("made8"), models.get("made")
    if made8 is None:
        return
    alone = [float(-made8.mask_set_log_prob(test_images, k).mean()) for k in range(made8.num_masks)]
    ensemble = float(-made8.log_prob(test_images).mean())
    labels = [f"ordering {k}" for k in range(made8.num_masks)] + ["mean of the 8"]
    values = [*alone, ensemble]
    if made is not None:
        labels.append("one ordering,\ntrained alone")
        values.append(float(-made.log_prob(test_images).mean()))
    figure, axis = plt.subplots(figsize=(8, 3.2))
    colours = ["tab:grey"] * len(alone) + ["tab:blue"] + (["tab:orange"] if made is not None else [])
    axis.bar(range(len(values)), values, color=colours)
    axis.set_xticks(range(len(values)), labels, rotation=45, ha="right", fontsize=8)
    axis.set_ylim(min(values) - 5, max(values) + 3)
    axis.set_ylabel("test NLL (nats per image)")
    axis.set_title(f"order-agnostic MADE: orderings alone vs their ensemble ({len(test_images)} binarized test images)")
    figure.tight_layout()
    figure.savefig(out("made_orderings.png"), dpi=100)
    plt.close(figure)


def draw_steps(draw, out, samples=4, columns=8):
    canvases, windows = draw.drawing(samples, seed=0)
    shown = np.unique(np.linspace(0, draw.steps - 1, columns).round().astype(int))
    figure, axes = plt.subplots(samples, len(shown), figsize=(len(shown) * 1.1, samples * 1.1))
    for row in range(samples):
        for column, step in enumerate(shown):
            axis = axes[row, column]
            axis.imshow(canvases[row, step, ..., 0], cmap="gray", vmin=0, vmax=1)
            left, top, right, bottom = windows[row, step]
            axis.add_patch(plt.Rectangle((left, top), right - left, bottom - top, fill=False, color="tab:red", lw=1))
            axis.set_xlim(-0.5, draw.image_shape[1] - 0.5)
            axis.set_ylim(draw.image_shape[0] - 0.5, -0.5)
            axis.axis("off")
            if row == 0:
                axis.set_title(f"step {step + 1}", fontsize=8)
    figure.suptitle("DRAW: the canvas after each step; red, the patch that step wrote", fontsize=9)
    figure.tight_layout()
    figure.savefig(out("draw_steps.png"), dpi=100)
    plt.close(figure)


def vae_pair(vae_models, new_default, out):
    old, new = load(vae_models, "vae_standard"), load(vae_models, f"vae_{new_default}")
    if old is None or new is None:
        return
    figure, axes = plt.subplots(1, 2, figsize=(9, 4.8))
    for axis, (title, model) in zip(axes, (("N(0, I) prior (the old default)", old), (f"the new default (row {new_default})", new))):
        axis.imshow(image_grid(samples(model, 64), model.data_scale, columns=8)[..., 0], cmap="gray")
        axis.set_title(title)
        axis.axis("off")
    figure.tight_layout()
    figure.savefig(out("vae_default_vs_new.png"), dpi=100)
    plt.close(figure)


def memorization_grid(model, train_images, test_images, out):
    result = keras_gen.evaluation.memorization(samples(model, 1000), train_images, test_images, data_scale=model.data_scale,
                                               grid_path=out("memorization_grid.png"))
    print(f"memorization share {result.share:.3f} (threshold {result.threshold:.3f})")


def anomaly_histograms(models, test_images, outliers, out):
    shown = [(name, model) for name, model in models.items() if name in HISTOGRAM_ROWS]
    if not shown:
        return
    figure, axes = plt.subplots(1, len(shown), figsize=(3.2 * len(shown), 2.8))
    for axis, (name, model) in zip(np.atleast_1d(axes), shown):
        scores = {"Fashion-MNIST test": keras_gen.evaluation.anomaly_scores(model, test_images)}
        scores.update({kind: keras_gen.evaluation.anomaly_scores(model, images) for kind, images in outliers.items()})
        bins = np.linspace(0, np.percentile(np.concatenate(list(scores.values())), 99), 50)
        for label, values in scores.items():
            axis.hist(np.clip(values, bins[0], bins[-1]), bins=bins, alpha=0.5, density=True, label=label)
        axis.set_title(name)
        axis.set_xlabel("squared reconstruction error" if name == "autoencoder" else "-log p(x), nats")
        axis.set_yticks([])
    np.atleast_1d(axes)[0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out("anomaly_histograms.png"), dpi=100)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="the --save-dir of benchmarks/likelihood.py")
    parser.add_argument("--vae-models", help="the --save-dir of benchmarks/vae_options.py")
    parser.add_argument("--new-default", default="best", help="the vae_options row that became the default")
    parser.add_argument("--memorization-model", default="made8", help="the likelihood row of the memorization grid")
    parser.add_argument("--test-images", type=int, default=1000)
    parser.add_argument("--out", default="docs/images")
    parser.add_argument("--suffix", default="",
                        help="appended to each figure's name (likelihood_samples_SUFFIX.png): figures of rows "
                             "trained in another run, beside the main ones")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    suffix = f"_{args.suffix}" if args.suffix else ""
    out = lambda name: os.path.join(args.out, name.replace(".png", f"{suffix}.png"))

    vae_pair(args.vae_models, args.new_default, out)
    models = {name: model for name in dict.fromkeys([*SAMPLE_ROWS, *HISTOGRAM_ROWS])
              if (model := load(args.models, name)) is not None}
    if not models:
        return
    train_images, test_images, outliers = binarized_data(args.test_images, args.test_images)
    sample_rows(models, out)
    made_orderings(models, test_images, out)
    if "draw" in models:
        draw_steps(models["draw"], out)
    if args.memorization_model in models:
        memorization_grid(models[args.memorization_model], train_images, test_images, out)
    anomaly_histograms(models, test_images, outliers, out)


if __name__ == "__main__":
    main()
