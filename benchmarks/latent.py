"""Latent-space figures on Fashion-MNIST: the conditional VAE, concept vectors, GAN inversion, path length.

Trains a conditional VAE, a VAE and a DCGAN for the same budget each
(`--budget-minutes`, or `--images` real images seen; batch 64 for the CVAE,
each family's `keras-gen train` defaults otherwise,
`compile()` defaults), saves them, then measures with keras_gen's Fashion-MNIST
domain classifier and feature network:

- CVAE: FID/KID/precision/recall of 10,000 samples (the classes in turn) vs
  the test set, and how often the classifier labels class-conditioned samples
  as their class (1,000 per class), also at sampling temperatures below 1
  (with the FID of those samples);
- concept vector "sneaker -> ankle boot" (from 1,000 training images of each
  class) applied at several strengths to 1,000 test sneakers: the share the
  classifier then calls ankle boots (VAE: encoder; DCGAN: inversion);
- inversion of 1,000 test images into the DCGAN: pixel MSE and feature
  distance versus optimizer steps, for optimization, encoder, encoder +
  optimization (with and without a feature loss), against the best of 1,000
  random latent points;
- perceptual path length, slerp vs linear, VAE and DCGAN.

The inversion's feature loss compares features of the default feature network,
so its feature distance on that network is partly its own objective: every
inversion row also gives `feature_distance_independent`, on a second network
of another recipe and seed (benchmarks/feature_networks.py; `feature_networks`
in the JSON names both, with their test accuracies).

    python benchmarks/latent.py --budget-minutes 15 --json benchmarks/results/latent.json
    python benchmarks/latent.py --images 275000 --train dcgan --figures inversion --json benchmarks/results/latent_inversion.json

Run it alone on the machine (training is budgeted by wall-clock time unless
`--images` is given). `--skip-training` measures the models saved in
`--models-dir` again, training none (each is named in `loaded_models`).
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

import keras_gen
from keras_gen import latent
from keras_gen.evaluation import metrics as sample_metrics
from keras_gen.recipes import build_model

SNEAKER, ANKLE_BOOT = 7, 9
BATCH_SIZES = {"cvae": 64, "vae": 128, "dcgan": 64}


def train(name, args, path):
    keras.utils.set_random_seed(0)
    info = keras_gen.data.info("fashion_mnist")
    model = build_model(name, info.image_shape, seed=0, data="fashion_mnist")
    data = keras_gen.data.load_batches("fashion_mnist", model.batch_kind, batch_size=BATCH_SIZES[name],
                                       scale=model.data_scale, seed=0)
    stop = budget.callback(args, BATCH_SIZES[name])
    model.fit(data, epochs=1000, verbose=0, callbacks=[stop])
    model.save(path)
    row = {**budget.training_row(stop, BATCH_SIZES[name]), "batch_size": BATCH_SIZES[name]}
    print(f"{name}: {row}", flush=True)
    return row


def cvae_figures(cvae, extractor, judge, num_samples, temperatures=(0.8, 0.6, 0.4)):
    scores = keras_gen.evaluation.evaluate(
        cvae, "fashion_mnist", split="test", num_samples=num_samples, metrics=METRICS, feature_extractor=extractor
    )
    row = {k: float(v) for k, v in scores.items()}
    real = None
    for temperature in (1.0, *temperatures):
        per_class, features, judged = class_accuracy(cvae, extractor, temperature=temperature, judge=judge)
        accuracy = accuracy_row(per_class, judged)
        if temperature == 1.0:
            row.update(accuracy)
            continue
        if real is None:
            test_images, _ = keras_gen.data.load_numpy("fashion_mnist", "test", scale=cvae.data_scale)
            real = extractor.features(test_images, cvae.data_scale)
        accuracy["fid"] = float(sample_metrics.fid(real, np.concatenate(features)))
        row.setdefault("temperature", {})[str(temperature)] = accuracy
    return row


def concept_figures(model, extractor, train_images, train_labels, test_images, test_labels, invert_options):
    start = time.perf_counter()
    boots = train_images[train_labels == ANKLE_BOOT][:1000]
    sneakers = train_images[train_labels == SNEAKER][:1000]
    test_sneakers = test_images[test_labels == SNEAKER][:1000]
    vector = latent.concept_vector(model, boots, sneakers, **invert_options)
    strengths = [0.0, 0.5, 1.0, 1.5, 2.0]
    edited = latent.apply_vector(model, test_sneakers, vector, strengths, **invert_options)
    shares = {}
    for index, strength in enumerate(strengths):
        predicted = extractor.predict_proba(edited[:, index], data_scale=model.data_scale).argmax(axis=1)
        shares[str(strength)] = {
            "ankle_boot": float(np.mean(predicted == ANKLE_BOOT)),
            "sneaker": float(np.mean(predicted == SNEAKER)),
        }
    return {"share_by_strength": shares, "vector_norm": float(np.linalg.norm(vector)),
            "seconds": time.perf_counter() - start}


def inversion_figures(gan, networks, train_images, test_images, encoder_epochs):
    """Inversion rows; `networks` (`feature_networks.load()`) measure the feature distances."""
    images = test_images[:1000]
    rows = {}
    start = time.perf_counter()
    random_points, _ = latent.best_random_latents(gan, images, candidates=1000)
    rows["best of 1,000 random points"] = _errors(gan, networks, images, random_points, time.perf_counter() - start)
    start = time.perf_counter()
    optimized = latent.invert(gan, images, steps=500, start_candidates=1, log_every=50, feature_model=None)
    rows["optimization, 500 steps"] = _errors(gan, networks, images, optimized.latent_points,
                                              time.perf_counter() - start, optimized.history)
    start = time.perf_counter()
    encoder = latent.train_inversion_encoder(gan, train_images, epochs=encoder_epochs, batch_size=64, verbose=1)
    encoder_seconds = time.perf_counter() - start
    encoded = latent.invert(gan, images, steps=0, encoder=encoder)
    rows[f"encoder ({encoder_epochs} epochs)"] = _errors(gan, networks, images, encoded.latent_points,
                                                          encoder_seconds)
    start = time.perf_counter()
    refined = latent.invert(gan, images, steps=200, encoder=encoder, log_every=50)
    rows["encoder + optimization, 200 steps"] = _errors(gan, networks, images, refined.latent_points,
                                                        time.perf_counter() - start + encoder_seconds, refined.history)
    start = time.perf_counter()
    # The feature loss is on the default network: its `feature_distance` is partly the loss it minimized.
    featured = latent.invert(gan, images, steps=200, encoder=encoder, log_every=50,
                             feature_model=networks["default"], feature_weight=0.1)
    rows["encoder + optimization with feature loss, 200 steps"] = _errors(
        gan, networks, images, featured.latent_points, time.perf_counter() - start + encoder_seconds,
        featured.history)
    return rows


def _errors(gan, networks, images, points, seconds, history=None):
    reconstructions = latent.decode_points(gan, points)
    pixel = np.mean((reconstructions - images).reshape(len(images), -1) ** 2, axis=1)
    row = {"pixel_mse": float(pixel.mean())}
    for role, network in networks.items():
        features = network.features(reconstructions, gan.data_scale) - network.features(images, gan.data_scale)
        row["feature_distance" + feature_networks.SUFFIXES[role]] = float(np.linalg.norm(features, axis=1).mean())
    row["seconds"] = seconds
    if history:
        row["history"] = {"step": list(history["step"]), "pixel_mse": [float(v) for v in history["pixel_error"]]}
    print(row, flush=True)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=15.0)
    parser.add_argument("--models-dir", default="benchmarks/results/latent_models")
    parser.add_argument("--skip-training", action="store_true", help="train none: measure the saved models")
    parser.add_argument("--train", default="cvae,vae,dcgan", help="the models to train (the others are loaded)")
    parser.add_argument("--figures", default="cvae,path_length,concept,inversion", help="the figures to measure")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--encoder-epochs", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    run = provenance.start()
    print(f"{budget.describe(args)} per model; TF {tf.__version__}, Keras {keras.__version__}, "
          f"{run['processor']['model_name']}, {run['cores']} cores, load average {os.getloadavg()}", flush=True)
    os.makedirs(args.models_dir, exist_ok=True)
    trained = [] if args.skip_training else args.train.split(",")
    results = {**(budget.record(args) if trained else {}), "training": {}}
    paths = {name: os.path.join(args.models_dir, f"{name}.keras") for name in ("cvae", "vae", "dcgan")}
    figures = set(args.figures.split(","))
    needed = {"cvae": {"cvae"}, "path_length": {"vae", "dcgan"}, "concept": {"vae", "dcgan"}, "inversion": {"dcgan"}}
    for name in trained:
        results["training"][name] = train(name, args, paths[name])
    models = {name: keras.saving.load_model(paths[name]) for name in set().union(*(needed[f] for f in figures))}
    # Models trained by an earlier run: the file measured is all this result can say of their training.
    results["loaded_models"] = {name: provenance.saved_file(paths[name]) for name in models if name not in trained}
    extractor = keras_gen.evaluation.domain_classifier("fashion_mnist")
    print(f"feature network test accuracy: {extractor.test_accuracy}", flush=True)
    networks = {"default": extractor}

    if "cvae" in figures:
        judge = judge_classifier()
        networks["judge"] = judge
        results["judge_test_accuracy"] = judge.test_accuracy
        results["cvae"] = cvae_figures(models["cvae"], extractor, judge, args.num_samples)
        print(json.dumps(results["cvae"], indent=1), flush=True)
    if "path_length" in figures:
        results["path_length"] = {
            name: {method: latent.perceptual_path_length(models[name], extractor, 2000, method) for method in latent.METHODS}
            for name in ("vae", "dcgan")
        }
        print(results["path_length"], flush=True)
    if "concept" in figures:
        concept = {}
        for name, options in (("vae", {}), ("dcgan", {"steps": 200})):
            scale = models[name].data_scale
            train_images, train_labels = keras_gen.data.load_numpy("fashion_mnist", "train", scale=scale)
            test_images, test_labels = keras_gen.data.load_numpy("fashion_mnist", "test", scale=scale)
            concept[name] = concept_figures(models[name], extractor, train_images, train_labels, test_images,
                                            test_labels, options)
            print(name, concept[name], flush=True)
        results["concept_vector"] = concept
    if "inversion" in figures:
        networks["independent"] = feature_networks.independent()
        scale = models["dcgan"].data_scale
        train_images, _ = keras_gen.data.load_numpy("fashion_mnist", "train", scale=scale)
        test_images, _ = keras_gen.data.load_numpy("fashion_mnist", "test", scale=scale)
        results["inversion"] = inversion_figures(
            models["dcgan"], {role: networks[role] for role in ("default", "independent")}, train_images,
            test_images, args.encoder_epochs)
    results["feature_networks"] = feature_networks.describe(networks)
    if args.json:
        provenance.write_json(args.json, results, run)

if __name__ == "__main__":
    main()
