"""CrossConvCVAE: its loss against independent math, predictions, saving, resuming and bad input.

Tiny shapes throughout: clips of 4 frames of 16x16, widths of 4 to 8.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gen.models import CrossConvCVAE
from keras_gen.models.video.cross_conv import consecutive_pairs
from tests.test_case import changed, weights_of

SHAPE = (4, 16, 16, 1)
TINY = {"latent_dim": 4, "kernel_size": 3, "num_kernels": 4, "width": 4, "num_scales": 2, "hidden_units": 8}


def tiny(seed=0, compile=True, **options):
    model = CrossConvCVAE.for_videos(SHAPE, seed=seed, **{**TINY, **options})
    if compile:
        model.compile()
    return model


def clips(count=4, seed=0):
    """Clips of a bright square moving one pixel right per frame over a dark background."""
    rng = np.random.default_rng(seed)
    values = np.full((count, *SHAPE), -1.0, "float32")
    for i in range(count):
        row, col = rng.integers(2, 8, size=2)
        for t in range(SHAPE[0]):
            values[i, t, row : row + 4, col + t : col + t + 4] = 1.0
    return values


def test_consecutive_pairs_take_every_step_of_every_clip():
    data = clips(2)
    frames, next_frames = (keras.ops.convert_to_numpy(x) for x in consecutive_pairs(data))
    assert frames.shape == next_frames.shape == (2 * 3, 16, 16, 1)
    np.testing.assert_array_equal(frames[4], data[1, 1])
    np.testing.assert_array_equal(next_frames[4], data[1, 2])


def test_predictions_rollouts_and_motion_codes_have_their_shapes():
    model = tiny()
    data = clips(3)
    assert model.data_shape == SHAPE and model.data_kind == "videos" and model.image_shape == (16, 16, 1)
    assert model.predict_next(data[:, 0]).shape == (3, 1, 16, 16, 1)
    assert model.predict_next(data[:, 0], num_samples=5).shape == (3, 5, 16, 16, 1)
    rolled = model.rollout(data[:, 0], num_samples=2)
    assert rolled.shape == (3, 2, 4, 16, 16, 1)
    np.testing.assert_array_equal(rolled[:, :, 0], np.repeat(data[:, None, 0], 2, axis=1))  # the first frame as given
    assert model.rollout(data[:, 0], num_frames=6).shape == (3, 1, 6, 16, 16, 1)
    assert rolled.min() >= -1.0 and rolled.max() <= 1.0
    mean, log_var = model.encode_motion(data[:, 0], data[:, 1])
    assert mean.shape == log_var.shape == (3, 4)


def test_latent_points_make_predictions_deterministic_and_draws_differ():
    model = tiny()
    frames = clips(2)[:, 0]
    points = np.random.default_rng(1).normal(size=(2, 3, 4)).astype("float32")
    first = model.predict_next(frames, latent_points=points)
    np.testing.assert_array_equal(first, model.predict_next(frames, latent_points=points))
    # One draw per frame against three: another batch size, so equal up to float rounding, not bit for bit.
    np.testing.assert_allclose(model.predict_next(frames, latent_points=points[:, 0]), first[:, :1], atol=1e-6)
    np.testing.assert_array_equal(model.rollout(frames, latent_points=points), model.rollout(frames, latent_points=points))
    drawn = model.predict_next(frames, num_samples=3)
    assert not np.allclose(drawn[:, 0], drawn[:, 1]) and not np.allclose(drawn[:, 1], drawn[:, 2])
    assert not np.allclose(drawn, model.predict_next(frames, num_samples=3))  # the seed stream moves on


def test_a_rollout_keeps_one_motion_unless_asked_to_resample():
    model = tiny()
    frames = clips(1)[:, 0]
    point = np.random.default_rng(2).normal(size=(1, 4)).astype("float32")
    rolled = model.rollout(frames, num_frames=3, latent_points=point)
    # Step two is predict_next of step one under the same code.
    np.testing.assert_allclose(rolled[:, 0, 2], model.predict_next(rolled[:, 0, 1], latent_points=point)[:, 0],
                               atol=1e-6)
    assert model.rollout(frames, num_frames=3, resample_motion=True).shape == (1, 1, 3, 16, 16, 1)


def test_the_loss_is_the_difference_images_gaussian_nll_plus_the_kl_of_every_pair():
    model = tiny(decoder_std=0.5, beta=2.0)
    data = clips(2)
    logs = model.evaluate(data, batch_size=2, verbose=0, return_dict=True)
    frames, next_frames = data[:, :-1].reshape(-1, 16, 16, 1), data[:, 1:].reshape(-1, 16, 16, 1)
    mean, log_var = model.encode_motion(frames, next_frames)
    kl = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=-1)
    assert logs["kl_loss"] == pytest.approx(kl.mean(), rel=1e-4)
    # The reconstruction term under a drawn z is checked exactly on the baseline (z = 0) below.
    assert logs["loss"] == pytest.approx(logs["reconstruction_loss"] + 2.0 * logs["kl_loss"], rel=1e-5)


def test_the_baseline_regresses_the_difference_with_z_zero_and_no_kl():
    model = tiny(stochastic=False, decoder_std=0.5)
    assert not model.stochastic and model.motion_encoder is None
    data = clips(2)
    logs = model.evaluate(data, batch_size=2, verbose=0, return_dict=True)
    assert logs["kl_loss"] == 0.0
    frames, next_frames = data[:, :-1].reshape(-1, 16, 16, 1), data[:, 1:].reshape(-1, 16, 16, 1)
    difference = keras.ops.convert_to_numpy(model(data)).reshape(-1, 16, 16, 1) - frames
    nll = (np.sum((next_frames - frames - difference) ** 2, axis=(1, 2, 3)) / (2 * 0.25)
           + 256 * (math.log(0.5) + 0.5 * math.log(2 * math.pi)))
    assert logs["reconstruction_loss"] == pytest.approx(nll.mean(), rel=1e-4)
    samples = model.predict_next(data[:, 0], num_samples=3)
    np.testing.assert_array_equal(samples[:, 0], samples[:, 2])
    with pytest.raises(ValueError, match="deterministic baseline"):
        model.encode_motion(data[:, 0], data[:, 1])
    with pytest.raises(ValueError, match="no motion code"):
        model.predict_next(data[:, 0], latent_points=np.zeros((2, 4)))


def test_compile_defaults_to_adam_1e_3_with_one_player():
    model = tiny()
    assert model.optimizer_names == ("optimizer",)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(1e-3)


@pytest.mark.parametrize("source", ["numpy", "tf.data"])
def test_fit_trains_every_network(source):
    model = tiny()
    data = clips(4)
    before = {name: weights_of(getattr(model, name)) for name in (*model.network_names, "motion_encoder")}
    if source == "numpy":
        model.fit(data, batch_size=2, epochs=1, verbose=0)
    else:
        model.fit(tf.data.Dataset.from_tensor_slices(data).batch(2), epochs=1, verbose=0)
    for name, weights in before.items():
        assert changed(weights, weights_of(getattr(model, name))) == len(weights), name


@pytest.mark.parametrize("stochastic", [True, False])
def test_a_saved_model_predicts_the_same(stochastic, tmp_path):
    model = tiny(stochastic=stochastic, beta=0.5, decoder_std=0.3)
    data = clips(2)
    model.fit(data, batch_size=2, verbose=0)
    path = tmp_path / "cross_conv.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is CrossConvCVAE and loaded.stochastic == stochastic
    assert (loaded.beta, loaded.decoder_std, loaded.data_shape) == (0.5, 0.3, SHAPE)
    points = np.random.default_rng(3).normal(size=(2, 2, 4)).astype("float32") if stochastic else None
    np.testing.assert_allclose(loaded.predict_next(data[:, 0], latent_points=points),
                               model.predict_next(data[:, 0], latent_points=points), atol=1e-6)
    assert int(loaded.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy()) == 1


def test_resuming_from_a_saved_model_continues_as_one_run(tmp_path):
    data = clips(2)
    keras.utils.set_random_seed(5)  # the same initial weights for both runs
    straight = tiny(seed=5)
    straight.fit(data, batch_size=2, epochs=2, shuffle=False, verbose=0)
    keras.utils.set_random_seed(5)
    first = tiny(seed=5)
    first.fit(data, batch_size=2, epochs=1, shuffle=False, verbose=0)
    first.save(tmp_path / "half.keras")
    resumed = keras.saving.load_model(tmp_path / "half.keras")
    resumed.fit(data, batch_size=2, epochs=1, shuffle=False, verbose=0)
    assert int(resumed.optimizer.iterations.numpy()) == 2
    for a, b in zip(weights_of(resumed), weights_of(straight)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def _bad(kind):
    data = clips(2)
    if kind == "images":
        return data[:, 0]
    if kind == "frame count":
        return np.concatenate([data, data[:, :1]], axis=1)
    if kind == "frame size":
        return np.full((2, 4, 8, 8, 1), -1.0, "float32")
    if kind == "NaN":
        data[0, 1, 3, 3, 0] = np.nan
        return data
    data[1, 2] *= 3.0  # out of range
    return data


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("images", "got images"),
        ("frame count", "Frame count mismatch"),
        ("frame size", "Frame size mismatch"),
        ("NaN", "NaN"),
        ("range", "data_scale"),
    ],
)
@pytest.mark.parametrize("source", ["numpy", "tf.data"])
def test_bad_clips_are_refused_before_any_weight_changes(kind, message, source):
    model = tiny()
    before = weights_of(model)
    data = _bad(kind)
    if source == "tf.data":
        data = tf.data.Dataset.from_tensor_slices(data).batch(2)
    with pytest.raises(ValueError, match=message):
        model.fit(data, batch_size=None if source == "tf.data" else 2, verbose=0)
    assert changed(before, weights_of(model)) == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m, d: m.predict_next(np.zeros((2, 8, 8, 1), "float32")), "Image size mismatch"),
        (lambda m, d: m.predict_next(d), "single frames"),
        (lambda m, d: m.predict_next(d[:, 0] * 2), "data_scale"),
        (lambda m, d: m.predict_next(d[:, 0], latent_points=np.zeros((2, 3))), r"must have shape \(2, 4\)"),
        (lambda m, d: m.predict_next(d[:, 0], num_samples=2, latent_points=np.zeros((2, 3, 4))), "does not match"),
        (lambda m, d: m.predict_next(d[:, 0], num_samples=0), "num_samples must be"),
        (lambda m, d: m.rollout(d[:, 0], num_frames=0), "num_frames must be"),
        (lambda m, d: m.rollout(d[:, 0], latent_points=np.zeros((2, 4)), resample_motion=True), "no latent_points"),
        (lambda m, d: m.encode_motion(d[:, 0], d[:1, 1]), "one next frame per frame"),
    ],
)
def test_bad_arguments_of_the_predictions_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call(tiny(compile=False), clips(2))


def test_networks_that_do_not_fit_are_refused():
    small = tiny(compile=False)
    other = tiny(compile=False, num_kernels=2)
    with pytest.raises(ValueError, match="one kernel per feature map"):
        CrossConvCVAE(small.kernel_decoder, other.image_encoder, other.motion_decoder)
    with pytest.raises(ValueError, match="num_frames must be"):
        CrossConvCVAE(small.kernel_decoder, small.image_encoder, small.motion_decoder, num_frames=1)
