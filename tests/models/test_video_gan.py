"""VideoGAN: the two-stream video GAN (Vondrick et al., 2016)."""

import keras
import numpy as np
import pytest

from keras_gen.models import VideoGAN
from keras_gen.networks import two_stream_video_generator, volume_discriminator, volume_plan
from tests.test_case import changed, weights_of

CLIP = (4, 16, 16, 1)


def _model(**kwargs):
    return VideoGAN.for_videos(CLIP, **{"latent_dim": 8, "width": 4, "seed": 0, **kwargs})


def _clips(count=8, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, *CLIP)).astype("float32")


def test_volume_plan_doubles_time_only_while_it_divides():
    assert volume_plan((8, 32, 32, 1)) == (3, (1, 4, 4), [(2, 2, 2)] * 3)
    assert volume_plan((6, 32, 32, 1)) == (3, (3, 4, 4), [(2, 2, 2), (1, 2, 2), (1, 2, 2)])
    assert volume_plan((16, 16, 16, 1))[1] == (4, 4, 4)
    with pytest.raises(ValueError, match=r"\(frames or depth, height, width, channels\)"):
        volume_plan((32, 32, 1))


def test_the_clip_is_the_mask_blend_of_foreground_and_one_static_background():
    model = _model()
    points = np.random.default_rng(1).standard_normal((3, 8)).astype("float32")
    parts = model.generate_layers(latent_points=points)
    assert parts["foreground"].shape == (3, *CLIP) and parts["mask"].shape == (3, *CLIP[:-1], 1)
    assert parts["background"].shape == (3, *CLIP[1:])
    # An independent composition of the three parts.
    mask, background = parts["mask"], parts["background"][:, None]
    np.testing.assert_allclose(parts["video"], mask * parts["foreground"] + (1 - mask) * background, atol=1e-6)
    np.testing.assert_allclose(model.generate(latent_points=points), parts["video"], atol=1e-6)
    assert 0.0 <= mask.min() and mask.max() <= 1.0


def test_where_the_mask_is_closed_every_frame_shows_the_same_background():
    model = _model()
    mask_layer = model.generator.get_layer("mask")
    kernel, bias = mask_layer.get_weights()
    mask_layer.set_weights([np.zeros_like(kernel), np.full_like(bias, -30.0)])  # m = sigmoid(-30) ~ 0
    clips = model.generate(latent_points=np.random.default_rng(2).standard_normal((2, 8)).astype("float32"))
    np.testing.assert_allclose(clips, np.repeat(clips[:, :1], CLIP[0], axis=1), atol=1e-6)


def test_each_player_learns_in_its_own_update_and_the_mask_penalty_is_logged():
    model = _model(mask_weight=0.5)
    model.compile()
    generator, discriminator = weights_of(model.generator), weights_of(model.discriminator)
    history = model.fit(_clips(), batch_size=4, epochs=1, verbose=0).history
    assert changed(generator, weights_of(model.generator)) > 0
    assert changed(discriminator, weights_of(model.discriminator)) > 0
    assert 0.0 < history["mask_penalty"][0] <= 0.5
    assert "mask_penalty" not in _model(mask_weight=0.0).penalty_names()


def test_the_mask_penalty_is_the_weighted_mean_absolute_mask():
    model = _model(mask_weight=0.25)
    model.compile()
    points = np.random.default_rng(3).standard_normal((4, 8)).astype("float32")
    mask = model.generate_layers(latent_points=points)["mask"]
    context = type("Context", (), {"fake_parts": [mask]})()
    terms = model.generator_regularization(context, training=False)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(terms["mask_penalty"]),
                               0.25 * np.abs(mask).mean(axis=(1, 2, 3, 4)), rtol=1e-5)


def test_one_stream_baseline_makes_clips_without_layers():
    model = _model(two_stream=False, mask_weight=0.0)
    assert not model.two_stream and model.generate(2).shape == (2, *CLIP)
    with pytest.raises(ValueError, match="two_stream=False"):
        model.generate_layers(2)


def test_images_or_wrong_clips_are_rejected_before_any_update():
    model = _model()
    model.compile()
    start = weights_of(model)
    with pytest.raises(ValueError, match=r"\(batch, 4, 16, 16, 1\)"):
        model.fit(_clips()[:, 0], batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="frame"):
        model.fit(_clips()[:, :3], batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="data_scale"):
        model.fit(_clips() * 3.0, batch_size=4, verbose=0)
    assert changed(start, weights_of(model)) == 0


def test_saved_model_makes_the_same_clips_and_layers(tmp_path):
    model = _model()
    model.compile()
    model.fit(_clips(), batch_size=4, epochs=1, verbose=0)
    model.save(tmp_path / "video_gan.keras")
    restored = keras.saving.load_model(tmp_path / "video_gan.keras")
    points = np.random.default_rng(4).standard_normal((2, 8)).astype("float32")
    np.testing.assert_allclose(restored.generate(latent_points=points), model.generate(latent_points=points),
                               atol=1e-6)
    assert restored.two_stream and restored.mask_weight == model.mask_weight
    assert restored.data_kind == "videos" and restored.data_shape == CLIP


def test_builders_check_their_shapes():
    with pytest.raises(ValueError, match="clip shape"):
        two_stream_video_generator((16, 16, 1))
    assert volume_discriminator(CLIP, width=4).output_shape == (None, 1)
