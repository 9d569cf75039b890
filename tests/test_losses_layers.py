"""Losses and layers against independent numpy computations."""

import keras
import numpy as np
import pytest

from keras_gen import losses
from keras_gen.layers import Sampling, reparameterize

RNG = np.random.default_rng(0)


def test_gaussian_kl_closed_form_matches_monte_carlo():
    mean = RNG.normal(size=(3, 4)).astype("float32")
    log_var = RNG.normal(scale=0.5, size=(3, 4)).astype("float32")
    kl = losses.gaussian_kl(mean, log_var).numpy()
    # Independent: sum of per-dimension KL(N(m, s^2) || N(0, 1)) = log(1/s) + (s^2 + m^2)/2 - 1/2
    s = np.exp(0.5 * log_var)
    expected = np.sum(-np.log(s) + (s**2 + mean**2) / 2 - 0.5, axis=1)
    np.testing.assert_allclose(kl, expected, rtol=1e-5)
    # And a Monte Carlo estimate agrees.
    z = mean[0] + s[0] * RNG.normal(size=(200_000, 4))
    log_q = np.sum(-0.5 * ((z - mean[0]) / s[0]) ** 2 - np.log(s[0]), axis=1)
    log_p = np.sum(-0.5 * z**2, axis=1)
    assert abs(np.mean(log_q - log_p) - expected[0]) < 0.02


def test_bernoulli_log_likelihood_is_negative_bce():
    x = RNG.uniform(size=(2, 5, 5, 1)).astype("float32")
    logits = RNG.normal(size=x.shape).astype("float32")
    p = 1 / (1 + np.exp(-logits))
    expected = np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2, 3))
    np.testing.assert_allclose(losses.bernoulli_log_likelihood(x, logits).numpy(), expected, rtol=1e-5)
    # Stable for large logits.
    assert np.isfinite(losses.bernoulli_log_likelihood(np.ones((1, 2), "float32"), np.full((1, 2), 200.0, "float32"))).all()


def test_gaussian_log_likelihood_matches_scipy():
    from scipy.stats import norm

    x = RNG.normal(size=(2, 3, 3, 1)).astype("float32")
    mean = RNG.normal(size=x.shape).astype("float32")
    got = losses.gaussian_log_likelihood(x, mean, np.log(0.3)).numpy()
    np.testing.assert_allclose(got, norm.logpdf(x, mean, 0.3).sum(axis=(1, 2, 3)), rtol=1e-5)


def test_discriminator_and_generator_losses():
    real = RNG.normal(size=(4, 1)).astype("float32")
    fake = RNG.normal(size=(4, 1)).astype("float32")
    sig = lambda v: 1 / (1 + np.exp(-v))
    np.testing.assert_allclose(
        losses.discriminator_loss(real, fake).numpy(),
        (-np.log(sig(real)) - np.log(1 - sig(fake)))[:, 0], rtol=1e-5)
    smoothed = losses.discriminator_loss(real, fake, np.full((4, 1), 0.9, "float32")).numpy()
    expected = -(0.9 * np.log(sig(real)) + 0.1 * np.log(1 - sig(real))) - np.log(1 - sig(fake))
    np.testing.assert_allclose(smoothed, expected[:, 0], rtol=1e-5)
    np.testing.assert_allclose(losses.generator_loss_non_saturating(fake).numpy(), -np.log(sig(fake))[:, 0], rtol=1e-5)
    np.testing.assert_allclose(losses.generator_loss_minimax(fake).numpy(), np.log(1 - sig(fake))[:, 0], rtol=1e-5)


def test_smoothed_noisy_targets():
    seed = keras.random.SeedGenerator(0)
    real = losses.smoothed_noisy_targets((1000, 1), 1, 0.1, 0.05, seed).numpy()
    fake = losses.smoothed_noisy_targets((1000, 1), 0, 0.1, 0.05, seed).numpy()
    assert 0.85 <= real.min() and real.max() <= 0.9 and real.std() > 0.01
    assert 0.0 <= fake.min() and fake.max() <= 0.05  # smoothing is one-sided
    exact = losses.smoothed_noisy_targets((3, 1), 1, 0.0, 0.0, seed).numpy()
    np.testing.assert_array_equal(exact, np.ones((3, 1)))


def test_sampling_layer_statistics_and_seed(tmp_path):
    mean = np.full((20_000, 2), [1.0, -2.0], "float32")
    log_var = np.full((20_000, 2), [np.log(4.0), 0.0], "float32")
    z = Sampling(seed=3)([mean, log_var]).numpy()
    np.testing.assert_allclose(z.mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(z.std(0), [2.0, 1.0], atol=0.05)
    np.testing.assert_array_equal(Sampling(seed=3)([mean, log_var]), z)
    np.testing.assert_array_equal(reparameterize(mean, np.full_like(log_var, -np.inf), 0), mean)
    inputs = [keras.Input((2,)), keras.Input((2,))]
    model = keras.Model(inputs, Sampling(seed=1, name="sampling")(inputs))
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    assert restored.get_layer("sampling").seed == 1


@pytest.mark.parametrize("shape,stages,start", [((28, 28), 2, (7, 7)), ((32, 32), 3, (4, 4)), ((64, 64), 4, (4, 4))])
def test_upsampling_plan(shape, stages, start):
    from keras_gen.networks import upsampling_plan

    assert upsampling_plan(shape) == (stages, start)


@pytest.mark.parametrize("layers_per_stage", [1, 2, 3])
def test_network_depth(layers_per_stage):
    from keras_gen import networks

    def convolutions(model):
        kinds = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)
        return [layer for layer in model.layers if isinstance(layer, kinds)]

    gen = networks.dcgan_generator((28, 28, 1), 8, width=4, layers_per_stage=layers_per_stage)
    disc = networks.dcgan_discriminator((28, 28, 1), width=4, layers_per_stage=layers_per_stage)
    enc = networks.conv_encoder((28, 28, 1), 2, width=4, layers_per_stage=layers_per_stage)
    dec = networks.conv_decoder((28, 28, 1), 2, width=4, layers_per_stage=layers_per_stage)
    # Two stages at 28x28, plus the generator's and decoder's output convolution.
    assert len(convolutions(gen)) == 2 * layers_per_stage + 1
    assert len(convolutions(disc)) == 2 * layers_per_stage
    assert len(convolutions(enc)) == 2 * layers_per_stage
    assert len(convolutions(dec)) == 2 * layers_per_stage + 1
    strided = [c for c in convolutions(disc) if c.strides == (2, 2)]
    assert len(strided) == 2 and all(c.kernel_size == (4, 4) for c in strided)
    assert tuple(gen.output_shape) == (None, 28, 28, 1) and tuple(dec.output_shape) == (None, 28, 28, 1)
    assert tuple(disc.output_shape) == (None, 1)


def test_network_depth_must_be_positive():
    from keras_gen import networks

    with pytest.raises(ValueError, match="layers_per_stage"):
        networks.dcgan_generator((28, 28, 1), 8, layers_per_stage=0)


def test_every_loss_is_importable_from_the_package_and_its_module():
    from keras_gen.losses import adversarial, auxiliary, likelihood, penalties, reconstruction

    homes = {
        adversarial: ["ADVERSARIAL_LOSSES", "AdversarialContext", "AdversarialLoss", "adversarial_loss",
                      "discriminator_loss", "smoothed_noisy_targets", "began_discriminator_loss"],
        auxiliary: ["class_cross_entropy", "masked_class_cross_entropy", "feature_matching_loss",
                    "softmax_logit_of_real", "mutual_information_loss"],
        likelihood: ["gaussian_kl", "bernoulli_log_likelihood", "gaussian_log_likelihood", "MIN_LOG_SCALE",
                     "categorical_pixel_log_likelihood", "discretized_logistic_mixture_log_likelihood"],
        penalties: ["random_interpolates", "gradient_penalty", "r1_penalty"],
        reconstruction: ["mean_absolute_error", "mean_squared_error", "masked_squared_error",
                         "peak_signal_to_noise_ratio"],
    }
    for module, names in homes.items():
        for name in names:
            assert getattr(losses, name) is getattr(module, name), name
    assert set(losses.__all__) == {name for name in dir(losses) if not name.startswith("_")} - {
        "adversarial", "auxiliary", "likelihood", "penalties", "reconstruction", "reduction"}
    assert not hasattr(losses, "GENERATOR_LOSSES")  # unused, removed


def test_unet_and_patchgan_share_the_downsampling_stages():
    from keras_gen import networks
    from keras_gen.networks.image_to_image import downsampling_stages

    def stages(model):
        return [(layer.name, type(layer).__name__, [tuple(w.shape) for w in layer.weights])
                for layer in model.layers if layer.name.startswith("down_")]

    unet = networks.unet_generator((16, 16, 1), width=4, depth=3)
    patchgan = networks.patchgan_discriminator((16, 16, 1), width=4, depth=3)
    # The saved weights of both live under these names: C4 without a norm, then C8, C16 with one.
    expected = [("down_0", "Conv2D", [(4, 4, 1, 4), (4,)]),
                ("down_1", "Conv2D", [(4, 4, 4, 8)]), ("down_1_norm", "GroupNormalization", [(8,), (8,)]),
                ("down_2", "Conv2D", [(4, 4, 8, 16)]), ("down_2_norm", "GroupNormalization", [(16,), (16,)])]
    assert stages(unet) == stages(patchgan) == expected
    last, outputs = downsampling_stages(keras.Input((16, 16, 1)), 4, 0)
    assert outputs == [] and tuple(last.shape) == (None, 16, 16, 1)
    # Images that cannot be halved get a PatchGAN without stride-2 stages, as before.
    assert tuple(networks.patchgan_discriminator((5, 5, 1), width=4).output_shape) == (None, 5, 5, 1)


@pytest.mark.parametrize("value", [-1, 1.5, 2.0, True, "8", None, float("nan")])
def test_check_count_rejects_what_is_not_a_whole_count(value):
    from keras_gen.networks.stages import check_count

    with pytest.raises(ValueError, match=r"planes must be an integer >= 0 \(feature maps\), got"):
        check_count(value, "planes", "feature maps")


def test_check_count_takes_numpy_integers_and_whole_floats_when_asked():
    from keras_gen.networks.stages import check_count

    assert check_count(np.int64(3), "planes", "feature maps") == 3
    assert type(check_count(np.int64(3), "planes", "feature maps")) is int
    assert check_count(2.0, "num_images", "images", minimum=1, whole_floats=True) == 2
    for bad in (0, 2.5, float("inf"), "2", True):
        with pytest.raises(ValueError, match=r"num_images must be a whole number >= 1 \(images\)"):
            check_count(bad, "num_images", "images", minimum=1, whole_floats=True)
