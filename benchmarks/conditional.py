"""Conditional and information GANs on Fashion-MNIST at a fixed budget each.

Each family trains for `--budget-minutes` (or until it has seen `--images` real
images) with its `keras-gen train` defaults
(batch 64, `compile()` defaults), is saved, and is measured with keras_gen's
Fashion-MNIST classifier and feature network:

- cgan, acgan: FID/KID/precision/recall of 10,000 samples (the classes in
  turn) vs the test set; per class, the share of 1,000 class-conditioned
  samples the classifier labels as their class, and the intra-class FID
  against that class's 1,000 test images (`--temperatures 0.8,0.6`: also the
  class accuracy and FID of samples drawn at those temperatures);
- infogan: the best one-to-one matching (Hungarian) of the 10 categorical
  values to the classes, and the share of samples that land in the matched class;
- bigan: test accuracy of a linear classifier on E(x), against one on raw
  pixels and one on a VAE's encoder means (`--vae`, e.g. the model
  benchmarks/latent.py saves);
- ssgan, trained with 1,000 labels: test accuracy of `classify`, against the
  same discriminator network trained on the 1,000 labelled images alone.

    python benchmarks/conditional.py --budget-minutes 15 --models cgan,acgan --json benchmarks/results/conditional.json

Run it alone on the machine. `--skip-training` reuses the saved models.
`--option KEY=VALUE` (as for `keras-gen train`) changes one `for_images`
argument of every model trained, and `--tag` names such a variant's saved file
and JSON row, e.g.

    python benchmarks/conditional.py --models cgan --option conditioning=projection --tag projection

`--lr` sets every player's learning rate after `compile()`, `--g-lr` then the
generator's (DCGAN's defaults are `--lr 4e-4 --g-lr 6e-4`).

Class accuracies are measured twice on the same samples: with the feature
network and with the accurate classifier (`ClassifierRecipe.accurate()`,
fields `..._judge`). `--seed N` trains a replicate (weights, sampling and data
order from seed N; name it with `--tag`).

No family here trains against either network (SSGAN's feature matching
compares its own discriminator's features), so one feature network scores
them all; `feature_networks` in the JSON names it and the judge.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import feature_networks
import keras
import numpy as np
import provenance
import tensorflow as tf
from quality import METRICS, accuracy_row, class_accuracy, judge_classifier
from scipy.optimize import linear_sum_assignment
from sklearn.linear_model import LogisticRegression

import keras_gen
from keras_gen import families
from keras_gen.evaluation import metrics as sample_metrics
from keras_gen.recipes import build_model, set_optimizer_options
from keras_gen.recipes import parse_option as option

LABELLED = 1000
LABELLED_SHARE = 0.5  # half of each SSGAN batch labelled (the 1,000 images, repeated)


def train(name, args, path, options=(), seed=0):
    keras.utils.set_random_seed(seed)
    family = families.get(name)
    info = keras_gen.data.info("fashion_mnist")
    model = build_model(name, info.image_shape, seed=seed, data="fashion_mnist", **dict(options))
    set_optimizer_options(model, lr=args.lr)
    if args.g_lr is not None:
        model.g_optimizer.learning_rate = args.g_lr
    mix = {"labelled": LABELLED, "labelled_share": LABELLED_SHARE} if name == "ssgan" else {}
    data = keras_gen.data.load_batches("fashion_mnist", model.batch_kind, batch_size=family.batch_size,
                                       scale=model.data_scale, seed=seed, **mix)
    stop = budget.callback(args, family.batch_size)
    model.fit(data, epochs=1000, verbose=0, callbacks=[stop])
    model.save(path)
    row = budget.training_row(stop, family.batch_size)
    print(f"{name}: {row}", flush=True)
    return row


def class_figures(model, extractor, judge, test_images, test_labels, temperatures=()):
    accuracy, features_by_class, judged = class_accuracy(model, extractor, judge=judge)
    intra_fid = {}
    for label, features in enumerate(features_by_class):
        real = extractor.features(test_images[test_labels == label], model.data_scale)
        intra_fid[label] = float(sample_metrics.fid(real, features))
    row = {**accuracy_row(accuracy, judged),
           "intra_class_fid": float(np.mean(list(intra_fid.values()))), "intra_class_fid_per_class": intra_fid}
    real = extractor.features(test_images, model.data_scale) if temperatures else None
    for temperature in temperatures:
        # generate(..., temperature=t): the latent noise scaled by t (variety traded for typical images).
        per_class, features, judged = class_accuracy(model, extractor, temperature=temperature, judge=judge)
        row.setdefault("temperature", {})[str(temperature)] = {
            **accuracy_row(per_class, judged), "fid": float(sample_metrics.fid(real, np.concatenate(features)))}
    return row


def infogan_figures(model, classifiers):
    """Matched accuracy of the categorical code under each classifier (`{field suffix: extractor}`)."""
    samples = []
    for value in range(10):
        codes = np.zeros((1000, model.code_dim), "float32")
        codes[:, value] = 1.0
        codes[:, 10:] = np.random.default_rng(value).uniform(-1, 1, (1000, model.continuous_codes))
        samples.append(model.generate(1000, codes=codes))
    row = {}
    for suffix, classifier in classifiers.items():
        confusion = np.zeros((10, 10))
        for value, images in enumerate(samples):
            predicted = classifier.predict_proba(images, data_scale=model.data_scale).argmax(axis=1)
            confusion[value] = np.bincount(predicted, minlength=10)
        rows, columns = linear_sum_assignment(-confusion)
        row.update({f"matched_accuracy{suffix}": float(confusion[rows, columns].sum() / confusion.sum()),
                    f"matching{suffix}": {int(r): int(c) for r, c in zip(rows, columns)},
                    # row: categorical value; column: classifier's class
                    f"confusion{suffix}": confusion.astype(int).tolist()})
    return row


def linear_probe(train_features, train_labels, test_features, test_labels):
    probe = LogisticRegression(max_iter=2000)
    probe.fit(np.asarray(train_features).reshape(len(train_features), -1), train_labels)
    return float(probe.score(np.asarray(test_features).reshape(len(test_features), -1), test_labels))


def bigan_figures(model, vae_path, train_images, train_labels, test_images, test_labels):
    rows = {"E(x)": linear_probe(model.encode(train_images), train_labels, model.encode(test_images), test_labels),
            "raw pixels": linear_probe(train_images, train_labels, test_images, test_labels)}
    if vae_path and os.path.exists(vae_path):
        vae = keras.saving.load_model(vae_path)
        to_unit = lambda x: (x + 1.0) / 2.0
        rows["VAE encoder means"] = linear_probe(vae.latent_codes(to_unit(train_images)), train_labels,
                                                 vae.latent_codes(to_unit(test_images)), test_labels)
    return rows


def supervised_baseline(model, train_images, train_labels, test_images, test_labels, epochs=60, seed=0):
    """The SSGAN's discriminator network, fresh, trained on the labelled images alone."""
    keras.utils.set_random_seed(seed)
    network = keras_gen.networks.dcgan_discriminator(model.image_shape, width=32, dropout=0.3,
                                                     logit_units=model.num_classes)
    network.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    kept = train_labels >= 0
    network.fit(train_images[kept], train_labels[kept], batch_size=64, epochs=epochs, verbose=0)
    return float(network.evaluate(test_images, test_labels, verbose=0)[1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=15.0)
    parser.add_argument("--models", default="cgan,acgan,infogan,bigan,ssgan")
    parser.add_argument("--models-dir", default="benchmarks/results/conditional_models")
    parser.add_argument("--vae", default="benchmarks/results/latent_models/vae.keras",
                        help="a saved VAE for the BiGAN comparison")
    parser.add_argument("--skip-training", action="store_true", help="train none: measure the saved models")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--temperatures", type=lambda text: [float(t) for t in text.split(",") if t], default=[],
                        help="cgan/acgan: also class accuracy and FID at these sampling temperatures, e.g. 0.8,0.6")
    parser.add_argument("--option", type=option, action="append", default=[], metavar="KEY=VALUE",
                        help="a for_images argument for every model trained (repeatable)")
    parser.add_argument("--lr", type=float, help="every player's learning rate (default: compile()'s)")
    parser.add_argument("--g-lr", type=float, help="the generator's learning rate (after --lr)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights, the model's sampling and the data's shuffling (a replicate)")
    parser.add_argument("--tag", default="", help="suffix of the saved files' and the JSON rows' names")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    run = provenance.start()
    print(f"{budget.describe(args)} per model; TF {tf.__version__}, Keras {keras.__version__}, "
          f"{run['processor']['model_name']}, {run['cores']} cores, load average {os.getloadavg()}", flush=True)
    os.makedirs(args.models_dir, exist_ok=True)
    names = args.models.split(",")
    # With --skip-training the budget of the saved models is not known here: `loaded_models` names the files.
    results = {**({} if args.skip_training else budget.record(args)), "options": dict(args.option), "lr": args.lr, "g_lr": args.g_lr, "seed": args.seed,
               "training": {}}
    suffix = f"_{args.tag}" if args.tag else ""
    paths = {name: os.path.join(args.models_dir, f"{name}{suffix}.keras") for name in names}
    if args.skip_training:
        # Trained by an earlier run: the file measured is all this result can say of that training.
        results["loaded_models"] = {name + suffix: provenance.saved_file(paths[name]) for name in names}
    else:
        for name in names:
            results["training"][name + suffix] = train(name, args, paths[name], args.option, args.seed)
    extractor = keras_gen.evaluation.domain_classifier("fashion_mnist")
    judge = judge_classifier()
    results["classifier_test_accuracy"] = {"feature network": extractor.test_accuracy, "judge": judge.test_accuracy}
    results["feature_networks"] = feature_networks.describe({"default": extractor, "judge": judge})
    test_images, test_labels = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(-1, 1))
    train_images, train_labels = keras_gen.data.load_numpy("fashion_mnist", "train", scale=(-1, 1))
    for name in names:
        start = time.perf_counter()
        model = keras.saving.load_model(paths[name])
        row = {}
        if name in ("cgan", "acgan", "infogan", "bigan", "ssgan"):
            scores = keras_gen.evaluation.evaluate(model, "fashion_mnist", split="test", num_samples=args.num_samples,
                                                   metrics=METRICS, feature_extractor=extractor)
            row.update({k: float(v) for k, v in scores.items()})
        if name in ("cgan", "acgan"):
            row.update(class_figures(model, extractor, judge, test_images, test_labels, args.temperatures))
        if name == "acgan":
            row["classify_test_accuracy"] = float(np.mean(model.classify(test_images).argmax(1) == test_labels))
        if name == "infogan":
            row.update(infogan_figures(model, {"": extractor, "_judge": judge}))
        if name == "bigan":
            row["linear_probe"] = bigan_figures(model, args.vae, train_images[:20000], train_labels[:20000],
                                                test_images, test_labels)
            if args.vae and os.path.exists(args.vae):
                row["vae_loaded_from"] = provenance.saved_file(args.vae)
        if name == "ssgan":
            # The 1,000 labels the SSGAN trained with (`data.load(..., seed=seed)` keeps them with its seed).
            kept = keras_gen.data.keep_balanced_labels(train_labels, LABELLED, seed=args.seed)
            row["classify_test_accuracy"] = float(np.mean(model.classify(test_images).argmax(1) == test_labels))
            row["supervised_only_test_accuracy"] = supervised_baseline(model, train_images, kept, test_images,
                                                                       test_labels, seed=args.seed)
        row["eval_seconds"] = time.perf_counter() - start
        results[name + suffix] = row
        print(name + suffix, json.dumps(row, indent=1), flush=True)
    if args.json:
        provenance.write_json(args.json, results, run)


if __name__ == "__main__":
    main()
