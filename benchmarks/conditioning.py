"""Conditioning beyond class labels at a fixed budget each: the "Measured" protocol of issue 33.

Each family trains alone for `--budget-minutes` (15) on the train split of
`fashion_captions` (Fashion-MNIST without the held-out (class, brightness
word, size word) cells), batch 64, seed 0, with its `keras-gen train` builder
defaults and `compile()` defaults. Samples are judged by the accurate
classifier (`ClassifierRecipe.accurate()`) and their FIDs use the default
feature network; both are Fashion-MNIST's `domain_classifier`s.

Every conditional row draws `--num-samples` (10,000) samples from the
conditions of the `test` split's images in turn (and as many from the
`heldout` split's), and reports:

- `class_agreement`: the judge labels the sample as its condition's class;
- `brightness_word_agreement`, `size_word_agreement` and their mean
  `word_agreement`: the sample's measured word (`fashion_attribute_words` of
  its `fashion_attributes`, with the requested class's terciles) equals the
  word of the image whose condition it was drawn from (its caption's word);
- `fid`, `precision`, `recall` against the split's images;
- on the first `requests` (1,000) conditions: `brightness_spearman` and
  `size_spearman`, the Spearman correlation of requested and measured values
  within each class, averaged over the classes, and `layout_iou`, the mean IoU
  of `fashion_layout` of the sample against the requested image's layout (per
  image, the regions present in either; then the mean over images).

Rows (`--rows`):

- baselines: `cgan` (the class-label ConditionalGAN fed the caption's class),
  `cvae` (ConditionalVAE fed the class), `dcgan` (the default DCGAN:
  unconditional FID, precision, recall, and the KID of as many samples as
  there are PPGN chains);
- `gan_cls`, `gan_cls_no_matching` (`matching_aware=False`),
  `gan_cls_no_interpolation` (`text_interpolation=None`),
  `gan_cls_mode_seeking` (`mode_seeking=1`), `stackgan`: from test and
  held-out captions; each also reports `z_spread`, the mean absolute
  difference of two samples of the same caption from different latent points
  (0 when the generator ignores z);
- `attribute2image`: from test and held-out attribute vectors;
  `attribute2image_scenes` (on `fashion_scenes`): IoU of the learned mask
  (> 0.5) of `requests` test reconstructions with the true mask, against an
  Otsu-threshold mask of the test images (scikit-image, the pixels above the
  threshold); `attribute2image_scenes_flat` (`layered=False`, no mask): the
  Otsu mask of its reconstructions; `attribute2image_scenes_mask`
  (`mask_weight=1`: the gate also learns the true masks of the training
  split, so its IoU is not the unsupervised one); all with reconstruction MSE;
- `al_cgan` (attributes + layout), plus editing `requests` test images with
  `keras_gen.latent.edit_conditions(..., changes={"brightness": b + 0.3},
  conditions=their own)` (b + 0.3 capped at 1, the attribute's range;
  `capped_share` says how many): the share whose measured brightness rises
  above the original image's, and the layout IoU of the edit with the original;
- on the default DCGAN (trained once for all of these): `dcgan_concept_edit`
  (the same edit by a concept vector, light minus dark training images),
  `ppgn` (`keras_gen.latent.ppgn_sample`, 100 chains per class, 200 steps,
  prior: `train_latent_denoiser` on the inverted codes of 2,000 training
  images; guide: the default feature network; judge: the accurate classifier;
  KID against the test set beside the unguided samples'), `ppgn_prior_step_0`
  and `ppgn_rejection` (unguided samples kept when the guide labels them as
  the target, until 100 per class: agreement and accepted images/s).

The `--json` file is rewritten after each row (`pending_rows` lists those still
to come), so a run stopped early keeps what it measured.

Compare only rows of the same run. Run it alone on the machine:

    python benchmarks/conditioning.py --budget-minutes 15 --json benchmarks/results/conditioning.json \\
        --figures docs/images

`--smoke` runs every row on 512 Fashion-MNIST images per split made into the
same conditions, tiny models and classifiers, a few steps each: it checks the
script, not the figures.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import feature_networks
import keras
import numpy as np
import provenance
import tensorflow as tf
from scipy.stats import spearmanr

import keras_gen
from keras_gen import latent, recipes
from keras_gen.data import fashion_attribute_words, fashion_attributes, fashion_layout
from keras_gen.data.fashion_captions import (
    FASHION_TERCILES,
    SPLITS,
    fashion_conditions,
    fashion_loader,
)
from keras_gen.evaluation import ClassifierRecipe, domain_classifier, fid, kid, precision_recall
from keras_gen.models.conditional.layout_grid import layout_images
from keras_gen.visualization import save_image_grid

BASELINE_ROWS = ("cgan", "cvae", "dcgan")
CAPTION_ROWS = ("gan_cls", "gan_cls_no_matching", "gan_cls_no_interpolation", "gan_cls_mode_seeking", "stackgan")
ATTRIBUTE_ROWS = ("attribute2image", "attribute2image_scenes", "attribute2image_scenes_flat",
                  "attribute2image_scenes_mask", "al_cgan")
DCGAN_ROWS = ("dcgan", "dcgan_concept_edit", "ppgn", "ppgn_prior_step_0", "ppgn_rejection")
ROWS = BASELINE_ROWS + CAPTION_ROWS + ATTRIBUTE_ROWS + DCGAN_ROWS[1:]
# Each row's family and its options beyond the family's `keras-gen train` defaults.
MODELS = {
    "cgan": ("cgan", {}),
    "cvae": ("cvae", {}),
    "gan_cls": ("gan_cls", {}),
    "gan_cls_no_matching": ("gan_cls", {"matching_aware": False}),
    "gan_cls_no_interpolation": ("gan_cls", {"text_interpolation": None}),
    "gan_cls_mode_seeking": ("gan_cls", {"mode_seeking": 1.0}),
    "stackgan": ("stackgan", {}),
    "attribute2image": ("attribute2image", {}),
    "attribute2image_scenes": ("attribute2image", {}),
    "attribute2image_scenes_flat": ("attribute2image", {"layered": False}),
    "attribute2image_scenes_mask": ("attribute2image", {"mask_weight": 1.0}),
    "al_cgan": ("al_cgan", {}),
}
SCENE_ROWS = ("attribute2image_scenes", "attribute2image_scenes_flat", "attribute2image_scenes_mask")
BATCH = 64
IMAGE_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
BRIGHTNESS_STEP = 0.3  # the edit: brightness b -> b + 0.3


class Setting:
    """The data, counts, model sizes and classifier recipes of a run (the protocol, or the smoke test's)."""

    def __init__(self, smoke, num_samples=None, seed=0):
        self.smoke, self.seed = smoke, seed
        if smoke:
            self.data, self.scenes = "smoke_captions", "smoke_scenes"
            self.num_samples = num_samples or 32
            self.requests, self.codes, self.concept_images = 16, 16, 8
            self.denoiser_epochs, self.ppgn_steps, self.chains_per_class, self.max_draws = 1, 2, 1, 128
            self.invert_options = {"steps": 2, "start_candidates": 2}
            tiny_gan = {"latent_dim": 8, "width": 4}
            self.sizes = {"dcgan": tiny_gan, "cgan": tiny_gan, "al_cgan": tiny_gan,
                          "gan_cls": {**tiny_gan, "embedding_dim": 8},
                          "stackgan": {**tiny_gan, "condition_dim": 4, "embedding_dim": 8, "num_blocks": 1},
                          "attribute2image": {"latent_dim": 4, "width": 4, "hidden_units": 16},
                          "cvae": {"latent_dim": 4, "width": 4, "hidden_units": 16}}
            self.feature_recipe = ClassifierRecipe(epochs=1, filters=(4, 8), feature_dim=8, batch_size=16,
                                                   train_limit=512)
            self.judge_recipe = ClassifierRecipe(epochs=1, filters=(4, 8), feature_dim=8, batch_size=16,
                                                 train_limit=512, seed=1)
            register_smoke_data()
        else:
            self.data, self.scenes = "fashion_captions", "fashion_scenes"
            self.num_samples = num_samples or 10000
            self.requests, self.codes, self.concept_images = 1000, 2000, 500
            self.denoiser_epochs, self.ppgn_steps, self.chains_per_class, self.max_draws = 20, 200, 100, 100000
            self.invert_options = {}  # invert's defaults: 200 Adam steps from the best of 16 random starts
            self.sizes = {}
            self.feature_recipe, self.judge_recipe = ClassifierRecipe(), ClassifierRecipe.accurate()
        self._splits = {}

    def networks(self):
        """`(feature network, judge)`, Fashion-MNIST's (the images of every data set here): trained once, cached."""
        return (domain_classifier("fashion_mnist", recipe=self.feature_recipe),
                domain_classifier("fashion_mnist", recipe=self.judge_recipe, verbose=0 if self.smoke else 1))

    def split(self, name, data=None):
        """The `Split` `name` of `data` (default: the captions' data set), loaded once."""
        data = data or self.data
        if (data, name) not in self._splits:
            self._splits[(data, name)] = Split(data, name)
        return self._splits[(data, name)]


def register_smoke_data(count=512):
    """'smoke_captions' and 'smoke_scenes': fashion_captions and fashion_scenes of the first `count`
    Fashion-MNIST images of each split (the same conditions and held-out cells, measured on fewer images)."""
    fashion_mnist = keras_gen.data.registry.registered("fashion_mnist")[1]

    def first_images(split, data_dir=None):
        images, labels = fashion_mnist(split, data_dir)
        return images[:count], labels[:count]

    conditions = fashion_conditions()
    for name, scenes in (("smoke_captions", False), ("smoke_scenes", True)):
        keras_gen.data.register(
            name, fashion_loader(first_images, scenes=scenes), IMAGE_SHAPE, NUM_CLASSES,
            keras_gen.data.info("fashion_mnist").class_names, splits=SPLITS, overwrite=True,
            conditions={**conditions, "mask": keras_gen.data.Condition.layout((28, 28), 2)} if scenes else conditions)


class Split:
    """One split's images (kept in [0, 1]), labels, conditions and words."""

    def __init__(self, data, name):
        parts = ["captions", "attributes", "layout"]
        if "mask" in keras_gen.data.info(data).conditions:
            parts.append("mask")
        self.images, self.labels = keras_gen.data.load_numpy(data, name, scale=(0, 1))
        _, self.conditions = keras_gen.data.load_numpy(data, name, scale=(0, 1), conditions=parts)
        names = keras_gen.data.info(data).conditions["attributes"].names
        self.brightness = self.conditions["attributes"][:, names.index("brightness")]
        self.size = self.conditions["attributes"][:, names.index("size")]
        self.words = fashion_attribute_words({"brightness": self.brightness, "size": self.size}, self.labels)
        self._features = None

    def __len__(self):
        return len(self.images)

    def scaled(self, scale, limit=None):
        """The images in `scale`."""
        low, high = scale
        return (low + (high - low) * self.images[:limit]).astype("float32")

    def features(self, feature_network):
        if self._features is None:
            self._features = feature_network.features(self.images, (0, 1))
        return self._features

    def requests(self, count):
        """Indices of `count` requests: the split's images in turn."""
        return np.arange(count) % len(self)


# --- measures the library does not have ---------------------------------------------------
def within_class_spearman(requested, measured, labels):
    """`(mean, {class: rho})`: Spearman's rho of requested vs measured values within each class, averaged
    over the classes where it is defined (at least 3 images and neither side constant).

    Example:
    >>> within_class_spearman([0.1, 0.2, 0.3, 0.5, 0.4, 0.6], [1, 2, 3, 3, 1, 2], [0, 0, 0, 1, 1, 1])[0]
    0.75
    """
    requested, measured, labels = (np.asarray(values) for values in (requested, measured, labels))
    per_class = {}
    for label in np.unique(labels):
        chosen = labels == label
        if chosen.sum() >= 3 and np.ptp(requested[chosen]) > 0 and np.ptp(measured[chosen]) > 0:
            per_class[int(label)] = float(spearmanr(requested[chosen], measured[chosen])[0])
    return (float(np.mean(list(per_class.values()))) if per_class else float("nan")), per_class


def layout_iou(layouts, references, num_regions=3):
    """Mean IoU of region maps `(n, h, w)` against `references`: per image, the IoU of each region present
    in either map, averaged; then the mean over images.

    Example:
    >>> layout_iou(np.array([[[0, 1], [2, 2]]]), np.array([[[0, 1], [1, 2]]]))  # (1 + 1/2 + 1/2) / 3
    0.666...
    """
    layouts, references = np.asarray(layouts), np.asarray(references)
    scores = []
    for layout, reference in zip(layouts, references, strict=True):
        ious = [np.sum((layout == r) & (reference == r)) / np.sum((layout == r) | (reference == r))
                for r in range(num_regions) if np.any((layout == r) | (reference == r))]
        scores.append(np.mean(ious))
    return float(np.mean(scores))


def mask_iou(masks, references):
    """Mean over images of the foreground IoU of boolean masks `(n, H, W)` (1 where both are empty)."""
    masks, references = np.asarray(masks, bool), np.asarray(references, bool)
    union = (masks | references).sum(axis=(1, 2))
    intersection = (masks & references).sum(axis=(1, 2))
    return float(np.mean(np.where(union > 0, intersection / np.maximum(union, 1), 1.0)))


def otsu_masks(images):
    """Per image, the pixels above its Otsu threshold (scikit-image): the classical foreground mask."""
    from skimage.filters import threshold_otsu

    images = np.asarray(images)[..., 0]
    return np.stack([image > threshold_otsu(image) if np.ptp(image) > 0 else np.zeros(image.shape, bool)
                     for image in images])


def judged_agreement(judge, images, scale, targets):
    return float(np.mean(judge.predict_proba(images, scale).argmax(axis=1) == np.asarray(targets)))


# --- rows ----------------------------------------------------------------------------------
def build(row, setting, data):
    family, options = MODELS.get(row, (row, {}))
    keras.utils.set_random_seed(setting.seed)
    return recipes.build_model(family, IMAGE_SHAPE, seed=setting.seed, data=data,
                               **{**setting.sizes.get(family, {}), **options})


def train(model, setting, args, data):
    """Fits `model` on `data`'s train split until the budget (or `--images`) is spent; the training row."""
    stop = budget.callback(args, BATCH)
    batches = recipes.load_training_data(model, data, batch_size=BATCH, seed=setting.seed)
    model.fit(batches, epochs=100000, verbose=0, callbacks=[stop])
    return budget.training_row(stop, BATCH, train_images=len(setting.split("train", data)))


def sample_measures(samples, scale, split, indices, networks, setting, conditional=True):
    """The measures of samples drawn from the conditions `indices` of `split` (see the module docstring)."""
    feature_network, judge = networks
    features, probabilities = feature_network.features_and_probabilities(samples, scale)
    precision, recall = precision_recall(split.features(feature_network), features)
    row = {"samples": len(samples), "reference_images": len(split),
           "fid": fid(split.features(feature_network), features), "precision": precision, "recall": recall}
    if not conditional:
        return row
    labels = split.labels[indices]
    row["class_agreement"] = judged_agreement(judge, samples, scale, labels)
    row["class_agreement_feature_network"] = float(np.mean(probabilities.argmax(axis=1) == labels))
    measured = fashion_attributes(samples, scale)
    words = fashion_attribute_words(measured, labels)
    for attribute, wanted, found in zip(("brightness", "size"), split.words, words, strict=True):
        row[f"{attribute}_word_agreement"] = float(np.mean(np.asarray(wanted)[indices] == np.asarray(found)))
    row["word_agreement"] = (row["brightness_word_agreement"] + row["size_word_agreement"]) / 2
    first = slice(0, min(setting.requests, len(samples)))
    for attribute in ("brightness", "size"):
        requested = getattr(split, attribute)[indices][first]
        row[f"{attribute}_spearman"], row[f"{attribute}_spearman_per_class"] = within_class_spearman(
            requested, measured[attribute][first], labels[first])
    row["layout_iou"] = layout_iou(fashion_layout(samples[first], scale), split.conditions["layout"][indices][first])
    return row


def condition_values(row, split, indices):
    """What the row's model is conditioned on, for the images `indices` of `split`."""
    family = MODELS[row][0]
    if family in ("cgan", "cvae"):
        return split.labels[indices]
    if family in ("gan_cls", "stackgan"):
        return split.conditions["captions"][indices]
    if family == "attribute2image":
        return split.conditions["attributes"][indices]
    return {part: split.conditions[part][indices] for part in ("attributes", "layout")}


def conditional_row(row, setting, args, networks, figures):
    """A conditional family trained on the captions' data set, measured from test and held-out conditions."""
    model = build(row, setting, setting.data)
    result = {"training": train(model, setting, args, setting.data)}
    for name in ("test", "heldout"):
        split = setting.split(name)
        indices = split.requests(setting.num_samples)
        samples = model.generate(len(indices), conditions=condition_values(row, split, indices))
        result[name] = sample_measures(samples, model.data_scale, split, indices, networks, setting)
    result["test"]["z_spread"] = z_spread(model, condition_values(row, setting.split("test"),
                                                                  np.arange(setting.requests)))
    if row == "al_cgan":
        result["edit"] = al_cgan_edit(model, setting, figures)
    if figures:
        conditional_figures(row, model, setting, figures)
    return result


def z_spread(model, conditions):
    """The mean absolute difference, in units of the pixel range, of two samples of each condition from
    independent latent points: 0 when the generator ignores z (each condition one image)."""
    count = len(keras.tree.flatten(conditions)[0])
    first, second = (model.generate(count, conditions=conditions) for _ in range(2))
    low, high = model.data_scale
    return float(np.mean(np.abs(first - second)) / (high - low))


def al_cgan_edit(model, setting, figures):
    """`edit_conditions` of test images with their own conditions: brightness b -> b + 0.3 (capped at 1)."""
    split = setting.split("test")
    indices = np.arange(min(setting.requests, len(split)))
    images = split.scaled(model.data_scale)[indices]
    wanted = split.brightness[indices] + BRIGHTNESS_STEP
    high = model.condition["attributes"].high
    start = time.perf_counter()
    edited = latent.edit_conditions(model, images, changes={"brightness": np.minimum(wanted, high)},
                                    conditions=condition_values("al_cgan", split, indices), **setting.invert_options)
    row = edit_measures(images, edited, model.data_scale, split.conditions["layout"][indices])
    row.update({"images": len(indices), "capped_share": float(np.mean(wanted > high)),
                "seconds": time.perf_counter() - start})
    if figures:
        save_image_grid(np.stack([images[:8], edited[:8]]), os.path.join(figures, "conditioning_al_cgan_edits.png"),
                        model.data_scale)
    return row


def edit_measures(images, edited, scale, layouts):
    """The share of edits whose measured brightness rises above the original's, and their layout IoU with it."""
    before, after = fashion_attributes(images, scale)["brightness"], fashion_attributes(edited, scale)["brightness"]
    return {"brightness_raised_share": float(np.mean(after > before)),
            "mean_brightness_change": float(np.mean(after - before)),
            "layout_iou_with_original": layout_iou(fashion_layout(edited, scale), layouts)}


def conditional_figures(row, model, setting, figures):
    """A caption grid (8 test and 2 held-out captions, 8 samples each) and a caption walk, an attribute sweep (a class per row,
    brightness from 0.1 to 0.9), or layouts followed by their samples."""
    family = MODELS[row][0]
    test, heldout = setting.split("test"), setting.split("heldout")
    path = os.path.join(figures, f"conditioning_{row}")
    if family in ("gan_cls", "stackgan"):
        captions = np.concatenate([test.conditions["captions"][:8], heldout.conditions["captions"][:2]])
        points = np.tile(np.random.default_rng(setting.seed).standard_normal((8, model.latent_dim)).astype("float32"),
                         (len(captions), 1))
        samples = model.generate(latent_points=points, conditions=np.repeat(captions, 8, axis=0))
        save_image_grid(samples.reshape(len(captions), 8, *IMAGE_SHAPE), path + "_captions.png", model.data_scale)
        texts = model.condition.detokenize(captions)
        with open(path + "_captions.txt", "w") as file:
            file.write("".join(f"{'held-out' if i >= 8 else 'test'}: {text}\n" for i, text in enumerate(texts)))
        # Reed et al.'s walk: from the first test caption to the first of another class, 4 latent points fixed.
        other = int(np.argmax(test.labels != test.labels[0]))
        ends = model.condition.detokenize(test.conditions["captions"][[0, other]])
        walk = np.stack([latent.interpolate_conditions(model, ends[0], ends[1], steps=8, latent_point=point)
                         for point in points[:4]])
        save_image_grid(walk, path + "_walk.png", model.data_scale)
        with open(path + "_walk.txt", "w") as file:
            file.write(f"from: {ends[0]}\nto: {ends[1]}\n")
    elif row == "attribute2image":
        names = model.condition.names
        steps = np.linspace(0.1, 0.9, 9, dtype="float32")
        sweep = np.zeros((NUM_CLASSES, len(steps), len(names)), "float32")
        sweep[np.arange(NUM_CLASSES), :, np.arange(NUM_CLASSES)] = 1.0
        sweep[..., names.index("brightness")] = steps
        sweep[..., names.index("size")] = np.mean(np.asarray(FASHION_TERCILES)[:, 1], axis=1)[:, None]
        points = np.zeros((sweep[..., 0].size, model.latent_dim), "float32")
        samples = model.generate(latent_points=points, conditions=sweep.reshape(-1, len(names)))
        save_image_grid(samples.reshape(NUM_CLASSES, len(steps), *IMAGE_SHAPE), path + "_sweep.png", model.data_scale)
    elif row == "al_cgan":
        layouts = test.conditions["layout"][:8]
        points = np.tile(np.random.default_rng(setting.seed).standard_normal((6, model.latent_dim)).astype("float32"), (8, 1))
        conditions = {part: np.repeat(condition_values(row, test, np.arange(8))[part], 6, axis=0)
                      for part in ("attributes", "layout")}
        samples = model.generate(latent_points=points, conditions=conditions).reshape(8, 6, *IMAGE_SHAPE)
        shown = layout_images(layouts, 3, IMAGE_SHAPE, model.data_scale)
        save_image_grid(np.concatenate([shown[:, None], samples], axis=1), path + "_layouts.png", model.data_scale)


def scenes_row(row, setting, args, figures):
    """Attribute2Image on the scenes: the learned mask (or, `layered=False`, an Otsu mask of the
    reconstructions) against the true garment mask of test images."""
    model = build(row, setting, setting.scenes)
    result = {"training": train(model, setting, args, setting.scenes)}
    split = setting.split("test", setting.scenes)
    count = min(setting.requests, len(split))
    images, attributes = split.images[:count], split.conditions["attributes"][:count]
    truth = split.conditions["mask"][:count].astype(bool)
    reconstructions = model.reconstruct(images, attributes)
    result.update({"images": count, "reconstruction_mse": float(np.mean((reconstructions - images) ** 2)),
                   "otsu_mask_iou_of_test_images": mask_iou(otsu_masks(images), truth)})
    if model.background_latent_dim:
        means, _ = model.encode(images, attributes)
        layers = model.generate_layers(latent_points=np.asarray(means), conditions=attributes)
        result["learned_mask_iou"] = mask_iou(layers["mask"][..., 0] > 0.5, truth)
        if figures:
            grid = np.stack([images[:8], *(layers[name][:8] for name in ("foreground", "mask", "background",
                                                                           "image"))])
            save_image_grid(grid, os.path.join(figures, f"conditioning_{row}_layers.png"), (0, 1))
    else:
        result["otsu_mask_iou_of_reconstructions"] = mask_iou(otsu_masks(reconstructions), truth)
    return result


def dcgan_rows(names, setting, args, networks, figures, attempt, rows):
    """The default DCGAN, trained once, and the rows on it (each into `rows` through `attempt`)."""
    feature_network, judge = networks
    test, train_split = setting.split("test"), setting.split("train")
    targets = np.repeat(np.arange(NUM_CLASSES), setting.chains_per_class)
    state = {}

    def base():
        model = state["model"] = build("dcgan", setting, setting.data)
        row = {"training": train(model, setting, args, setting.data)}
        unguided = model.generate(len(targets))
        state["unguided_kid"] = kid(test.features(feature_network), feature_network.features(unguided, model.data_scale))
        row["unguided"] = {"samples": len(targets), "kid": state["unguided_kid"].mean,
                           "kid_std": state["unguided_kid"].std}
        row["test"] = sample_measures(model.generate(setting.num_samples), model.data_scale, test, None, networks,
                                      setting, conditional=False)
        return row

    attempt(rows, "dcgan", base)
    if "unguided_kid" not in state:
        for name in DCGAN_ROWS[1:]:
            if name in names:
                rows[name] = {"error": "the DCGAN these rows use failed: see row 'dcgan'"}
        return
    model = state["model"]
    train_images = train_split.scaled(model.data_scale)

    def concept_edit():
        light = np.flatnonzero(np.asarray(train_split.words[0]) == "light")[: setting.concept_images]
        dark = np.flatnonzero(np.asarray(train_split.words[0]) == "dark")[: setting.concept_images]
        start = time.perf_counter()
        vector = latent.concept_vector(model, train_images[light], train_images[dark], **setting.invert_options)
        count = min(setting.requests, len(test))
        images = test.scaled(model.data_scale, count)
        edited = latent.edit(model, images, vector, **setting.invert_options)
        row = edit_measures(images, edited, model.data_scale, test.conditions["layout"][:count])
        row.update({"images": count, "concept_images": [len(light), len(dark)],
                    "seconds": time.perf_counter() - start})
        if figures:
            save_image_grid(np.stack([images[:8], edited[:8]]), os.path.join(figures, "conditioning_dcgan_edits.png"),
                            model.data_scale)
        return row

    def chain_row(prior_step):
        if "denoiser" not in state:
            start = time.perf_counter()
            state["denoiser"] = latent.train_latent_denoiser(model, train_images[: setting.codes],
                                                             epochs=setting.denoiser_epochs, seed=setting.seed,
                                                             **setting.invert_options)
            state["denoiser_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        chain = latent.ppgn_sample(model, feature_network, targets, prior=state["denoiser"],
                                   steps=setting.ppgn_steps, prior_step=prior_step, seed=setting.seed,
                                   save_every=max(1, setting.ppgn_steps // 8))
        seconds = time.perf_counter() - start
        chain_kid = kid(test.features(feature_network), feature_network.features(chain.images, model.data_scale))
        if figures:
            suffix = "" if prior_step else "_prior_step_0"
            save_image_grid(chain.frames[:: setting.chains_per_class],
                            os.path.join(figures, f"conditioning_ppgn_chains{suffix}.png"), model.data_scale)
        return {"chains": len(targets), "steps": setting.ppgn_steps, "prior_step": prior_step,
                "codes": min(setting.codes, len(train_images)), "denoiser_seconds": state["denoiser_seconds"],
                "agreement": judged_agreement(judge, chain.images, model.data_scale, targets),
                "guide_agreement": judged_agreement(feature_network, chain.images, model.data_scale, targets),
                "kid": chain_kid.mean, "kid_std": chain_kid.std,
                "kid_over_unguided": chain_kid.mean / state["unguided_kid"].mean,
                "target_probability_history": chain.history, "seconds": seconds,
                "images_per_second": len(targets) / seconds}

    if "dcgan_concept_edit" in names:
        attempt(rows, "dcgan_concept_edit", concept_edit)
    if "ppgn" in names:
        attempt(rows, "ppgn", lambda: chain_row(0.1))
    if "ppgn_prior_step_0" in names:
        attempt(rows, "ppgn_prior_step_0", lambda: chain_row(0.0))
    if "ppgn_rejection" in names:
        attempt(rows, "ppgn_rejection", lambda: rejection_row(model, networks, setting))


def rejection_sample(model, guide, per_class, max_draws, batch_size=1000):
    """Unguided samples kept when the guide's label is a class still short of `per_class`:
    `(images, classes, draws)`, stopping at `per_class` per class or `max_draws` samples."""
    kept = {label: [] for label in range(NUM_CLASSES)}
    draws = 0
    while draws < max_draws and any(len(images) < per_class for images in kept.values()):
        images = model.generate(min(batch_size, max_draws - draws))
        draws += len(images)
        labels = guide.predict_proba(images, model.data_scale).argmax(axis=1)
        for label, image in zip(labels, images, strict=True):
            if len(kept[int(label)]) < per_class:
                kept[int(label)].append(image)
    classes = np.concatenate([np.full(len(images), label) for label, images in kept.items()]).astype(int)
    images = np.stack([image for label in kept for image in kept[label]]) if len(classes) else np.zeros((0,
                                                                                                          *IMAGE_SHAPE))
    return images, classes, draws


def rejection_row(model, networks, setting):
    feature_network, judge = networks
    start = time.perf_counter()
    images, classes, draws = rejection_sample(model, feature_network, setting.chains_per_class, setting.max_draws,
                                              batch_size=min(1000, setting.max_draws))
    seconds = time.perf_counter() - start
    return {"per_class": setting.chains_per_class, "draws": draws, "accepted": len(classes),
            "accepted_per_class": np.bincount(classes, minlength=NUM_CLASSES).tolist(),
            "agreement": judged_agreement(judge, images, model.data_scale, classes) if len(classes) else float("nan"),
            "seconds": seconds, "images_per_second": len(classes) / seconds}


def goals(rows):
    """Issue 33's goals, each `{"met": bool, "value": ..., "goal": ...}`, for the rows measured (without errors)."""
    checks = []
    for row in ("gan_cls", "stackgan"):
        checks += [(f"{row} test class agreement >= 0.88", row, ("test", "class_agreement"), ">=", 0.88),
                   (f"{row} test class agreement >= cgan's - 0.03", row, ("test", "class_agreement"), ">=",
                    ("cgan", ("test", "class_agreement"), -0.03, 1.0)),
                   (f"{row} test word agreement >= 0.60", row, ("test", "word_agreement"), ">=", 0.60),
                   (f"{row} test FID <= 1.5 x cgan's", row, ("test", "fid"), "<=", ("cgan", ("test", "fid"), 0.0, 1.5)),
                   (f"{row} held-out class agreement >= 0.80", row, ("heldout", "class_agreement"), ">=", 0.80),
                   (f"{row} held-out word agreement >= 0.50", row, ("heldout", "word_agreement"), ">=", 0.50)]
    checks += [("stackgan FID <= gan_cls's", "stackgan", ("test", "fid"), "<=", ("gan_cls", ("test", "fid"), 0.0, 1.0)),
               ("stackgan recall >= gan_cls's", "stackgan", ("test", "recall"), ">=",
                ("gan_cls", ("test", "recall"), 0.0, 1.0)),
               ("attribute2image brightness Spearman >= 0.80", "attribute2image", ("test", "brightness_spearman"), ">=",
                0.80),
               ("attribute2image size Spearman >= 0.70", "attribute2image", ("test", "size_spearman"), ">=", 0.70),
               ("attribute2image held-out brightness Spearman >= 0.60", "attribute2image",
                ("heldout", "brightness_spearman"), ">=", 0.60),
               ("attribute2image held-out size Spearman >= 0.60", "attribute2image", ("heldout", "size_spearman"), ">=",
                0.60),
               ("attribute2image class agreement >= 0.88", "attribute2image", ("test", "class_agreement"), ">=", 0.88),
               ("attribute2image learned mask IoU >= 0.70", "attribute2image_scenes", ("learned_mask_iou",), ">=", 0.70),
               ("al_cgan layout IoU >= 0.60", "al_cgan", ("test", "layout_iou"), ">=", 0.60),
               ("al_cgan brightness Spearman >= 0.70", "al_cgan", ("test", "brightness_spearman"), ">=", 0.70),
               ("al_cgan edits raise brightness >= 80 %", "al_cgan", ("edit", "brightness_raised_share"), ">=", 0.80),
               ("al_cgan edits keep layout IoU >= 0.80", "al_cgan", ("edit", "layout_iou_with_original"), ">=", 0.80),
               ("ppgn agreement >= 0.85", "ppgn", ("agreement",), ">=", 0.85),
               ("ppgn KID <= 1.5 x unguided", "ppgn", ("kid_over_unguided",), "<=", 1.5)]

    def value(row, path):
        found = rows.get(row, {})
        for key in path:
            found = found.get(key) if isinstance(found, dict) else None
        return found

    results = {}
    for name, row, path, relation, goal in checks:
        if not isinstance(goal, float):  # (other row, its path, offset, factor): relative to that row's value
            other, other_path, offset, factor = goal
            goal = value(other, other_path)
            goal = None if goal is None else goal * factor + offset
        measured = value(row, path)
        if measured is None or goal is None or np.isnan(measured):
            continue
        results[name] = {"met": bool(measured >= goal if relation == ">=" else measured <= goal),
                         "value": measured, "goal": goal}
    return results


def plain(value):
    """`value` with numpy scalars and arrays made Python numbers and lists, for the JSON file."""
    if isinstance(value, dict):
        return {key if isinstance(key, str) else str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=15.0)
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated rows, from {', '.join(ROWS)}")
    parser.add_argument("--num-samples", type=int, help="samples per split for FID and agreement (10,000; smoke: 32)")
    parser.add_argument("--json", help="write the results with their provenance to this file")
    parser.add_argument("--figures", help="write the PNGs of docs/benchmarks.md here")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, the data's order and the sampling (0; 1 and 2 for replicates)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny stand-in data, models and classifiers, 2 steps per model: checks the script")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    names = [name for name in args.rows.split(",") if name]
    unknown = sorted(set(names) - set(ROWS))
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {', '.join(ROWS)}")
    if args.num_samples is not None and args.num_samples < 8:
        parser.error(f"--num-samples must be at least 8, got {args.num_samples}")
    if args.smoke and args.images is None:
        args.images = 2 * BATCH
    run = provenance.start(argv)
    print(f"{budget.describe(args)} per model; TF {tf.__version__}, Keras {keras.__version__}, "
          f"{run['processor']['model_name']}, {run['cores']} cores, load average {os.getloadavg()}", flush=True)
    if args.smoke and "KERAS_GEN_FEATURE_CACHE" not in os.environ:  # tiny classifiers stay out of the user's cache
        os.environ["KERAS_GEN_FEATURE_CACHE"] = tempfile.mkdtemp(prefix="conditioning_smoke_")
    setting = Setting(args.smoke, args.num_samples, args.seed)
    if args.figures:
        os.makedirs(args.figures, exist_ok=True)
    results = {**budget.record(args), "seed": args.seed, "smoke": args.smoke, "batch": BATCH,
               "data": setting.data, "num_samples": setting.num_samples, "requests": setting.requests, "rows": {}}
    networks = setting.networks()
    results["classifiers"] = feature_networks.describe(dict(zip(("features", "judge"), networks, strict=True)),
                                                          fields=False)
    start = time.perf_counter()

    def attempt(rows, name, measure):
        """`rows[name] = measure()`, with its seconds and load; a failure is recorded and the others go on
        (in smoke mode it is raised: the smoke run checks the script)."""
        began = time.perf_counter()
        try:
            row = measure()
        except Exception as error:  # one row's failure is reported; the others are still measured
            if args.smoke:
                raise
            traceback.print_exc()
            row = {"error": f"{type(error).__name__}: {error}"}
        rows[name] = {**rows.get(name, {}), **row, "row_seconds": time.perf_counter() - began,
                      "load_average_5min": os.getloadavg()[1]}
        print(name, json.dumps(rows[name], default=float), flush=True)
        save()

    def save():
        """Writes the rows measured so far (a long run that stops early keeps them); `pending_rows` lists the rest."""
        if args.json:
            results["pending_rows"] = [name for name in names if name not in results["rows"]]
            results["seconds"] = time.perf_counter() - start
            results["goals"] = goals(results["rows"])
            provenance.write_json(args.json, plain(results), run)

    for name in [name for name in names if name in MODELS]:
        if name in SCENE_ROWS:
            attempt(results["rows"], name, lambda name=name: scenes_row(name, setting, args, args.figures))
        else:
            attempt(results["rows"], name, lambda name=name: conditional_row(name, setting, args, networks,
                                                                             args.figures))
        keras.backend.clear_session()
    if set(names) & set(DCGAN_ROWS):
        # One DCGAN serves all of its rows, so the session is cleared after them, not between them.
        dcgan_rows(names, setting, args, networks, args.figures, attempt, results["rows"])
        keras.backend.clear_session()
    save()
    results["seconds"] = time.perf_counter() - start
    results["goals"] = goals(results["rows"])
    print(json.dumps(results["rows"], indent=1, default=float), flush=True)
    for name, goal in results["goals"].items():
        print(f"{'met   ' if goal['met'] else 'MISSED'} {name}: {goal['value']:.4g} (goal {goal['goal']:.4g})", flush=True)


if __name__ == "__main__":
    main()
