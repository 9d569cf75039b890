"""`evaluate`, `format_table`, `metric_direction` and `compute_sample_metrics`."""

import keras
import numpy as np
import pytest

from keras_gen.evaluation import (
    DEFAULT_METRICS,
    FeatureExtractor,
    compute_sample_metrics,
    evaluate,
    format_table,
    metric_direction,
)

from .stand_ins import ImagePoolGenerator, LinearGaussianVAE

SAMPLE_KEYS = {
    "fid",
    "kid",
    "kid_std",
    "precision",
    "recall",
    "density",
    "coverage",
    "classifier_score",
    "class_coverage",
    "label_entropy",
    "normalized_label_entropy",
}
LIKELIHOOD_KEYS = {"elbo", "elbo_bits_per_dim", "iwae_nll", "iwae_bits_per_dim"}


def tiny_extractor(image_shape=(2, 2, 1), num_classes=3):
    inputs = keras.Input(image_shape)
    features = keras.layers.Flatten(name="features")(inputs)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(features)
    return FeatureExtractor(keras.Model(inputs, outputs), name="tiny")


def test_evaluate_a_generator_on_fashion_mnist(fashion_extractor, fashion_test_images):
    real_pool = fashion_test_images[0][3000:3500]
    results = evaluate(
        ImagePoolGenerator(real_pool),
        "fashion_mnist",
        num_samples=400,
        batch_size=128,
        feature_extractor=fashion_extractor,
        kid_subset_size=200,
        kid_num_subsets=10,
    )
    assert set(results) == SAMPLE_KEYS
    assert all(isinstance(v, float) for v in results.values())
    noise = ImagePoolGenerator(np.random.default_rng(0).uniform(-1, 1, real_pool.shape))
    noisy = evaluate(
        noise,
        "fashion_mnist",
        num_samples=400,
        metrics=("fid", "recall"),
        feature_extractor=fashion_extractor,
    )
    assert set(noisy) == {"fid", "recall"}
    assert noisy["fid"] > 10 * results["fid"]


def test_evaluate_rescales_to_the_models_data_scale(fashion_extractor, fashion_test_images):
    pool = fashion_test_images[0][3000:3400]
    kwargs = {"num_samples": 300, "metrics": ("fid",), "feature_extractor": fashion_extractor}
    tanh = evaluate(ImagePoolGenerator(pool), "fashion_mnist", **kwargs)["fid"]
    unit = evaluate(
        ImagePoolGenerator((pool + 1) / 2, data_scale=(0.0, 1.0)), "fashion_mnist", **kwargs
    )["fid"]
    assert unit == pytest.approx(tanh, rel=1e-3)


def test_evaluate_a_vae_adds_likelihoods():
    vae = LinearGaussianVAE()
    real = LinearGaussianVAE(seed=1).generate(300)
    results = evaluate(
        vae,
        real,
        num_samples=300,
        feature_extractor=tiny_extractor(),
        num_importance_samples=4,
        kid_subset_size=100,
        kid_num_subsets=5,
    )
    assert set(results) == SAMPLE_KEYS | LIKELIHOOD_KEYS
    assert results["iwae_nll"] == pytest.approx(-vae.exact_log_px(real).mean(), rel=1e-5)
    only_iwae = evaluate(vae, real, num_samples=300, metrics=("iwae",), likelihood_images=10)
    assert set(only_iwae) == {"iwae_nll", "iwae_bits_per_dim"}


def test_evaluate_explains_bad_requests(fashion_extractor):
    pool = ImagePoolGenerator(np.zeros((10, 2, 2, 1)))
    with pytest.raises(ValueError, match=r"iwae needs a model that can bound its likelihood through an encoder"):
        evaluate(pool, np.zeros((10, 2, 2, 1)), num_samples=10, metrics=("fid", "iwae"))
    with pytest.raises(ValueError, match="pass feature_extractor too"):
        evaluate(pool, np.zeros((10, 2, 2, 1)), num_samples=10, metrics=("fid",))
    with pytest.raises(ValueError, match="Unknown metrics \\['is'\\]"):
        evaluate(pool, "fashion_mnist", metrics=("is",))
    with pytest.raises(ValueError, match="generates images shaped \\(2, 2, 1\\).*\\(28, 28, 1\\)"):
        evaluate(
            pool,
            "fashion_mnist",
            num_samples=10,
            metrics=("fid",),
            feature_extractor=fashion_extractor,
        )


def test_compute_sample_metrics_needs_probabilities_for_classifier_metrics(rng):
    features = rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match="no classifier head"):
        compute_sample_metrics(features, features, None, ("classifier_score",))
    assert set(compute_sample_metrics(features, features, None, ("precision",))) == {"precision"}


def test_metric_direction():
    assert metric_direction("fid") == "min"
    assert metric_direction("val_precision") == "max"
    assert metric_direction("val_class_coverage") == "max"
    assert metric_direction("iwae_bits_per_dim") == "min"
    with pytest.raises(ValueError, match="Unknown metric 'val_foo'"):
        metric_direction("val_foo")
    assert set(DEFAULT_METRICS) >= {"fid", "kid", "elbo", "iwae"}


def test_format_table():
    table = format_table(
        {"fid": 12.345, "precision": 0.71, "iwae_bits_per_dim": 1.23456789},
        title="model.keras vs fashion_mnist",
    )
    lines = table.splitlines()
    assert lines[0] == "model.keras vs fashion_mnist"
    assert lines[1].split() == ["metric", "value", "better"]
    assert lines[3].split() == ["fid", "12.345", "lower"]
    assert lines[4].split() == ["precision", "0.71", "higher"]
    assert lines[5].split() == ["iwae_bits_per_dim", "1.2346", "lower"]
    assert len({len(line) for line in lines[2:4]}) <= 2  # aligned columns


def test_what_is_measured_follows_the_capabilities():
    """An autoencoder (encodes, no prior) gets reconstruction errors; sample metrics are refused."""
    from keras_gen.evaluation import default_metrics
    from keras_gen.models import VAE, Autoencoder

    model = Autoencoder.for_images((8, 8, 1), latent_dim=4, width=4, hidden_units=8, seed=0)
    real = np.random.default_rng(0).uniform(0, 1, (20, 8, 8, 1)).astype("float32")
    assert default_metrics(model) == ("reconstruction",)
    results = evaluate(model, real, num_samples=20)
    errors = ((model.reconstruct(real) - real) ** 2).mean(axis=(1, 2, 3))
    assert set(results) == {"reconstruction_mse", "reconstruction_psnr"}
    assert results["reconstruction_mse"] == pytest.approx(errors.mean(), rel=1e-5)
    assert results["reconstruction_psnr"] == pytest.approx(np.mean(10 * np.log10(1.0 / errors)), rel=1e-5)
    with pytest.raises(ValueError, match="generate new images"):
        evaluate(model, real, num_samples=20, metrics=("fid",))
    with pytest.raises(ValueError, match="give a likelihood"):
        evaluate(model, real, num_samples=20, metrics=("nll",))
    vae = VAE.for_images((8, 8, 1), latent_dim=2, width=4, hidden_units=8, seed=0)
    assert set(default_metrics(vae)) == set(SAMPLE_KEYS) - {"kid_std", "label_entropy", "normalized_label_entropy"} | {
        "elbo", "iwae", "reconstruction"}


def test_the_library_and_the_command_accept_the_same_metrics_in_the_same_words():
    """One list of what a model supports: a VAE's nll (through log_prob) is accepted by both."""
    from keras_gen.cli.common import CommandError
    from keras_gen.cli.evaluate import check_metrics
    from keras_gen.evaluation import supported_metrics, unsupported_metrics
    from keras_gen.models import DCGAN, VAE

    vae = VAE.for_images((8, 8, 1), latent_dim=2, width=4, seed=0)
    assert {"nll", "elbo", "iwae", "reconstruction", "fid"} <= set(supported_metrics(vae))
    check_metrics(vae, "vae.keras", ["nll", "elbo"])  # no error
    gan = DCGAN.for_images((8, 8, 1), latent_dim=2, width=4, seed=0)
    unsupported, needs = unsupported_metrics(gan, ["fid", "nll", "elbo"])
    assert unsupported == ["nll", "elbo"]
    assert needs == ("nll needs a model that can give a likelihood log p(x); elbo needs a model that can bound "
                     "its likelihood through an encoder q(z|x) (a VAE)")
    with pytest.raises(ValueError) as library:
        evaluate(gan, np.zeros((10, 8, 8, 1), "float32"), num_samples=10, metrics=("fid", "nll", "elbo"))
    with pytest.raises(CommandError) as command:
        check_metrics(gan, "gan.keras", ["fid", "nll", "elbo"])
    assert needs in str(library.value) and needs in str(command.value)
