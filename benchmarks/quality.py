"""Sample quality at equal training budget: keras_gen's DCGAN and VAE vs the keras-io DCGAN.

Each model trains on the Fashion-MNIST training set for the same wall-clock
budget on this machine, then 10,000 samples are scored against the 10,000 test
images with keras_gen's evaluation (domain-classifier features): FID, KID,
precision, recall, density, coverage, classifier score and class coverage,
plus training throughput. Prints a table and writes JSON.

    python benchmarks/quality.py --budget-minutes 15 --json benchmarks/results/quality.json
    python benchmarks/quality.py --images 300000 --json benchmarks/results/quality_300k.json
"""

import argparse
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import keras
import numpy as np
import provenance
import tensorflow as tf
from keras_io_baseline import build_keras_io_gan

import keras_gen
from keras_gen import families
from keras_gen.recipes import build_model

METRICS = ("fid", "kid", "precision", "recall", "density", "coverage",
           "classifier_score", "class_coverage")


class GeneratorSampler:
    """Gives a GAN's `generator` network the `generate` / `data_scale` interface evaluation needs.

    For the keras-io GAN (pixels in [0, 1]), and for sampling a keras_gen GAN's
    own generator rather than the moving average `generate` uses.
    """

    def __init__(self, gan, data_scale=(0.0, 1.0), seed=0):
        self.gan = gan
        self.data_scale = data_scale
        self.rng = np.random.default_rng(seed)

    def generate(self, num_images, batch_size=256):
        z = self.rng.standard_normal((num_images, self.gan.latent_dim)).astype("float32")
        return np.concatenate([
            keras.ops.convert_to_numpy(self.gan.generator(z[i:i + batch_size], training=False))
            for i in range(0, num_images, batch_size)
        ])


def class_accuracy(model, extractor, per_class=1000, temperature=1.0, judge=None):
    """`(accuracy by class, features by class, judge's accuracy by class)` of class-conditioned samples.

    For each class, `per_class` samples drawn with `generate(labels=...)` at
    `temperature`; the accuracy is the share the domain classifier (the
    feature network, `extractor`) assigns to the requested class. `judge`, a
    second classifier such as `judge_classifier()`, labels the same samples
    (its accuracy is None without one).
    """
    accuracy, features, judged = {}, [], ({} if judge is not None else None)
    for label in range(model.num_classes):
        samples = model.generate(per_class, labels=np.full(per_class, label), temperature=temperature)
        sample_features, probabilities = extractor.features_and_probabilities(samples, model.data_scale)
        accuracy[label] = float(np.mean(probabilities.argmax(axis=1) == label))
        features.append(sample_features)
        if judge is not None:
            judged[label] = float(np.mean(judge.predict_proba(samples, model.data_scale).argmax(axis=1) == label))
    return accuracy, features, judged


def judge_classifier():
    """The accurate Fashion-MNIST classifier (`ClassifierRecipe.accurate()`), for class accuracy only.

    The feature network behind every FID stays the default recipe; this larger,
    longer-trained classifier labels real test images more often correctly, so a
    class-accuracy figure measured with it is less bounded by the judge's own errors.
    """
    recipe = keras_gen.evaluation.ClassifierRecipe.accurate()
    return keras_gen.evaluation.domain_classifier("fashion_mnist", recipe=recipe)


def accuracy_row(accuracy, judged):
    """JSON fields for the two classifiers' per-class accuracies (mean and per class)."""
    row = {"class_accuracy": float(np.mean(list(accuracy.values()))), "class_accuracy_per_class": accuracy}
    if judged is not None:
        row.update({"class_accuracy_judge": float(np.mean(list(judged.values()))),
                    "class_accuracy_judge_per_class": judged})
    return row


def build(name):
    """Returns (trainable model, sampler, data scale, batch size) for a benchmark entry."""
    # keras_gen's entries are built exactly as `keras-gen train` builds them.
    if name in families.names():
        family = families.get(name)
        model = build_model(name, (28, 28, 1), seed=0, data="fashion_mnist")
        return model, model, model.data_scale, family.batch_size
    if name == "keras_io":
        gan = build_keras_io_gan()
        return gan, GeneratorSampler(gan), (0.0, 1.0), 64
    raise ValueError(f"Unknown model {name!r}; choose keras_io or one of {families.names()}.")


def run(name, args, max_epochs=1000):
    """Trains keras_io or a family for the budget of `args` (`budget.callback`), then scores `--num-samples`."""
    num_samples = args.num_samples
    keras.utils.set_random_seed(0)
    model, sampler, scale, batch_size = build(name)
    data = keras_gen.data.load_batches("fashion_mnist", getattr(model, "batch_kind", "images"), batch_size=batch_size,
                                       scale=scale, seed=0)
    stop = budget.callback(args, batch_size)
    model.fit(data, epochs=max_epochs, verbose=0, callbacks=[stop])
    start = time.perf_counter()
    metrics = METRICS + (("elbo", "iwae") if name == "vae" else ())
    scores = keras_gen.evaluation.evaluate(
        sampler, "fashion_mnist", split="test", num_samples=num_samples, metrics=metrics,
        data_scale=scale, likelihood_images=min(num_samples, 2000),
    )
    return {
        **{k: float(v) for k, v in scores.items()},
        **budget.training_row(stop, batch_size),
        "eval_seconds": time.perf_counter() - start,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=15.0)
    parser.add_argument("--models", default="dcgan,keras_io,vae",
                        help="comma-separated: keras_io or any family of keras_gen.families "
                        "(dcgan, vae, wgan_gp, ...), built as keras-gen train builds it")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    run_record = provenance.start()

    print(f"Fashion-MNIST, {budget.describe(args)} per model, {args.num_samples} samples vs "
          f"test set; TF {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} cores, "
          f"{platform.processor() or platform.machine()}", flush=True)
    extractor = keras_gen.evaluation.domain_classifier("fashion_mnist")
    print(f"feature network test accuracy: {extractor.test_accuracy}", flush=True)
    results = {}
    for name in args.models.split(","):
        results[name] = run(name, args)
        print(keras_gen.evaluation.format_table(results[name], title=name), flush=True)
    columns = ("fid", "kid", "precision", "recall", "coverage", "class_coverage", "images_per_second", "epochs")
    print("\n" + f"{'model':10s}" + "".join(f"{c:>18s}" for c in columns))
    for name, row in results.items():
        print(f"{name:10s}" + "".join(f"{row.get(c, float('nan')):18.4g}" for c in columns))
    if args.json:
        provenance.write_json(args.json, {
            **budget.record(args),
            "feature_network": "domain_classifier('fashion_mnist'), the default ClassifierRecipe",
            "feature_network_test_accuracy": extractor.test_accuracy, "results": results}, run_record)


if __name__ == "__main__":
    main()
