"""keras_gen.latent.ppgn: plug & play sampling and the latent denoiser, on tiny models."""

import keras
import numpy as np
import pytest

from keras_gen import latent
from keras_gen.evaluation import classifiers as C
from keras_gen.evaluation.features import FeatureExtractor
from keras_gen.latent.ppgn import target_indices
from keras_gen.models import DCGAN, GAN, VAE, PixelCNN


def _linear_gan():
    """A GAN whose generator is one Dense layer: G(h) = h W + b, so gradients are known in closed form.

    Its weights are seeded: drawn from Keras' global seed, they depended on the tests run before, and one
    draw saturated the classifier's softmax, where float32 loses the gradient's small differences."""
    kernel = keras.initializers.GlorotUniform(seed=0)
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(16, kernel_initializer=kernel),
                                  keras.layers.Reshape((4, 4, 1))])
    discriminator = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    return GAN(generator, discriminator, seed=0)


def _linear_classifier(shape=(4, 4, 1), classes=3, seed=1):
    init = keras.initializers.RandomNormal(stddev=1.0, seed=seed)
    return keras.Sequential([keras.Input(shape), keras.layers.Flatten(), keras.layers.Dense(classes,
                                                                                             kernel_initializer=init)])


def _numpy_step(h, targets, noise, gan, classifier, prior_matrix, eps1, eps2, eps3):
    """One step of Nguyen et al.'s eq. 5 by hand: softmax gradients through two linear maps."""
    w, b = (np.asarray(v, "float64") for v in gan.generator.layers[0].get_weights())
    v, c = (np.asarray(x, "float64") for x in classifier.layers[-1].get_weights())
    logits = (h @ w + b) @ v + c
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    grad_x = v.T[targets] - p @ v.T  # d log p_t / dx
    grad_h = grad_x @ w.T
    grad_h /= np.sqrt(np.mean(grad_h**2, axis=1, keepdims=True))
    pull = -h if prior_matrix is None else h @ prior_matrix - h
    return h + eps1 * pull + eps2 * grad_h + eps3 * noise


@pytest.mark.parametrize("with_prior", [False, True])
def test_one_step_matches_an_independent_numpy_computation(with_prior):
    gan, classifier = _linear_gan(), _linear_classifier()
    targets, seed = np.array([0, 2, 1, 2]), 3
    prior, matrix = None, None
    if with_prior:
        matrix = np.random.default_rng(4).normal(0, 0.5, (3, 3))
        prior = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, use_bias=False)])
        prior.layers[0].set_weights([matrix.astype("float32")])
    chain = latent.ppgn_sample(gan, classifier, targets, prior=prior, steps=1, prior_step=0.2, class_step=0.3,
                               noise_step=0.05, seed=seed)
    rng = np.random.default_rng(seed)  # the documented order: the start, then each step's noise
    start, noise = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    expected = _numpy_step(start, targets, noise, gan, classifier, matrix, 0.2, 0.3, 0.05)
    np.testing.assert_allclose(chain.latent_points, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(chain.images, gan.generate(latent_points=chain.latent_points), atol=1e-6)
    assert chain.history["step"] == [0, 1] and chain.frames.shape == (4, 2, 4, 4, 1)


def test_without_a_prior_the_pull_is_minus_h_and_zero_steps_return_the_start():
    gan, classifier = _linear_gan(), _linear_classifier()
    start = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    chain = latent.ppgn_sample(gan, classifier, [0, 1], steps=1, prior_step=0.25, class_step=0.0, noise_step=0.0,
                               start=start)
    np.testing.assert_allclose(chain.latent_points, 0.75 * start, rtol=1e-6)
    still = latent.ppgn_sample(gan, classifier, [0, 1], steps=0, start=start)
    np.testing.assert_array_equal(still.latent_points, start)
    np.testing.assert_allclose(still.images, gan.generate(latent_points=start), atol=1e-6)
    assert still.history["step"] == [0] and still.frames.shape == (2, 1, 4, 4, 1)


def test_guidance_raises_the_target_probability_and_repeats_with_a_seed():
    gan = DCGAN.for_images((8, 8, 1), latent_dim=3, width=4, seed=0)
    guide = _linear_classifier((8, 8, 1))
    targets = [0, 1, 2, 0]
    chain = latent.ppgn_sample(gan, guide, targets, steps=12, class_step=0.3, prior_step=0.01, save_every=4)
    probability = chain.history["target_probability"]
    assert chain.history["step"] == [0, 4, 8, 12] and chain.frames.shape == (4, 4, 8, 8, 1)
    assert probability[-1] > probability[0] + 0.2, probability
    logits = keras.ops.convert_to_numpy(guide(chain.images))
    own = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(chain.target_probability, (own / own.sum(1, keepdims=True))[np.arange(4), targets],
                               rtol=1e-4)
    np.testing.assert_allclose(probability[-1], chain.target_probability.mean(), rtol=1e-5)
    again = latent.ppgn_sample(gan, guide, targets, steps=12, class_step=0.3, prior_step=0.01, save_every=4)
    np.testing.assert_array_equal(chain.latent_points, again.latent_points)
    other = latent.ppgn_sample(gan, guide, targets, steps=12, class_step=0.3, prior_step=0.01, seed=1)
    assert not np.allclose(chain.latent_points, other.latent_points)


def test_a_feature_extractor_guides_by_class_name():
    gan = DCGAN.for_images((8, 8, 1), latent_dim=3, width=4, seed=0)
    network = C.build_classifier((8, 8, 1), 3, C.ClassifierRecipe(epochs=1, feature_dim=8, filters=(4, 8)))
    extractor = FeatureExtractor(network, metadata={"class_names": ["T-shirt/top", "Ankle boot", "Bag"]})
    chain = latent.ppgn_sample(gan, extractor, ["ankle_boot", "t_shirt_top", 2], steps=6, class_step=0.5)
    np.testing.assert_array_equal(chain.targets, [1, 0, 2])
    probabilities = extractor.predict_proba(chain.images, data_scale=gan.data_scale)
    np.testing.assert_allclose(chain.target_probability, probabilities[np.arange(3), [1, 0, 2]], rtol=1e-4)
    assert chain.history["target_probability"][-1] > chain.history["target_probability"][0]


def test_the_denoiser_learns_to_remove_noise_and_round_trips(tmp_path):
    vae = VAE.for_images((8, 8, 1), latent_dim=3, width=4, hidden_units=8, seed=0)
    images = np.random.default_rng(0).uniform(0, 1, (128, 8, 8, 1)).astype("float32")
    denoiser = latent.train_latent_denoiser(vae, images, noise_stddev=0.3, epochs=4, batch_size=32,
                                            hidden_units=(16, 16), learning_rate=2e-2)
    assert isinstance(denoiser, latent.LatentDenoiser) and denoiser.latent_dim == 3
    codes = latent.to_latent(vae, images)
    noise = np.random.default_rng(1).normal(0, 0.3, codes.shape).astype("float32")
    denoised = keras.ops.convert_to_numpy(denoiser(codes + noise))
    # Untrained, R is the identity (its residual starts at zero): the error would be the noise's.
    assert np.mean((denoised - codes) ** 2) < 0.5 * np.mean(noise**2)
    path = str(tmp_path / "denoiser.keras")
    denoiser.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, latent.LatentDenoiser) and loaded.noise_stddev == 0.3
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(codes)), keras.ops.convert_to_numpy(denoiser(codes)),
                               atol=1e-6)
    # A trained prior steps: the chain runs with it, and a denoiser of other codes is refused.
    chain = latent.ppgn_sample(vae, _linear_classifier((8, 8, 1)), [0, 1], prior=loaded, steps=2)
    assert chain.images.shape == (2, 8, 8, 1)
    with pytest.raises(ValueError, match="denoiser of 5-d codes, but the model's latent_dim is 3"):
        latent.ppgn_sample(vae, _linear_classifier((8, 8, 1)), [0], prior=latent.LatentDenoiser(5), steps=1)


def test_a_gan_denoiser_trains_on_inverted_codes():
    gan = DCGAN.for_images((8, 8, 1), latent_dim=3, width=4, seed=0)
    images = gan.generate(latent_points=np.random.default_rng(0).standard_normal((16, 3)).astype("float32"))
    denoiser = latent.train_latent_denoiser(gan, images, epochs=1, batch_size=8, hidden_units=(8,), steps=2)
    assert denoiser.latent_dim == 3


def test_bad_input_gets_clear_errors():
    gan, classifier = _linear_gan(), _linear_classifier()
    with pytest.raises(ValueError, match=r"target 3 is outside the classifier's 3 classes; pass class indices in \[0, 3\)"):
        latent.ppgn_sample(gan, classifier, [0, 3], steps=1)
    with pytest.raises(ValueError, match="target -1 is outside"):
        latent.ppgn_sample(gan, classifier, [-1], steps=1)
    with pytest.raises(ValueError, match="knows no class names"):
        latent.ppgn_sample(gan, classifier, ["sneaker"], steps=1)
    with pytest.raises(ValueError, match="'boot' is not one of the classifier's classes; they are a, b, c"):
        latent.ppgn_sample(gan, classifier, ["boot"], steps=1, class_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="targets is empty"):
        latent.ppgn_sample(gan, classifier, [], steps=1)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="steps must be an integer >= 0"):
            latent.ppgn_sample(gan, classifier, [0], steps=bad)
    with pytest.raises(ValueError, match="class_step must be a finite number >= 0"):
        latent.ppgn_sample(gan, classifier, [0], class_step=float("nan"))
    with pytest.raises(ValueError, match="save_every must be an integer >= 1"):
        latent.ppgn_sample(gan, classifier, [0], save_every=0)
    with pytest.raises(ValueError, match="start has 1 points, but there are 2 targets"):
        latent.ppgn_sample(gan, classifier, [0, 1], start=np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"start points must have shape \(n, 3\)"):
        latent.ppgn_sample(gan, classifier, [0], start=np.zeros((1, 4)))
    softmax = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                                keras.layers.Dense(3, activation="softmax")])
    with pytest.raises(ValueError, match="ends in a softmax"):
        latent.ppgn_sample(gan, softmax, [0], steps=1)
    with pytest.raises(ValueError, match=r"takes images of shape \(8, 8, 1\), but the model makes \(4, 4, 1\)"):
        latent.ppgn_sample(gan, _linear_classifier((8, 8, 1)), [0], steps=1)
    with pytest.raises(TypeError, match="no latent points to move"):
        latent.ppgn_sample(PixelCNN.for_images((4, 4, 1)), classifier, [0], steps=1)
    with pytest.raises(ValueError, match="noise_stddev must be a positive number"):
        latent.LatentDenoiser(3, noise_stddev=0)
    assert target_indices(np.int64(2), 3).tolist() == [2]
