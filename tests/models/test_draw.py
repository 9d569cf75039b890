"""DRAW: the Gaussian filterbank against the paper's formulas, the ELBO's terms, the IWAE bound, sampling, options."""

import keras
import numpy as np
import pytest

from keras_gen.layers import attention_window, gaussian_filterbank, read_glimpse, write_patch
from keras_gen.models import DRAW, SamplesFromPrior, capabilities
from tests.test_case import changed, weights_of

SHAPE = (8, 8, 1)


def grey_images(count=8, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (count, *SHAPE)).astype("float32")


def numpy_filterbank(parameters, height, width, size):
    """`(F_X, F_Y, gamma)` by the letter of Gregor et al. (2015), eq. 19-26, pixels and filters counted from 1."""
    grid_x, grid_y, log_variance, log_stride, log_intensity = np.asarray(parameters, "float64").T
    centres = ((width + 1) / 2 * (grid_x + 1), (height + 1) / 2 * (grid_y + 1))
    stride = (max(height, width) - 1) / (size - 1) * np.exp(log_stride)
    variance = np.exp(log_variance)
    banks = []
    for centre, pixels in zip(centres, (width, height)):
        bank = np.zeros((len(centre), size, pixels))
        for n in range(len(centre)):
            for i in range(1, size + 1):
                mean = centre[n] + (i - size / 2 - 0.5) * stride[n]
                for a in range(1, pixels + 1):
                    bank[n, i - 1, a - 1] = np.exp(-((a - mean) ** 2) / (2 * variance[n]))
                bank[n, i - 1] /= bank[n, i - 1].sum()  # Z_X, Z_Y
        banks.append(bank)
    return banks[0], banks[1], np.exp(log_intensity)


# --- the attention ------------------------------------------------------------------------
def test_filterbank_glimpse_and_patch_follow_the_papers_formulas():
    rng = np.random.default_rng(0)
    count, height, width, size = 4, 7, 9, 3
    parameters = np.column_stack([
        rng.uniform(-0.8, 0.8, (count, 2)), rng.uniform(-0.5, 1.0, count), rng.uniform(-0.7, 0.3, (count, 2)),
    ]).astype("float32")
    window = attention_window(parameters, height, width, size)
    filter_x, filter_y = gaussian_filterbank(*window[:4], size, height, width)
    expected_x, expected_y, expected_intensity = numpy_filterbank(parameters, height, width, size)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(filter_x), expected_x, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(filter_y), expected_y, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(window[4]), expected_intensity, rtol=1e-5)

    images = rng.uniform(size=(count, height, width, 2)).astype("float32")
    expected_glimpse = np.einsum("nib,nbac,nja->nijc", expected_y, images, expected_x)  # F_Y x F_X^T
    glimpse = keras.ops.convert_to_numpy(read_glimpse(images, filter_x, filter_y))
    np.testing.assert_allclose(glimpse, expected_glimpse, rtol=1e-4, atol=1e-6)
    patches = rng.normal(size=(count, size, size, 2)).astype("float32")
    expected_canvas = np.einsum("nib,nijc,nja->nbac", expected_y, patches, expected_x)  # F_Y^T w F_X
    canvas = keras.ops.convert_to_numpy(write_patch(patches, filter_x, filter_y))
    np.testing.assert_allclose(canvas, expected_canvas, rtol=1e-4, atol=1e-6)


def test_a_full_image_window_with_a_tiny_variance_reads_and_writes_the_image_itself():
    side = 6  # N = A = B, centred (g~ = 0), delta~ = 1: one filter on each pixel
    parameters = np.array([[0.0, 0.0, np.log(1e-4), 0.0, 0.0]] * 2, "float32")
    window = attention_window(parameters, side, side, side)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(window[2]), [1.0, 1.0], rtol=1e-6)  # the stride
    filter_x, filter_y = gaussian_filterbank(*window[:4], side, side, side)
    images = np.random.default_rng(1).uniform(size=(2, side, side, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(read_glimpse(images, filter_x, filter_y)), images, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(write_patch(images, filter_x, filter_y)), images, atol=1e-5)


# --- the ELBO and the likelihood, on a model whose posterior and writes are constants --------
WRITE_WINDOW = [0.1, -0.2, 0.2, -0.1, 0.3]  # g~_X, g~_Y, log sigma^2, log delta~, log gamma
POSTERIOR_MEAN, POSTERIOR_LOG_VAR = 0.5, 0.4


def constant_model(steps=3, latent_dim=4, write_size=3):
    """DRAW whose q(z_t | ...) is N(0.5, e^0.4) at every step and whose every write is one fixed patch."""
    model = DRAW.for_images(SHAPE, steps=steps, units=4, latent_dim=latent_dim, write_size=write_size, seed=0)
    model.compile()
    patch = np.random.default_rng(2).normal(0, 0.5, (write_size, write_size, 1)).astype("float32")
    model.posterior.kernel.assign(np.zeros(model.posterior.kernel.shape, "float32"))
    model.posterior.bias.assign(np.repeat([POSTERIOR_MEAN, POSTERIOR_LOG_VAR], latent_dim).astype("float32"))
    model.writer.kernel.assign(np.zeros(model.writer.kernel.shape, "float32"))
    model.writer.bias.assign(patch.reshape(-1))
    model.write_window.kernel.assign(np.zeros(model.write_window.kernel.shape, "float32"))
    model.write_window.bias.assign(np.array(WRITE_WINDOW, "float32"))
    filter_x, filter_y, intensity = numpy_filterbank(np.array([WRITE_WINDOW]), *SHAPE[:2], write_size)
    canvas = steps / intensity[0] * np.einsum("nib,nijc,nja->nbac", filter_y, patch[None], filter_x)[0]
    return model, canvas


def log_p_x_given_canvas(images, canvas):
    """log Bernoulli(x; sigmoid(c)) summed over pixels, in float64."""
    probability = 1.0 / (1.0 + np.exp(-canvas.astype("float64")))
    return (images * np.log(probability) + (1 - images) * np.log(1 - probability)).reshape(len(images), -1).sum(1)


def total_kl(steps, latent_dim):
    """sum_t KL(N(m, e^v) || N(0, 1)) = T * d * (m^2 + e^v - v - 1) / 2, Kingma & Welling (2013), appendix B."""
    return steps * latent_dim * 0.5 * (POSTERIOR_MEAN**2 + np.exp(POSTERIOR_LOG_VAR) - POSTERIOR_LOG_VAR - 1)


def test_canvas_adds_up_the_writes_and_the_loss_is_bernoulli_plus_the_kl_of_every_step():
    model, canvas = constant_model()
    images = grey_images(6)
    sigmoid = 1.0 / (1.0 + np.exp(-canvas))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(images)), np.broadcast_to(sigmoid, images.shape),
                               rtol=1e-5)
    logs = model.evaluate(images, batch_size=6, verbose=0, return_dict=True)
    expected_reconstruction = -log_p_x_given_canvas(images, canvas[None]).mean()
    np.testing.assert_allclose(logs["reconstruction_loss"], expected_reconstruction, rtol=1e-5)
    np.testing.assert_allclose(logs["kl_loss"], total_kl(3, 4), rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], expected_reconstruction + total_kl(3, 4), rtol=1e-5)


def test_log_prob_is_the_importance_weighted_bound_over_whole_trajectories():
    # The canvas does not depend on z here, so log p(x) = log p(x | c_T) exactly, the one-sample
    # ELBO is log p(x | c_T) - KL on average, and more samples close most of the gap (Burda et al., 2016).
    model, canvas = constant_model()
    image = grey_images(1, seed=3)
    exact = log_p_x_given_canvas(image, canvas[None])[0]
    elbos = model.log_prob(np.repeat(image, 1024, axis=0), num_samples=1, batch_size=1024)
    bounds = model.log_prob(np.repeat(image, 64, axis=0), num_samples=64, batch_size=64)
    assert elbos.shape == (1024,) and bounds.shape == (64,) and np.isfinite(bounds).all()
    assert abs(elbos.mean() - (exact - total_kl(3, 4))) < 0.5  # the KL is 2.05 nats; the mean's std 0.08
    assert abs(bounds.mean() - exact) < 0.4  # the 64-sample gap is about 0.06 nats
    assert bounds.mean() > elbos.mean() + 1.0
    np.testing.assert_allclose(model.bits_per_dim(image, num_samples=64),
                               -model.log_prob(image, num_samples=64) / (np.log(2) * 64), rtol=0.2)


# --- sampling -------------------------------------------------------------------------------
def test_the_last_step_is_what_generate_returns_and_seeds_repeat_samples():
    model = DRAW.for_images(SHAPE, steps=3, units=8, latent_dim=2, seed=0)
    assert capabilities(model) == ["likelihood", "samples"] and not isinstance(model, SamplesFromPrior)
    steps = model.generate(5, seed=7, return_steps=True)
    images = model.generate(5, seed=7)
    assert steps.shape == (5, 3, *SHAPE) and images.shape == (5, *SHAPE)
    np.testing.assert_allclose(steps[:, -1], images, atol=1e-7)
    assert 0.0 <= steps.min() and steps.max() <= 1.0
    assert np.abs(steps[:, 0] - steps[:, -1]).max() > 1e-3  # each step adds to the canvas
    assert not np.array_equal(model.generate(5, seed=8), images)
    cold = model.generate(5, seed=7, temperature=0.0)  # z_t = 0: the same image five times
    np.testing.assert_allclose(cold, np.broadcast_to(cold[:1], cold.shape), atol=1e-6)
    twins = []
    for _ in range(2):
        keras.utils.set_random_seed(1)
        twins.append(DRAW.for_images(SHAPE, steps=3, units=8, latent_dim=2, seed=4).generate(3))
    np.testing.assert_array_equal(*twins)


def test_drawing_gives_generates_canvases_and_where_each_step_wrote():
    model, _ = constant_model(steps=3, write_size=3)
    canvases, windows = model.drawing(4, seed=5)
    np.testing.assert_allclose(canvases, model.generate(4, seed=5, return_steps=True), atol=1e-6)
    assert windows.shape == (4, 3, 4)
    # An independent reading of the fixed window: centre (g + 1) (A + 1) / 2 counted from 1, stride
    # (A - 1) / (N - 1) * exp(log delta); the patch spans (N - 1) / 2 strides and half a stride each side.
    height, width = SHAPE[:2]
    centre_x = (width + 1) / 2 * (WRITE_WINDOW[0] + 1) - 1
    centre_y = (height + 1) / 2 * (WRITE_WINDOW[1] + 1) - 1
    stride = (max(height, width) - 1) / 2 * np.exp(WRITE_WINDOW[3])
    expected = [centre_x - 1.5 * stride, centre_y - 1.5 * stride, centre_x + 1.5 * stride, centre_y + 1.5 * stride]
    np.testing.assert_allclose(windows, np.broadcast_to(expected, windows.shape), rtol=1e-5, atol=1e-5)
    whole = DRAW.for_images(SHAPE, steps=2, units=4, latent_dim=2, attention=False, seed=0).drawing(1)[1]
    np.testing.assert_array_equal(whole[0, 0], [-0.5, -0.5, width - 0.5, height - 0.5])


def test_grid_rows_show_each_sample_at_evenly_spaced_steps_ending_with_the_last():
    model = DRAW.for_images(SHAPE, steps=16, units=4, latent_dim=2, seed=0)
    images, columns = model.grid_samples(n=16, seed=3)
    assert columns == 8 and images.shape == (16, *SHAPE)
    drawn = model.generate(2, seed=3, return_steps=True)
    np.testing.assert_allclose(images.reshape(2, 8, *SHAPE), drawn[:, 1::2], atol=1e-7)  # steps 2, 4, ..., 16
    images, columns = model.grid_samples(n=6, seed=3, columns=3)
    assert columns == 3 and images.shape == (6, *SHAPE)
    np.testing.assert_allclose(images[2::3], drawn[:, -1], atol=1e-7)


# --- options and errors ---------------------------------------------------------------------
def test_without_attention_it_reads_and_writes_whole_images_trains_and_saves(tmp_path):
    model = DRAW.for_images(SHAPE, steps=2, units=4, latent_dim=2, attention=False, read_size=9, seed=0)
    assert model.read_window is None and model.write_window is None
    assert tuple(model.writer.kernel.shape) == (4, 64)
    assert tuple(model.encoder_cell.kernel.shape) == (2 * 64 + 4, 16)  # [x, x - sigmoid(c), h_dec]
    model.compile()
    images = grey_images()
    before = weights_of(model)
    logs = model.fit(images, batch_size=8, verbose=0).history
    assert changed(before, weights_of(model)) == len(before)
    np.testing.assert_allclose(logs["loss"][0], logs["reconstruction_loss"][0] + logs["kl_loss"][0], rtol=1e-5)
    path = tmp_path / "draw.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.get_config() == model.get_config()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(restored(images)),
                               keras.ops.convert_to_numpy(model(images)), atol=1e-6)


def test_training_lowers_the_negative_elbo():
    keras.utils.set_random_seed(0)
    model = DRAW.for_images(SHAPE, steps=4, units=16, latent_dim=4, seed=0)
    model.compile(keras.optimizers.Adam(3e-2))
    images = np.zeros((32, *SHAPE), "float32")
    images[:, ::2] = 1.0  # stripes
    before = model.evaluate(images, batch_size=32, verbose=0, return_dict=True)["loss"]
    assert abs(before - 64 * np.log(2)) < 2.0  # writes near 0 at first: pixels near fair coins
    model.fit(images, batch_size=8, epochs=2, verbose=0)  # 8 steps
    after = model.evaluate(images, batch_size=32, verbose=0, return_dict=True)["loss"]
    assert after < before - 5.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"steps": 0}, r"steps must be an integer >= 1"),
        ({"steps": 2.5}, r"steps must be an integer >= 1"),
        ({"units": 0}, r"units must be an integer >= 1"),
        ({"read_size": 9}, r"read_size=9 is larger than the 8x8 images.*attention=False"),
        ({"write_size": 12}, r"write_size=12 is larger than the 8x8 images"),
        ({"attention": "yes"}, r"attention must be True or False"),
        ({"reconstruction": "gaussian"}, r"Unknown reconstruction 'gaussian'; choose one of \('bernoulli',\)"),
        ({"data_scale": (-1.0, 1.0)}, r"Bernoulli decoder models pixels in \[0, 1\]"),
    ],
)
def test_bad_options_are_clear_errors(options, message):
    with pytest.raises(ValueError, match=message):
        DRAW.for_images(SHAPE, **options)


def test_bad_data_and_arguments_are_refused_before_any_update():
    model = DRAW.for_images(SHAPE, steps=2, units=4, latent_dim=2, seed=0)
    model.compile()
    start = weights_of(model)
    images = grey_images()
    with pytest.raises(ValueError, match="data_scale"):
        model.fit(images * 2.0 + 0.5, batch_size=8, verbose=0)
    poisoned = images.copy()
    poisoned[1, 2, 3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(poisoned, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="size mismatch"):
        model.fit(np.zeros((4, 9, 9, 1), "float32"), batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="num_samples must be an integer >= 1"):
        model.log_prob(images, num_samples=0)
    with pytest.raises(ValueError, match="return_steps must be True or False"):
        model.generate(2, return_steps="yes")
    with pytest.raises(ValueError, match="not conditional"):
        model.generate(2, labels=[0, 1])
    assert changed(start, weights_of(model)) == 0
