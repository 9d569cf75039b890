"""VideoPixelCNN: causality over time and space, exact per-frame likelihoods, sampling, continuations, bad input."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gen import losses, networks
from keras_gen.models import VideoPixelCNN
from keras_gen.models.autoregressive.video_pixelcnn import fold_frames
from keras_gen.models.pixel_decoder import levels_to_unit_range
from tests.test_case import changed, weights_of

CLIP = (3, 8, 8, 1)


def grid_clips(count=4, shape=CLIP, seed=0):
    """Clips on the 8-bit grid of (0, 1): integers 0..255 divided by 255."""
    return (np.random.default_rng(seed).integers(0, 256, (count, *shape)) / 255.0).astype("float32")


def tiny_model(seed=0, shape=CLIP, **options):
    return VideoPixelCNN.for_videos(shape, filters=8, num_layers=2, context_layers=2, seed=seed, **options)


@pytest.fixture(scope="module")
def model():
    return tiny_model()


# --- causality --------------------------------------------------------------------------------
def test_the_context_of_frame_t_sees_only_frames_before_t_and_frame_one_gets_zeros():
    context_network = networks.video_context_network((4, 6, 6, 1), filters=4, context_layers=2)
    clips = np.random.default_rng(0).uniform(-1, 1, (2, 4, 6, 6, 1)).astype("float32")
    before = keras.ops.convert_to_numpy(context_network(clips))
    assert np.all(before[:, 0] == 0.0)
    for t in range(4):
        moved = clips.copy()
        moved[:, t] = -moved[:, t]
        after = keras.ops.convert_to_numpy(context_network(moved))
        np.testing.assert_array_equal(after[:, : t + 1], before[:, : t + 1])
        if t < 3:
            assert np.abs(after[:, t + 1] - before[:, t + 1]).max() > 1e-4


@pytest.mark.parametrize("t", [0, 1, 2])
def test_a_change_in_frame_t_moves_no_per_frame_log_prob_before_t(model, t):
    clips = grid_clips(2)
    before = model.log_prob(clips, per_frame=True)
    moved = clips.copy()
    moved[:, t] = 1.0 - moved[:, t]
    after = model.log_prob(moved, per_frame=True)
    np.testing.assert_allclose(after[:, :t], before[:, :t], rtol=1e-6)
    assert np.all(np.abs(after[:, t] - before[:, t]) > 1e-3)
    if t < CLIP[0] - 1:  # the context carries frame t into the next frame (weakly, at initialization)
        assert np.all(np.abs(after[:, t + 1] - before[:, t + 1]) > 1e-5)


def raster_before_or_at(shape, row, col):
    mask = np.zeros(shape, bool)
    mask[:row] = True
    mask[row, : col + 1] = True
    return mask


@pytest.mark.parametrize("row, col", [(0, 0), (2, 5), (4, 0), (7, 7)])
def test_within_a_frame_a_change_at_a_pixel_moves_no_parameters_at_or_before_it(model, row, col):
    t = 1
    clips = grid_clips(2)
    before = keras.ops.convert_to_numpy(model(clips))
    moved = clips.copy()
    moved[:, t, row, col] = 1.0 - moved[:, t, row, col]
    after = keras.ops.convert_to_numpy(model(moved))
    difference = np.abs(after - before).max(axis=(0, 4, 5))  # (T, H, W)
    assert np.all(difference[:t] == 0.0)
    assert np.all(difference[t][raster_before_or_at(CLIP[1:3], row, col)] < 1e-6)
    if (row, col) != (7, 7):
        assert difference[t][~raster_before_or_at(CLIP[1:3], row, col)].max() > 1e-4


def test_frame_one_is_modelled_with_an_empty_context(model):
    clips = grid_clips(2)
    whole = keras.ops.convert_to_numpy(model(clips))[:, 0]
    alone = model._frame_parameters(clips[:, 0], np.zeros((2, 8, 8, 8), "float32"))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(alone), whole, rtol=1e-5, atol=1e-6)


def test_a_band_of_rows_gives_the_whole_frame_parameters():
    shape = (2, 10, 6, 1)
    model = tiny_model(shape=shape)
    clips = grid_clips(2, shape)
    whole = keras.ops.convert_to_numpy(model(clips))[:, 1]
    context = keras.ops.convert_to_numpy(model.context_network(model._unit_range(clips)))[:, 1]
    band = model.sampling_rows + 1
    assert band < shape[1]
    for row in range(shape[1]):
        top = max(0, row - band + 1)
        part = model._frame_parameters(clips[:, 1, top : top + band], context[:, top : top + band])
        np.testing.assert_allclose(keras.ops.convert_to_numpy(part)[:, row - top], whole[:, row], rtol=1e-4,
                                   atol=1e-5)


# --- likelihood -------------------------------------------------------------------------------
def test_per_frame_log_probs_are_each_frames_likelihood_and_sum_to_the_clips(model):
    clips = grid_clips(3)
    per_frame = model.log_prob(clips, per_frame=True)
    total = model.log_prob(clips)
    assert per_frame.shape == (3, 3) and total.shape == (3,)
    np.testing.assert_allclose(per_frame.sum(axis=1), total, rtol=1e-6)
    parameters = keras.ops.convert_to_numpy(model(clips))
    for t in range(CLIP[0]):
        logits, means, log_scales = np.split(parameters[:, t], 3, axis=-1)
        x = levels_to_unit_range(np.round(clips[:, t] * 255).astype("int32"))
        expected = losses.discretized_logistic_mixture_log_likelihood(
            x, logits, np.tanh(means), np.maximum(log_scales, losses.MIN_LOG_SCALE)
        )
        np.testing.assert_allclose(per_frame[:, t], keras.ops.convert_to_numpy(expected), rtol=1e-5)
    dims = math.prod(CLIP)
    np.testing.assert_allclose(model.bits_per_dim(clips), -total / (math.log(2.0) * dims), rtol=1e-9)
    np.testing.assert_allclose(model.bits_per_dim(clips, per_frame=True),
                               -per_frame / (math.log(2.0) * dims / CLIP[0]), rtol=1e-9)


def test_categorical_output_gives_a_softmax_per_sub_pixel():
    model = tiny_model(output="categorical")
    clips = grid_clips(2)
    assert tuple(model(clips).shape) == (2, *CLIP, 256)
    logits = keras.ops.convert_to_numpy(model(clips))
    levels = np.round(clips * 255).astype("int32")
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = np.take_along_axis(log_softmax, levels[..., None], -1)[..., 0].sum(axis=(2, 3, 4))
    np.testing.assert_allclose(model.log_prob(clips, per_frame=True), expected, rtol=1e-4)


def test_fold_frames_puts_every_frame_in_the_batch():
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(fold_frames(x)), x.reshape(6, 4))


# --- sampling ---------------------------------------------------------------------------------
@pytest.mark.graph  # a compiled step per pixel: tracing pays off
def test_generate_draws_seeded_clips_on_the_grid(model):
    clips = model.generate(2, seed=3)
    assert clips.shape == (2, *CLIP) and clips.dtype == np.float32
    assert clips.min() >= 0.0 and clips.max() <= 1.0
    np.testing.assert_allclose(clips * 255, np.round(clips * 255), atol=1e-3)
    np.testing.assert_array_equal(model.generate(2, seed=3), clips)
    assert not np.array_equal(model.generate(2, seed=4), clips)
    grid, columns = model.grid_samples(n=2, seed=3)
    np.testing.assert_array_equal(grid, clips)
    assert columns is None


@pytest.mark.graph
def test_complete_keeps_the_known_frames_bit_for_bit(model):
    clips = grid_clips(2)
    one = model.complete(clips, known_frames=1, seed=0)
    several = model.complete(clips, known_frames=2, num_samples=3, seed=0)
    assert one.shape == (2, *CLIP) and several.shape == (2, 3, *CLIP)
    np.testing.assert_array_equal(one[:, :1], clips[:, :1])
    np.testing.assert_array_equal(several[:, :, :2], np.repeat(clips[:, None, :2], 3, axis=1))
    assert not np.array_equal(several[:, 0, 2], several[:, 1, 2])
    np.testing.assert_array_equal(model.complete(clips, known_frames=3), clips)
    assert model.complete(clips, known_frames=0, seed=0).shape == (2, *CLIP)


# --- training and saving ----------------------------------------------------------------------
def test_fit_on_numpy_and_tf_data_changes_the_weights():
    model = tiny_model()
    model.compile()
    clips = grid_clips(4)
    start = weights_of(model)
    history = model.fit(clips, batch_size=2, verbose=0)
    assert set(history.history) == {"loss", "bits_per_dim"} and np.isfinite(history.history["loss"][0])
    after_numpy = weights_of(model)
    assert changed(start, after_numpy) > 0
    model.fit(tf.data.Dataset.from_tensor_slices(clips).batch(2), verbose=0)
    assert changed(after_numpy, weights_of(model)) > 0


def test_save_load_gives_the_same_log_prob_and_resumes(tmp_path):
    model = tiny_model(seed=1)
    model.compile()
    clips = grid_clips(4)
    model.fit(clips, batch_size=2, verbose=0)
    path = tmp_path / "video_pixelcnn.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.data_shape == CLIP and restored.sampling_rows == model.sampling_rows
    np.testing.assert_array_equal(restored.log_prob(clips, per_frame=True), model.log_prob(clips, per_frame=True))
    assert int(restored.optimizer.iterations) == 2
    model.fit(clips, batch_size=2, verbose=0, shuffle=False)
    restored.fit(clips, batch_size=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(restored.log_prob(clips), model.log_prob(clips), rtol=1e-5)


# --- bad input --------------------------------------------------------------------------------
def test_bad_input_gets_clear_errors_before_any_weight_changes():
    model = tiny_model()
    model.compile()
    clips = grid_clips(4)
    start = weights_of(model)
    with pytest.raises(ValueError, match="not on the grid of 256 values"):
        model.fit(clips * 0.999, batch_size=2, verbose=0)
    dequantized = tf.data.Dataset.from_tensor_slices(clips + 0.001 * (clips < 0.5)).batch(2)
    with pytest.raises(ValueError, match="not on a grid of 256 pixel values"):
        model.fit(dequantized, verbose=0)
    with pytest.raises(ValueError, match=r"model of clips.*\(batch, 3, 8, 8, 1\); got images"):
        model.fit(clips[:, 0], batch_size=2, verbose=0)
    with pytest.raises(ValueError, match=r"model of clips.*\(batch, 3, 8, 8, 1\); got images"):
        model.fit(tf.data.Dataset.from_tensor_slices(clips[:, 0]).batch(2), verbose=0)
    with pytest.raises(ValueError, match="3 frames"):
        model.fit(clips[:, :2], batch_size=2, verbose=0)
    with pytest.raises(ValueError, match="3 frames"):
        model.fit(tf.data.Dataset.from_tensor_slices(clips[:, :2]).batch(2), verbose=0)
    with pytest.raises(ValueError, match="size mismatch"):
        model.fit(np.zeros((2, 3, 6, 6, 1), "float32"), batch_size=2, verbose=0)
    nan_clips = clips.copy()
    nan_clips[0, 1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(nan_clips, batch_size=2, verbose=0)
    with pytest.raises(ValueError, match="NaN"):
        model.fit(tf.data.Dataset.from_tensor_slices(nan_clips).batch(2), verbose=0)
    with pytest.raises(ValueError, match="data_scale"):
        model.fit(tf.data.Dataset.from_tensor_slices(clips * 255.0).batch(2), verbose=0)
    assert changed(start, weights_of(model)) == 0
    with pytest.raises(ValueError, match="not on the grid"):
        model.log_prob(clips * 0.999)
    with pytest.raises(ValueError, match="got images"):
        model.log_prob(clips[:, 0])
    with pytest.raises(ValueError, match="3 frames"):
        model.complete(clips[:, :2])
    for known_frames in (-1, 4, 1.5):
        with pytest.raises(ValueError, match=r"known_frames must be an integer in \[0, 3\]"):
            model.complete(clips, known_frames=known_frames)
    with pytest.raises(ValueError, match="num_samples"):
        model.complete(clips, num_samples=0)
    with pytest.raises(ValueError, match="temperature must be positive"):
        model.generate(2, temperature=0)
    with pytest.raises(ValueError, match="not conditional"):
        model.generate(2, labels=[0, 1])
    with pytest.raises(ValueError, match="clip shape is"):
        VideoPixelCNN.for_videos((8, 8, 1))
    with pytest.raises(ValueError, match="frame network must take"):
        context, _ = networks.video_pixelcnn_networks(CLIP, filters=8, num_layers=1, context_layers=1)
        VideoPixelCNN(context, networks.video_frame_network(CLIP[1:], filters=4, num_layers=1))


def test_a_clip_of_one_frame_has_only_the_empty_context():
    model = tiny_model(shape=(1, 4, 4, 1))
    clips = grid_clips(2, (1, 4, 4, 1))
    context = keras.ops.convert_to_numpy(model.context_network(clips))
    assert context.shape == (2, 1, 4, 4, 8) and np.all(context == 0.0)
    assert model.log_prob(clips, per_frame=True).shape == (2, 1)


def test_evaluate_reports_the_likelihood_by_default_and_clip_metrics_when_named(model):
    from keras_gen.evaluation.report import default_metrics, supported_metrics

    assert default_metrics(model) == ("nll",)  # pixel-by-pixel sampling: no sample metrics unless named
    assert {"nll", "frame_fid", "motion"} <= set(supported_metrics(model))
    assert VideoPixelCNN.for_videos(filters=4, num_layers=1, context_layers=1).data_shape == (8, 32, 32, 1)
