"""LAPGAN: the pyramid maths, the levels' shapes and latent layout, its errors, one step and its losses.

Saving, resuming, seeds and bad batches are the family contract's (`tests/test_families.py`).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gen.models.multiscale.lapgan import LAPGAN
from keras_gen.networks import laplacian
from keras_gen.networks.laplacian import laplacian_pyramid, reconstruct_from_pyramid
from tests.test_case import weights_of


def average_pool(images):
    """2x2 average pooling in numpy, independent of the model's."""
    n, h, w, c = images.shape
    return images.reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def bilinear_up(images):
    """Bilinear upsampling by 2 through TensorFlow's own resize (half-pixel centres)."""
    _, h, w, _ = images.shape
    return tf.image.resize(images, (2 * h, 2 * w), method="bilinear").numpy()


@pytest.fixture(scope="module")
def fashion_sized():
    keras.utils.set_random_seed(0)
    return LAPGAN.for_images((28, 28, 1), levels=3, latent_dim=6, noise_dim=3, width=4, coarse_units=8, seed=0)


@pytest.mark.parametrize(("shape", "levels"), [((32, 32, 3), 3), ((28, 28, 1), 3), ((16, 8, 1), 3), ((8, 8, 2), 2)])
def test_pyramid_of_real_images_rebuilds_them(shape, levels):
    images = np.random.default_rng(0).uniform(-1, 1, (4, *shape)).astype("float32")
    coarsest, residuals = laplacian_pyramid(images, levels)
    coarsest, residuals = keras.ops.convert_to_numpy(coarsest), [keras.ops.convert_to_numpy(r) for r in residuals]
    expected = images
    for _ in range(levels - 1):
        expected = average_pool(expected)
    np.testing.assert_allclose(coarsest, expected, atol=1e-6)
    assert [r.shape[1:3] for r in residuals] == [(shape[0] // 2**k, shape[1] // 2**k) for k in reversed(range(levels - 1))]
    finest_coarser = images if levels == 1 else average_pool(images)
    np.testing.assert_allclose(residuals[-1], images - bilinear_up(finest_coarser), atol=1e-6)
    rebuilt = keras.ops.convert_to_numpy(reconstruct_from_pyramid(coarsest, residuals))
    np.testing.assert_allclose(rebuilt, images, atol=1e-6)


def test_generate_and_its_pyramid(fashion_sized):
    model = fashion_sized
    assert model.levels == 3 and len(model.generators) == len(model.discriminators) == 3
    assert model.latent_dim == 6 + 3 + 3
    assert model.generate(5).shape == (5, 28, 28, 1)
    z = np.random.default_rng(1).standard_normal((4, model.latent_dim)).astype("float32")
    pyramid = model.generate(latent_points=z, return_pyramid=True)
    assert [level.shape for level in pyramid] == [(4, 7, 7, 1), (4, 14, 14, 1), (4, 28, 28, 1)]
    np.testing.assert_array_equal(pyramid[-1], model.generate(latent_points=z))
    np.testing.assert_allclose(pyramid[-1], model.generate(latent_points=z, batch_size=3), atol=1e-6)
    assert [level.shape for level in model.generate(2, return_pyramid=True)] == [(2, 7, 7, 1), (2, 14, 14, 1),
                                                                               (2, 28, 28, 1)]
    # Each level is the coarser one upsampled plus its generator's residual (kept in data_scale), computed here.
    np.testing.assert_allclose(pyramid[0], model.generators[0](z[:, :6], training=False).numpy(), atol=1e-6)
    blocks = [z[:, 6:9], z[:, 9:12]]
    for level in (1, 2):
        upsampled = bilinear_up(pyramid[level - 1])
        residual = model.generators[level]([blocks[level - 1], upsampled], training=False).numpy()
        assert np.abs(residual).max() <= 2.0
        np.testing.assert_allclose(pyramid[level], np.clip(upsampled + residual, -1.0, 1.0), atol=1e-5)


def test_latent_blocks_belong_to_their_levels(fashion_sized):
    model = fashion_sized
    z = np.random.default_rng(2).standard_normal((3, model.latent_dim)).astype("float32")
    base = model.generate(latent_points=z, return_pyramid=True)
    coarse_changed = z.copy()
    coarse_changed[:, :6] += 1.0
    changed = model.generate(latent_points=coarse_changed, return_pyramid=True)
    assert not np.allclose(changed[0], base[0])
    last_changed = z.copy()
    last_changed[:, 9:] += 1.0
    changed = model.generate(latent_points=last_changed, return_pyramid=True)
    np.testing.assert_array_equal(changed[0], base[0])
    np.testing.assert_array_equal(changed[1], base[1])
    assert not np.allclose(changed[2], base[2])


def test_grid_shows_every_level_of_each_sample(fashion_sized):
    images, columns = fashion_sized.grid_samples(n=9, seed=0)
    assert columns == 3 and images.shape == (9, 28, 28, 1)
    points = np.random.default_rng(0).standard_normal((3, 12)).astype("float32")  # fixed_latent_points(3, 12, 0)
    pyramid = fashion_sized.generate(latent_points=points, return_pyramid=True)
    np.testing.assert_array_equal(images[2::3], pyramid[-1])
    np.testing.assert_array_equal(images[0], np.repeat(np.repeat(pyramid[0][0], 4, axis=0), 4, axis=1))
    assert fashion_sized.grid_samples(n=9, columns=7)[1] == 6


@pytest.mark.parametrize(("shape", "levels", "pattern"), [
    ((28, 28, 1), 1, r"levels must be an integer >= 2.*got 1"),
    ((28, 28, 1), 2.5, r"levels must be an integer >= 2.*got 2\.5"),
    ((28, 28, 1), True, r"levels must be an integer >= 2"),
    ((30, 30, 1), 3, r"30x30.*3 levels.*divisible by 2\^\(levels - 1\) = 4.*largest levels that fits 30x30 is 2"),
    ((8, 8, 1), 4, r"8x8.*4 levels.*coarsest side of at least 2.*largest levels that fits 8x8 is 3"),
    ((9, 9, 1), 2, r"no pyramid of 2 or more levels fits 9x9"),
    ((2, 2, 1), 2, r"no pyramid of 2 or more levels fits 2x2"),
])
def test_pyramids_that_do_not_fit_are_clear_errors(shape, levels, pattern, monkeypatch):
    built = []
    for builder in ("mlp_generator", "mlp_discriminator", "lapgan_residual_generator", "lapgan_residual_discriminator"):
        monkeypatch.setattr(laplacian, builder, lambda *args, **kwargs: built.append(args))
    with pytest.raises(ValueError, match=pattern):
        LAPGAN.for_images(shape, levels=levels)
    assert built == []  # before any network


def test_return_pyramid_must_be_a_bool(fashion_sized):
    with pytest.raises(ValueError, match="return_pyramid must be True or False, got 'yes'"):
        fashion_sized.generate(2, return_pyramid="yes")
    with pytest.raises(ValueError, match=r"\(n, 12\)"):
        fashion_sized.generate(latent_points=np.zeros((2, 6), "float32"), return_pyramid=True)


def test_networks_that_do_not_make_one_pyramid_are_clear_errors(fashion_sized):
    generators, discriminators = fashion_sized.generators, fashion_sized.discriminators
    assert fashion_sized.latent_sizes == (6, 3, 3)
    with pytest.raises(ValueError, match="3 generators and 2 discriminators"):
        LAPGAN(generators, discriminators[:2])
    with pytest.raises(ValueError, match=r"generator of level 0 must map .* to \(14, 14, 1\)"):
        LAPGAN([generators[0], generators[2]], [discriminators[0], discriminators[2]])
    with pytest.raises(ValueError, match="discriminator of level 1 must take"):
        LAPGAN(generators, [discriminators[0], discriminators[2], discriminators[1]])


def test_one_step_updates_every_level_of_both_players():
    model = LAPGAN.for_images((32, 32, 3), latent_dim=4, noise_dim=2, width=4, coarse_units=8, seed=0)
    model.compile()
    assert [tuple(g.output_shape)[1:3] for g in model.generators] == [(8, 8), (16, 16), (32, 32)]
    before = {player: [v.numpy().copy() for v in model.optimizer_variables(player)] for player in model.optimizer_names}
    assert len(before["d_optimizer"]) == sum(len(d.trainable_variables) for d in model.discriminators)
    images = np.random.default_rng(0).uniform(-1, 1, (8, 32, 32, 3)).astype("float32")
    logs = model.fit(images, batch_size=8, epochs=1, verbose=0).history
    assert sorted(logs) == ["d_loss", "fake_score", "g_loss", "real_score"]
    for player, weights in before.items():
        after = model.optimizer_variables(player)
        assert all(not np.array_equal(old, new.numpy()) for old, new in zip(weights, after)), player
        assert int(model.players()[player].iterations.numpy()) == 1
    assert model.generate(2).shape == (2, 32, 32, 3)


def test_losses_are_the_sums_of_the_levels_losses():
    """With the hinge loss (no random targets) and no dropout, both losses are recomputed by hand."""
    model = LAPGAN.for_images((16, 16, 1), latent_dim=4, noise_dim=2, width=4, coarse_units=8, seed=1, loss="hinge")
    model.compile()
    images = np.random.default_rng(3).uniform(-1, 1, (6, 16, 16, 1)).astype("float32")
    state = model.seed_generator.state.numpy().copy()
    start = weights_of(model)
    logs = model.test_step(images)
    assert all(np.array_equal(a, b) for a, b in zip(start, weights_of(model)))
    model.seed_generator.state.assign(state)
    z = keras.ops.convert_to_numpy(model.sample_latent(6))  # the step's draw
    pyramid = [average_pool(average_pool(images)), average_pool(images), images]
    blocks = [z[:, :4], z[:, 4:6], z[:, 6:8]]
    d_loss = g_loss = 0.0
    for level in range(3):
        if level == 0:
            fake = model.generators[0](blocks[0], training=False).numpy()
            real_logits = model.discriminators[0](pyramid[0], training=False).numpy()
            fake_logits = model.discriminators[0](fake, training=False).numpy()
        else:
            upsampled = bilinear_up(pyramid[level - 1])
            fake = model.generators[level]([blocks[level], upsampled], training=False).numpy()
            real_logits = model.discriminators[level]([pyramid[level] - upsampled, upsampled], training=False).numpy()
            fake_logits = model.discriminators[level]([fake, upsampled], training=False).numpy()
        d_loss += np.mean(np.maximum(0, 1 - real_logits)) + np.mean(np.maximum(0, 1 + fake_logits))
        g_loss += -np.mean(fake_logits)
    np.testing.assert_allclose(float(logs["d_loss"]), d_loss, rtol=1e-5)
    np.testing.assert_allclose(float(logs["g_loss"]), g_loss, rtol=1e-5, atol=1e-6)
